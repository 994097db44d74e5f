"""R9, R9+: how long exceptional needs funding lasts depends on its ground and the scheme.

ENF is granted on a ground - a short-term intervention, crisis funding, or need outside the
usual cohort - and each ground's limit is scheme data for the financial year the funding starts:
"academic_year" (ends within the academic year it starts), "twelve_months" or "none".
Defaults: short-term to the academic year, crisis and outside-cohort without a limit.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from funding.models import EnfLimit
from funding.panel import selectors, services
from funding.panel.enf import EnfGround, enf_latest_end, enf_limit_error, twelve_months_end
from funding.panel.models import CaseKind, Outcome, PanelDecision
from pupils.models import FundingItem
from tests.funding.builders import make_scheme

LIMIT_FIELD = {
    EnfGround.SHORT_TERM: "enf_short_term_limit",
    EnfGround.CRISIS: "enf_crisis_limit",
    EnfGround.OUTSIDE_COHORT: "enf_outside_cohort_limit",
}
START = dt.date(2026, 1, 5)  # academic year 2025/26, financial year 2025-26


# --- the pure limit -------------------------------------------------------------------------


@pytest.mark.parametrize("ground", EnfGround.values)
@pytest.mark.parametrize(
    ("limit", "latest"),
    [
        (EnfLimit.ACADEMIC_YEAR, dt.date(2026, 8, 31)),  # end of 2025/26
        (EnfLimit.TWELVE_MONTHS, dt.date(2027, 1, 4)),  # 5 Jan 2026 + 12 months - 1 day
        (EnfLimit.NONE, None),
    ],
)
def test_r9_latest_end_is_the_limit_whatever_the_ground(ground, limit, latest):
    assert enf_latest_end(ground, START, limit) == latest


def test_r9_twelve_months_from_29_february_end_on_28_february():
    assert twelve_months_end(dt.date(2028, 2, 29)) == dt.date(2029, 2, 28)
    assert twelve_months_end(dt.date(2025, 9, 1)) == dt.date(2026, 8, 31)


@pytest.mark.parametrize(
    ("ground", "limit", "ends_on", "message"),
    [
        (
            EnfGround.SHORT_TERM,
            EnfLimit.ACADEMIC_YEAR,
            dt.date(2026, 9, 1),
            "Exceptional needs funding for a short-term intervention lasts at most one academic "
            "year: the end date must be on or before 31 August 2026, the end of the 2025/26 "
            "academic year in which it starts (R9).",
        ),
        (
            EnfGround.CRISIS,
            EnfLimit.TWELVE_MONTHS,
            dt.date(2027, 1, 5),
            "Exceptional needs funding for crisis funding lasts at most twelve months: the end "
            "date must be on or before 4 January 2027, twelve months from 5 January 2026 (R9).",
        ),
        (
            EnfGround.OUTSIDE_COHORT,
            EnfLimit.ACADEMIC_YEAR,
            dt.date(2026, 9, 1),
            "Exceptional needs funding for need outside the usual cohort lasts at most one "
            "academic year: the end date must be on or before 31 August 2026, the end of the "
            "2025/26 academic year in which it starts (R9).",
        ),
    ],
)
def test_r9_the_message_names_the_ground_and_the_limit(ground, limit, ends_on, message):
    assert enf_limit_error(ground, START, ends_on, limit) == message


def test_r9_no_limit_allows_any_end():
    assert enf_limit_error(EnfGround.CRISIS, START, dt.date(2030, 7, 31), EnfLimit.NONE) is None


# --- the scheme of the year it starts ---------------------------------------------------------


def test_r9_without_a_scheme_the_defaults_apply(db):
    assert [selectors.enf_limit_for(g, START) for g in EnfGround.values] == [
        EnfLimit.ACADEMIC_YEAR,
        EnfLimit.NONE,
        EnfLimit.NONE,
    ]


def test_r9_limit_is_read_from_the_scheme_of_the_financial_year_it_starts(home_la):
    make_scheme(home_la, fy=2025, enf_crisis_limit=EnfLimit.TWELVE_MONTHS)
    make_scheme(home_la, fy=2026, enf_crisis_limit=EnfLimit.ACADEMIC_YEAR)

    # 31 Mar 2026 is in FY 2025-26; 1 Apr 2026 in FY 2026-27.
    assert selectors.enf_limit_for(EnfGround.CRISIS, dt.date(2026, 3, 31)) == "twelve_months"
    assert selectors.enf_limit_for(EnfGround.CRISIS, dt.date(2026, 4, 1)) == "academic_year"


# --- the panel's decision, per ground and per limit -------------------------------------------


def _enf_case(ground, special_pupil, special_school, officer, meeting):
    return services.case_submit(
        user=officer,
        pupil=special_pupil,
        school=special_school,
        kind=CaseKind.ENF,
        enf_ground=ground,
        requested_amount=Decimal("3000.00"),
        requested_from=START,
        evidence_summary="Evidence of exceptional need.",
        meeting=meeting,
    )


def _decide(case, user, end_date):
    return services.decision_record(
        case=case,
        user=user,
        outcome=Outcome.APPROVED,
        reasons="Agreed.",
        effective_from=START,
        end_date=end_date,
        granted_amount=Decimal("3000.00"),
        enf_ground=case.enf_ground,
    )


# For each limit: the last end date allowed from 5 Jan 2026, and the day after it (refused).
LIMIT_ENDS = [
    (EnfLimit.ACADEMIC_YEAR, dt.date(2026, 8, 31), dt.date(2026, 9, 1)),
    (EnfLimit.TWELVE_MONTHS, dt.date(2027, 1, 4), dt.date(2027, 1, 5)),
    (EnfLimit.NONE, dt.date(2028, 8, 31), None),
]


@pytest.mark.parametrize("ground", EnfGround.values)
@pytest.mark.parametrize(("limit", "last_day", "day_after"), LIMIT_ENDS)
def test_r9_enf_lasts_up_to_its_grounds_limit_in_the_scheme(
    ground,
    limit,
    last_day,
    day_after,
    home_la,
    special_pupil,
    special_school,
    officer,
    meeting,
    panellist,
):
    # Every other ground gets the strictest limit, so only this ground's limit can allow it.
    limits = {field: EnfLimit.ACADEMIC_YEAR for field in LIMIT_FIELD.values()}
    limits[LIMIT_FIELD[ground]] = limit
    make_scheme(home_la, fy=2025, **limits)
    case = _enf_case(ground, special_pupil, special_school, officer, meeting)

    if day_after is not None:
        with pytest.raises(ValidationError) as exc:
            _decide(case, panellist, day_after)
        assert list(exc.value.message_dict) == ["end_date"]
        assert not FundingItem.objects.exists()

    decision = _decide(case, panellist, last_day)
    assert (decision.enf_ground, decision.funding_item.ends_on) == (ground, last_day)
    assert PanelDecision.objects.count() == 1


def test_r9_approve_as_requested_offers_the_grounds_latest_end(
    home_la, special_pupil, special_school, officer, meeting, panellist
):
    # Crisis funding limited to twelve months, no end asked for: 5 Jan 2026 to 4 Jan 2027.
    make_scheme(home_la, fy=2025, enf_crisis_limit=EnfLimit.TWELVE_MONTHS)
    case = _enf_case(EnfGround.CRISIS, special_pupil, special_school, officer, meeting)

    decision = services.case_approve_as_requested(case=case, user=panellist)

    assert decision.funding_item.ends_on == dt.date(2027, 1, 4)


def test_r9_case_asking_beyond_its_grounds_limit_is_refused(
    home_la, special_pupil, special_school, officer, meeting
):
    make_scheme(home_la, fy=2025, enf_outside_cohort_limit=EnfLimit.TWELVE_MONTHS)

    with pytest.raises(ValidationError) as exc:
        services.case_submit(
            user=officer,
            pupil=special_pupil,
            school=special_school,
            kind=CaseKind.ENF,
            enf_ground=EnfGround.OUTSIDE_COHORT,
            requested_amount=Decimal("3000.00"),
            requested_from=START,
            requested_until=dt.date(2027, 1, 5),
            evidence_summary="x",
            meeting=meeting,
        )

    assert exc.value.message_dict == {
        "requested_until": [
            "Exceptional needs funding for need outside the usual cohort lasts at most twelve "
            "months: the end date must be on or before 4 January 2027, twelve months from "
            "5 January 2026 (R9)."
        ]
    }
