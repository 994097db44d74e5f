"""A run pauses Python's cyclic garbage collector while it reads and calculates (a quarter of
its CPU on a large LA went to scanning the objects it builds) and leaves the collector as it
found it afterwards, whether the run completes or fails: a worker process that ran a year
keeps collecting garbage."""

from __future__ import annotations

import gc

import pytest

from funding import services
from funding.extensions import register_line_source, unregister_line_source
from funding.models import RunStatus
from tests.funding import builders as b

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def placed_pupil(home_la, scheme):
    pupil = b.pupil(home_la)
    b.place(pupil, b.school(home_la, "Meadow Primary"))
    b.plan(pupil, lsa=20)
    return pupil


@pytest.fixture
def collector_seen():
    """Whether the collector was on while the run's line sources were asked for lines."""
    seen = []

    def source(inputs):
        seen.append(gc.isenabled())
        return [], []

    register_line_source("gc probe", source)
    yield seen
    unregister_line_source("gc probe")


@pytest.mark.parametrize("enabled", [True, False])
def test_run_pauses_the_collector_and_leaves_it_as_found(placed_pupil, collector_seen, enabled):
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        run = services.run_allocation(fy=2025, kind="revised")
        assert run.status == RunStatus.DONE
        assert collector_seen == [False]
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_failed_run_switches_the_collector_back_on(placed_pupil):
    def broken(inputs):
        raise RuntimeError("source broke")

    register_line_source("broken", broken)
    try:
        run = services.run_allocation(fy=2025, kind="revised")
    finally:
        unregister_line_source("broken")
    assert run.status == RunStatus.FAILED
    assert gc.isenabled()
