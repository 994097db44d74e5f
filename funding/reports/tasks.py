"""Celery tasks for the reports: thin and idempotent, each calls one service.

`take_budget_snapshot` keeps the current month's budget position (R22); schedule it with
Celery beat, e.g. daily or on the last working day of each month:

    CELERY_BEAT_SCHEDULE["budget-snapshot"] = {
        "task": "funding.reports.tasks.take_budget_snapshot",
        "schedule": crontab(hour=6, minute=30),
    }

Running it again in the same month replaces that month's snapshot, so a daily schedule keeps
the latest position of each month and the trend one point per month.
"""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from funding.reports import services

logger = logging.getLogger(__name__)


@shared_task(
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=3,
    acks_late=True,
)
def take_budget_snapshot(financial_year: int | None = None, on: str | None = None) -> dict:
    """Snapshot the budget position of `financial_year` as of `on` (ISO date; default today)."""
    from schools.models import LocalAuthority

    if not LocalAuthority.objects.filter(is_administering=True).exists():
        return {"skipped": "No administering LA yet."}
    day = dt.date.fromisoformat(on) if on else None
    snapshot = services.budget_snapshot_take(financial_year=financial_year, on=day)
    logger.info("Budget snapshot %s for %s", snapshot.pk, snapshot.month)
    return {
        "snapshot_id": snapshot.pk,
        "month": snapshot.month.isoformat(),
        "budget": f"{snapshot.budget:.2f}",
        "commitment": f"{snapshot.commitment:.2f}",
    }
