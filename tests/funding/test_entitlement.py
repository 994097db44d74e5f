"""R7+: a line's months are differences of its entitlement to date, so they add up to the line.

Pure (no database). The calendar is the test FY 2025-26 (tests/conftest.py FY2025_TERMS), 188
school days; by month, April to March: 7, 16, 21, 16, 0, 20, 18, 20, 15, 20, 15, 20.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from funding.calculations.entitlement import (
    entitlement_on,
    entitlement_to_date,
    month_share,
    monthly_amounts,
    months_of_lines,
    split_line,
    year_months,
)
from funding.calculations.pro_rata import apportion
from schools.calendar import SchoolCalendar
from schools.dates import FinancialYear
from tests.conftest import FY2025_TERMS

D = Decimal
FY = FinancialYear(2025)
CALENDAR = SchoolCalendar.build([(start, end) for _n, _ay, start, end in FY2025_TERMS])


@dataclass(frozen=True)
class Line:
    amount: Decimal
    period_from: dt.date
    period_to: dt.date
    school_days: int


def line(amount: str, starts_on=FY.starts_on, ends_on=FY.ends_on) -> Line:
    return Line(D(amount), starts_on, ends_on, CALENDAR.school_days(starts_on, ends_on))


def test_calendar_months_as_the_docstring_says():
    assert [CALENDAR.school_days(a, b) for a, b in year_months(FY)] == [
        7, 16, 21, 16, 0, 20, 18, 20, 15, 20, 15, 20
    ]  # fmt: skip


def test_r7_plus_twelve_months_of_9112_50_add_up_to_the_year():
    # £9,112.50 a year (25 h LSA × £15.50 × 39 − £6,000). Rounding each month alone gave
    # £9,112.48. By entitlement to date, November (20 days; 98 school days to 31 Oct, 118 to
    # 30 Nov): 911,250p × 118/188 = 571,955.05 -> £5,719.55; × 98/188 = 475,013.30 ->
    # £4,750.13; November = £5,719.55 − £4,750.13 = £969.42 (exact share £969.4149).
    (months,) = months_of_lines([line("9112.50")], FY, CALENDAR)
    assert sum(m.amount for m in months) == D("9112.50")
    november = months[7]
    assert november.amount == D("969.42")
    assert november.working("Element 3 top-up") == (
        "Element 3 top-up: £9,112.50 to date £5,719.55 − £4,750.13 = £969.42 (school days 118/188)"
    )
    assert months[4].amount == D("0.00")  # August: no school days
    # March ends the line: entitlement to 31 Mar is the line itself, £9,112.50.
    assert months[11].to_date == D("9112.50")


def test_r7_plus_a_line_starting_mid_month():
    # Joins 10 Nov 2025: 10 Nov-31 Mar has 15 + 15 + 20 + 15 + 20 = 85 school days; the line
    # is £6,090 × 85/188 = 2,753.4574 -> £2,753.46 (275,346p). To date:
    #   30 Nov 15 days: 275,346 × 15/85 = 48,590.47 -> £485.90
    #   31 Dec 30 days: × 30/85 = 97,180.94 -> £971.81, December £485.91
    #   31 Jan 50 days: × 50/85 = 161,968.24 -> £1,619.68, January £647.87
    #   28 Feb 65 days: × 65/85 = 210,558.82 -> £2,105.59, February £485.91
    #   31 Mar: the line, £2,753.46, March £647.87
    joiner = line("2753.46", dt.date(2025, 11, 10))
    assert joiner.school_days == 85
    months = split_line(joiner, year_months(FY), CALENDAR)
    assert months[:7] == [None] * 7  # April-October: before the line
    assert [m.amount for m in months[7:]] == [
        D("485.90"), D("485.91"), D("647.87"), D("485.91"), D("647.87")
    ]  # fmt: skip
    assert sum(m.amount for m in months[7:]) == joiner.amount


def test_r7_plus_one_month_alone_is_the_same_as_in_the_whole_year():
    # November of £6,090 for the year: £6,090 × 118/188 = £3,822.45 less × 98/188 =
    # £3,174.57 = £647.88 (the per-month rounding gave £647.87; the year adds up only this way).
    whole = line("6090.00")
    november = month_share(whole, dt.date(2025, 11, 17), CALENDAR)
    assert (november.before, november.to_date, november.amount) == (
        D("3174.57"),
        D("3822.45"),
        D("647.88"),
    )
    assert november == months_of_lines([whole], FY, CALENDAR)[0][7]
    assert (
        month_share(line("6090.00", ends_on=dt.date(2025, 10, 31)), dt.date(2025, 11, 1), CALENDAR)
        is None
    )


def test_r7_plus_quarters_are_the_sum_of_their_months():
    # A quarter is entitlement to its end less that to its start too, so Q3 (Oct-Dec) of
    # £6,090 = £4,308.35 (133 days) − £2,908.24 (60 days)... and equals its three months.
    whole = line("6090.00")
    quarter = split_line(whole, [(dt.date(2025, 10, 1), dt.date(2025, 12, 31))], CALENDAR)[0]
    months = months_of_lines([whole], FY, CALENDAR)[0]
    assert quarter.amount == sum(m.amount for m in months[6:9])
    assert quarter.to_date == D("4308.35")


def test_entitlement_to_date_is_the_line_from_its_last_day():
    whole = line("9112.50")
    assert entitlement_on(whole, dt.date(2025, 3, 31), CALENDAR) == D("0.00")
    assert entitlement_on(whole, FY.ends_on, CALENDAR) == D("9112.50")
    # 27 Mar 2026 is the last school day: all 188 counted, the whole line.
    assert entitlement_on(whole, dt.date(2026, 3, 27), CALENDAR) == D("9112.50")
    # 94 of 188 days: exactly half, £4,556.25.
    assert entitlement_to_date(D("9112.50"), 94, 188) == D("4556.25")


def test_a_line_with_no_school_days_is_due_in_the_month_it_starts():
    # A summer-holiday period (1-31 Aug) with £10.00 (e.g. a minimum line): all in August.
    holiday = Line(D("10.00"), dt.date(2025, 8, 1), dt.date(2025, 8, 31), 0)
    months = split_line(holiday, year_months(FY), CALENDAR)
    assert [m.amount for m in months if m is not None] == [D("10.00")]
    assert months[4].amount == D("10.00")


def test_monthly_amounts_of_several_lines_add_up_to_their_total():
    # A support change on 1 Jan: £6,090 a year for 133/188 then £9,112.50 for 55/188, the lines
    # apportioned so they add up (R7): £4,308.35 + £2,665.89 = £6,974.24.
    first, second = apportion([(D("6090.00"), 133), (D("9112.50"), 55)], 188)
    lines = [
        line(str(first), ends_on=dt.date(2025, 12, 31)),
        line(str(second), dt.date(2026, 1, 1)),
    ]
    totals = monthly_amounts(lines, FY, CALENDAR)
    assert sum(totals) == first + second == D("6974.24")


def test_a_days_counting_function_does_as_well_as_a_calendar():
    whole = line("9112.50")
    by_function = split_line(whole, year_months(FY), CALENDAR.school_days)
    assert by_function == split_line(whole, year_months(FY), CALENDAR)


# ---- property: any calendar, any lines ------------------------------------------------------

FY_DAYS = [FY.starts_on + dt.timedelta(days=i) for i in range(365)]


@st.composite
def calendars_and_lines(draw):
    school_days = draw(st.sets(st.sampled_from(FY_DAYS), min_size=1, max_size=250))
    calendar = SchoolCalendar(tuple(sorted(school_days)))
    lines = []
    for _ in range(draw(st.integers(1, 4))):
        a, b = sorted(draw(st.lists(st.sampled_from(FY_DAYS), min_size=2, max_size=2)))
        pennies = draw(st.integers(-2_000_000, 5_000_000))
        lines.append(Line(D(pennies) / 100, a, b, calendar.school_days(a, b)))
    return calendar, lines


@settings(max_examples=300, deadline=None)
@given(calendars_and_lines())
def test_r7_plus_property_months_add_up_to_the_line_each_within_a_penny(case):
    """R7+: for any calendar and lines, each line's months add up to the line to the penny,
    and each month is within a penny of its exact share amount × days in month / line days."""
    calendar, lines = case
    for ln, months in zip(lines, months_of_lines(lines, FY, calendar), strict=True):
        shares = [m for m in months if m is not None]
        assert sum((m.amount for m in shares), D("0.00")) == ln.amount
        if ln.school_days:
            assert sum(m.school_days for m in shares) == ln.school_days
            for m in shares:
                exact = ln.amount * m.school_days / ln.school_days
                assert abs(m.amount - exact) < D("0.01")
    assert sum(monthly_amounts(lines, FY, calendar)) == sum(ln.amount for ln in lines)
