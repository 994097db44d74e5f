"""A run outside a transaction writes its lines while they are calculated (a second thread, its
own connection and transaction): the same lines as one write, and all or nothing."""

from __future__ import annotations

import datetime as dt
import sys
import time
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from funding import line_writes, row_reads, services
from funding.calculations.allocation import LineData
from funding.extensions import register_line_source, unregister_line_source
from funding.models import AllocationLine, RunStatus
from funding.selectors import allocation_inputs
from pupils.models import Pupil
from pupils.services import pupil_home_la_change
from tests.funding import builders as b

D = Decimal
# Committed rows (the writing thread's connection must see them); the database is emptied after.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

COLUMNS = (
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
)


def _lines(run):
    return sorted(
        AllocationLine.objects.filter(run=run).values_list(*COLUMNS),
        key=lambda row: tuple(map(str, row)),
    )


@pytest.fixture
def pupils(home_la, scheme):
    meadow = b.school(home_la, "Meadow Primary")
    dereham = b.school(home_la, "Dereham Primary")
    mover = b.pupil(home_la)
    b.place(mover, meadow, ends_on=dt.date(2025, 11, 2))
    b.place(mover, dereham, starts_on=dt.date(2025, 11, 3))
    b.plan(mover, lsa=20)
    for hours in (10, 20, 30):
        p = b.pupil(home_la)
        b.place(p, meadow)
        b.plan(p, lsa=hours)
    return meadow


@pytest.fixture
def batches(monkeypatch):
    """One line a batch, counting the batches the writing thread is given."""
    sent = []
    put = line_writes.LineWriter.put
    monkeypatch.setattr(line_writes, "STREAM_BATCH", 1)
    monkeypatch.setattr(
        line_writes.LineWriter, "put", lambda self, lines: (sent.append(lines), put(self, lines))
    )
    return sent


def test_r7_streamed_run_writes_the_same_lines_as_one_write(pupils, batches, monkeypatch):
    streamed = services.run_allocation(fy=2025, kind="revised")
    assert streamed.status == RunStatus.DONE, streamed.error
    # A batch a pupil (the mover's two periods together), 5 lines.
    assert (len(batches), streamed.line_count) == (4, 5)
    monkeypatch.setattr(line_writes, "STREAM_LINES", False)
    written = services.run_allocation(fy=2025, kind="revised")
    assert written.status == RunStatus.DONE, written.error
    assert _lines(streamed) == _lines(written)
    assert (streamed.totals, streamed.total_amount, streamed.progress) == (
        written.totals,
        written.total_amount,
        100,
    )
    # Mover: £6,090 a year = £3,174.57 + £2,915.43 (98 and 90 of 188 days, R7+);
    # 10 h: 10 × £15.50 × 39 = £6,045 − £6,000 = £45; 20 h: £6,090; 30 h: £18,135 − £6,000
    # = £12,135. Total £6,090 + £45 + £6,090 + £12,135 = £24,360.00.
    assert streamed.total_amount == D("24360.00")


def _source(line_amount=None, error=None):
    def source(inputs):
        if error is not None:
            raise error
        school_id = next(iter(inputs.schools))
        line = LineData(
            school_id=school_id,
            pupil_id=None,
            element="psf",
            rule="R15",
            period_from=b.FY_START,
            period_to=b.FY_END,
            school_days=188,
            year_days=188,
            annual_amount=line_amount,
            amount=line_amount,
            payer_la_id=inputs.administering_la_id,
            delegated=True,
            working={"rule": "R15"},
            explanation="test PSF",
        )
        return [line], []

    return source


@pytest.mark.parametrize(
    "source, error",
    [
        # The database refuses the last batch (amounts are never negative): nothing is kept.
        (_source(line_amount=D("-1.00")), "line_amount_not_negative"),
        # The calculation fails after lines were sent: the writing thread rolls them back.
        (_source(error=RuntimeError("source broke")), "RuntimeError: source broke"),
    ],
)
def test_streamed_run_that_fails_keeps_no_lines(pupils, batches, source, error):
    register_line_source("broken-test", source)
    try:
        result = services.run_allocation(fy=2025, kind="revised")
    finally:
        unregister_line_source("broken-test")
    assert result.status == RunStatus.FAILED
    assert error in result.error
    assert len(batches) >= 4
    assert not AllocationLine.objects.filter(run=result).exists()


@pytest.mark.parametrize("as_at", [False, True], ids=["live", "as at a moment"])
def test_r8_a_full_runs_reads_ahead_give_the_same_inputs_as_reading_in_turn(
    pupils, other_la, monkeypatch, as_at
):
    """A full run sends its big reads ahead on a second connection (`funding.row_reads`):
    the inputs are the same as read one after the other, home LA moves (R8+) and funding items
    (R9) included, live and as at a moment (from the history tables), and the reading
    connection is closed after."""
    mover = Pupil.objects.annotate(moves=Count("placements")).get(moves=2)
    pupil_home_la_change(pupil=mover, la=other_la, from_date=dt.date(2026, 1, 1))
    b.funding_item(mover, pupils, "enf", "5000", dt.date(2025, 9, 1), dt.date(2026, 7, 31))
    moment = timezone.now() if as_at else None

    def backends() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            )
            return cursor.fetchone()[0]

    read_ahead = []
    read_in_turn = row_reads._read_in_turn

    def spy(querysets, futures):
        read_ahead.append(len(querysets))
        read_in_turn(querysets, futures)

    monkeypatch.setattr(row_reads, "_read_in_turn", spy)
    before = backends()
    ahead = allocation_inputs(2025, as_at=moment)
    assert read_ahead == [5 if as_at else 6]  # as at a moment, home LAs are read in turn
    monkeypatch.setattr(row_reads, "READ_AHEAD", False)
    in_turn = allocation_inputs(2025, as_at=moment)
    assert read_ahead == [5 if as_at else 6]
    names = ("pupils", "placements", "plans", "supports", "funding_items", "home_las", "schools")
    assert [getattr(ahead, n) for n in names] == [getattr(in_turn, n) for n in names]
    assert len(ahead.pupils) == 4 and len(ahead.home_las[mover.pk]) == 2
    assert len(ahead.funding_items[mover.pk]) == 1
    # The server ends a closed connection's backend a moment after the close.
    for _ in range(50):
        if backends() == before:
            break
        time.sleep(0.02)
    assert backends() == before


def test_a_run_restores_the_interpreters_switch_interval(pupils):
    """The run asks for prompt hand-overs to its writing thread (`funding.thread_switches`)
    while it calculates, and puts the process's setting back after, also when it fails."""
    seen = []

    def source(inputs):
        seen.append(sys.getswitchinterval())
        return [], []

    before = sys.getswitchinterval()
    register_line_source("switch-test", source)
    try:
        done = services.run_allocation(fy=2025, kind="revised")
        register_line_source("switch-test", _source(error=RuntimeError("source broke")))
        failed = services.run_allocation(fy=2025, kind="revised")
    finally:
        unregister_line_source("switch-test")
    assert (done.status, failed.status) == (RunStatus.DONE, RunStatus.FAILED)
    assert seen == [0.0005]
    assert sys.getswitchinterval() == before
