"""Celery tasks for monthly returns: thin, take ids and ISO dates, call one service each.

`generate_returns_for_month` fans out one `generate_school_return` per school as a chord whose
callback, `finish_return_generation`, records how many returns were created, rebuilt and left
alone and which schools failed. Database errors are retried with exponential backoff; once the
retries are spent (or on any other error) a school's task reports "failed" instead of raising,
so one school never stops the others and the chord always completes.
"""

from __future__ import annotations

import logging
import time

from celery import chord, shared_task
from django.db import InterfaceError, OperationalError, connections
from django.utils import timezone

from funding.returns import services
from funding.returns.calculations import coming_month, parse_month

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
def generate_school_return(self, school_id: int, month: str, generation_id: int | None = None):
    started = time.perf_counter()
    try:
        outcome = services.monthly_return_generate(
            school_id=school_id, month=parse_month(month), generation_id=generation_id
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
    month_iso = generation.month.isoformat()
    chord(
        generate_school_return.s(school_id, month_iso, generation.pk) for school_id in school_ids
    )(finish_return_generation.s(generation.pk))
    return generation.pk


@shared_task
def generate_returns_for_coming_month() -> int:
    """Beat: the returns for the month starting on or after today (default the 1st, 06:00)."""
    return generate_returns_for_month(coming_month(timezone.localdate()).isoformat())


@shared_task(autoretry_for=DB_ERRORS, retry_backoff=True, max_retries=5)
def send_overdue_return_reminders() -> int:
    return services.overdue_return_reminders_send()
