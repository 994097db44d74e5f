"""The database guards the panel's invariants even when the services are bypassed."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from funding.panel import services
from funding.panel.models import CaseKind, Outcome, PanelCase, PanelDecision, PanelMeeting

pytestmark = pytest.mark.django_db


def _case(**overrides):
    return dict(
        {
            "pupil": None,
            "school": None,
            "kind": CaseKind.NEW_TOP_UP,
            "requested_lsa_hours": Decimal("10"),
            "evidence_summary": "x",
        },
        **overrides,
    )


@pytest.mark.parametrize(
    "overrides",
    [
        {"requested_lsa_hours": Decimal("-1")},
        {"requested_ta_hours": Decimal("61")},
        {"requested_band": 6},
        {"requested_band": 0},
        {"requested_amount": Decimal("-0.01")},
        {"kind": CaseKind.BAND_CHANGE, "requested_lsa_hours": None},
        {"kind": CaseKind.PERSONAL_SUPPLEMENT, "requested_amount": None},
        {
            "kind": CaseKind.ENF,
            "enf_ground": "short_term",
            "requested_amount": Decimal("100"),
            "requested_band": 2,
        },
        # R9: an ENF case names its ground; no other case has one; grounds are the three.
        {"kind": CaseKind.ENF, "requested_amount": Decimal("100"), "requested_lsa_hours": None},
        {"enf_ground": "crisis"},
        {
            "kind": CaseKind.ENF,
            "enf_ground": "bogus",
            "requested_amount": Decimal("100"),
            "requested_lsa_hours": None,
        },
        {"requested_lsa_hours": None},
        {"requested_until": dt.date(2026, 1, 1)},
        {
            "kind": CaseKind.PERSONAL_SUPPLEMENT,
            "requested_lsa_hours": None,
            "requested_amount": Decimal("1"),
            "requested_from": dt.date(2026, 2, 1),
            "requested_until": dt.date(2026, 1, 31),
        },
        {"kind": "bogus"},
    ],
)
def test_case_constraints_refuse_bad_rows(pupil, school, officer, overrides):
    data = _case(pupil=pupil, school=school, submitted_by=officer, **overrides)
    with pytest.raises(IntegrityError), transaction.atomic():
        PanelCase.objects.create(**data)


def test_one_meeting_a_day(db):
    PanelMeeting.objects.create(date=dt.date(2026, 3, 3))
    with pytest.raises(IntegrityError), transaction.atomic():
        PanelMeeting.objects.create(date=dt.date(2026, 3, 3))


def test_a_case_has_one_final_decision(band_case, panellist):
    services.decision_record(
        case=band_case, user=panellist, outcome=Outcome.DECLINED, reasons="No."
    )
    later = PanelMeeting.objects.create(date=dt.date(2026, 5, 5))

    with pytest.raises(IntegrityError), transaction.atomic():
        PanelDecision.objects.create(
            case=band_case,
            meeting=later,
            outcome=Outcome.DECLINED,
            reasons="Again.",
            decided_by=panellist,
        )


def test_a_case_has_one_decision_per_meeting(band_case, panellist, next_meeting):
    services.case_defer_to_next_meeting(case=band_case, user=panellist)

    with pytest.raises(IntegrityError), transaction.atomic():
        PanelDecision.objects.create(
            case=band_case,
            meeting=band_case.decisions.get().meeting,
            outcome=Outcome.DECLINED,
            reasons="Again.",
            decided_by=panellist,
        )


@pytest.mark.parametrize(
    "overrides",
    [
        {"outcome": Outcome.DECLINED, "granted_band": 3},
        {"outcome": Outcome.APPROVED, "effective_from": dt.date(2026, 4, 1)},  # no effect row
        {"outcome": Outcome.DEFERRED},  # no meeting to move to
        {"outcome": Outcome.DECLINED, "reasons": ""},
        {"outcome": "bogus"},
        {"outcome": Outcome.DECLINED, "enf_ground": "crisis"},  # R9: a refusal grants no ground
        {"outcome": Outcome.DECLINED, "enf_ground": "bogus"},
    ],
)
def test_decision_constraints_refuse_bad_rows(band_case, panellist, overrides):
    data = {
        "case": band_case,
        "meeting": band_case.meeting,
        "reasons": "Because.",
        "decided_by": panellist,
        **overrides,
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        PanelDecision.objects.create(**data)


def test_decision_cannot_be_deferred_to_its_own_meeting(band_case, panellist):
    with pytest.raises(IntegrityError), transaction.atomic():
        PanelDecision.objects.create(
            case=band_case,
            meeting=band_case.meeting,
            deferred_to=band_case.meeting,
            outcome=Outcome.DEFERRED,
            reasons="Because.",
            decided_by=panellist,
        )
