"""Writing an allocation run's lines: COPY on PostgreSQL (bulk_create elsewhere), and the thread
that writes them while the engine calculates the next ones.

Used by `funding.run_execution` (the run's transaction and final status are there).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from functools import partial

import orjson
from django.db import connection, transaction

from funding.calculations.allocation import AllocationResult, LineData
from funding.models import AllocationLine, AllocationRun

WRITE_BATCH = 5000
#: Write lines with COPY on PostgreSQL (bulk_create everywhere else, e.g. the SQLite demo).
USE_COPY = True
#: On PostgreSQL, outside a transaction: write the lines in a second thread (its own connection
#: and transaction) while the engine calculates the next ones, one COPY of about
#: `STREAM_BATCH` lines at a time with the foreign keys checked at the end of each, so the
#: database inserts and checks one batch while Python calculates the next (two cores).
STREAM_LINES = True
STREAM_BATCH = 1000


def _line_objects(run_id: int, lines: list[LineData]):
    for line in lines:
        yield AllocationLine(
            run_id=run_id,
            school_id=line.school_id,
            pupil_id=line.pupil_id,
            element=line.element,
            rule=line.rule,
            period_from=line.period_from,
            period_to=line.period_to,
            school_days=line.school_days,
            year_days=line.year_days,
            annual_amount=line.annual_amount,
            amount=line.amount,
            payer_la_id=line.payer_la_id,
            delegated=line.delegated,
            route=line.route,
            working=line.working,
            explanation=line.explanation,
        )


LINE_COLUMNS = [
    "run_id",
    "school_id",
    "pupil_id",
    "element",
    "rule",
    "period_from",
    "period_to",
    "school_days",
    "year_days",
    "annual_amount",
    "amount",
    "payer_la_id",
    "delegated",
    "route",
    "working",
    "explanation",
]


def _copy_escape(text: str) -> str:
    """COPY's text format: backslash, tab, newline and carriage return escaped."""
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = (
            text.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return text


def copy_lines(run_id: int, lines: list[LineData]) -> None:
    """PostgreSQL: stream the lines with COPY in its text format (several times faster than
    INSERT statements; same rows, same constraints checked)."""
    with connection.cursor() as cursor:
        copy_text(cursor, copy_rows(run_id, lines))


def copy_rows(run_pk: int, lines: list[LineData]) -> str:
    """The lines as rows of COPY's text format (`LINE_COLUMNS`), built with a single format
    per line."""
    # Compact UTF-8 JSON, as json.dumps(separators=(",", ":"), ensure_ascii=False) writes it,
    # number keys as text as json does (a tenth of the time: a run formats ~29,000 workings).
    dumps = partial(orjson.dumps, option=orjson.OPT_NON_STR_KEYS)
    escape = _copy_escape
    run_id = str(run_pk)
    return "".join(
        [
            f"{run_id}\t{line.school_id}\t{'\\N' if line.pupil_id is None else line.pupil_id}\t"
            f"{line.element}\t{line.rule}\t{line.period_from.isoformat()}\t"
            f"{line.period_to.isoformat()}\t{line.school_days}\t{line.year_days}\t"
            f"{line.annual_amount}\t{line.amount}\t"
            f"{'\\N' if line.payer_la_id is None else line.payer_la_id}\t"
            f"{'t' if line.delegated else 'f'}\t{line.route}\t"
            f"{escape(dumps(line.working).decode())}\t{escape(line.explanation)}\n"
            for line in lines
        ]
    )


def copy_text(cursor, rows: str) -> None:
    """One COPY statement of rows made by `copy_rows`, on a Django cursor."""
    table = AllocationLine._meta.db_table
    columns = ", ".join(f'"{c}"' for c in LINE_COLUMNS)
    with cursor.cursor.copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy:
        copy.write(rows)


def bulk_create_lines(run_id: int, lines: list[LineData]) -> None:
    objects = _line_objects(run_id, lines)
    while True:
        batch = [obj for _, obj in zip(range(WRITE_BATCH), objects, strict=False)]
        if not batch:
            break
        AllocationLine.objects.bulk_create(batch, batch_size=WRITE_BATCH)


def can_stream() -> bool:
    # Inside a transaction (a test's, a caller's) a second connection would not see its rows.
    return (
        STREAM_LINES
        and USE_COPY
        and connection.vendor == "postgresql"
        and not connection.in_atomic_block
    )


class _Abandoned(Exception):
    pass


class LineWriter(threading.Thread):
    """Writes a run's lines while they are calculated: a thread with its own connection and one
    transaction holding every line and, by `complete(run, result)`, the totals and the final
    status, as `funding.run_execution._write` (a run is either complete or has no lines). Each
    batch is one COPY whose foreign keys are checked when it ends (constraints immediate), so
    that work overlaps the engine's."""

    def __init__(
        self, run: AllocationRun, complete: Callable[[AllocationRun, AllocationResult], None]
    ):
        super().__init__(name=f"allocation-run-{run.pk}-lines", daemon=True)
        self.run_obj = run
        self.complete = complete
        self.batches: queue.SimpleQueue = queue.SimpleQueue()
        self.error: BaseException | None = None
        self.start()

    def put(self, lines: list[LineData]) -> None:
        """Queue lines to write. Their COPY rows are made here, in the calculating thread: the
        writer thread only sends them and waits for the database, so the database checks one
        batch while Python calculates and formats the next (the formatting holds the
        interpreter whichever thread does it)."""
        self.batches.put(copy_rows(self.run_obj.pk, lines))

    def abandon(self) -> None:
        """Roll the lines back (the calculation failed) and wait for the thread."""
        self.batches.put(_Abandoned)
        self.join()

    def finish(self, result: AllocationResult) -> None:
        """Write the totals and the final status, commit, and raise what the thread raised."""
        self.batches.put(result)
        self.join()
        if self.error is not None:
            raise self.error

    def run(self) -> None:
        last = False  # whether the calculating thread has sent its last item
        try:
            with transaction.atomic(durable=True):
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                    while True:
                        item = self.batches.get()
                        last = item is _Abandoned or isinstance(item, AllocationResult)
                        if item is _Abandoned:
                            raise _Abandoned
                        if last:
                            break
                        copy_text(cursor, item)
                self.complete(self.run_obj, item)
        except _Abandoned:
            pass
        except BaseException as exc:  # handed to the calculating thread by `finish`
            self.error = exc
            # Take what is still sent, so `finish` and `abandon` return.
            while not last:
                item = self.batches.get()
                last = item is _Abandoned or isinstance(item, AllocationResult)
        finally:
            connection.close()
