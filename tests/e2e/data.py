"""Data builders shared by the workspace page tests, the browser journeys and the benchmark."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tests import factories


def pupil_with_plan(
    school,
    *,
    starts_on: dt.date = dt.date(2024, 9, 2),
    issued_on: dt.date = dt.date(2024, 9, 2),
    review_due: dt.date | None = dt.date(2025, 9, 1),
    lsa_hours: Decimal = Decimal("20"),
    band: int | None = None,
    caseworker=None,
    **pupil_fields,
):
    """A pupil on roll at `school` with an EHCP and one support level from its issue date."""
    pupil = factories.PupilFactory(**pupil_fields)
    factories.PlacementFactory(pupil=pupil, school=school, starts_on=starts_on)
    plan = factories.PlanFactory(
        pupil=pupil, issued_on=issued_on, annual_review_due=review_due, caseworker=caseworker
    )
    factories.SupportLevelFactory(plan=plan, lsa_hours=lsa_hours, band=band)
    return pupil
