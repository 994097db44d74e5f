"""The public read API other parts of the product call, and the two commands.

Scheme: LSA £15.50 × 39 wk less £6,000; FY 2025-26 has 188 school days.
Monthly school days in the test calendar: April 2025 = 7 (22-30 Apr), November 2025 = 20,
January 2026 = 20, August 2025 = 0.
"""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from funding import selectors, services
from funding.exports import LINE_COLUMNS
from funding.models import RunStatus
from tests import factories
from tests.funding import builders as b

D = Decimal
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]


@pytest.fixture
def primary(home_la, scheme):
    return b.school(home_la, "Meadow Primary")


@pytest.fixture
def pupil_with_change(home_la, primary):
    p = b.pupil(home_la)
    b.place(p, primary)
    plan = b.plan(p, lsa=20)
    b.change_support(plan, dt.date(2026, 1, 1), lsa=25)
    return p


def test_latest_run_is_the_newest_completed_of_the_kinds(home_la, scheme):
    first = services.run_allocation(fy=2025, kind="initial")
    final = services.run_allocation(fy=2025, kind="final")
    assert selectors.latest_run(2025) == final
    assert selectors.latest_run(2025, kinds=["initial"]) == first
    assert selectors.latest_run(2025, kinds="revised") is None
    assert selectors.latest_run(2024) is None


def test_lines_for_pupil_gives_the_timeline_periods(pupil_with_change, la_officer):
    services.run_allocation(fy=2025, kind="initial")
    newest = services.run_allocation(fy=2025, kind="revised", user=la_officer)
    lines = selectors.lines_for_pupil(pupil_with_change)
    # £6,090 × 133/188 = £4,308.35 then £9,112.50 × 55/188 = £2,665.89 (newest run only)
    assert [(x.starts_on, x.ends_on, x.amount) for x in lines] == [
        (dt.date(2025, 4, 1), dt.date(2025, 12, 31), D("4308.35")),
        (dt.date(2026, 1, 1), dt.date(2026, 3, 31), D("2665.89")),
    ]
    assert {x.run_id for x in lines} == {newest.pk}
    assert lines[0].label == "Element 3 top-up"
    assert lines[0].working == lines[0].explanation
    assert lines[0].school_name == "Meadow Primary"
    assert selectors.lines_for_pupil(pupil_with_change.pk, fy=2024) == []


def test_lines_for_pupil_in_two_queries(pupil_with_change, django_assert_num_queries):
    services.run_allocation(fy=2025, kind="initial")
    with django_assert_num_queries(2):
        selectors.lines_for_pupil(pupil_with_change.pk)


def test_r7_plus_monthly_top_up_is_the_lines_entitlement_to_the_months_end_less_its_start(
    pupil_with_change, primary
):
    # The lines: 1 Apr-31 Dec £4,308.35 (133 school days), 1 Jan-31 Mar £2,665.89 (55 days).
    # November (98 of the line's days to 31 Oct, 118 to 30 Nov):
    #   430,835p × 118/133 = 382,244.59 -> £3,822.45; × 98/133 = 317,457.37 -> £3,174.57
    #   November = £3,822.45 − £3,174.57 = £647.88 (the month rounded alone was £647.87, and
    #   the months then did not add up to the line).
    assert selectors.monthly_top_up(pupil_with_change.pk, primary.pk, dt.date(2025, 11, 1)) == (
        D("647.88")
    )
    # January, the new level's line: 266,589p × 20/55 = 96,941.45 -> £969.41 − £0.00
    assert selectors.monthly_top_up(pupil_with_change.pk, primary.pk, dt.date(2026, 1, 1)) == (
        D("969.41")
    )
    # August: no school days, still placed: £0.00
    assert selectors.monthly_top_up(pupil_with_change.pk, primary.pk, dt.date(2025, 8, 1)) == (
        D("0.00")
    )


def test_monthly_top_up_none_when_not_placed_there(pupil_with_change, home_la):
    elsewhere = b.school(home_la, "Elsewhere Primary")
    assert (
        selectors.monthly_top_up(pupil_with_change.pk, elsewhere.pk, dt.date(2025, 11, 1)) is None
    )


def test_monthly_top_ups_for_a_school_in_constant_queries(
    home_la, primary, django_assert_max_num_queries
):
    pupils = []
    for _ in range(12):
        p = b.pupil(home_la)
        b.place(p, primary)
        b.plan(p, lsa=20)
        pupils.append(p)
    # 17: the scheme's dated rate changes (R26) are one more read
    with django_assert_max_num_queries(17):
        amounts = selectors.monthly_top_ups(primary.pk, dt.date(2025, 11, 1))
    # £6,090.00 a year: £6,090 × 118/188 = £3,822.45 less × 98/188 = £3,174.57 = £647.88
    assert set(amounts.values()) == {D("647.88")}
    assert len(amounts) == 12


