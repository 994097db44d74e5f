"""Celery tasks for payments: thin, take ids and ISO moments, call one service each.

`generate_period_payments` fixes the period's moment and fans out one
`generate_schools_payments` per batch of PAYMENTS_GENERATION_BATCH schools (bulk reads, one
engine and one write for the batch: see `funding.payments.generation`) as a chord whose
callback, `finish_period_payments`, records when the period was generated and which schools
failed (like monthly returns). A school's failure is reported, not raised, so one school never
stops the others; database errors are retried with backoff for only the schools that met them
(the batch's other results are carried into the retry).
"""

from __future__ import annotations

import datetime as dt
import logging

from celery import chord, shared_task
from django.conf import settings

from funding.payments import generation, services
from funding.tasks import BATCH_TASK, DB_ERRORS, flatten, run_batch, send_out_key

logger = logging.getLogger(__name__)


@shared_task(**BATCH_TASK)
def generate_schools_payments(
    self,
    period_id: int,
    school_ids: list[int],
    year_key: str | None = None,
    done: list[dict] | None = None,
) -> list[dict]:
    """One batch of schools: a result for each. `year_key` names the period's send-out (its
    year-wide inputs are read once a worker process); `done` carries the results of schools
    already written when the task is retried for the others."""
    return run_batch(
        self,
        school_ids,
        lambda ids: generation.payment_schools_generate(
            period_id=period_id, school_ids=ids, year_key=year_key
        ),
        result=lambda outcome: {"lines": outcome.lines},
        retry_args=lambda ids: (period_id, ids, year_key),
        done=done,
        what=f"Payments (period {period_id})",
    )


@shared_task(autoretry_for=DB_ERRORS, retry_backoff=True, max_retries=5)
def finish_period_payments(results: list, period_id: int) -> dict:
    """The chord's callback: `results` holds a list of school results per batch task."""
    flat = flatten(results)
    period = services.payment_generation_finish(period_id=period_id, results=flat)
    summary = {
        "period_id": period.pk,
        "schools": len(flat),
        "failed": [r["school_id"] for r in period.generation_failures],
    }
    logger.info("Payments generated: %s", summary)
    return summary


@shared_task(autoretry_for=DB_ERRORS, retry_backoff=True, max_retries=5)
def generate_period_payments(period_id: int, as_at: str | None = None) -> int:
    """The parent: fix the period's moment, one task per batch of schools, then the tally."""
    moment = dt.datetime.fromisoformat(as_at) if as_at else None
    period, school_ids = services.payment_generation_start(period_id=period_id, as_at=moment)
    if not school_ids:
        finish_period_payments(results=[], period_id=period.pk)
        return period.pk
    size = max(1, int(getattr(settings, "PAYMENTS_GENERATION_BATCH", generation.BATCH)))
    # The year-wide inputs as at the period's moment are read once a worker process for this
    # send-out, under its key (`funding.year_inputs`).
    year_key = send_out_key("payments", period.pk)
    chord(
        generate_schools_payments.s(period.pk, school_ids[i : i + size], year_key)
        for i in range(0, len(school_ids), size)
    )(finish_period_payments.s(period.pk))
    return period.pk
