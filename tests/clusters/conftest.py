"""Cluster fixtures: a Norfolk-style scheme for FY 2025-26 with round, hand-countable rates.

School days in FY 2025-26 (tests/conftest.py FY2025_TERMS, bank holidays removed):
  Summer 1 23 (5 May is a bank holiday), Summer 2 37, Autumn 1 38, Autumn 2 35, Spring 1 30,
  Spring 2 25 = 188. So 1 Apr-31 Aug 2025 = 60; 1 Apr 2025-4 Jan 2026 = 133; 5 Jan-31 Mar 2026 = 55.

Rates: LSA £15.00 an hour, 39 weeks, threshold £6,000. 20 h LSA a week costs
20 × £15.00 × 39 = £11,700.00; the engine's top-up is £11,700.00 - £6,000.00 = £5,700.00, so
PSF net of top-up is £6,000.00 a year (and £11,700.00 gross).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from funding.models import FundingScheme, HourlyRate
from pupils.models import AdmissionKind
from pupils.services import SupportHours, placement_start, plan_issue, pupil_create
from schools.models import EstablishmentType, Phase
from tests import factories

CUTOVER = dt.date(2024, 9, 1)


@pytest.fixture
def psf_scheme(home_la, fy2025_terms) -> FundingScheme:
    scheme = FundingScheme.objects.create(
        la=home_la,
        financial_year=2025,
        name="Norfolk-style FY 2025-26",
        awpu_primary=Decimal("3000"),
        awpu_ks3=Decimal("4000"),
        awpu_ks4=Decimal("4500"),
        threshold=Decimal("6000"),
        psf_enabled=True,
        psf_cutover_date=CUTOVER,
    )
    for phase in ("primary", "secondary"):
        for role, rate in (("lsa", "15.00"), ("lst", "30.00"), ("ta", "15.00")):
            HourlyRate.objects.create(
                scheme=scheme, role=role, phase=phase, hourly_rate=Decimal(rate)
            )
    return scheme


@pytest.fixture
def primary(home_la):
    return factories.SchoolFactory(la=home_la, name="Ashdown Primary School", urn=100001)


@pytest.fixture
def primary_b(home_la):
    return factories.SchoolFactory(la=home_la, name="Beacon Primary School", urn=100002)


@pytest.fixture
def nursery_school(home_la):
    return factories.SchoolFactory(
        la=home_la,
        name="Little Acorns Nursery School",
        urn=100003,
        phase=Phase.NURSERY,
        establishment_type=EstablishmentType.NURSERY,
        statutory_low_age=2,
        statutory_high_age=5,
    )


_serial = iter(range(1, 10000))


def make_pupil(
    home_la,
    school,
    *,
    dob=dt.date(2015, 3, 14),
    placed_on=dt.date(2019, 9, 1),
    issued_on=dt.date(2022, 9, 1),
    lsa_hours="20",
    admission=AdmissionKind.FIRST_ADMISSION,
):
    """A pupil placed at `school` with a plan of `lsa_hours` LSA hours a week."""
    from pupils.upn import make_upn

    n = next(_serial)
    pupil = pupil_create(
        upn=make_upn("999", "2001", 20, n),
        given_name="Pupil",
        family_name=f"Number {n}",
        date_of_birth=dob,
        home_la=home_la,
    )
    placement_start(pupil=pupil, school=school, starts_on=placed_on, admission_kind=admission)
    plan_issue(pupil=pupil, issued_on=issued_on, support=SupportHours(lsa_hours=Decimal(lsa_hours)))
    return pupil
