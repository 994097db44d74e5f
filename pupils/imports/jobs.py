"""Web imports as jobs (issue 17): a queued import of an uploaded file, run in the background
with its progress shown, and every problem of a refused file kept (downloadable as CSV)."""

from __future__ import annotations

import csv
import gzip
import io
import logging

from django.utils import timezone

from pupils.models import ImportJob
from schools.importing import SHOWN_ERRORS, ImportRejected

logger = logging.getLogger(__name__)

IMPORTERS = {
    "schools": "schools.services.schools_import",
    "pupils": "pupils.imports.pupils_import",
    "pupils_replace": "pupils.imports.pupils_import_replacing_periods",
    "spend": "funding.spend.services.sen_spend_import",
}
FAILED_MESSAGE = (
    "The import stopped because of an error in the system, and nothing was imported. Try again; "
    "if it happens again, tell the system administrator."
)


def _importer(kind: str):
    import importlib

    module, name = IMPORTERS[kind].rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


def import_job_create(*, kind: str, content: bytes, filename: str, user) -> ImportJob:
    """A queued import of the uploaded file, to run with `pupils.tasks.run_import_job`."""
    if kind not in IMPORTERS:
        raise ValueError(f"unknown import kind {kind!r}")
    return ImportJob.objects.create(
        kind=kind, filename=filename[:255], content=content, created_by=user
    )


def import_job_reject(job: ImportJob, rejected: ImportRejected) -> ImportJob:
    """Keep every problem of a refused file: the first SHOWN_ERRORS for the page, all as CSV."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Row", "Column", "Problem"])
    writer.writerows((e.row or "", e.column, e.message) for e in rejected.errors)
    job.status = ImportJob.Status.REJECTED
    job.error_count = len(rejected.errors)
    job.errors_shown = [[e.row, e.column, e.message] for e in rejected.errors[:SHOWN_ERRORS]]
    job.errors_csv_gz = gzip.compress(buffer.getvalue().encode("utf-8-sig"))
    job.summary = str(rejected)
    return _job_finish(job)


def _job_finish(job: ImportJob) -> ImportJob:
    job.content = b""
    job.finished_at = timezone.now()
    job.save()
    return job


def import_job_run(*, job_id: int) -> str:
    """Run a queued (or interrupted) job: its import is all or nothing and idempotent, so a job
    a killed worker left running is simply run again. Answers the job's status."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.finished:
        return job.status
    ImportJob.objects.filter(pk=job_id).update(status=ImportJob.Status.RUNNING)

    def progress(stage: str, done: int, total: int) -> None:
        ImportJob.objects.filter(pk=job_id).update(stage=stage, rows_done=done, rows_total=total)

    extra = {"progress": progress} if job.kind.startswith("pupils") else {}
    content, job.content = bytes(job.content), b""
    try:
        result = _importer(job.kind)(
            content=content, filename=job.filename, user=job.created_by, **extra
        )
    except ImportRejected as rejected:
        job.refresh_from_db(fields=["stage", "rows_done", "rows_total"])
        return import_job_reject(job, rejected).status
    except Exception:
        logger.exception("Import job %s (%s) failed", job_id, job.filename)
        job.status, job.summary = ImportJob.Status.FAILED, FAILED_MESSAGE
        return _job_finish(job).status
    finally:
        del content
    job.status, job.summary = ImportJob.Status.DONE, result.summary()
    job.stage, job.rows_done, job.rows_total = "Done", result.rows, result.rows
    return _job_finish(job).status


def import_job_errors_csv(job: ImportJob) -> bytes:
    return gzip.decompress(bytes(job.errors_csv_gz)) if job.errors_csv_gz else b""
