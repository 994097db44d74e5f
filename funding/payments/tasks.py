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
import time

from celery import chord, shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings
from django.db import InterfaceError, OperationalError, connections

from funding.payments import generation, services

logger = logging.getLogger(__name__)

DB_ERRORS = (OperationalError, InterfaceError)


@shared_task(
    bind=True,
    autoretry_for=DB_ERRORS,
    retry_backoff=True,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=5,
    acks_late=True,
)
def generate_schools_payments(
    self, period_id: int, school_ids: list[int], done: list[dict] | None = None
) -> list[dict]:
    """One batch of schools: a result for each. `done` carries the results of schools already
    written when the task is retried for the others."""
    started = time.perf_counter()
    results = list(done or [])
    try:
        outcomes = generation.payment_schools_generate(period_id=period_id, school_ids=school_ids)
    except DB_ERRORS as exc:  # nothing written: every school again
        _drop_broken_connections()
        if self.request.retries < self.max_retries:
            raise  # autoretry_for retries it with backoff
        return results + [_failed(school_id, exc, started) for school_id in school_ids]
    except Exception as exc:
        logger.exception("Payments for schools %s (period %s) failed", school_ids, period_id)
        return results + [_failed(school_id, exc, started) for school_id in school_ids]
    seconds = (time.perf_counter() - started) / max(len(school_ids), 1)
    again = []
    for outcome in outcomes:
        if outcome.error is None:
            results.append(
                {"school_id": outcome.school_id, "lines": outcome.lines, "seconds": seconds}
            )
        elif isinstance(outcome.error, DB_ERRORS) and self.request.retries < self.max_retries:
            again.append(outcome.school_id)
        else:
            results.append(_failed(outcome.school_id, outcome.error, started))
    if again:
        _drop_broken_connections()
        raise self.retry(
            args=(period_id, again),
            kwargs={"done": results},
            countdown=get_exponential_backoff_interval(
                factor=1, retries=self.request.retries, maximum=60, full_jitter=True
            ),
        )
    return results


@shared_task(
    bind=True,
    autoretry_for=DB_ERRORS,
    retry_backoff=True,
    retry_backoff_max=60,
    max_retries=5,
    acks_late=True,
)
def generate_school_payments(self, period_id: int, school_id: int) -> dict:
    """One school on its own (the period sends batches: `generate_schools_payments`)."""
    started = time.perf_counter()
    try:
        outcome = services.payment_school_generate(period_id=period_id, school_id=school_id)
    except DB_ERRORS as exc:
        _drop_broken_connections()
        if self.request.retries < self.max_retries:
            raise
        logger.exception("Payments for school %s (period %s) failed", school_id, period_id)
        return _failed(school_id, exc, started)
    except Exception as exc:
        logger.exception("Payments for school %s (period %s) failed", school_id, period_id)
        return _failed(school_id, exc, started)
    return {
        "school_id": school_id,
        "lines": outcome.lines,
        "seconds": time.perf_counter() - started,
    }


def _failed(school_id: int, exc: Exception, started: float) -> dict:
    if isinstance(exc, DB_ERRORS):
        error = "database unavailable"
    else:
        error = f"{type(exc).__name__}: {exc}"[:500]
    return {"school_id": school_id, "error": error, "seconds": time.perf_counter() - started}


def _drop_broken_connections() -> None:
    """So the retry does not reuse a broken connection (workers keep theirs between tasks)."""
    for conn in connections.all(initialized_only=True):
        if not conn.in_atomic_block:
            conn.close_if_unusable_or_obsolete()


@shared_task(autoretry_for=DB_ERRORS, retry_backoff=True, max_retries=5)
def finish_period_payments(results: list, period_id: int) -> dict:
    """The chord's callback: `results` holds a list of school results per batch task (or one
    school's result, from a task of one school)."""
    flat = [
        result
        for item in results
        for result in (item if isinstance(item, list) else [item])
        if isinstance(result, dict)
    ]
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
    chord(
        generate_schools_payments.s(period.pk, school_ids[i : i + size])
        for i in range(0, len(school_ids), size)
    )(finish_period_payments.s(period.pk))
    return period.pk
