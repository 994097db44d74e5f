"""R22: the high-needs budget against commitment: what the latest run allocates + the forecast
to the year end + approved panel decisions not yet in a run + commitments outside the runs;
the monthly snapshots and when the pressure appeared."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from funding import selectors as engine
from funding.models import HourlyRate
from funding.reports import selectors, services
from funding.reports.models import BudgetSnapshot
from pupils import services as pupil_services
from tests import factories
from tests.funding.reports.conftest import add_census, primary_school, pupil_with_plan, run

D = Decimal
AS_OF = dt.date(2025, 11, 15)


@pytest.fixture
def alder(home_la, scheme):
    school = primary_school(home_la)
    add_census(school)
    services.budget_line_set(financial_year=2025, line="mainstream_top_ups", budget=D("10000"))
    services.budget_line_set(
        financial_year=2025, line="central", budget=D("5000"), other_commitment=D("4000")
    )
    return school


def _row(position, line):
    return next(r for r in position.rows if r.line == line)


def test_r22_allocated_is_the_latest_runs_high_needs_money(alder, home_la):
    # One pupil, 20 h LSA: £6,090.00 of mainstream top-up; the notional SEN budget is schools
    # block and not counted. Variance £10,000 − £6,090 = £3,910.00.
    pupil_with_plan(alder, home_la)
    run("initial")
    row = _row(selectors.budget_position(2025, as_of=AS_OF), "mainstream_top_ups")
    assert (row.allocated, row.forecast, row.panel_pending, row.commitment) == (
        D("6090.00"),
        D("0.00"),
        D("0.00"),
        D("6090.00"),
    )
    assert row.variance == D("3910.00")


def test_r22_forecast_takes_off_a_leaver_recorded_after_the_run(alder, home_la):
    # Leaves on 19 Dec 2025: the year is now £6,090 × 133/188 = £4,308.35, so the forecast is
    # £4,308.35 − £6,090.00 = −£1,781.65 and the commitment £4,308.35.
    pupil = pupil_with_plan(alder, home_la)
    run("initial")
    pupil_services.pupil_leave(pupil=pupil, last_day=dt.date(2025, 12, 19))
    row = _row(selectors.budget_position(2025, as_of=AS_OF), "mainstream_top_ups")
    assert row.forecast == D("-1781.65")
    assert row.commitment == D("4308.35")


def test_r22_forecast_adds_a_support_increase_recorded_after_the_run(alder, home_la):
    # 30 h from 1 Jan 2026: £4,308.35 + £3,550.13 = £7,858.48 for the year; forecast +£1,768.48.
    pupil = pupil_with_plan(alder, home_la)
    run("initial")
    pupil_services.support_change(
        plan=pupil.plans.get(),
        effective_from=dt.date(2026, 1, 1),
        support=pupil_services.SupportHours(lsa_hours=D("30")),
    )
    row = _row(selectors.budget_position(2025, as_of=AS_OF), "mainstream_top_ups")
    assert row.forecast == D("1768.48")


def test_r22_forecast_assumes_the_pupil_leaves_primary_at_the_end_of_year_6(alder, home_la):
    # Born 14 Mar 2014: Year 6 in 2024/25, so primary ends 31 Aug 2025 (R15's rule). As of
    # 1 May 2025 the forecast funds 1 Apr-31 Aug only: £6,090 × 60/188 = £1,943.62
    # (1,943.617 half up); forecast £1,943.62 − £6,090.00 = −£4,146.38.
    pupil_with_plan(alder, home_la, date_of_birth=dt.date(2014, 3, 14))
    run("initial")
    position = selectors.budget_position(2025, as_of=dt.date(2025, 5, 1))
    assert _row(position, "mainstream_top_ups").forecast == D("-4146.38")
    assert position.phase_end_pupils == 1


def test_r22_a_phase_end_already_passed_is_not_assumed(alder, home_la):
    # As of 1 October 2025 the pupil is still recorded at the primary: the records rule.
    pupil_with_plan(alder, home_la, date_of_birth=dt.date(2014, 3, 14))
    run("initial")
    position = selectors.budget_position(2025, as_of=dt.date(2025, 10, 1))
    assert _row(position, "mainstream_top_ups").forecast == D("0.00")


def test_r22_approved_panel_decision_not_yet_in_a_run(alder, home_la, la_officer, panel_member):
    # A personal supplement of £3,000 a year from 5 Jan to 31 Mar 2026, agreed after the run:
    # 55 school days, £3,000 × 55/188 = £877.66 pending; no forecast on top of it.
    from funding.panel import services as panel_services

    pupil = pupil_with_plan(alder, home_la)
    run("initial")
    case = panel_services.case_submit(
        user=la_officer,
        pupil=pupil,
        school=alder,
        kind="personal_supplement",
        evidence_summary="Exceptional needs.",
        meeting=_held_meeting(panel_member),
        requested_amount=D("3000.00"),
        requested_from=dt.date(2026, 1, 5),
        requested_until=dt.date(2026, 3, 31),
    )
    panel_services.case_approve_as_requested(case=case, user=panel_member)
    position = selectors.budget_position(2025, as_of=AS_OF)
    row = _row(position, "supplements_enf")
    assert (row.allocated, row.forecast, row.panel_pending) == (D("0"), D("0.00"), D("877.66"))
    assert _row(position, "mainstream_top_ups").forecast == D("0.00")
    (pending,) = position.pending
    assert (pending.reference, pending.amount) == (f"PC-{case.pk:05d}", D("877.66"))


def test_r22_once_a_run_includes_the_decision_it_is_allocated(
    alder, home_la, la_officer, panel_member
):
    from funding.panel import services as panel_services

    pupil = pupil_with_plan(alder, home_la)
    case = panel_services.case_submit(
        user=la_officer,
        pupil=pupil,
        school=alder,
        kind="personal_supplement",
        evidence_summary="Exceptional needs.",
        meeting=_held_meeting(panel_member),
        requested_amount=D("3000.00"),
        requested_from=dt.date(2026, 1, 5),
        requested_until=dt.date(2026, 3, 31),
    )
    panel_services.case_approve_as_requested(case=case, user=panel_member)
    run("revised")
    row = _row(selectors.budget_position(2025, as_of=AS_OF), "supplements_enf")
    assert (row.allocated, row.panel_pending) == (D("877.66"), D("0"))


def test_r22_commitments_outside_the_runs_count_against_their_line(alder):
    # Central services: budget £5,000, £4,000 committed outside the runs: variance £1,000.
    row = _row(selectors.budget_position(2025, as_of=AS_OF), "central")
    assert (row.commitment, row.variance) == (D("4000.00"), D("1000.00"))


def test_r22_rate_change_after_the_run_reforecasts_everyone(alder, home_la):
    # LSA up to £16.50: 20 × £16.50 × 39 = £12,870 − £6,000 = £6,870.00; forecast +£780.00.
    pupil_with_plan(alder, home_la)
    run("initial")
    for rate in HourlyRate.objects.filter(role="lsa"):
        rate.hourly_rate = D("16.50")
        rate.save()
    position = selectors.budget_position(2025, as_of=AS_OF)
    assert _row(position, "mainstream_top_ups").forecast == D("780.00")
    assert position.whole_year_reforecast


def test_r8_other_las_pupils_are_billed_not_committed_and_ours_elsewhere_are(
    alder, home_la, other_la
):
    # Their pupil in our school: billed to them (not our commitment). Our pupil at their
    # school: £6,090.00 of our mainstream top-ups.
    pupil_with_plan(alder, other_la)
    yew = primary_school(other_la, name="Yew Primary")
    pupil_with_plan(yew, home_la, given_name="Zara")
    run("initial")
    row = _row(selectors.budget_position(2025, as_of=AS_OF), "mainstream_top_ups")
    assert row.allocated == D("6090.00")


def test_r22_commitment_by_month_adds_up_to_the_commitment(alder, home_la):
    pupil_with_plan(alder, home_la)
    run("initial")
    position = selectors.budget_position(2025, as_of=AS_OF)
    assert sum(m.commitment for m in position.months) == position.total.commitment
    assert position.months[-1].cumulative_budget == position.total.budget == D("15000.00")
    assert position.months[4].commitment == D("0.00")  # August: no school days


def test_r7_plus_commitment_for_a_month_is_the_entitlement_the_return_shows(alder, home_la):
    # November: the pupil's £6,090.00 line to 30 Nov (118 of 188 school days) less to 31 Oct
    # (98): £3,822.45 − £3,174.57 = £647.88, the same as on the school's monthly return.
    # Central's £4,000 outside the runs as a year: 400,000p × 118/188 = 251,063.83 -> £2,510.64
    # less × 98/188 = 208,510.64 -> £2,085.11 = £425.53. Commitment £647.88 + £425.53.
    # Budget £10,000 (£6,276.60 − £5,212.77 = £1,063.83) + £5,000 (£3,138.30 − £2,606.38 =
    # £531.92) = £1,595.75.
    pupil = pupil_with_plan(alder, home_la)
    run("initial")
    november = selectors.budget_position(2025, as_of=AS_OF).months[7]
    assert november.first == dt.date(2025, 11, 1)
    assert engine.monthly_top_up(pupil.pk, alder.pk, dt.date(2025, 11, 1)) == D("647.88")
    assert november.commitment == D("647.88") + D("425.53") == D("1073.41")
    assert november.budget == D("1595.75")


def test_r22_budget_position_queries_do_not_grow_with_pupils(alder, home_la):
    for n in range(3):
        pupil_with_plan(alder, home_la, given_name=f"P{n}")
    run("initial")
    leaver = pupil_with_plan(alder, home_la, given_name="Leaver")
    pupil_services.pupil_leave(pupil=leaver, last_day=dt.date(2025, 12, 19))
    with CaptureQueriesContext(connection) as small:
        selectors.budget_position(2025, as_of=AS_OF)
    for n in range(6):
        pupil = pupil_with_plan(alder, home_la, given_name=f"Q{n}")
        pupil_services.pupil_leave(pupil=pupil, last_day=dt.date(2025, 12, 19))
    with CaptureQueriesContext(connection) as large:
        selectors.budget_position(2025, as_of=AS_OF)
    assert len(large) == len(small)


def test_r22_snapshot_is_one_per_month_and_taking_it_again_replaces_it(alder, home_la):
    pupil_with_plan(alder, home_la)
    run("initial")
    services.budget_snapshot_take(financial_year=2025, on=dt.date(2025, 11, 3))
    snapshot = services.budget_snapshot_take(financial_year=2025, on=dt.date(2025, 11, 28))
    assert BudgetSnapshot.objects.count() == 1
    assert snapshot.month == dt.date(2025, 11, 1)
    assert snapshot.taken_on == dt.date(2025, 11, 28)
    # £6,090.00 mainstream top-ups + £4,000.00 central services.
    assert snapshot.commitment == D("10090.00")
    assert snapshot.lines.count() == 10


def test_r22_year_end_report_says_when_the_pressure_appeared(alder, home_la):
    # October within the £10,000 mainstream budget; a second pupil (another £6,090) in
    # November takes it over, and it stays over in December.
    pupil_with_plan(alder, home_la)
    run("initial")
    services.budget_snapshot_take(financial_year=2025, on=dt.date(2025, 10, 31))
    pupil_with_plan(alder, home_la, given_name="Ben")
    run("revised")
    services.budget_snapshot_take(financial_year=2025, on=dt.date(2025, 11, 28))
    services.budget_snapshot_take(financial_year=2025, on=dt.date(2025, 12, 19))
    trend = selectors.budget_trend(2025)
    line = next(t for t in trend.lines if t.line == "mainstream_top_ups")
    assert line.pressure == (dt.date(2025, 11, 1), D("2180.00"))  # £12,180 − £10,000


def test_snapshot_outside_the_year_is_refused(alder):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        services.budget_snapshot_take(financial_year=2025, on=dt.date(2026, 4, 2))
    assert error.value.message_dict == {
        "on": [services.SNAPSHOT_OUTSIDE_YEAR.format(on=dt.date(2026, 4, 2), fy="2025-26")]
    }


def test_budget_page_shows_the_charts_data_and_tables(alder, home_la, client, la_officer):
    pupil_with_plan(alder, home_la)
    run("initial")
    client.force_login(la_officer)
    response = client.get("/reports/2025/budget/?as_of=2025-11-15")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="budget-chart-data"' in body and 'data-chart="months"' in body
    assert "vendor/chart.js/chart.umd.min.js" in body and "js/reports-charts.js" in body
    assert 'id="months-table"' in body and 'id="budget-table"' in body
    assert "£6,090.00" in body


def test_budget_page_snapshot_button_saves_this_month(alder, client, la_officer):
    client.force_login(la_officer)
    response = client.post("/reports/2025/budget/snapshot/")
    assert response.status_code == 302
    assert BudgetSnapshot.objects.filter(financial_year=2025).count() == 1


def test_school_manager_cannot_take_a_snapshot(alder, client):
    client.force_login(factories.school_manager(alder))
    assert client.post("/reports/2025/budget/snapshot/").status_code == 403
    assert not BudgetSnapshot.objects.exists()


def test_budget_page_explains_a_bad_as_of_date(alder, client, la_officer):
    client.force_login(la_officer)
    body = client.get("/reports/2025/budget/?as_of=2027-01-01").content.decode()
    assert "Choose a date in FY 2025-26 (1 April to 31 March)." in body
    body = client.get("/reports/2025/budget/?as_of=soon").content.decode()
    assert "Enter the date as YYYY-MM-DD" in body


def test_r12_band_rate_change_reforecasts_that_schools_pupils_only(alder, home_la, scheme):
    # Cedar's band 3 goes from £12,000 to £13,880 a year after the run: its pupil's forecast
    # is +£1,880.00; Alder's pupil is not worked out again (no whole-year re-forecast).
    from schools.models import EstablishmentType, Phase

    cedar = factories.SchoolFactory(
        la=home_la, phase=Phase.NOT_APPLICABLE, establishment_type=EstablishmentType.SPECIAL
    )
    band = factories.SpecialSchoolBandFactory(school=cedar, band=3, annual_rate=D("12000.00"))
    pupil = factories.PupilFactory(home_la=home_la, date_of_birth=dt.date(2012, 1, 5))
    factories.PlacementFactory(pupil=pupil, school=cedar, kind="special_school")
    factories.SupportLevelFactory(plan=factories.PlanFactory(pupil=pupil), lsa_hours=D("0"), band=3)
    pupil_with_plan(alder, home_la)
    # A revised run follows each child (R11+); an initial run funds Cedar's January occupancy
    # by band as one school-level line, which this per-pupil re-forecast does not revisit.
    run("revised")
    band.annual_rate = D("13880.00")
    band.save()
    position = selectors.budget_position(2025, as_of=AS_OF)
    assert _row(position, "special_top_ups").forecast == D("1880.00")
    assert not position.whole_year_reforecast


def _held_meeting(panel_member):
    """A panel meeting marked held with a member present: decisions need one (issue 16)."""
    from funding.panel.models import MeetingStatus, PanelMeeting

    meeting = PanelMeeting.objects.create(date=dt.date(2025, 12, 10), status=MeetingStatus.HELD)
    meeting.members_present.add(panel_member)
    return meeting
