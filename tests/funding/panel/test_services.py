"""Decisions take effect through the pupil services (R5, R9, R12); deferrals move the case on."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from funding.panel import services
from funding.panel.models import (
    CaseKind,
    CaseStatus,
    EnfGround,
    Outcome,
    PanelDecision,
)
from pupils import services as pupil_services
from pupils.models import FundingItem, FundingItemKind, Plan, SupportLevel
from tests.funding.panel.conftest import make_pupil

pytestmark = pytest.mark.django_db


# --- band change: a new support level from the effective date ---------------------------------


def test_r12_band_change_ends_old_level_the_day_before_and_starts_new_band(band_case, panellist):
    # Band 2 since 1 Sep 2024; the panel (3 Mar 2026) approves band 3 from 20 Apr 2026:
    # band 2 runs 1 Sep 2024 - 19 Apr 2026, band 3 from 20 Apr 2026, open-ended.
    decision = services.case_approve_as_requested(case=band_case, user=panellist)

    levels = list(
        SupportLevel.objects.filter(plan__pupil=band_case.pupil).order_by("effective_from")
    )
    assert [(lvl.band, lvl.effective_from, lvl.effective_to) for lvl in levels] == [
        (2, dt.date(2024, 9, 1), dt.date(2026, 4, 19)),
        (3, dt.date(2026, 4, 20), None),
    ]
    assert decision.support_level == levels[1]
    assert decision.previous_support_level == levels[0]


def test_r12_band_change_records_the_decision_on_the_new_support_level(band_case, panellist):
    decision = services.case_approve_as_requested(case=band_case, user=panellist)

    new_level = decision.support_level
    assert new_level.recorded_by == panellist
    assert new_level.reason == "SEN Panel decision on case " + band_case.reference + (
        " at the 03 March 2026 meeting"
    )


def test_r12_band_change_closes_the_case_as_approved(band_case, panellist):
    decision = services.case_approve_as_requested(case=band_case, user=panellist)

    band_case.refresh_from_db()
    assert band_case.status == CaseStatus.APPROVED
    assert decision.outcome == Outcome.APPROVED
    assert decision.decided_by == panellist
    assert decision.granted_band == 3
    assert decision.effective_from == dt.date(2026, 4, 20)


def test_r12_band_change_keeps_the_current_hours(
    special_pupil, special_school, officer, meeting, panellist
):
    # Current support: 10 h TA and band 2 from 1 Jan 2026; a band change to 4 keeps the 10 h TA.
    plan = Plan.objects.get(pupil=special_pupil)
    pupil_services.support_change(
        plan=plan,
        effective_from=dt.date(2026, 1, 5),
        support=pupil_services.SupportHours(ta_hours=Decimal("10"), band=2),
        user=officer,
    )
    case = services.case_submit(
        user=officer,
        pupil=special_pupil,
        school=special_school,
        kind=CaseKind.BAND_CHANGE,
        requested_band=4,
        requested_from=dt.date(2026, 3, 9),
        evidence_summary="Review.",
        meeting=meeting,
    )

    decision = services.case_approve_as_requested(case=case, user=panellist)

    assert (decision.support_level.ta_hours, decision.support_level.band) == (Decimal("10"), 4)


def test_r5_new_top_up_approved_with_changes_sets_exactly_the_hours_granted(
    pupil, school, officer, meeting, panellist
):
    # 20 h LSA since 1 Sep 2024; the school asks 30 h LSA; the panel grants 25 h LSA + 5 h LST
    # from 9 Mar 2026: 20 h LSA to 8 Mar 2026, then 25 h LSA + 5 h LST.
    case = services.case_submit(
        user=officer,
        pupil=pupil,
        school=school,
        kind=CaseKind.NEW_TOP_UP,
        requested_lsa_hours=Decimal("30"),
        evidence_summary="Assessment report.",
        meeting=meeting,
    )

    decision = services.decision_record(
        case=case,
        user=panellist,
        outcome=Outcome.APPROVED_WITH_CHANGES,
        reasons="Part of the need is met by specialist teaching.",
        effective_from=dt.date(2026, 3, 9),
        granted_lsa_hours=Decimal("25"),
        granted_lst_hours=Decimal("5"),
    )

    levels = list(SupportLevel.objects.filter(plan__pupil=pupil).order_by("effective_from"))
    assert [
        (lvl.lsa_hours, lvl.lst_hours, lvl.effective_from, lvl.effective_to) for lvl in levels
    ] == [
        (Decimal("20"), Decimal("0"), dt.date(2024, 9, 1), dt.date(2026, 3, 8)),
        (Decimal("25"), Decimal("5"), dt.date(2026, 3, 9), None),
    ]
    assert decision.support_level == levels[1]


def test_r5_new_top_up_for_a_pupil_without_a_plan_issues_one(
    school, officer, home_la, meeting, panellist
):
    pupil = make_pupil(school=school, officer=officer, home_la=home_la)
    case = services.case_submit(
        user=officer,
        pupil=pupil,
        school=school,
        kind=CaseKind.NEW_TOP_UP,
        requested_ta_hours=Decimal("15"),
        requested_from=dt.date(2026, 3, 16),
        evidence_summary="Newly assessed.",
        meeting=meeting,
    )

    decision = services.case_approve_as_requested(case=case, user=panellist)

    plan = Plan.objects.get(pupil=pupil)
    assert (plan.issued_on, decision.plan) == (dt.date(2026, 3, 16), plan)
    level = plan.support_levels.get()
    assert (level.ta_hours, level.effective_from, level.effective_to) == (
        Decimal("15"),
        dt.date(2026, 3, 16),
        None,
    )
    assert decision.support_level == level


def test_r12_band_change_without_a_plan_is_refused_on_the_effective_date(
    school, officer, home_la, meeting, panellist
):
    pupil = make_pupil(school=school, officer=officer, home_la=home_la)
    case = services.case_submit(
        user=officer,
        pupil=pupil,
        school=school,
        kind=CaseKind.BAND_CHANGE,
        requested_band=2,
        requested_from=dt.date(2026, 3, 16),
        evidence_summary="x",
        meeting=meeting,
    )

    with pytest.raises(ValidationError) as exc:
        services.case_approve_as_requested(case=case, user=panellist)

    assert "effective_from" in exc.value.message_dict


# --- personal supplement and ENF: a funding item for a period ----------------------------------


def test_r9_personal_supplement_creates_funding_item_with_amount_and_period(
    supplement_case, panellist
):
    # £4,500.00 a year from 9 Mar 2026; no end asked for, so to the end of the academic year in
    # which it starts: 31 Aug 2026. The allocation run funds those school days pro rata (R7).
    decision = services.case_approve_as_requested(case=supplement_case, user=panellist)

    item = FundingItem.objects.get(pupil=supplement_case.pupil)
    assert (item.kind, item.annual_amount, item.starts_on, item.ends_on, item.school) == (
        FundingItemKind.PERSONAL_SUPPLEMENT,
        Decimal("4500.00"),
        dt.date(2026, 3, 9),
        dt.date(2026, 8, 31),
        supplement_case.school,
    )
    assert decision.funding_item == item
    assert item.recorded_by == panellist


def test_r9_personal_supplement_does_not_change_support_levels(supplement_case, panellist):
    services.case_approve_as_requested(case=supplement_case, user=panellist)

    assert SupportLevel.objects.filter(plan__pupil=supplement_case.pupil).count() == 1


def test_r9_personal_supplement_needs_an_end_date(supplement_case, panellist):
    with pytest.raises(ValidationError) as exc:
        services.decision_record(
            case=supplement_case,
            user=panellist,
            outcome=Outcome.APPROVED,
            reasons="Agreed.",
            effective_from=dt.date(2026, 3, 9),
            granted_amount=Decimal("4500.00"),
        )

    assert exc.value.message_dict["end_date"] == [
        services.END_DATE_REQUIRED.format(kind="personal supplement")
    ]


@pytest.fixture
def enf_case(special_pupil, special_school, officer, meeting):
    """ENF asked for a short-term intervention: £3,000.00 a year from 5 January 2026."""
    return services.case_submit(
        user=officer,
        pupil=special_pupil,
        school=special_school,
        kind=CaseKind.ENF,
        enf_ground=EnfGround.SHORT_TERM,
        requested_amount=Decimal("3000.00"),
        requested_from=dt.date(2026, 1, 5),
        evidence_summary="Six months of speech and language therapy before the review.",
        meeting=meeting,
    )


@pytest.fixture
def crisis_case(special_pupil, special_school, officer, meeting):
    """ENF asked as crisis funding: £3,000.00 a year from 5 January 2026."""
    return services.case_submit(
        user=officer,
        pupil=special_pupil,
        school=special_school,
        kind=CaseKind.ENF,
        enf_ground=EnfGround.CRISIS,
        requested_amount=Decimal("3000.00"),
        requested_from=dt.date(2026, 1, 5),
        evidence_summary="Crisis: placement at risk.",
        meeting=meeting,
    )


def _decide_enf(case, user, ground, end_date, outcome=Outcome.APPROVED):
    return services.decision_record(
        case=case,
        user=user,
        outcome=outcome,
        reasons="Agreed.",
        effective_from=dt.date(2026, 1, 5),
        end_date=end_date,
        granted_amount=Decimal("3000.00"),
        enf_ground=ground,
    )


def test_r9_short_term_enf_to_the_end_of_the_academic_year_is_accepted(enf_case, panellist):
    # Short-term ENF from 5 Jan 2026 (academic year 2025/26) may run to 31 Aug 2026.
    decision = _decide_enf(enf_case, panellist, EnfGround.SHORT_TERM, dt.date(2026, 8, 31))

    item = decision.funding_item
    assert (item.kind, item.annual_amount, item.starts_on, item.ends_on) == (
        FundingItemKind.ENF,
        Decimal("3000.00"),
        dt.date(2026, 1, 5),
        dt.date(2026, 8, 31),
    )
    assert decision.enf_ground == EnfGround.SHORT_TERM


def test_r9_short_term_enf_beyond_the_academic_year_is_refused_naming_the_end_date(
    enf_case, panellist
):
    # 1 Sep 2026 is in academic year 2026/27: refused, and nothing is created.
    with pytest.raises(ValidationError) as exc:
        _decide_enf(enf_case, panellist, EnfGround.SHORT_TERM, dt.date(2026, 9, 1))

    assert exc.value.message_dict == {
        "end_date": [
            "Exceptional needs funding for a short-term intervention lasts at most one academic "
            "year: the end date must be on or before 31 August 2026, the end of the 2025/26 "
            "academic year in which it starts (R9)."
        ]
    }
    assert not FundingItem.objects.exists()
    assert not PanelDecision.objects.exists()


def test_r9_enf_of_twelve_months_across_two_academic_years_is_accepted_as_crisis_funding(
    crisis_case, panellist
):
    # R9+: "at most one academic year" is the limit for a short-term intervention only; crisis
    # funding is a separate ground with its own limit (the scheme's default: none). So twelve
    # months from 5 Jan 2026, to 4 Jan 2027, across 2025/26 and 2026/27, is a valid crisis
    # award: the pupil's funding item runs the whole twelve months at £3,000.00 a year.
    decision = _decide_enf(crisis_case, panellist, EnfGround.CRISIS, dt.date(2027, 1, 4))

    item = decision.funding_item
    assert (item.kind, item.annual_amount, item.starts_on, item.ends_on) == (
        FundingItemKind.ENF,
        Decimal("3000.00"),
        dt.date(2026, 1, 5),
        dt.date(2027, 1, 4),
    )
    assert decision.enf_ground == EnfGround.CRISIS


def test_r9_enf_of_twelve_months_across_two_academic_years_is_refused_as_short_term(
    enf_case, panellist
):
    # The same twelve months as a short-term intervention cross into 2026/27: refused.
    with pytest.raises(ValidationError) as exc:
        _decide_enf(enf_case, panellist, EnfGround.SHORT_TERM, dt.date(2027, 1, 4))

    assert list(exc.value.message_dict) == ["end_date"]
    assert "short-term intervention" in exc.value.message_dict["end_date"][0]
    assert not FundingItem.objects.exists()


def test_r9_enf_approval_without_a_ground_is_refused(enf_case, panellist):
    with pytest.raises(ValidationError) as exc:
        _decide_enf(enf_case, panellist, "", dt.date(2026, 8, 31))

    assert exc.value.message_dict == {
        "enf_ground": [
            "Select the ground for exceptional needs funding: a short-term intervention, crisis "
            "funding, or need outside the usual cohort."
        ]
    }
    assert not PanelDecision.objects.exists()


def test_r9_enf_granted_on_another_ground_than_asked_is_approved_with_changes(enf_case, panellist):
    # Asked as short-term, granted as crisis funding: not what was asked.
    with pytest.raises(ValidationError) as exc:
        _decide_enf(enf_case, panellist, EnfGround.CRISIS, dt.date(2026, 8, 31))
    assert exc.value.message_dict == {"outcome": [services.APPROVED_DIFFERS_FROM_ASK]}

    decision = _decide_enf(
        enf_case,
        panellist,
        EnfGround.CRISIS,
        dt.date(2026, 8, 31),
        outcome=Outcome.APPROVED_WITH_CHANGES,
    )
    assert decision.enf_ground == EnfGround.CRISIS


def test_r9_only_enf_has_a_ground(supplement_case, panellist):
    with pytest.raises(ValidationError) as exc:
        services.decision_record(
            case=supplement_case,
            user=panellist,
            outcome=Outcome.APPROVED_WITH_CHANGES,
            reasons="Agreed.",
            effective_from=dt.date(2026, 3, 9),
            end_date=dt.date(2026, 8, 31),
            granted_amount=Decimal("4500.00"),
            enf_ground=EnfGround.CRISIS,
        )

    assert exc.value.message_dict == {"enf_ground": [services.ENF_GROUND_ONLY]}


def test_r9_declined_enf_has_no_ground(enf_case, panellist):
    decision = services.decision_record(
        case=enf_case, user=panellist, outcome=Outcome.DECLINED, reasons="Not exceptional."
    )

    assert (decision.enf_ground, decision.funding_item) == ("", None)


def test_r9_approve_as_requested_grants_enf_on_the_ground_asked_for(crisis_case, panellist):
    # Crisis funding has no limit by default, and no end was asked for: it is offered to the
    # end of the academic year it starts in, 31 Aug 2026 (the panel can set another end).
    decision = services.case_approve_as_requested(case=crisis_case, user=panellist)

    assert (decision.enf_ground, decision.end_date, decision.funding_item.ends_on) == (
        EnfGround.CRISIS,
        dt.date(2026, 8, 31),
        dt.date(2026, 8, 31),
    )


def test_r9_enf_case_asking_beyond_the_academic_year_for_a_short_term_intervention_is_refused(
    special_pupil, special_school, officer, meeting
):
    with pytest.raises(ValidationError) as exc:
        services.case_submit(
            user=officer,
            pupil=special_pupil,
            school=special_school,
            kind=CaseKind.ENF,
            enf_ground=EnfGround.SHORT_TERM,
            requested_amount=Decimal("3000.00"),
            requested_from=dt.date(2025, 9, 1),
            requested_until=dt.date(2026, 9, 30),
            evidence_summary="x",
            meeting=meeting,
        )

    assert exc.value.message_dict == {
        "requested_until": [
            "Exceptional needs funding for a short-term intervention lasts at most one academic "
            "year: the end date must be on or before 31 August 2026, the end of the 2025/26 "
            "academic year in which it starts (R9)."
        ]
    }


def test_r9_enf_case_without_a_ground_is_refused(special_pupil, special_school, officer, meeting):
    with pytest.raises(ValidationError) as exc:
        services.case_submit(
            user=officer,
            pupil=special_pupil,
            school=special_school,
            kind=CaseKind.ENF,
            requested_amount=Decimal("3000.00"),
            requested_from=dt.date(2026, 1, 5),
            evidence_summary="x",
            meeting=meeting,
        )

    assert list(exc.value.message_dict) == ["enf_ground"]


def test_r9_enf_is_for_special_schools_and_sscs_only(pupil, school, officer, meeting):
    with pytest.raises(ValidationError) as exc:
        services.case_submit(
            user=officer,
            pupil=pupil,
            school=school,
            kind=CaseKind.ENF,
            enf_ground=EnfGround.SHORT_TERM,
            requested_amount=Decimal("3000.00"),
            requested_from=dt.date(2026, 1, 5),
            evidence_summary="x",
            meeting=meeting,
        )

    assert list(exc.value.message_dict) == ["kind"]


def test_case_for_a_pupil_not_at_the_school_is_refused(pupil, other_school, officer, meeting):
    with pytest.raises(ValidationError) as exc:
        services.case_submit(
            user=officer,
            pupil=pupil,
            school=other_school,
            kind=CaseKind.NEW_TOP_UP,
            requested_lsa_hours=Decimal("25"),
            requested_from=dt.date(2026, 3, 9),
            evidence_summary="x",
            meeting=meeting,
        )

    assert exc.value.message_dict["school"] == [
        services.PUPIL_NOT_AT_SCHOOL.format(
            pupil=pupil, school=other_school, date=dt.date(2026, 3, 9)
        )
    ]


# --- outcomes must match what is granted -------------------------------------------------------


def test_approved_must_be_what_was_asked(band_case, panellist):
    with pytest.raises(ValidationError) as exc:
        services.decision_record(
            case=band_case,
            user=panellist,
            outcome=Outcome.APPROVED,
            reasons="Agreed.",
            effective_from=dt.date(2026, 4, 20),
            granted_band=4,
        )

    assert exc.value.message_dict == {"outcome": [services.APPROVED_DIFFERS_FROM_ASK]}


def test_declined_grants_nothing_and_closes_the_case(band_case, panellist):
    decision = services.decision_record(
        case=band_case,
        user=panellist,
        outcome=Outcome.DECLINED,
        reasons="Needs are met within band 2.",
    )

    band_case.refresh_from_db()
    assert band_case.status == CaseStatus.DECLINED
    assert (decision.support_level, decision.funding_item, decision.effective_from) == (
        None,
        None,
        None,
    )
    assert SupportLevel.objects.filter(plan__pupil=band_case.pupil).count() == 1


def test_a_decided_case_cannot_be_decided_again(band_case, panellist):
    services.decision_record(
        case=band_case,
        user=panellist,
        outcome=Outcome.DECLINED,
        reasons="No.",
    )

    with pytest.raises(ValidationError) as exc:
        services.case_approve_as_requested(case=band_case, user=panellist)

    assert exc.value.messages == [services.CASE_DECIDED.format(status="declined")]


def test_decision_before_the_meeting_is_held_is_refused(band_case, panellist, officer):
    future = band_case.meeting.__class__.objects.create(date=dt.date(2099, 1, 5))
    services.case_update(case=band_case, user=officer, meeting=future)

    with pytest.raises(ValidationError) as exc:
        services.case_approve_as_requested(case=band_case, user=panellist)

    assert exc.value.messages == [services.MEETING_NOT_YET_HELD.format(date=dt.date(2099, 1, 5))]


# --- deferral: the case moves to the next meeting, decided there --------------------------------


def test_deferral_moves_the_case_to_the_next_scheduled_meeting(band_case, next_meeting, panellist):
    decision = services.case_defer_to_next_meeting(case=band_case, user=panellist)

    band_case.refresh_from_db()
    assert (decision.outcome, decision.deferred_to) == (Outcome.DEFERRED, next_meeting)
    assert (band_case.status, band_case.meeting) == (CaseStatus.DEFERRED, next_meeting)
    assert SupportLevel.objects.filter(plan__pupil=band_case.pupil).count() == 1


def test_deferred_case_is_decided_at_the_next_meeting(band_case, next_meeting, panellist):
    services.case_defer_to_next_meeting(case=band_case, user=panellist)
    # Decisions only at a meeting marked held with members present (issue 16).
    services.meeting_record_attendance(
        meeting=next_meeting, user=panellist, members_present=[panellist], held=True
    )

    decision = services.case_approve_as_requested(case=band_case, user=panellist)

    assert decision.meeting == next_meeting
    assert list(band_case.decisions.order_by("decided_at").values_list("outcome", flat=True)) == [
        Outcome.DEFERRED,
        Outcome.APPROVED,
    ]


def test_deferral_without_a_later_meeting_is_refused(band_case, panellist):
    with pytest.raises(ValidationError) as exc:
        services.case_defer_to_next_meeting(case=band_case, user=panellist)

    assert exc.value.messages == [services.NO_NEXT_MEETING.format(date=dt.date(2026, 3, 3))]


def test_decided_case_cannot_be_changed(band_case, panellist, officer):
    services.case_approve_as_requested(case=band_case, user=panellist)

    with pytest.raises(ValidationError):
        services.case_update(case=band_case, user=officer, evidence_summary="Changed.")


def test_r12_special_school_place_sets_the_band_at_the_named_school(
    pupil, special_school, officer, meeting, panellist
):
    # Amara is at Oakfield (20 h LSA); the panel agrees a Brookside place at band 4 from
    # 1 Sep 2026: 20 h LSA to 31 Aug 2026, then band 4 (the move itself is an admission).
    case = services.case_submit(
        user=officer,
        pupil=pupil,
        school=special_school,
        kind=CaseKind.SPECIALIST_PLACE,
        requested_band=4,
        requested_from=dt.date(2026, 9, 1),
        evidence_summary="Needs a place.",
        meeting=meeting,
    )

    decision = services.case_approve_as_requested(case=case, user=panellist)

    levels = list(SupportLevel.objects.filter(plan__pupil=pupil).order_by("effective_from"))
    assert [(lvl.lsa_hours, lvl.band, lvl.effective_from, lvl.effective_to) for lvl in levels] == [
        (Decimal("20"), None, dt.date(2024, 9, 1), dt.date(2026, 8, 31)),
        (Decimal("0"), 4, dt.date(2026, 9, 1), None),
    ]
    assert decision.support_level == levels[1]
