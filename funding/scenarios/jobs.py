"""Scenario runs in the background, with progress (R26): queue a run of a scenario for the
worker (Celery; eager when there is no broker) as a `ScenarioRunJob`, whose page shows its
progress and then links to the comparison; and the worker's side, which claims the job once
and does the run through `funding.scenarios.services.scenario_run`."""

from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from funding.scenarios.models import JobStatus, Scenario, ScenarioRunJob
from funding.scenarios.services import _user, _validate, past_moment, scenario_run

logger = logging.getLogger(__name__)


@transaction.atomic
def scenario_run_queue(*, scenario: Scenario, as_at: dt.datetime | None = None, user=None):
    """Queue a run of the scenario for the worker (Celery; eager when there is no broker):
    a `ScenarioRunJob` whose page shows its progress and then links to the comparison."""
    from funding.scenarios.tasks import scenario_run_task

    as_at = past_moment(as_at)
    _validate(scenario)
    job = ScenarioRunJob(
        scenario=scenario, as_at=as_at, requested_by=_user(user), message="Waiting for the worker"
    )
    job.full_clean()
    job.save()
    job_id = job.pk
    transaction.on_commit(lambda: scenario_run_task.delay(job_id))
    return job


def scenario_run_job_execute(*, job_id: int):
    """Do a queued run (idempotent: a job already claimed or finished is left alone)."""
    # Claimed by a conditional UPDATE: a second delivery of the task finds nothing queued.
    claimed = ScenarioRunJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING,
        started_at=timezone.now(),
        message="Running the scenario and the live scheme on the live data",
    )
    job = (
        ScenarioRunJob.objects.select_related("scenario", "requested_by").filter(pk=job_id).first()
    )
    if not claimed or job is None:
        return job
    try:
        run = scenario_run(scenario=job.scenario, as_at=job.as_at, user=job.requested_by)
    except ValidationError as exc:
        job.status, job.error = JobStatus.FAILED, "; ".join(exc.messages)[:2000]
        job.message = "The run could not be done"
    except Exception:  # noqa: BLE001 - recorded on the job, so its page never waits forever
        logger.exception("Scenario run job %s failed", job_id)
        job.status, job.error = JobStatus.FAILED, "An unexpected error stopped the run."
        job.message = "The run could not be done"
    else:
        job.status, job.run = JobStatus.DONE, run
        job.message = f"Done: {run.pupils:,} pupils, {run.lines:,} lines"
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error", "message", "run", "finished_at"])
    return job
