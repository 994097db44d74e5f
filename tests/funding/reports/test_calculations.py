"""Pure arithmetic of the reports: shares by school days, why a pupil's money changed (R21),
budget lines (R22), the forecast's phase ends, budget pressure, import/export (R8)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from funding.reports import calculations as calc
from schools.calendar import SchoolCalendar
from schools.dates import FinancialYear
from tests.conftest import FY2025_TERMS

D = Decimal
FY = FinancialYear(2025)
CALENDAR = SchoolCalendar.build([(s, e) for _, _, s, e in FY2025_TERMS])
DAYS = CALENDAR.school_days


def test_r7_calendar_has_the_hand_counted_school_days():
    # 60 + 73 + 55 = 188 (tests/funding/reports/conftest.py)
    assert DAYS(FY.starts_on, FY.ends_on) == 188
    assert DAYS(dt.date(2025, 4, 1), dt.date(2025, 12, 31)) == 133
    assert DAYS(dt.date(2026, 1, 1), dt.date(2026, 3, 31)) == 55


def test_split_by_days_adds_up_with_the_largest_remainder():
    # £6,090.00 over 133 and 55 days: 609,000p × 133/188 = 430,835.106 -> 430,835 (rem 20);
    # × 55/188 = 178,164.894 -> 178,164 (rem 168); one penny left goes to the larger
    # remainder: £4,308.35 + £1,781.65 = £6,090.00.
    assert calc.split_by_days(D("6090.00"), [133, 55]) == [D("4308.35"), D("1781.65")]


def test_split_by_days_of_a_negative_amount_is_the_negated_split():
    assert calc.split_by_days(D("-6090.00"), [133, 55]) == [D("-4308.35"), D("-1781.65")]


def test_split_by_days_with_no_days_puts_everything_in_the_first_part():
    assert calc.split_by_days(D("10.00"), [0, 0]) == [D("10.00"), D("0.00")]


def test_months_and_quarters_of_a_financial_year():
    months = calc.months_of(FY)
    assert months[0] == (dt.date(2025, 4, 1), dt.date(2025, 4, 30))
    assert months[10] == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert months[11] == (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert calc.quarters_of(FY)[3] == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    # School days per quarter: 44 + 36 + 53 + 55 = 188.
    assert [DAYS(a, b) for a, b in calc.quarters_of(FY)] == [44, 36, 53, 55]


def test_split_over_quarters_adds_up_to_the_line():
    # £6,090.00 for the whole year over quarters of 44, 36, 53, 55 days (pennies):
    # 609,000 × 44/188 = 142,531.91; × 36 = 116,617.02; × 53 = 171,686.17; × 55 = 178,164.89;
    # floors 142,531 + 116,617 + 171,686 + 178,164 = 608,998: the two pennies left go to the
    # largest remainders (.91 and .89).
    parts = calc.split_over(D("6090.00"), FY.starts_on, FY.ends_on, calc.quarters_of(FY), DAYS)
    assert parts == [D("1425.32"), D("1166.17"), D("1716.86"), D("1781.65")]
    assert sum(parts) == D("6090.00")


def test_r21_support_change_explains_the_whole_difference():
    # Initial: 20 h LSA all year, £6,090.00. Final: £4,308.35 (1 Apr-31 Dec at £6,090 a year,
    # 133/188) + £3,550.13 (1 Jan-31 Mar at £12,135 a year, 55/188).
    # The initial £6,090.00 shared 133:55 is £4,308.35 + £1,781.65, so the change from
    # 1 January is £3,550.13 − £1,781.65 = +£1,768.48, all of the difference.
    initial = [calc.Span(FY.starts_on, FY.ends_on, D("6090.00"))]
    final = [
        calc.Span(FY.starts_on, dt.date(2025, 12, 31), D("4308.35")),
        calc.Span(dt.date(2026, 1, 1), FY.ends_on, D("3550.13")),
    ]
    event = calc.Event(dt.date(2026, 1, 1), dt.date(2026, 1, 1), "support_changed", "20 h to 30 h")
    changes = calc.explain(initial, final, [event], fy=FY, days=DAYS)
    assert len(changes) == 1
    assert changes[0].difference == D("1768.48")
    assert changes[0].events == [event]
    assert (changes[0].starts_on, changes[0].ends_on) == (dt.date(2026, 1, 1), FY.ends_on)


def test_r21_a_leaver_is_shown_on_their_last_day_with_the_money_lost():
    # Left on 19 Dec 2025: the final run funds 1 Apr-19 Dec (133 days: Autumn 2 ends 19 Dec),
    # £4,308.35; the initial £6,090.00 shared 133:55 -> the part from 20 Dec is £1,781.65 lost.
    initial = [calc.Span(FY.starts_on, FY.ends_on, D("6090.00"))]
    final = [calc.Span(FY.starts_on, dt.date(2025, 12, 19), D("4308.35"))]
    left = calc.Event(dt.date(2025, 12, 20), dt.date(2025, 12, 19), "left", "Left")
    (change,) = calc.explain(initial, final, [left], fy=FY, days=DAYS)
    assert change.difference == D("-1781.65")
    assert change.on == dt.date(2025, 12, 19)


def test_r21_a_difference_with_no_event_is_left_unexplained():
    # A rate change: the same period, more money, and no event on 1 April.
    initial = [calc.Span(FY.starts_on, FY.ends_on, D("6090.00"))]
    final = [calc.Span(FY.starts_on, FY.ends_on, D("6200.00"))]
    (change,) = calc.explain(initial, final, [], fy=FY, days=DAYS)
    assert change.difference == D("110.00")
    assert not change.explained


def test_r21_the_changes_add_up_to_the_difference():
    # Joined 3 Nov at 20 h, support up to 30 h on 5 Jan: every part against its event.
    final = [
        calc.Span(dt.date(2025, 11, 3), dt.date(2026, 1, 4), D("1619.84")),
        calc.Span(dt.date(2026, 1, 5), FY.ends_on, D("3550.13")),
    ]
    events = [
        calc.Event(dt.date(2025, 11, 3), dt.date(2025, 11, 3), "joined", "Joined"),
        calc.Event(dt.date(2026, 1, 5), dt.date(2026, 1, 5), "support_changed", "More"),
    ]
    changes = calc.explain([], final, events, fy=FY, days=DAYS)
    assert [c.events[0].kind for c in changes] == ["joined", "support_changed"]
    assert sum(c.difference for c in changes) == D("5169.97")


def test_r22_budget_lines_by_element_placement_and_school():
    line = calc.budget_line_for
    assert line("notional_sen", establishment_type="community") is None
    assert line("element_1", establishment_type="community") is None
    assert line("top_up", establishment_type="community", placement_kind="mainstream") == (
        "mainstream_top_ups"
    )
    assert line("top_up", establishment_type="special", placement_kind="special_school") == (
        "special_top_ups"
    )
    assert line("top_up", establishment_type="academy", placement_kind="ssc") == "ssc_resourced"
    assert line("top_up", establishment_type="ap_pru", placement_kind="ap") == (
        "alternative_provision"
    )
    assert line("top_up", establishment_type="fe_college", placement_kind="fe") == "post_16"
    independent = line("top_up", establishment_type="independent_special", placement_kind="ssc")
    assert independent == "independent"
    assert line("top_up", establishment_type="community", delegated=False) == "central"
    assert line("place", establishment_type="special") == "special_places"
    assert line("place", establishment_type="community") == "ssc_resourced"
    assert line("place", establishment_type="ap_pru") == "alternative_provision"
    assert line("personal_supplement", establishment_type="community") == "supplements_enf"
    assert line("enf", establishment_type="special") == "supplements_enf"
    assert line("psf", establishment_type="community") == "clusters"
    assert line("additional_sen_support", establishment_type="community") == "mainstream_top_ups"


def test_r15_phase_end_by_date_of_birth_is_the_end_of_the_last_year_group():
    # Born 14 Mar 2014: Reception 2018/19, Year 6 in 2024/25 -> leaves primary 31 Aug 2025.
    cut = calc.phase_end_cut(
        dt.date(2014, 3, 14), last_group=6, ends_on=None, as_of=dt.date(2025, 5, 1)
    )
    assert cut == dt.date(2025, 8, 31)


def test_phase_end_already_passed_is_not_assumed():
    cut = calc.phase_end_cut(
        dt.date(2014, 3, 14), last_group=6, ends_on=None, as_of=dt.date(2025, 10, 1)
    )
    assert cut is None


def test_phase_end_after_a_known_leaving_date_is_not_assumed():
    cut = calc.phase_end_cut(
        dt.date(2014, 3, 14),
        last_group=6,
        ends_on=dt.date(2025, 7, 1),
        as_of=dt.date(2025, 5, 1),
    )
    assert cut is None


def test_last_year_group_from_the_statutory_high_age_or_the_phase():
    assert calc.last_year_group("primary", 11) == 6
    assert calc.last_year_group("secondary", 16) == 11
    assert calc.last_year_group("secondary", 18) == 13
    assert calc.last_year_group("secondary", None) == 11
    assert calc.last_year_group("not_applicable", None) is None


def test_r22_pressure_is_the_first_month_of_the_latest_run_over_budget():
    months = [
        (dt.date(2025, 4, 1), D("100"), D("90")),
        (dt.date(2025, 5, 1), D("100"), D("101")),
        (dt.date(2025, 6, 1), D("100"), D("99")),
        (dt.date(2025, 7, 1), D("100"), D("104")),
        (dt.date(2025, 8, 1), D("100"), D("110")),
    ]
    assert calc.first_pressure(months) == (dt.date(2025, 7, 1), D("4"))
    assert calc.first_pressure(months[:3]) is None


def test_r8_import_export_adjustment_is_net_import_times_the_rate():
    # 7 of their residents in our schools, 3 of ours in theirs: net import 4 × £6,000.
    row = calc.ImportExport("888", "Neighbour County", 7, 3, D("6000.00"))
    assert row.net == 4
    assert row.adjustment == D("24000.00")
    assert calc.ImportExport("888", "N", 1, 3, D("6000.00")).adjustment == D("-12000.00")
