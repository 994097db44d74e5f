"""Running a queued allocation run in the background: claim it, read, calculate, write.

`allocation_run_execute` claims a queued run (idempotent: a run already claimed, done or failed
is left alone), reads its inputs (live, or as at the run's moment), calculates with the pure
engine while streaming lines to the writer thread (`funding.line_writes`), and records the
totals and final status, or why it failed. Progress is recorded between the stages.

Creating, approving and deleting runs stay in `funding.services`, which imports
`allocation_run_execute` back (`funding.services.allocation_run_execute` works as before).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import traceback
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from funding import line_writes
from funding.calculations.allocation import AllocationResult, NoSchoolDays, allocate
from funding.extensions import line_sources
from funding.gc_pause import cyclic_gc_paused
from funding.models import AllocationRun, RunStatus
from funding.selectors import allocation_inputs
from funding.thread_switches import prompt_thread_switches

#: Runs have always logged under `funding.services`; the name is kept for log routing.
logger = logging.getLogger("funding.services")

#: Seconds between two progress records while a run calculates.
PROGRESS_EVERY = 0.25


def _progress(run_id: int, percent: int, message: str) -> None:
    """Record how far a run has got. Outside a transaction (a run in the worker), without
    waiting for the commit to reach the disk: a progress message lost in a crash is harmless,
    and the twenty-odd waits were a noticeable part of a run."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO off")
            AllocationRun.objects.filter(pk=run_id).update(
                progress=percent, progress_message=message
            )
        return
    AllocationRun.objects.filter(pk=run_id).update(progress=percent, progress_message=message)


def allocation_run_execute(*, run_id: int) -> AllocationRun:
    """Calculate a queued run and write its lines; idempotent (a run already claimed, done or
    failed is left alone).

    Reads in bulk, calculates with the pure engine, then writes every line with bulk inserts
    in batches inside one transaction together with the totals and the final status, so a run
    is either complete or has no lines. Progress is recorded between the stages.
    """
    # A run given no moment reads the live tables and records when it started reading; one
    # given a moment reads the history tables as at it.
    read_as_at = AllocationRun.objects.filter(pk=run_id).values_list("as_at", flat=True).first()
    started = timezone.now()
    claimed = AllocationRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING,
        started_at=started,
        as_at=read_as_at or started,
        progress=5,
        progress_message="Reading schools, pupils, plans and rates",
    )
    run = AllocationRun.objects.select_related("scheme__la", "created_by").get(pk=run_id)
    if not claimed:
        return run
    with cyclic_gc_paused(), prompt_thread_switches():
        _execute(run, read_as_at)
    return AllocationRun.objects.select_related("scheme__la", "created_by").get(pk=run_id)


def _execute(run: AllocationRun, read_as_at: dt.datetime | None) -> None:
    """Read (live, or as at `read_as_at`), calculate and write the claimed `run`, or record
    why it failed. The cyclic collector is paused meanwhile (`funding.gc_pause`) and the
    writer thread gets the interpreter promptly (`funding.thread_switches`)."""
    run_id = run.pk
    try:
        inputs = allocation_inputs(
            run.financial_year, scheme=run.scheme, la=run.scheme.la, as_at=read_as_at
        )
        inputs.kind = run.kind  # R11+: an initial run funds special schools' January occupancy
        _progress(run_id, 20, f"Calculating {len(inputs.pupils):,} pupils")

        last_progress = time.monotonic()

        def progress(done: int, total: int) -> None:
            # At most a few times a second: each is a commit while the lines are being written.
            nonlocal last_progress
            now = time.monotonic()
            if now - last_progress < PROGRESS_EVERY and done < total:
                return
            last_progress = now
            _progress(run_id, 20 + int(50 * done / max(total, 1)), f"Calculated {done:,}/{total:,}")

        writer = line_writes.LineWriter(run, _complete) if line_writes.can_stream() else None
        try:
            result = allocate(
                inputs,
                progress,
                on_lines=writer.put if writer else None,
                batch=line_writes.STREAM_BATCH,
            )
            for name, source in line_sources():
                extra_lines, extra_warnings = source(inputs)
                result.lines.extend(extra_lines)
                result.warnings.extend(f"{name}: {w}" for w in extra_warnings)
                if writer is not None and extra_lines:
                    writer.put(list(extra_lines))
            _progress(run_id, 70, f"Writing {len(result.lines):,} lines")
        except BaseException:
            if writer is not None:
                writer.abandon()
            raise
        if writer is not None:
            writer.finish(result)
        else:
            _write(run, result)
    except (NoSchoolDays, ValidationError) as exc:
        _fail(run_id, "; ".join(getattr(exc, "messages", [str(exc)])))
    except Exception as exc:
        logger.exception("Allocation run %s failed", run_id)
        _fail(run_id, f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}")


def _fail(run_id: int, error: str) -> None:
    run = AllocationRun.objects.get(pk=run_id)
    run.status = RunStatus.FAILED
    run.error = error[:5000]
    run.finished_at = timezone.now()
    run.progress_message = "Failed"
    run._change_reason = "Run failed"
    run.save()


@transaction.atomic(durable=True)
def _write(run: AllocationRun, result: AllocationResult) -> None:
    """Every line, the totals and the final status in one transaction."""
    if connection.vendor == "postgresql" and line_writes.USE_COPY:
        line_writes.copy_lines(run.pk, result.lines)
    else:
        line_writes.bulk_create_lines(run.pk, result.lines)
    _complete(run, result)


def _complete(run: AllocationRun, result: AllocationResult) -> None:
    """The run's totals and final status (in the transaction that wrote its lines)."""
    totals = {k: f"{v:.2f}" for k, v in sorted(result.totals_by_element().items())}
    run.status = RunStatus.DONE
    run.progress = 100
    run.progress_message = "Done"
    run.finished_at = timezone.now()
    run.line_count = len(result.lines)
    run.total_amount = sum((line.amount for line in result.lines), Decimal("0"))
    run.totals = totals
    run.warnings = result.warnings[:500]
    run._change_reason = "Run completed"
    run.save()
