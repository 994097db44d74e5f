"""SEN spend fixtures: Alder Primary (ours) and Birch Primary (someone else's), on the report
tests' hand-countable FY 2025-26 (tests/funding/reports/conftest.py)."""

from __future__ import annotations

import pytest

from tests import factories
from tests.funding.reports.conftest import add_census, make_scheme, primary_school


@pytest.fixture
def scheme(home_la, fy2025_terms):
    return make_scheme(home_la)


@pytest.fixture
def alder(home_la):
    school = primary_school(home_la, name="Alder Primary", urn=300001)
    add_census(school)
    return school


@pytest.fixture
def birch(home_la):
    school = primary_school(home_la, name="Birch Primary", urn=300002)
    add_census(school)
    return school


@pytest.fixture
def alder_manager(alder):
    return factories.school_manager(alder, username="alder-sbm")


@pytest.fixture
def birch_manager(birch):
    return factories.school_manager(birch, username="birch-sbm")
