"""Celery tasks for imports: thin, take an id, call one service (see funding/returns/tasks.py).

Without a broker (CELERY_BROKER_URL unset) the task runs eagerly, inside the upload request.
"""

from __future__ import annotations

import gc

from celery import shared_task
from django.db import InterfaceError, OperationalError

from pupils import imports


@shared_task(
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=3,
    acks_late=True,
)
def run_import_job(job_id: int) -> str:
    try:
        return imports.import_job_run(job_id=job_id)
    finally:
        gc.collect()  # a large file's rows are garbage now: give the memory back before the next
