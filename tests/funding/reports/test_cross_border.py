"""R8: statements per other LA that reconcile to the penny with the run's lines, in any billing
period; and the DfE import/export adjustment counted on the January census date."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db.models import Sum

from funding import selectors as engine
from funding.models import PUPIL_ELEMENTS, AllocationLine
from funding.reports import selectors
from pupils.models import FundingItem
from tests import factories
from tests.funding.reports.conftest import add_census, primary_school, pupil_with_plan, run

D = Decimal


@pytest.fixture
def borough(home_la, other_la, scheme):
    """Alder (ours) teaches two of Neighbour County's pupils and one of ours; Yew (theirs)
    teaches one of ours."""
    alder = primary_school(home_la)
    add_census(alder)
    yew = primary_school(other_la, name="Yew Primary")
    # Theirs at Alder: 20 h all year (£6,090.00), and 30 h leaving on 19 Dec 2025
    # (£12,135 × 133/188 = £8,584.87, 8,584.867 half up), with a personal supplement of
    # £1,880 a year paid while he is there from 1 Sep 2025: 1 Sep-19 Dec is 38 + 35 = 73
    # school days, £1,880 × 73/188 = £730.00.
    pupil_with_plan(alder, other_la, given_name="Nia", family_name="Evans")
    leaver = pupil_with_plan(
        alder,
        other_la,
        lsa="30",
        ends_on=dt.date(2025, 12, 19),
        given_name="Owen",
        family_name="Hughes",
    )
    FundingItem.objects.create(
        pupil=leaver,
        school=alder,
        kind="personal_supplement",
        annual_amount=D("1880.00"),
        starts_on=dt.date(2025, 9, 1),
        ends_on=dt.date(2026, 8, 31),
    )
    pupil_with_plan(alder, home_la, given_name="Amara")
    pupil_with_plan(yew, home_la, given_name="Zara", family_name="Xu")
    return alder, yew, run("initial")


def _lines_total(run_, **filters):
    return AllocationLine.objects.filter(
        run=run_, element__in=PUPIL_ELEMENTS, delegated=True, **filters
    ).aggregate(total=Sum("amount"))["total"]


def test_r8_charge_statement_reconciles_with_the_run_to_the_penny(borough, other_la, home_la):
    # £6,090.00 + £8,584.87 + £730.00 = £15,404.87.
    _, _, run_ = borough
    statement = selectors.cross_border_statement(run_, other_la, selectors.CHARGE)
    assert statement.total == D("15404.87")
    assert statement.total == _lines_total(run_, payer_la=other_la, school__la=home_la)
    owed = {r.la_id: r.amount for r in engine.recoupment(run_).owed_to_us}
    assert statement.total == owed[other_la.pk]
    assert statement.pupils == 2


def test_r8_pay_statement_reconciles_with_the_run_to_the_penny(borough, other_la, home_la):
    _, _, run_ = borough
    statement = selectors.cross_border_statement(run_, other_la, selectors.PAY)
    assert statement.total == D("6090.00")
    assert statement.total == _lines_total(run_, payer_la=home_la, school__la=other_la)
    owe = {r.la_id: r.amount for r in engine.recoupment(run_).we_owe}
    assert statement.total == owe[other_la.pk]


@pytest.mark.parametrize(
    "periods",
    [
        ["q1", "q2", "q3", "q4"],
        [f"2025-{m:02d}" for m in range(4, 13)] + [f"2026-{m:02d}" for m in range(1, 4)],
    ],
)
def test_r8_quarterly_and_monthly_statements_add_up_exactly_to_the_year(borough, other_la, periods):
    _, _, run_ = borough
    year = selectors.cross_border_statement(run_, other_la, selectors.CHARGE, "year").total
    parts = [
        selectors.cross_border_statement(run_, other_la, selectors.CHARGE, key).total
        for key in periods
    ]
    assert sum(parts) == year == D("15404.87")


def test_r8_quarter_statement_shows_the_share_and_its_working(borough, other_la):
    # Nia's £6,090.00 in Q4 (Jan-Mar, 55 of 188 days): £1,781.65 (see test_calculations).
    _, _, run_ = borough
    statement = selectors.cross_border_statement(run_, other_la, selectors.CHARGE, "q4")
    (nia,) = [line for line in statement.lines if line.name == "Nia Evans"]
    assert nia.amount == D("1781.65")
    assert "55 of the line's 188 school days" in nia.working
    # R7+: the line's entitlement to 31 Mar less that to 31 Dec (133 of 188 days, £4,308.35).
    assert "£6,090.00 to date £6,090.00 − £4,308.35 = £1,781.65" in nia.working
    assert all(line.name != "Owen Hughes" for line in statement.lines)  # left in December


def test_r8_statement_csv_lists_each_period_and_the_total(borough, other_la, client, la_officer):
    _, _, run_ = borough
    client.force_login(la_officer)
    response = client.get(f"/reports/2025/cross-border/{other_la.code}/charge/?_export=csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:2] == ["UPN", "Pupil"]
    assert rows[0][-2:] == ["Charged in this statement", "Working"]
    assert rows[-1][0] == "Total" and rows[-1][-2:] == ["15404.87", ""]
    assert len(rows) == 2 + 3  # header, Nia, Owen's top-up and supplement, total


def test_r8_summary_page_lists_each_la_with_both_directions(borough, other_la, client, la_officer):
    client.force_login(la_officer)
    body = client.get("/reports/2025/cross-border/").content.decode()
    assert "Neighbour County" in body
    assert "£15,404.87" in body and "£6,090.00" in body and "+£9,314.87" in body


def test_r8_import_export_counts_high_needs_pupils_on_the_census_date(
    borough, home_la, other_la, scheme
):
    # Census 16 Jan 2025 (Alder's January census). On that date: Nia and Owen (live in
    # Neighbour County, at Alder) are imports; Zara (lives here, at Yew) is an export; Amara
    # (lives here, at Alder) is neither. Net import 1 × the scheme's £6,500 = £6,500.00.
    scheme.import_export_rate = D("6500.00")
    scheme.save()
    report = selectors.import_export(2025)
    assert report.census_date == dt.date(2025, 1, 16)
    (row,) = report.rows
    assert (row.la_code, row.imported, row.exported, row.net) == ("888", 2, 1, 1)
    assert row.adjustment == report.adjustment == D("6500.00")
    assert sorted(p.name.split()[0] for p in report.pupils) == ["Nia", "Owen", "Zara"]


def test_r8_import_export_ignores_pupils_without_a_plan_or_not_placed_that_day(
    home_la, other_la, scheme
):
    alder = primary_school(home_la)
    pupil_with_plan(alder, other_la, starts_on=dt.date(2025, 2, 1))  # joined after the census
    pupil_with_plan(alder, other_la, issued_on=dt.date(2025, 3, 1), starts_on=dt.date(2024, 9, 1))
    pupil = factories.PupilFactory(home_la=other_la)  # no plan at all
    factories.PlacementFactory(pupil=pupil, school=alder)
    report = selectors.import_export(2025, dt.date(2025, 1, 16))
    assert report.rows == [] and report.adjustment == 0


def test_r8_default_census_date_without_censuses_is_the_third_thursday(home_la, scheme):
    assert selectors.default_census_date(2026) == dt.date(2026, 1, 15)
