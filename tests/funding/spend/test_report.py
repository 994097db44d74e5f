"""R21 stage two with spend: the final report sets each school's initial and final SEN
allocation against the SEN spend it recorded, with final allocation − spend and totals.

Alder and Birch Primary each have 210 pupils (7 × 30), 40 FSM and 10 low prior attainment:
  notional SEN = 5% × 210 × £3,000 (£31,500) + 50% × 40 × £400 (£8,000)
               + 100% × 10 × £1,000 (£10,000) = £49,500.00, in both runs.
Alder has a pupil with 20 h LSA: top-up £6,090.00 initially; the pupil leaves on 19 Dec 2025,
so the final top-up is £6,090 × 133/188 = £4,308.35. Element 1 (AWPU, £630,000) is not SEN
money and is left out.
  Alder: initial £49,500 + £6,090 = £55,590.00; final £49,500 + £4,308.35 = £53,808.35.
  Birch: initial = final = £49,500.00.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from funding.spend import selectors, services
from pupils import services as pupil_services
from tests.funding.reports.conftest import pupil_with_plan, run

D = Decimal


@pytest.fixture
def runs(alder, birch, scheme, home_la):
    leaver = pupil_with_plan(alder, home_la)
    initial = run("initial")
    pupil_services.pupil_leave(pupil=leaver, last_day=dt.date(2025, 12, 19))
    return initial, run("final")


def test_r21_each_school_allocation_spend_and_difference(runs, alder):
    # Alder spent £50,000.00: final £53,808.35 − £50,000.00 = +£3,808.35 unspent.
    services.sen_spend_record(school=alder, financial_year=2025, amount=D("50000.00"))
    report = selectors.allocation_against_spend(*runs)
    assert [(r.school_name, r.initial, r.final, r.spend, r.difference) for r in report.rows] == [
        ("Alder Primary", D("55590.00"), D("53808.35"), D("50000.00"), D("3808.35")),
        ("Birch Primary", D("49500.00"), D("49500.00"), None, None),
    ]


def test_r21_totals_add_up_and_difference_counts_schools_that_recorded_spend(runs, alder, birch):
    # Alder spent £50,000.00, Birch £52,000.00 (more than its £49,500.00: −£2,500.00).
    # Initial £55,590.00 + £49,500.00 = £105,090.00; final £53,808.35 + £49,500.00 =
    # £103,308.35; spend £102,000.00; difference +£3,808.35 − £2,500.00 = +£1,308.35.
    services.sen_spend_record(school=alder, financial_year=2025, amount=D("50000.00"))
    services.sen_spend_record(school=birch, financial_year=2025, amount=D("52000.00"))
    report = selectors.allocation_against_spend(*runs)
    assert report.rows[1].difference == D("-2500.00")
    assert (report.initial, report.final, report.spend, report.difference) == (
        D("105090.00"),
        D("103308.35"),
        D("102000.00"),
        D("1308.35"),
    )


def test_r21_spend_of_another_year_is_not_counted(runs, alder):
    services.sen_spend_record(school=alder, financial_year=2024, amount=D("1.00"))
    report = selectors.allocation_against_spend(*runs)
    assert report.spend == D("0.00") and report.recorded == []


def test_r21_final_report_page_shows_allocation_against_spend(runs, alder, client, la_officer):
    services.sen_spend_record(school=alder, financial_year=2025, amount=D("50000.00"))
    client.force_login(la_officer)
    response = client.get("/reports/2025/final/")
    assert response.status_code == 200
    table = response.context["spend_table"]
    alder_row = next(r for r in table.rows if r.record.school_name == "Alder Primary")
    assert [alder_row.get_cell(c) for c in ("initial", "final", "spend", "difference")] == [
        "£55,590.00",
        "£53,808.35",
        "£50,000.00",
        "+£3,808.35",
    ]
    footer = {c.name: c.footer for c in table.columns}
    # Totals: £55,590.00 + £49,500.00; £53,808.35 + £49,500.00; Alder's spend and difference.
    assert (footer["initial"], footer["final"], footer["spend"], footer["difference"]) == (
        "£105,090.00",
        "£103,308.35",
        "£50,000.00",
        "+£3,808.35",
    )


def test_r21_final_report_export_of_allocation_against_spend(runs, alder, client, la_officer):
    services.sen_spend_record(school=alder, financial_year=2025, amount=D("50000.00"))
    client.force_login(la_officer)
    response = client.get("/reports/2025/final/?_export=csv&table=spend")
    assert response.status_code == 200
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == (
        "URN,School,Initial SEN allocation,Final SEN allocation,SEN spend,"
        "Final SEN allocation minus spend"
    )
    assert lines[1:] == [
        "300001,Alder Primary,55590.00,53808.35,50000.00,3808.35",
        "300002,Birch Primary,49500.00,49500.00,,",
        ",Total,105090.00,103308.35,50000.00,3808.35",
    ]


def test_r21_school_final_report_shows_its_own_allocation_against_spend(
    runs, alder, alder_manager, client
):
    services.sen_spend_record(school=alder, financial_year=2025, amount=D("50000.00"))
    client.force_login(alder_manager)
    response = client.get(f"/reports/2025/final/{alder.urn}/")
    assert response.status_code == 200
    spend = response.context["spend"]
    assert (spend.initial, spend.final, spend.spend, spend.difference) == (
        D("55590.00"),
        D("53808.35"),
        D("50000.00"),
        D("3808.35"),
    )
    assert "+£3,808.35" in response.content.decode()
