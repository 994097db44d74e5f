"""Funding fixtures: a scheme with round, hand-countable rates on the 188-school-day FY 2025-26.

School days in FY 2025-26 (tests/conftest.py FY2025_TERMS, bank holidays removed):
  Summer 1 23 (5 May is a bank holiday), Summer 2 37, Autumn 1 38, Autumn 2 35, Spring 1 30,
  Spring 2 25 = 188. So 1 Apr-31 Aug 2025 = 60, 1 Sep 2025-31 Mar 2026 = 128,
  1 Sep-31 Dec 2025 = 73, 1 Jan-31 Mar 2026 = 55.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from funding.models import FundingScheme, HourlyRate, NotionalSenFactor

D = Decimal


def make_scheme(la, fy: int = 2025, **overrides) -> FundingScheme:
    """Hourly method: LSA and TA £15.50, LST £30.00, 39 weeks, all delegated; £6,000 threshold;
    AWPU £3,000 / £4,000 / £4,500; notional SEN 5% AWPU + 50% FSM at £400 + 100% LPA at £1,000."""
    fields = dict(
        la=la,
        financial_year=fy,
        name=f"Test scheme {fy}",
        awpu_primary=D("3000.00"),
        awpu_ks3=D("4000.00"),
        awpu_ks4=D("4500.00"),
        threshold=D("6000.00"),
    )
    fields.update(overrides)
    scheme = FundingScheme.objects.create(**fields)
    for phase in ("primary", "secondary"):
        for role, rate in (("lsa", "15.50"), ("lst", "30.00"), ("ta", "15.50")):
            HourlyRate.objects.create(
                scheme=scheme, role=role, phase=phase, hourly_rate=D(rate), weeks_per_year=D("39")
            )
    NotionalSenFactor.objects.create(scheme=scheme, factor="awpu", weight_percent=D("5"))
    NotionalSenFactor.objects.create(
        scheme=scheme, factor="fsm", weight_percent=D("50"), rate_per_pupil=D("400.00")
    )
    NotionalSenFactor.objects.create(
        scheme=scheme,
        factor="low_prior_attainment",
        weight_percent=D("100"),
        rate_per_pupil=D("1000.00"),
    )
    return scheme


@pytest.fixture
def scheme(home_la, fy2025_terms) -> FundingScheme:
    return make_scheme(home_la)
