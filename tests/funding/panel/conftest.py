"""Fixtures for the SEN Panel: a mainstream and a special school, pupils with plans, meetings.

Dates: the panel meets on 3 March 2026 (held) and next on 14 April 2026 (scheduled); both are in
the past when these tests run, so decisions can be recorded at either.
"""

import datetime as dt
from decimal import Decimal

import pytest

from funding.panel import services
from funding.panel.models import CaseKind, MeetingStatus, PanelMeeting
from pupils import services as pupil_services
from pupils.models import PlacementKind
from schools.models import EstablishmentType, Phase
from tests import factories

MARCH_MEETING = dt.date(2026, 3, 3)
APRIL_MEETING = dt.date(2026, 4, 14)
PLAN_ISSUED = dt.date(2024, 9, 1)


def _staff(user):
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


@pytest.fixture
def officer(la_officer):
    """An LA officer who may use the admin (prepares cases)."""
    return _staff(la_officer)


@pytest.fixture
def panellist(panel_member):
    """A SEN Panel member who may use the admin (decides cases)."""
    return _staff(panel_member)


@pytest.fixture
def school(home_la):
    return factories.SchoolFactory(la=home_la, name="Oakfield Primary")


@pytest.fixture
def other_school(home_la):
    return factories.SchoolFactory(la=home_la, name="Elmtree Primary")


@pytest.fixture
def special_school(home_la):
    return factories.SchoolFactory(
        la=home_la,
        name="Brookside Special School",
        phase=Phase.ALL_THROUGH,
        establishment_type=EstablishmentType.SPECIAL,
    )


@pytest.fixture
def school_manager(school):
    return factories.school_manager(school, username="oakfield-sbm")


@pytest.fixture
def other_school_manager(other_school):
    return factories.school_manager(other_school, username="elmtree-sbm")


@pytest.fixture
def cluster_host(db):
    return factories.cluster_host(username="host")


@pytest.fixture
def meeting(panellist):
    m = PanelMeeting.objects.create(date=MARCH_MEETING, status=MeetingStatus.HELD)
    m.members_present.add(panellist)
    return m


@pytest.fixture
def next_meeting(db):
    return PanelMeeting.objects.create(date=APRIL_MEETING, status=MeetingStatus.SCHEDULED)


def make_pupil(*, school, officer, home_la, kind=PlacementKind.MAINSTREAM, support=None, **kw):
    pupil = factories.PupilFactory(home_la=home_la, **kw)
    pupil_services.placement_start(
        pupil=pupil, school=school, starts_on=PLAN_ISSUED, kind=kind, user=officer
    )
    if support is not None:
        pupil_services.plan_issue(pupil=pupil, issued_on=PLAN_ISSUED, support=support, user=officer)
    return pupil


@pytest.fixture
def pupil(school, officer, home_la):
    """At Oakfield since 1 Sep 2024 with an EHCP of 20 h LSA a week from the same day."""
    return make_pupil(
        school=school,
        officer=officer,
        home_la=home_la,
        support=pupil_services.SupportHours(lsa_hours=Decimal("20")),
        given_name="Amara",
        family_name="Okafor",
    )


@pytest.fixture
def special_pupil(special_school, officer, home_la):
    """At Brookside (special school place) since 1 Sep 2024, EHCP band 2 from the same day."""
    return make_pupil(
        school=special_school,
        officer=officer,
        home_la=home_la,
        kind=PlacementKind.SPECIAL_SCHOOL,
        support=pupil_services.SupportHours(band=2),
        given_name="Ben",
        family_name="Hughes",
    )


@pytest.fixture
def band_case(special_pupil, special_school, officer, meeting):
    """Band 2 → band 3 from 20 April 2026, listed at the March meeting."""
    return services.case_submit(
        user=officer,
        pupil=special_pupil,
        school=special_school,
        kind=CaseKind.BAND_CHANGE,
        requested_band=3,
        requested_from=dt.date(2026, 4, 20),
        evidence_summary="Needs have increased: 1:1 support for most of the day.",
        meeting=meeting,
    )


@pytest.fixture
def supplement_case(pupil, school, officer, meeting):
    """A personal supplement of £4,500.00 a year from 9 March 2026 (no end asked for)."""
    return services.case_submit(
        user=officer,
        pupil=pupil,
        school=school,
        kind=CaseKind.PERSONAL_SUPPLEMENT,
        requested_amount=Decimal("4500.00"),
        requested_from=dt.date(2026, 3, 9),
        evidence_summary="Exceptional medical needs beyond the IAR.",
        meeting=meeting,
    )
