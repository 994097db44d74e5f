"""R21 stage two: the final report compares the initial run with the final run per school and
element, and explains each difference by the in-year events with their dates and amounts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from funding.reports import selectors
from pupils import services as pupil_services
from pupils.models import Plan
from tests import factories
from tests.funding.reports.conftest import add_census, primary_school, pupil_with_plan, run

D = Decimal


@pytest.fixture
def school(home_la, scheme):
    school = primary_school(home_la)
    add_census(school)
    return school


def _changes(initial, final, school):
    report = selectors.school_final_report(school, initial, final)
    return report, report.why["top_up"]


def test_r21_support_change_from_1_january_explained_with_date_and_amount(school, home_la):
    # Initial: 20 h LSA all year = £6,090.00. From 1 Jan 2026 30 h (£12,135.00 a year).
    # Final: £4,308.35 (133/188 of £6,090) + £3,550.13 (55/188 of £12,135) = £7,858.48.
    # Difference +£1,768.48 = £3,550.13 − £1,781.65 (the initial money for 1 Jan-31 Mar).
    pupil = pupil_with_plan(school, home_la)
    initial = run("initial")
    pupil_services.support_change(
        plan=Plan.objects.get(pupil=pupil),
        effective_from=dt.date(2026, 1, 1),
        support=pupil_services.SupportHours(lsa_hours=D("30")),
    )
    final = run("final")
    report, why = _changes(initial, final, school)
    row = next(r for r in report.rows if r.element == "top_up")
    assert (row.initial, row.final, row.difference) == (
        D("6090.00"),
        D("7858.48"),
        D("1768.48"),
    )
    (change,) = why.pupils[0].changes
    assert change.on == dt.date(2026, 1, 1)
    assert change.difference == D("1768.48")
    assert [e.kind for e in change.events] == ["support_changed"]
    assert "20 h LSA" in change.events[0].text and "30 h LSA" in change.events[0].text


def test_r21_leaver_explained_on_their_last_day(school, home_la):
    # Left on 19 Dec 2025 (last day of Autumn 2): funded 1 Apr-19 Dec = 133 of 188 days,
    # £6,090 × 133/188 = £4,308.35; the initial run's £6,090.00 shared 133:55 leaves
    # £1,781.65 for 20 Dec-31 Mar: −£1,781.65.
    pupil = pupil_with_plan(school, home_la)
    initial = run("initial")
    pupil_services.pupil_leave(pupil=pupil, last_day=dt.date(2025, 12, 19))
    final = run("final")
    _, why = _changes(initial, final, school)
    (change,) = why.pupils[0].changes
    assert change.difference == D("-1781.65")
    assert change.on == dt.date(2025, 12, 19)
    assert change.events[0].kind == "left"


def test_r21_joiner_with_a_plan_explained_from_their_first_day(school, home_la):
    # Joined 3 Nov 2025 with 20 h LSA: 3 Nov-31 Mar = 35 + 55 = 90 school days;
    # £6,090 × 90/188 = £2,915.43 (2,915.425... half up); nothing in the initial run.
    initial = run("initial")
    pupil = factories.PupilFactory(home_la=home_la, date_of_birth=dt.date(2016, 5, 1))
    pupil_services.placement_start(pupil=pupil, school=school, starts_on=dt.date(2025, 11, 3))
    pupil_services.plan_issue(
        pupil=pupil,
        issued_on=dt.date(2025, 11, 3),
        support=pupil_services.SupportHours(lsa_hours=D("20")),
    )
    final = run("final")
    _, why = _changes(initial, final, school)
    (change,) = why.pupils[0].changes
    assert change.difference == D("2915.43")
    assert {e.kind for e in change.events} == {"joined", "plan_issued"}


def test_r21_move_between_our_schools_shows_on_both(school, home_la):
    # Moved on 3 Nov 2025 to Birch Primary: the first school loses 3 Nov-31 Mar (90/188 of
    # the year's £6,090.00 shared 98:90 -> £2,915.43), the second gains the same.
    other = primary_school(home_la, name="Birch Primary")
    add_census(other)
    pupil = pupil_with_plan(school, home_la)
    initial = run("initial")
    pupil_services.pupil_move(
        pupil=pupil,
        to_school=other,
        moves_on=dt.date(2025, 11, 3),
        admission_kind="casual_admission",
    )
    final = run("final")
    _, out = _changes(initial, final, school)
    _, into = _changes(initial, final, other)
    assert out.pupils[0].changes[0].events[0].kind == "moved_out"
    assert into.pupils[0].changes[0].events[0].kind == "moved_in"
    assert out.pupils[0].difference == -into.pupils[0].difference
    assert into.pupils[0].difference == D("2915.43")


def test_r21_panel_decision_named_as_the_reason(school, home_la, la_officer, panel_member):
    # A personal supplement of £3,000 a year agreed by the SEN Panel from 5 Jan 2026 to
    # 31 Mar 2026: 55 school days, £3,000 × 55/188 = £877.66 (877.659... half up).
    from funding.panel import services as panel_services
    from funding.panel.models import PanelMeeting

    pupil = pupil_with_plan(school, home_la)
    initial = run("initial")
    # Decisions only at a meeting marked held with members present (issue 16).
    meeting = PanelMeeting.objects.create(date=dt.date(2025, 12, 10), status="held")
    meeting.members_present.add(panel_member)
    case = panel_services.case_submit(
        user=la_officer,
        pupil=pupil,
        school=school,
        kind="personal_supplement",
        evidence_summary="Needs beyond the top-up.",
        meeting=meeting,
        requested_amount=D("3000.00"),
        requested_from=dt.date(2026, 1, 5),
        requested_until=dt.date(2026, 3, 31),
    )
    panel_services.case_approve_as_requested(case=case, user=panel_member)
    final = run("final")
    report = selectors.school_final_report(school, initial, final)
    (change,) = report.why["personal_supplement"].pupils[0].changes
    assert change.difference == D("877.66")
    assert change.events[0].kind == "panel_decision"
    assert f"PC-{case.pk:05d}" in change.events[0].text


def test_r21_school_level_element_shows_both_workings(school, home_la):
    # Census corrected after the initial run: 20 more FSM pupils -> notional SEN up by
    # 50% × 20 × £400 = £4,000.00.
    initial = run("initial")
    census = school.censuses.get()
    census.fsm += 20
    census.save()
    final = run("final")
    report = selectors.school_final_report(school, initial, final)
    level = report.why["notional_sen"].school_level
    assert level.difference == D("4000.00")
    assert level.initial_working and level.final_working


def test_r21_la_list_sorted_by_largest_difference(school, home_la):
    small = pupil_with_plan(school, home_la, given_name="Ben")
    other = primary_school(home_la, name="Birch Primary")
    add_census(other)
    big = pupil_with_plan(other, home_la, given_name="Chloe")
    initial = run("initial")
    pupil_services.pupil_leave(pupil=small, last_day=dt.date(2026, 2, 13))
    pupil_services.pupil_leave(pupil=big, last_day=dt.date(2025, 10, 24))
    final = run("final")
    rows = selectors.final_rows(initial, final)
    assert [r.school_name for r in rows[:2]] == ["Birch Primary", "Alder Primary"]
    selectors.attach_reasons(rows, initial, final)
    assert rows[0].reasons.startswith("Left the school: −£")


def test_r21_a_leaving_date_withdrawn_after_the_initial_run_is_found_in_the_history(
    school, home_la
):
    # The initial run expected the pupil to leave on 19 Dec 2025 (£4,308.35, 133/188 of
    # £6,090). The leaving date was then withdrawn: the final run funds the whole year,
    # £6,090.00. The +£1,781.65 from 20 Dec is put against the record's change (history).
    pupil = pupil_with_plan(school, home_la, ends_on=dt.date(2025, 12, 19))
    initial = run("initial")
    placement = pupil.placements.get()
    placement.ends_on = None
    placement.save()
    final = run("final")
    _, why = _changes(initial, final, school)
    (change,) = why.pupils[0].changes
    assert change.difference == D("1781.65")
    assert change.starts_on == dt.date(2025, 12, 20)
    (event,) = change.events
    assert event.kind == "record_changed"
    assert event.text.startswith("Placement leaving date changed from 19 Dec 2025 to none")


def test_final_report_pages_show_the_reasons(school, home_la, client, la_officer):
    pupil = pupil_with_plan(school, home_la)
    run("initial")
    pupil_services.pupil_leave(pupil=pupil, last_day=dt.date(2025, 12, 19))
    run("final")
    client.force_login(la_officer)
    listing = client.get("/reports/2025/final/?changed=1").content.decode()
    assert "Left the school: −£1,781.65" in listing
    detail = client.get(f"/reports/2025/final/{school.urn}/").content.decode()
    assert "19 Dec 2025" in detail and "−£1,781.65" in detail
    export = client.get("/reports/2025/final/?_export=csv").content.decode()
    assert pupil.upn in export and "-1781.65" in export
