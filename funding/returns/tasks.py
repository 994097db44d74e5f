"""Celery tasks for monthly returns: thin, take ids and ISO dates, call one service each.

`generate_returns_for_month` fans out one `generate_school_returns` per batch of
RETURNS_GENERATION_BATCH schools (bulk reads, one engine and one write for the batch: see
`funding.returns.generation`) as a chord whose callback, `finish_return_generation`, records how
many returns were created, rebuilt and left alone and which schools failed. Database errors are
retried with exponential backoff, for only the schools that met them (the batch's other results
are carried into the retry); once the retries are spent (or on any other error) a school is
reported "failed" instead of raising, so one school never stops the others and the chord always
completes.
"""

from __future__ import annotations

import datetime as dt
import logging

from celery import chord, shared_task
from django.conf import settings
from django.utils import timezone

from funding.returns import selectors, services
from funding.returns.calculations import coming_month, parse_month
from funding.returns.models import ReturnGeneration
from funding.tasks import BATCH_TASK, DB_ERRORS, flatten, run_batch, send_out_key

logger = logging.getLogger(__name__)

BATCH = 100  # schools a task, unless settings.RETURNS_GENERATION_BATCH says otherwise


@shared_task(**BATCH_TASK)
def generate_school_returns(
    self,
    school_ids: list[int],
    month: str,
    generation_id: int | None = None,
    year_key: str | None = None,
    done: list[dict] | None = None,
) -> list[dict]:
    """One batch of schools: a result for each. `year_key` names the generation's send-out
    (its year-wide inputs are read once a worker process); `done` carries the results of
    schools already written when the task is retried for the others."""
    return run_batch(
        self,
        school_ids,
        lambda ids: services.monthly_returns_generate(
            school_ids=ids, month=parse_month(month), generation_id=generation_id, year_key=year_key
        ),
        result=lambda outcome: {"outcome": outcome.outcome, "lines": outcome.lines},
        retry_args=lambda ids: (ids, month, generation_id, year_key),
        done=done,
        what=f"Returns ({month})",
    )


@shared_task(autoretry_for=DB_ERRORS, retry_backoff=True, retry_backoff_max=60, max_retries=5)
def finish_return_generation(results: list, generation_id: int) -> dict:
    """The chord's callback: `results` holds a list of school results per batch task."""
    generation = services.return_generation_finish(
        generation_id=generation_id, results=flatten(results)
    )
    summary = {
        "generation_id": generation.pk,
        "month": generation.month.isoformat(),
        "created": generation.created,
        "rebuilt": generation.rebuilt,
        "left_alone": generation.left_alone,
        "failed": [f["school_id"] for f in generation.failures],
    }
    logger.info("Monthly returns generated: %s", summary)
    return summary


@shared_task(autoretry_for=DB_ERRORS, retry_backoff=True, max_retries=5)
def generate_returns_for_month(month: str, requested_by_id: int | None = None) -> int:
    """The parent: one task per batch of schools, then the tally. Answers the ReturnGeneration
    id."""
    generation, school_ids = services.return_generation_start(
        month=parse_month(month), requested_by_id=requested_by_id
    )
    if not school_ids:
        finish_return_generation(results=[], generation_id=generation.pk)
        return generation.pk
    _send_out(generation.pk, generation.month, school_ids)
    return generation.pk


def _send_out(generation_id: int, month, school_ids: list[int]) -> None:
    # Each batch reads its schools' records and runs the engine over its own pupils for the
    # month's money, so the work spreads over the worker's processes from the start (reading
    # the whole LA's money here first would keep every other process waiting for it). The
    # year-wide inputs (scheme, rates, calendar) are read once a worker process for this
    # send-out, under its key (`funding.year_inputs`).
    month_iso = month.isoformat()
    year_key = send_out_key("returns", generation_id)
    size = max(1, int(getattr(settings, "RETURNS_GENERATION_BATCH", BATCH)))
    chord(
        generate_school_returns.s(school_ids[i : i + size], month_iso, generation_id, year_key)
        for i in range(0, len(school_ids), size)
    )(finish_return_generation.s(generation_id))


@shared_task(autoretry_for=DB_ERRORS, retry_backoff=True, max_retries=5)
def resume_unfinished_return_generations() -> list[int]:
    """Beat: a generation cut short (a worker killed mid-run, a lost tally) is sent out again
    once its last attempt is RETURNS_GENERATION_STALE_MINUTES old, up to
    RETURNS_GENERATION_MAX_ATTEMPTS in all. Each school's return is idempotent: a missing one
    is created, an unopened one rebuilt, an opened one left alone. Answers the ids resumed."""
    stale_before = timezone.now() - dt.timedelta(minutes=settings.RETURNS_GENERATION_STALE_MINUTES)
    resumed = []
    for generation_id in selectors.stale_generations(stale_before):
        school_ids = services.return_generation_claim_resume(
            generation_id=generation_id,
            stale_before=stale_before,
            max_attempts=settings.RETURNS_GENERATION_MAX_ATTEMPTS,
        )
        if school_ids is None:
            continue
        generation = ReturnGeneration.objects.get(pk=generation_id)
        if school_ids:
            _send_out(generation_id, generation.month, school_ids)
        else:
            finish_return_generation(results=[], generation_id=generation_id)
        logger.warning("Resumed unfinished return generation %s", generation_id)
        resumed.append(generation_id)
    return resumed


@shared_task
def generate_returns_for_coming_month() -> int:
    """Beat: the returns for the month starting on or after today (default the 1st, 06:00)."""
    return generate_returns_for_month(coming_month(timezone.localdate()).isoformat())


@shared_task(autoretry_for=DB_ERRORS, retry_backoff=True, max_retries=5)
def send_overdue_return_reminders() -> int:
    return services.overdue_return_reminders_send()
