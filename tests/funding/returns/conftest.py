"""Fixtures for monthly returns: a school in the administering LA and pupils with plans, and the
generation tests' helpers (run a month's generation eagerly, fetch a pupil's line)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from funding.returns import tasks
from funding.returns.models import ReturnGeneration, ReturnLine
from pupils.models import Placement, Plan, SupportLevel
from tests import factories

MAY = dt.date(2025, 5, 1)
APRIL = dt.date(2025, 4, 1)
JUNE = dt.date(2025, 6, 1)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Test users' passwords need no real key stretching (factories hash one per user)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def school(home_la):
    return factories.SchoolFactory(la=home_la, name="Mossbourne Primary")


@pytest.fixture
def other_school(home_la):
    return factories.SchoolFactory(la=home_la, name="Clapton Primary")


def add_pupil(
    school,
    *,
    family_name: str = "Smith",
    given_name: str = "Ava",
    date_of_birth: dt.date = dt.date(2015, 3, 14),
    starts_on: dt.date = dt.date(2024, 9, 1),
    ends_on: dt.date | None = None,
    issued_on: dt.date | None = dt.date(2024, 9, 1),
    ceased_on: dt.date | None = None,
    review_due: dt.date | None = dt.date(2025, 9, 1),
    kind: str = "ehcp",
    lsa: str = "20",
    lst: str = "0",
    band: int | None = None,
):
    """A pupil placed at `school` with (unless issued_on is None) a plan and a support level."""
    pupil = factories.PupilFactory(
        family_name=family_name,
        given_name=given_name,
        date_of_birth=date_of_birth,
        home_la=school.la,
    )
    Placement.objects.create(pupil=pupil, school=school, starts_on=starts_on, ends_on=ends_on)
    if issued_on is not None:
        plan = Plan.objects.create(
            pupil=pupil,
            kind=kind,
            issued_on=issued_on,
            ceased_on=ceased_on,
            annual_review_due=review_due,
        )
        SupportLevel.objects.create(
            plan=plan,
            effective_from=issued_on,
            effective_to=ceased_on,
            lsa_hours=Decimal(lsa),
            lst_hours=Decimal(lst),
            band=band,
        )
    return pupil


def generate(month: dt.date) -> ReturnGeneration:
    generation_id = tasks.generate_returns_for_month.delay(month.isoformat()).get()
    return ReturnGeneration.objects.get(pk=generation_id)


def line_for(school, month, pupil) -> ReturnLine:
    return ReturnLine.objects.get(
        monthly_return__school=school, monthly_return__month=month, pupil=pupil
    )
