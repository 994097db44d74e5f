"""SEN Panel data for the demo LA: a held meeting with decisions and the next one with cases."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth.models import User

from funding.panel import services
from funding.panel.models import CaseKind, EnfGround, MeetingStatus, PanelMeeting
from pupils.models import Placement


def _pupils_on_roll(on: dt.date, *, special: bool, count: int, skip: int = 0):
    placements = (
        Placement.objects.filter(starts_on__lte=on, school__la__is_administering=True)
        .exclude(ends_on__lt=on)
        .filter(pupil__plans__issued_on__lte=on)
        .exclude(pupil__plans__ceased_on__lt=on)
        .select_related("pupil", "school")
        .order_by("pk")
    )
    placements = [p for p in placements if p.school.is_special == special]
    return placements[skip : skip + count]


def seed_panel_demo(*, today: dt.date = dt.date(2026, 11, 24)) -> list[PanelMeeting]:
    officer = User.objects.get(username="officer")
    panel = User.objects.get(username="panel")
    held = PanelMeeting.objects.create(date=dt.date(2026, 10, 14), status=MeetingStatus.HELD)
    held.members_present.add(panel)
    upcoming = PanelMeeting.objects.create(date=today + dt.timedelta(days=9))
    october = dt.date(2026, 10, 1)
    mainstream = _pupils_on_roll(october, special=False, count=6, skip=3)
    special = _pupils_on_roll(october, special=True, count=2)
    cases = [
        services.case_submit(
            user=officer,
            pupil=p.pupil,
            school=p.school,
            kind=CaseKind.PERSONAL_SUPPLEMENT,
            meeting=held,
            requested_amount=Decimal("4500.00"),
            requested_from=dt.date(2026, 11, 2),
            requested_until=dt.date(2027, 7, 21),
            evidence_summary="Medical needs beyond the plan: one-to-one support at lunchtimes.",
        )  # fmt: skip
        for p in mainstream[:2]
    ]
    cases += [
        services.case_submit(
            user=officer,
            pupil=p.pupil,
            school=p.school,
            kind=CaseKind.ENF,
            enf_ground=EnfGround.CRISIS,
            meeting=held,
            requested_amount=Decimal("6000.00"),
            requested_from=dt.date(2026, 11, 2),
            requested_until=dt.date(2027, 8, 31),
            evidence_summary="Crisis placement support after a change in family circumstances.",
        )  # fmt: skip
        for p in special[:1]
    ]
    for case in cases:
        services.case_approve_as_requested(case=case, user=panel)
    declined = services.case_submit(
        user=officer, pupil=mainstream[2].pupil, school=mainstream[2].school,
        kind=CaseKind.PERSONAL_SUPPLEMENT, meeting=held, requested_amount=Decimal("9000.00"),
        requested_from=dt.date(2026, 11, 2),
        evidence_summary="School asks for a full-time assistant in addition to the plan.",
    )  # fmt: skip
    services.decision_record(
        case=declined, user=panel, outcome="declined",
        reasons="The plan's 25 hours of LSA support meet the needs described; review at the "
        "annual review.",
    )  # fmt: skip
    for p in mainstream[3:6]:
        services.case_submit(
            user=officer, pupil=p.pupil, school=p.school, kind=CaseKind.NEW_TOP_UP
            if not p.pupil.plans.exists() else CaseKind.PERSONAL_SUPPLEMENT,
            meeting=upcoming, requested_amount=Decimal("3000.00"),
            requested_from=upcoming.date + dt.timedelta(days=5),
            evidence_summary="Needs have grown since the annual review; school evidence attached.",
        )  # fmt: skip
    return [held, upcoming]
