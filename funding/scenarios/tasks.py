"""Celery tasks for scenarios: thin, take ids, call one service."""

from __future__ import annotations

from celery import shared_task

from funding.scenarios import jobs


@shared_task(name="funding.scenarios.run")
def scenario_run_task(job_id: int) -> str:
    """Do a queued scenario run (R26)."""
    job = jobs.scenario_run_job_execute(job_id=job_id)
    return job.status if job is not None else "missing"