def test_current_annual_top_up_for_the_panel(pupil_with_change):
    # On 1 Feb 2026 the pupil has 25 h: 25 × 15.50 × 39 = 15,112.50 − 6,000 = £9,112.50
    assert selectors.current_annual_top_up(pupil_with_change, on=dt.date(2026, 2, 1)) == (
        D("9112.50")
    )
    detail = selectors.current_annual_top_up_detail(pupil_with_change, on=dt.date(2025, 6, 1))
    assert detail.amount == D("6090.00")
    assert detail.parts == [
        "LSA 20 h × £15.50 × 39 wk = £12,090.00 − £6,000.00 threshold = £6,090.00"
    ]


def test_current_annual_top_up_none_without_a_plan(home_la, primary):
    p = b.pupil(home_la)
    b.place(p, primary)
    assert selectors.current_annual_top_up(p, on=dt.date(2025, 6, 1)) is None


def test_pupil_funding_live_without_a_run(pupil_with_change):
    lines = selectors.pupil_funding(pupil_with_change, 2025)
    assert [x.amount for x in lines] == [D("4308.35"), D("2665.89")]


def test_r21_compare_runs_per_school_and_element(home_la, primary):
    stays = b.pupil(home_la)
    b.place(stays, primary)
    b.plan(stays, lsa=20)
    leaver = b.pupil(home_la)
    placement = b.place(leaver, primary)
    b.plan(leaver, lsa=20)
    initial = services.run_allocation(fy=2025, kind="initial")
    placement.ends_on = dt.date(2025, 12, 19)  # left at Christmas
    placement.save()
    final = services.run_allocation(fy=2025, kind="final")
    [row] = selectors.compare_runs(initial, final)
    # initial 2 × £6,090 = £12,180.00; final 6,090 + 6,090 × 133/188 (4,308.35) = £10,398.35
    assert (row.school_id, row.element) == (primary.pk, "top_up")
    assert (row.initial, row.final, row.difference) == (
        D("12180.00"),
        D("10398.35"),
        D("-1781.65"),
    )


def test_school_statement_groups_school_and_pupil_lines(home_la, primary, pupil_with_change):
    b.census(primary, dt.date(2025, 1, 16), **b.primary_roll(30))
    run = services.run_allocation(fy=2025, kind="initial")
    statement = selectors.school_statement(primary, 2025)
    assert statement.run == run
    assert [s.element for s in statement.sections] == ["element_1", "notional_sen"]
    [pupil] = statement.pupils
    # 4,308.35 + 2,665.89 = £6,974.24
    assert (pupil.pupil, pupil.total) == (pupil_with_change, D("6974.24"))
    # 630,000 + 31,500 + 6,974.24
    assert statement.total == D("668474.24")


# ---- commands ---------------------------------------------------------------------------------


def test_run_allocation_command_prints_run_id_and_totals(pupil_with_change, capsys):
    starter = factories.la_officer(username="starter")
    call_command("run_allocation", "--fy", "2025", "--kind", "initial", "--user", "starter")
    out = capsys.readouterr().out
    run = selectors.latest_run(2025)
    assert run.status == RunStatus.DONE
    assert run.created_by == starter  # so someone else must approve it
    assert out.startswith(f"Run {run.pk}: FY 2025-26 initial, 2 lines")
    assert "Element 3 top-up" in out and "£        6,974.24" in out


def test_export_allocations_csv(pupil_with_change, primary, tmp_path):
    run = services.run_allocation(fy=2025, kind="initial")
    out = tmp_path / "lines.csv"
    call_command("export_allocations", "--run", str(run.pk), "--format", "csv", "--out", str(out))
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # a UTF-8 BOM: Excel reads the £ right
    with out.open(newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    assert tuple(rows[0]) == LINE_COLUMNS
    line = dict(zip(rows[0], rows[1], strict=True))
    assert [line[h] for h in ("URN", "School", "UPN", "Element", "Rule", "From", "To")] == [
        str(primary.urn),
        "Meadow Primary",
        pupil_with_change.upn,
        "Element 3 top-up",
        "R5",
        "2025-04-01",
        "2025-12-31",
    ]
    assert [line[h] for h in ("Amount", "Payer", "Delegated")] == ["4308.35", "999", "Yes"]
    assert line["Working"].startswith("LSA 20 h × £15.50 × 39 wk")
    assert rows[-1][0] == "Total"


def test_export_allocations_xlsx(pupil_with_change, tmp_path):
    run = services.run_allocation(fy=2025, kind="initial")
    out = tmp_path / "lines.xlsx"
    call_command("export_allocations", "--run", str(run.pk), "--format", "xlsx", "--out", str(out))
    sheet = openpyxl.load_workbook(out).active
    assert tuple(c.value for c in sheet[1]) == LINE_COLUMNS
    assert sheet.max_row == 4  # the header, two lines and the total row


def test_run_allocation_command_names_who_starts_the_run(pupil_with_change):
    # Without --user a command-line run would have no starter, so anyone could approve it.
    with pytest.raises(CommandError, match="Give --user USERNAME"):
        call_command("run_allocation", "--fy", "2025", "--kind", "initial")
    with pytest.raises(CommandError, match="There is no active user called 'nobody'"):
        call_command("run_allocation", "--fy", "2025", "--kind", "initial", "--user", "nobody")
    assert selectors.latest_run(2025) is None
