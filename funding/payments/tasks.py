"""Celery tasks for payments: thin, take ids and ISO moments, call one service each.

`generate_period_payments` fixes the period's moment and fans out one
`generate_school_payments` per school as a chord whose callback, `finish_period_payments`,
records when the period was generated and which schools failed (like monthly returns). A
school's failure is reported, not raised, so one school never stops the others.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from celery import chord, shared_task
from django.db import InterfaceError, OperationalError

from funding.payments import services

logger = logging.getLogger(__name__)

DB_ERRORS = (OperationalError, InterfaceError)


@shared_task(
    bind=True,
    autoretry_for=DB_ERRORS,
    retry_backoff=True,
    retry_backoff_max=60,
    max_retries=5,
    acks_late=True,
)
def generate_school_payments(self, period_id: int, school_id: int) -> dict:
    started = time.perf_counter()
    try:
        outcome = services.payment_school_generate(period_id=period_id, school_id=school_id)
    except DB_ERRORS:
        if self.request.retries < self.max_retries:
            raise
        logger.exception("Payments for school %s (period %s) failed", school_id, period_id)
        return _failed(school_id, "database unavailable", started)
    except Exception as exc:
        logger.exception("Payments for school %s (period %s) failed", school_id, period_id)
        return _failed(school_id, f"{type(exc).__name__}: {exc}"[:500], started)
    return {
        "school_id": school_id,
        "lines": outcome.lines,
        "seconds": time.perf_counter() - started,
    }


def _failed(school_id: int, error: str, started: float) -> dict:
    return {"school_id": school_id, "error": error, "seconds": time.perf_counter() - started}


@shared_task(autoretry_for=DB_ERRORS, retry_backoff=True, max_retries=5)
def finish_period_payments(results: list[dict], period_id: int) -> dict:
    period = services.payment_generation_finish(period_id=period_id, results=results)
    summary = {
        "period_id": period.pk,
        "schools": len(results),
        "failed": [r["school_id"] for r in period.generation_failures],
    }
    logger.info("Payments generated: %s", summary)
    return summary


@shared_task(autoretry_for=DB_ERRORS, retry_backoff=True, max_retries=5)
def generate_period_payments(period_id: int, as_at: str | None = None) -> int:
    """The parent: fix the period's moment, one task per school, then the tally."""
    moment = dt.datetime.fromisoformat(as_at) if as_at else None
    period, school_ids = services.payment_generation_start(period_id=period_id, as_at=moment)
    if not school_ids:
        finish_period_payments(results=[], period_id=period.pk)
        return period.pk
    chord(generate_school_payments.s(period.pk, school_id) for school_id in school_ids)(
        finish_period_payments.s(period.pk)
    )
    return period.pk
