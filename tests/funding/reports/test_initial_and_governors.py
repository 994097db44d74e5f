"""R21 stage one (the initial allocation report, with and without plans, R2) and the report a
school gives its governing body (pupils by initials and year group only)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from funding.reports import selectors
from pupils import services as pupil_services
from schools.models import EstablishmentType, Phase
from tests import factories
from tests.funding.reports.conftest import add_census, primary_school, pupil_with_plan, run

D = Decimal


@pytest.fixture
def alder(home_la, scheme):
    school = primary_school(home_la)
    add_census(school)
    return school


@pytest.fixture
def cedar(home_la, scheme):
    """A special school with 20 planned places both academic years and a band 3 rate."""
    school = factories.SchoolFactory(
        la=home_la,
        name="Cedar Special",
        phase=Phase.NOT_APPLICABLE,
        establishment_type=EstablishmentType.SPECIAL,
        statutory_low_age=4,
        statutory_high_age=19,
    )
    for year in (2024, 2025):
        factories.PlannedPlacesFactory(school=school, academic_year=year, places=20, occupied=18)
    factories.SpecialSchoolBandFactory(school=school, band=3, annual_rate=D("12000.00"))
    return school


def test_r21_initial_report_splits_money_with_and_without_plans(alder, cedar, home_la):
    # Alder: census of 210 pupils (7 × 30) at £3,000 = £630,000 AWPU (not SEN money);
    # notional SEN = 5% × £630,000 + 50% × 40 FSM × £400 + 100% × 10 LPA × £1,000
    #              = £31,500 + £8,000 + £10,000 = £49,500.00 (without plans);
    # one pupil with 20 h LSA: top-up £6,090.00 (with plans).
    pupil_with_plan(alder, home_la)
    # Cedar: 20 places × £10,000 = £200,000.00 (both academic years, apportioned to the
    # year); one pupil at band 3, £12,000.00.
    pupil = factories.PupilFactory(home_la=home_la, date_of_birth=dt.date(2012, 1, 5))
    factories.PlacementFactory(pupil=pupil, school=cedar, kind="special_school")
    plan = factories.PlanFactory(pupil=pupil)
    factories.SupportLevelFactory(plan=plan, lsa_hours=D("0"), band=3)
    report = selectors.initial_report(run("initial"))
    rows = {r.name: r for r in report.rows}
    assert (rows["Alder Primary"].notional_sen, rows["Alder Primary"].top_up) == (
        D("49500.00"),
        D("6090.00"),
    )
    assert rows["Alder Primary"].with_plans == D("6090.00")
    assert rows["Alder Primary"].total == D("55590.00")
    assert rows["Alder Primary"].pupils_with_plans == 1
    assert (rows["Cedar Special"].place, rows["Cedar Special"].top_up) == (
        D("200000.00"),
        D("12000.00"),
    )
    assert rows["Cedar Special"].notional_sen == D("0.00")


def test_r21_initial_report_totals_by_phase_and_school_type(alder, cedar, home_la):
    pupil_with_plan(alder, home_la)
    report = selectors.initial_report(run("initial"))
    by_phase = {g.label: g for g in report.by_phase}
    by_type = {g.label: g for g in report.by_type}
    assert by_phase["Primary"].total == D("55590.00")
    assert by_phase["Not applicable"].total == D("200000.00")
    assert by_type["Community school"].schools == 1
    assert by_type["Community special school"].with_plans == D("200000.00")
    assert report.total.total == D("255590.00")


def test_r21_retained_centrally_top_up_is_shown_apart(alder, home_la, scheme):
    # Hackney (R6): LST retained centrally. 20 h LSA + 5 h LST: delegated £12,090 − £6,000
    # = £6,090; retained 5 × £30 × 39 = £5,850 (the threshold is met by the LSA hours).
    scheme.hourly_rates.filter(role="lst").update(delegated=False)
    pupil = pupil_with_plan(alder, home_la)
    pupil.plans.get().support_levels.update(lst_hours=D("5"))
    report = selectors.initial_report(run("initial"))
    (row,) = [r for r in report.rows if r.name == "Alder Primary"]
    assert (row.top_up, row.retained_centrally) == (D("6090.00"), D("5850.00"))


def test_r21_governors_report_shows_initials_year_group_and_changes(alder, home_la):
    # Amara Okafor 20 h all year: £6,090.00. Ben Clarke leaves on 19 Dec 2025:
    # £6,090 × 133/188 = £4,308.35, a change of −£1,781.65 from the initial allocation.
    pupil_with_plan(alder, home_la)
    ben = pupil_with_plan(alder, home_la, given_name="Ben", family_name="Clarke")
    run("initial")
    pupil_services.pupil_leave(pupil=ben, last_day=dt.date(2025, 12, 19))
    run("final")
    report = selectors.governors_report(alder, 2025)
    assert report.notional_sen == D("49500.00")
    assert sorted((p.label, p.amount) for p in report.pupils) == [
        ("AO, Year 6", D("6090.00")),
        ("BC, Year 6", D("4308.35")),
    ]
    assert report.top_ups == D("10398.35")
    (change,) = report.changes
    assert (change.on, change.pupil, change.amount) == (
        dt.date(2025, 12, 19),
        "BC, Year 6",
        D("-1781.65"),
    )
    assert change.event == "Left the school"


def test_governors_page_and_csv_carry_no_names_or_upns(alder, home_la, client):
    pupil = pupil_with_plan(alder, home_la)
    run("initial")
    client.force_login(factories.school_manager(alder))
    page = client.get(f"/reports/2025/governors/{alder.urn}/").content.decode()
    csv = client.get(f"/reports/2025/governors/{alder.urn}/?_export=csv").content.decode()
    assert "AO, Year 6" in page and "AO, Year 6" in csv
    for text in (page, csv):
        assert pupil.upn not in text
        assert pupil.family_name not in text
        assert pupil.given_name not in text
