"""Cluster fixtures: a Norfolk-style scheme for FY 2025-26 with round, hand-countable rates.

School days in FY 2025-26 (tests/conftest.py FY2025_TERMS, bank holidays removed):
  Summer 1 23 (5 May is a bank holiday), Summer 2 37, Autumn 1 38, Autumn 2 35, Spring 1 30,
  Spring 2 25 = 188. So 1 Apr-31 Aug 2025 = 60; 1 Apr 2025-4 Jan 2026 = 133; 5 Jan-31 Mar 2026 = 55.

Rates: LSA £15.00 an hour, 39 weeks, threshold £6,000. 20 h LSA a week costs
20 × £15.00 × 39 = £11,700.00; the engine's top-up is £11,700.00 - £6,000.00 = £5,700.00.
Each protected pupil has a protected historical amount of £8,450.00 a year (`PROTECTED`), so on
the default basis (R15+) PSF is £8,450.00 − £5,700.00 top-up = £2,750.00 a year; in full it is
£8,450.00.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from funding.models import FundingScheme, HourlyRate
from pupils.models import AdmissionKind
from pupils.services import SupportHours, placement_start, plan_issue, pupil_create
from schools.models import EstablishmentType, Phase
from tests import factories

CUTOVER = dt.date(2024, 9, 1)
PROTECTED = "8450.00"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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
    protected=PROTECTED,
):
    """A pupil placed at `school` with a plan of `lsa_hours` LSA hours a week and a protected
    historical amount of `protected` a year (None: none recorded)."""
    from clusters.models import PsfProtectedAmount
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
    if protected is not None:
        PsfProtectedAmount.objects.create(
            pupil=pupil, annual_amount=Decimal(protected), source="PSF schedule 2023-24"
        )
    return pupil


# ---- a small world of two clusters, for the pages, the cycle and access tests ---------------


class World:
    pass


@pytest.fixture
def world(db, home_la):
    """North Cluster (schools A and B, host `host_n`), South Cluster (school C, host `host_s`),
    a pot for the current financial year and one SENCO (school business manager) per school.

    Pot £100,000.00, fixed £1,000.00 a school: 3 schools, £97,000.00 by 1,000 pupils (A 300,
    B 200, C 500) = £97.00 a pupil. North £2,000 + 500 × £97 = £50,500.00; South £1,000 +
    500 × £97 = £49,500.00.
    """
    from django.utils import timezone

    from clusters.models import ClusterMeeting, ClusterPot, MeetingStatus
    from schools.dates import AcademicYear, FinancialYear

    w = World()
    w.today = timezone.localdate()
    w.fy = FinancialYear.of(w.today)
    w.scheme = FundingScheme.objects.create(
        la=home_la, financial_year=w.fy.start_year, name=f"Scheme FY {w.fy}"
    )
    w.a = factories.SchoolFactory(la=home_la, name="Ash Primary School")
    w.b = factories.SchoolFactory(la=home_la, name="Birch Primary School")
    w.c = factories.SchoolFactory(la=home_la, name="Cedar Primary School")
    census_date = w.fy.starts_on - dt.timedelta(days=60)
    for school, pupils in ((w.a, 300), (w.b, 200), (w.c, 500)):
        factories.SchoolCensusFactory(
            school=school, census_date=census_date, year_1=pupils, ehc_plans=5, sen_support=40
        )
    w.host_n = factories.cluster_host(username="host_n")
    w.host_s = factories.cluster_host(username="host_s")
    w.north = factories.ClusterFactory(name="North Cluster", host_school=w.a, host_contact=w.host_n)
    w.south = factories.ClusterFactory(name="South Cluster", host_school=w.c, host_contact=w.host_s)
    for cluster, school in ((w.north, w.a), (w.north, w.b), (w.south, w.c)):
        factories.ClusterMembershipFactory(cluster=cluster, school=school)
    w.senco_a = factories.school_manager(w.a, username="senco_a")
    w.senco_b = factories.school_manager(w.b, username="senco_b")
    w.senco_c = factories.school_manager(w.c, username="senco_c")
    w.officer = factories.la_officer(username="officer")
    w.panel = factories.panel_member(username="panel")
    w.pot = ClusterPot.objects.create(
        scheme=w.scheme,
        base_amount=Decimal("100000.00"),
        fixed_sum_per_school=Decimal("1000.00"),
    )
    year = AcademicYear.of(w.today).start_year
    w.meeting_n = ClusterMeeting.objects.create(
        cluster=w.north,
        academic_year=year,
        number=1,
        date=w.today - dt.timedelta(days=1),
        status=MeetingStatus.HELD,
    )
    w.meeting_s = ClusterMeeting.objects.create(
        cluster=w.south, academic_year=year, number=1, date=w.today - dt.timedelta(days=1)
    )
    w.future_meeting_n = ClusterMeeting.objects.create(
        cluster=w.north, academic_year=year, number=2, date=w.today + dt.timedelta(days=30)
    )
    return w


def submit(w, school, user, amount="2000.00", **overrides):
    from clusters.services import request_submit

    data = {
        "cluster": w.north if school in (w.a, w.b) else w.south,
        "school": school,
        "category": "support_for_learning",
        "for_whom": "Group of four Year 3 pupils",
        "need": "Reading well below expected.",
        "provision": "Daily small-group reading with a TA.",
        "intended_outcomes": "A year's progress in reading age.",
        "amount_requested": Decimal(amount),
        "starts_on": w.fy.starts_on,  # the pot of the current financial year
        "ends_on": min(w.today + dt.timedelta(days=10), w.fy.ends_on),
        "user": user,
    }
    asked_on = overrides.pop("asked_on", w.today - dt.timedelta(days=2))
    data.update(overrides)
    request = request_submit(**data)
    # Made two days ago (before the meeting held yesterday), unless the test says otherwise.
    asked = timezone.make_aware(dt.datetime.combine(asked_on, dt.time(9)))
    type(request).objects.filter(pk=request.pk).update(submitted_at=asked)
    request.refresh_from_db()
    return request
