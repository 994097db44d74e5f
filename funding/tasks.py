"""Celery tasks for the funding engine: thin, take ids, call one service."""

from __future__ import annotations

from celery import shared_task

from funding import services


@shared_task(name="funding.run_allocation")
def run_allocation_task(run_id: int) -> str:
    """Calculate a queued allocation run (idempotent: a claimed or finished run is left alone)."""
    run = services.allocation_run_execute(run_id=run_id)
    return run.status
