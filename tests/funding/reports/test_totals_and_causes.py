"""Issue 16 §3 and issue 14: a total row under every money table (the same as the export's),
the initial/final comparison one row per school sorted by difference, every difference
explained by its real cause (a scheme change with who and when, rounding), and the budget
page's paid to date, committed and forecast."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from funding.models import AllocationLine, HourlyRate
from funding.payments.models import PaymentLine, PaymentPeriod, PeriodStatus
from funding.reports import selectors
from funding.reports.tables import FinalReportTable, InitialReportTable
from pupils import services as pupil_services
from pupils.models import Plan
from schools.exports import table_sheet
from tests import factories
from tests.funding.reports.conftest import add_census, primary_school, pupil_with_plan, run

D = Decimal


def _initial_row(pk, name, top_up, notional):
    return selectors.InitialRow(
        pk, 100000 + pk, name, "primary", "Primary", "community", "Community", 1,
        top_up=D(top_up), notional_sen=D(notional),
    )  # fmt: skip


def _footer(table, name) -> str:
    return str(table.columns[name].footer)


def test_total_row_equals_the_sum_of_the_rows_on_screen_and_in_the_export():
    # Top-ups £6,090.00 + £12,135.00 = £18,225.00; notional SEN £1,000.10 + £2,000.20 =
    # £3,000.30; total £18,225.00 + £3,000.30 = £21,225.30.
    rows = [
        _initial_row(1, "Alder Primary", "6090.00", "1000.10"),
        _initial_row(2, "Beech Primary", "12135.00", "2000.20"),
    ]
    table = InitialReportTable(rows, fy=2025)
    assert table.has_footer()
    assert _footer(table, "top_up") == "£18,225.00"
    assert _footer(table, "notional_sen") == "£3,000.30"
    assert _footer(table, "total") == "£21,225.30"
    assert _footer(table, "name") == ""  # the template writes "Total" in the first cell
    total = table_sheet(table).total_row()
    headers = table_sheet(table).headers
    assert total[headers.index("Top-ups")] == D("18225.00")
    assert total[headers.index("Total")] == D("21225.30")


def test_total_row_counts_every_row_not_only_the_page():
    # 60 rows of £10.00 shown 50 to a page: the total is 60 × £10.00 = £600.00.
    rows = [_initial_row(i, f"School {i:02d}", "10.00", "0.00") for i in range(60)]
    table = InitialReportTable(rows, fy=2025)
    table.paginate(per_page=50)
    assert len(list(table.paginated_rows)) == 50
    assert _footer(table, "top_up") == "£600.00"


@pytest.fixture
def two_schools(home_la, scheme):
    alder = primary_school(home_la, "Alder Primary")
    beech = primary_school(home_la, "Beech Primary")
    add_census(alder)
    add_census(beech)
    return alder, beech


def test_r21_comparison_is_one_row_per_school_sorted_by_difference(
    two_schools, home_la, client, la_officer
):
    # Alder: 20 h LSA to 30 h from 1 Jan 2026: +£1,768.48 (test_final_report's working).
    # Beech: a leaver on 19 Dec 2025: −£1,781.65. Largest difference first: Beech, Alder.
    # Total difference £1,768.48 − £1,781.65 = −£13.17.
    alder, beech = two_schools
    more = pupil_with_plan(alder, home_la)
    leaver = pupil_with_plan(beech, home_la, given_name="Ben")
    run("initial")
    pupil_services.support_change(
        plan=Plan.objects.get(pupil=more),
        effective_from=dt.date(2026, 1, 1),
        support=pupil_services.SupportHours(lsa_hours=D("30")),
    )
    pupil_services.pupil_leave(pupil=leaver, last_day=dt.date(2025, 12, 19))
    run("final")
    client.force_login(la_officer)
    response = client.get("/reports/2025/final/")
    table = response.context["table"]
    assert isinstance(table, FinalReportTable)
    rows = [r.record for r in table.rows]
    assert [(r.school_name, r.difference) for r in rows] == [
        ("Beech Primary", D("-1781.65")),
        ("Alder Primary", D("1768.48")),
    ]
    assert _footer(table, "difference") == "−£13.17"
    body = response.content.decode()
    assert "Support changed: +£1,768.48" in body and "Left the school: −£1,781.65" in body
    ascending = client.get("/reports/2025/final/?sort=difference").context["table"]
    assert [r.record.school_name for r in ascending.rows] == ["Beech Primary", "Alder Primary"]
    descending = client.get("/reports/2025/final/?sort=-difference").context["table"]
    assert [r.record.school_name for r in descending.rows] == ["Alder Primary", "Beech Primary"]
    # Excel has the page's table too: one row per school and the same total row.
    book = openpyxl.load_workbook(
        io.BytesIO(client.get("/reports/2025/final/?_export=xlsx").content)
    )
    sheet = [[c.value for c in row] for row in book.worksheets[1].iter_rows()]
    assert sheet[0][:5] == ["URN", "School", "Initial", "Final", "Difference"]
    assert [(r[1], r[4]) for r in sheet[1:]] == [
        ("Beech Primary", -1781.65),
        ("Alder Primary", 1768.48),
        (None, -13.17),
    ]


def test_r21_a_rate_change_is_explained_by_the_scheme_change_with_who_and_when(
    two_schools, home_la
):
    # LSA primary £15.50 → £16.00 an hour after the initial run: 20 × £16.00 × 39 = £12,480.00
    # − £6,000 = £6,480.00 a year; difference £6,480.00 − £6,090.00 = +£390.00, no pupil event.
    alder, _ = two_schools
    pupil_with_plan(alder, home_la)
    initial = run("initial")
    officer = factories.la_officer(username="ratesetter", first_name="Jo", last_name="Bloggs")
    rate = HourlyRate.objects.get(scheme=initial.scheme, role="lsa", phase="primary")
    rate.hourly_rate = D("16.00")
    rate._history_user = officer
    rate._change_reason = "2025 pay award"
    rate.save()
    final = run("final")
    report = selectors.school_final_report(alder, initial, final)
    why = report.why["top_up"]
    (change,) = why.pupils[0].changes
    assert change.difference == D("390.00")
    (event,) = change.events
    assert event.kind == "scheme_changed"
    today = timezone.localdate()
    assert event.text == (
        f"LSA primary hourly rate changed from £15.50 to £16.00 on {today.day} "
        f"{today:%b %Y}, by Jo Bloggs (reason: 2025 pay award), before run {final.pk}"
    )
    assert why.summary() == "Scheme changed: +£390.00"


def test_r21_a_penny_difference_is_explained_as_rounding(two_schools, home_la):
    # The final run's top-up line one penny lower (£6,089.99: lines rounded once each, cut at
    # other dates): −£0.01 with no pupil event and no scheme change is rounding.
    alder, _ = two_schools
    pupil_with_plan(alder, home_la)
    initial = run("initial")
    final = run("final")
    line = AllocationLine.objects.get(run=final, school=alder, element="top_up")
    AllocationLine.objects.filter(pk=line.pk).update(amount=line.amount - D("0.01"))
    why = selectors.school_final_report(alder, initial, final).why["top_up"]
    (change,) = why.pupils[0].changes
    assert change.difference == D("-0.01")
    assert [e.kind for e in change.events] == ["rounding"]
    assert why.summary() == "Rounding: −£0.01"
    assert "not matched" not in why.summary().lower()


def _period(index, status, user, start, end):
    now = timezone.now()
    approved = status == PeriodStatus.APPROVED
    return PaymentPeriod.objects.create(
        financial_year=2025,
        index=index,
        starts_on=start,
        ends_on=end,
        cut_off=end,
        pay_on=end,
        status=status,
        prepared_by=user,
        prepared_at=now,
        approved_by=user if approved else None,
        approved_at=now if approved else None,
    )


def _pay(period, school, pupil, amount, payer):
    return PaymentLine.objects.create(
        period=period, school=school, pupil=pupil, element="top_up", route="la",
        payer_la=payer, reason_kind="regular", amount=D(amount),
        entitlement_to_date=D(amount), paid_before=D("0.00"), reason="Regular payment",
    )  # fmt: skip


def test_r22_budget_shows_paid_to_date_committed_and_forecast(
    two_schools, home_la, other_la, client, la_officer
):
    # The latest run allocates £6,090.00 of mainstream top-up (20 h LSA all year).
    # Paid to date: April approved, £745.05 (the other LA's pupil's £100.00 is billed to it).
    # Committed: May prepared, not approved, £600.00 + still to pay £6,090.00 − £745.05 −
    # £600.00 = £4,744.95: £5,344.95. Forecast: nothing changed since the run, £0.00.
    # £745.05 + £5,344.95 + £0.00 = £6,090.00 = the commitment.
    alder, _ = two_schools
    ours = pupil_with_plan(alder, home_la)
    theirs = pupil_with_plan(alder, other_la, given_name="Tom")
    run("initial")
    april = _period(1, PeriodStatus.APPROVED, la_officer, dt.date(2025, 4, 1), dt.date(2025, 4, 30))
    may = _period(2, PeriodStatus.PREPARED, la_officer, dt.date(2025, 5, 1), dt.date(2025, 5, 31))
    _pay(april, alder, ours, "745.05", home_la)
    _pay(april, alder, theirs, "100.00", other_la)
    _pay(may, alder, ours, "600.00", home_la)
    position = selectors.budget_position(2025, as_of=dt.date(2025, 11, 15))
    assert position.total.allocated == D("6090.00")
    assert position.paid_to_date == D("745.05")
    assert position.committed == D("5344.95")
    assert position.remaining == D("4744.95")
    assert position.forecast == D("0.00")
    total = position.total
    assert (
        position.paid_to_date
        + position.committed
        + position.forecast
        + (total.panel_pending + total.other)
        == total.commitment
    )
    client.force_login(la_officer)
    body = client.get("/reports/2025/budget/?as_of-day=15&as_of-month=11&as_of-year=2025")
    text = body.content.decode()
    figures = text[text.index('id="paid-committed-forecast"') :]
    assert "£745.05" in figures and "£5,344.95" in figures and "£600.00" in figures
    assert 'value="15"' in text and 'name="as_of-year"' in text


def test_budget_date_input_says_what_is_wrong(two_schools, client, la_officer):
    client.force_login(la_officer)
    body = client.get("/reports/2025/budget/?as_of-day=31&as_of-month=2&as_of-year=2026")
    assert "The forecast date must be a real date" in body.content.decode()
    body = client.get("/reports/2025/budget/?as_of-day=3&as_of-year=2026")
    assert "The forecast date must include a month" in body.content.decode()


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_scheme_changes_and_totals_take_a_constant_number_of_queries(
    two_schools, home_la, client, la_officer
):
    # One rate change and two schools, then three more rate changes and four more pupils:
    # the comparison and the budget page read the same number of queries.
    alder, beech = two_schools
    pupil_with_plan(alder, home_la)
    initial = run("initial")
    rate = HourlyRate.objects.get(scheme=initial.scheme, role="lsa", phase="primary")
    rate.hourly_rate = D("16.00")
    rate.save()
    run("final")
    client.force_login(la_officer)
    pages = ["/reports/2025/final/", f"/reports/2025/final/{alder.urn}/", "/reports/2025/budget/"]
    small = [_queries(client, url) for url in pages]
    for n in range(4):
        pupil_with_plan(beech if n % 2 else alder, home_la, given_name=f"Extra{n}")
    for role, value in (("lst", "31.00"), ("ta", "16.00")):
        r = HourlyRate.objects.get(scheme=initial.scheme, role=role, phase="primary")
        r.hourly_rate = D(value)
        r.save()
    rate.weeks_per_year = D("38")
    rate.save()
    run("final")
    large = [_queries(client, url) for url in pages]
    assert large == small


def test_run_lines_and_per_school_tables_have_a_total_row(two_schools, home_la, client, la_officer):
    # Two pupils of 20 h LSA at Alder: two top-up lines of £6,090.00 = £12,180.00 of top-up.
    alder, _ = two_schools
    pupil_with_plan(alder, home_la)
    pupil_with_plan(alder, home_la, given_name="Zed")
    result = run("initial")
    client.force_login(la_officer)
    body = client.get(f"/funding/runs/{result.pk}/lines/?element=top_up").content.decode()
    footer = body[body.index('<tfoot class="app-total-row">') :]
    assert re.search(r"Total</th>", footer)
    assert "£12,180.00" in footer
