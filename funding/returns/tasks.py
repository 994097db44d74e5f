"""Celery tasks for monthly returns: thin, take ids and ISO dates, call one service each.

`generate_returns_for_month` fans out one `generate_school_return` per school as a chord whose
callback, `finish_return_generation`, records how many returns were created, rebuilt and left
alone and which schools failed. Database errors are retried with exponential backoff; once the
retries are spent (or on any other error) a school's task reports "failed" instead of raising,
so one school never stops the others and the chord always completes.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from celery import chord, shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError, connections
from django.utils import timezone

from funding.returns import selectors, services
from funding.returns.calculations import coming_month, parse_month
from funding.returns.models import ReturnGeneration

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
def generate_school_return(
    self,
    school_id: int,
    month: str,
    generation_id: int | None = None,
    amounts: dict[str, str] | None = None,
):
    started = time.perf_counter()
    try:
        outcome = services.monthly_return_generate(
            school_id=school_id,
            month=parse_month(month),
            generation_id=generation_id,
            amounts=amounts,
        )
    except DB_ERRORS as exc:
        _drop_broken_connections()
        if self.request.retries < self.max_retries:
            raise  # autoretry_for retries it with backoff
        return _failed(school_id, exc, started)
    except Exception as exc:
        logger.exception("Return for school %s (%s) failed", school_id, month)
        return _failed(school_id, exc, started)
    return {
        "school_id": school_id,
        "outcome": outcome.outcome,
        "lines": outcome.lines,
        "seconds": time.perf_counter() - started,
        "finished": time.time(),
    }


def _drop_broken_connections() -> None:
    """So the retry does not reuse a broken connection (workers keep theirs between tasks)."""
    for conn in connections.all(initialized_only=True):
        if not conn.in_atomic_block:
            conn.close_if_unusable_or_obsolete()


def _failed(school_id: int, exc: Exception, started: float) -> dict:
    return {
        "school_id": school_id,
        "outcome": services.FAILED,
        "error": f"{type(exc).__name__}: {exc}"[:500],
        "seconds": time.perf_counter() - started,
        "finished": time.time(),
    }


@shared_task(autoretry_for=DB_ERRORS, retry_backoff=True, retry_backoff_max=60, max_retries=5)
def finish_return_generation(results: list[dict], generation_id: int) -> dict:
    generation = services.return_generation_finish(generation_id=generation_id, results=results)
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
    """The parent: one task per school, then the tally. Answers the ReturnGeneration id."""
    generation, school_ids = services.return_generation_start(
        month=parse_month(month), requested_by_id=requested_by_id
    )
    if not school_ids:
        finish_return_generation(results=[], generation_id=generation.pk)
        return generation.pk
    _send_out(generation.pk, generation.month, school_ids)
    return generation.pk


def _send_out(generation_id: int, month, school_ids: list[int]) -> None:
    month_iso = month.isoformat()
    # The month's money for every school is read once here (one engine over the LA), not once
    # per school; each school's task gets its own pupils' amounts with its arguments.
    amounts = selectors.monthly_amounts_by_school(month, school_ids)
    chord(
        generate_school_return.s(school_id, month_iso, generation_id, amounts[school_id])
        for school_id in school_ids
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
