"""Report fixtures: a small borough with hand-countable money on the 188-school-day FY 2025-26.

School days in FY 2025-26 (tests/conftest.py FY2025_TERMS, bank holidays removed):
  Summer 1 23, Summer 2 37, Autumn 1 38, Autumn 2 35, Spring 1 30, Spring 2 25 = 188.
  1 Apr-31 Aug 2025 = 60, 1 Sep-31 Dec 2025 = 73, 1 Jan-31 Mar 2026 = 55,
  Q1 (Apr-Jun) 44, Q2 (Jul-Sep) 36, Q3 (Oct-Dec) 53, Q4 (Jan-Mar) 55.

Rates (the hourly method): LSA and TA £15.50, LST £30.00 an hour, 39 weeks, £6,000 threshold.
  20 h LSA: 20 × £15.50 × 39 = £12,090.00 − £6,000 = £6,090.00 a year.
  30 h LSA: 30 × £15.50 × 39 = £18,135.00 − £6,000 = £12,135.00 a year.
Notional SEN (Torbay's shape): 5% of the AWPU budget + 50% × FSM × £400 + 100% × LPA × £1,000.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from funding import services as funding_services
from funding.models import FundingScheme, HourlyRate, NotionalSenFactor
from schools.models import EstablishmentType, Phase
from tests import factories

D = Decimal
FY = 2025


def make_scheme(la, fy: int = FY, **overrides) -> FundingScheme:
    fields = dict(
        la=la,
        financial_year=fy,
        name=f"Report test scheme {fy}",
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


def primary_school(la, name="Alder Primary", **kwargs):
    return factories.SchoolFactory(
        la=la,
        name=name,
        phase=Phase.PRIMARY,
        establishment_type=EstablishmentType.COMMUNITY,
        statutory_low_age=4,
        statutory_high_age=11,
        **kwargs,
    )


def add_census(school, *, per_year: int = 30, fsm: int = 40, lpa: int = 10):
    """A January 2025 census: Reception to Year 6 of `per_year` each (primary roll 7 × n)."""
    return factories.SchoolCensusFactory(
        school=school,
        census_date=dt.date(2025, 1, 16),
        reception=per_year,
        year_1=per_year,
        year_2=per_year,
        year_3=per_year,
        year_4=per_year,
        year_5=per_year,
        year_6=per_year,
        fsm=fsm,
        low_prior_attainment=lpa,
    )


def pupil_with_plan(
    school,
    home_la,
    *,
    lsa: str = "20",
    starts_on: dt.date = dt.date(2024, 9, 1),
    ends_on: dt.date | None = None,
    issued_on: dt.date = dt.date(2024, 9, 1),
    date_of_birth: dt.date = dt.date(2015, 3, 14),
    given_name: str = "Amara",
    family_name: str = "Okafor",
    kind: str = "mainstream",
):
    """A pupil placed at `school` with an EHCP and `lsa` hours of LSA support (R5).

    Born 14 March 2015: Year 5 in 2024/25, Year 6 in 2025/26 (primary ends 31 August 2026).
    """
    pupil = factories.PupilFactory(
        home_la=home_la,
        date_of_birth=date_of_birth,
        given_name=given_name,
        family_name=family_name,
    )
    factories.PlacementFactory(
        pupil=pupil, school=school, starts_on=starts_on, ends_on=ends_on, kind=kind
    )
    plan = factories.PlanFactory(pupil=pupil, issued_on=issued_on)
    factories.SupportLevelFactory(plan=plan, effective_from=issued_on, lsa_hours=D(lsa))
    return pupil


def run(kind: str, fy: int = FY):
    result = funding_services.run_allocation(fy=fy, kind=kind)
    assert result.status == "done", result.error
    return result
