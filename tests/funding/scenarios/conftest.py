"""The small LA of the scenario tests (see test_scenarios.py for its money)."""

from __future__ import annotations

import pytest

from funding.scenarios import services
from tests.funding import builders as b


@pytest.fixture
def small_la(home_la, scheme):
    primary = b.school(home_la, "Meadow Primary")
    special = b.special_school(home_la, "Oak Special")
    b.band_rates(special, {1: "8000", 2: "12000"})
    pupils = {}
    for key, school_, support in (
        ("p1", primary, {"lsa": 20}),
        ("p2", primary, {"lsa": 10}),
        ("p3", special, {"band": 2}),
    ):
        p = b.pupil(home_la)
        b.place(p, school_)
        b.plan(p, **support)
        pupils[key] = p
    return {"primary": primary, "special": special, **pupils}


@pytest.fixture
def scenario(small_la):
    return services.scenario_create_from_scheme(financial_year=2025, name="Forum 2025")
