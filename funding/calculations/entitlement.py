"""R7+: a line's money for a month (or any part of its period) as a difference of the
entitlement to date, so the months add up to the line exactly. Pure: no ORM.

A line (an engine `LineData` or an `AllocationLine`) has an amount already rounded to the
penny for `period_from`..`period_to`, which holds `school_days` school days. Its entitlement
to a day d is

    0                                                           before period_from
    round_half_up(amount × school days of the line up to d / school_days)   inside the period
    amount                                                      from period_to on

and the money for a month (a quarter, a payment period) is the entitlement to its last day
less the entitlement to the day before it starts. So the months of a line add up to the line,
the lines of a year add up to the year, each month is within a penny of its exact share, and
a payment "due to date" (R24) is the same figure the returns and the budget show.

A line with no school days (a period wholly in a holiday) is due in full on its first day.

Every function takes the counting of school days as a `SchoolCalendar` (anything with a
`school_days(start, end)` method) or as a plain function `days(start, end) -> int`, and makes
one pass over the parts for each line, so a whole LA's year is computed in bulk.

    Element 3 top-up: £9,112.50 to date £4,556.25 − £3,796.88 = £759.37 (school days 94/188)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from funding.calculations.money import ZERO, from_pennies, gbp, to_pennies

RULE = "R7"
ONE_DAY = dt.timedelta(days=1)

DaysCounter = Callable[[dt.date, dt.date], int]


class Line(Protocol):
    """What the split reads from a line (LineData and AllocationLine both have it)."""

    amount: Decimal
    period_from: dt.date
    period_to: dt.date
    school_days: int


class Calendar(Protocol):
    def school_days(self, start: dt.date, end: dt.date) -> int: ...


def _counter(days: Calendar | DaysCounter) -> DaysCounter:
    counter = getattr(days, "school_days", None)
    return counter if callable(counter) else days  # type: ignore[return-value]


def share_pennies(pennies: int, days_to_date: int, line_days: int) -> int:
    """round_half_up(pennies × days_to_date / line_days) in whole pennies (half away from 0).

    >>> share_pennies(911250, 94, 188)
    455625
    >>> share_pennies(911250, 1, 188)
    4847
    """
    if line_days <= 0:
        raise ValueError("A line with no school days has no share of them.")
    n = abs(pennies) * days_to_date
    q = (2 * n + line_days) // (2 * line_days)
    return q if pennies >= 0 else -q


def entitlement_to_date(amount: Decimal, days_to_date: int, line_days: int) -> Decimal:
    """The part of a line's `amount` earned after `days_to_date` of its `line_days` school days.

    >>> entitlement_to_date(Decimal("9112.50"), 75, 188)
    Decimal('3635.31')
    """
    if line_days <= 0 or days_to_date >= line_days:
        return Decimal(amount).quantize(ZERO)
    if days_to_date <= 0:
        return ZERO
    return from_pennies(share_pennies(to_pennies(amount), days_to_date, line_days))


def entitlement_on(line: Line, day: dt.date, days: Calendar | DaysCounter) -> Decimal:
    """The line's entitlement to `day` inclusive (see the module docstring)."""
    if day < line.period_from:
        return ZERO
    if day >= line.period_to or line.school_days <= 0:
        return Decimal(line.amount).quantize(ZERO)
    counted = _counter(days)(line.period_from, day)
    return entitlement_to_date(line.amount, counted, line.school_days)


@dataclass(frozen=True, slots=True)
class PartShare:
    """A line's money for one part of the year (a month, a quarter) and its working."""

    starts_on: dt.date  # the part's first day
    ends_on: dt.date  # the part's last day
    amount: Decimal  # to_date − before
    to_date: Decimal  # entitlement to the part's last day
    before: Decimal  # entitlement to the day before the part
    school_days: int  # the line's school days inside the part
    days_to_date: int  # the line's school days up to the part's last day
    line_amount: Decimal
    line_days: int

    def working(self, label: str = "") -> str:
        """Element 3 top-up: £9,112.50 to date £4,556.25 − £3,796.88 = £759.37 (school days
        94/188)"""
        lead = f"{label}: " if label else ""
        return (
            f"{lead}{gbp(self.line_amount)} to date {gbp(self.to_date)} − {gbp(self.before)}"
            f" = {gbp(self.amount)} (school days {self.days_to_date}/{self.line_days})"
        )


def split_line(
    line: Line, parts: Sequence[tuple[dt.date, dt.date]], days: Calendar | DaysCounter
) -> list[PartShare | None]:
    """The line's money in each part (first day, last day), None where a part misses the line.

    `parts` are in date order and do not overlap (gaps are allowed: the school days in a gap
    count towards the entitlement to date). One pass: each school day of the line is counted
    once. The shares of parts that cover the whole period add up to the line's amount.
    """
    count = _counter(days)
    start, end, line_days = line.period_from, line.period_to, line.school_days
    amount = Decimal(line.amount).quantize(ZERO)
    pennies = to_pennies(amount)

    def earned(counted: int, day: dt.date) -> Decimal:
        if day < start:
            return ZERO
        if day >= end or line_days <= 0 or counted >= line_days:
            return amount
        if counted <= 0:
            return ZERO
        return from_pennies(share_pennies(pennies, counted, line_days))

    out: list[PartShare | None] = []
    counted = 0  # school days of the line up to `cursor`
    cursor = start - ONE_DAY
    for first, last in parts:
        if last < start or first > end:
            out.append(None)
            continue
        gap_lo, gap_hi = max(cursor + ONE_DAY, start), min(first - ONE_DAY, end)
        if gap_lo <= gap_hi:  # a gap before this part (or the line began before the parts)
            counted += count(gap_lo, gap_hi)
        before = earned(counted, first - ONE_DAY)
        in_part = count(max(first, start), min(last, end))
        counted += in_part
        cursor = last
        to_date = earned(counted, last)
        out.append(
            PartShare(
                first,
                last,
                to_date - before,
                to_date,
                before,
                in_part,
                min(counted, line_days),
                amount,
                line_days,
            )
        )
    return out


def month_share(line: Line, month_start: dt.date, days: Calendar | DaysCounter) -> PartShare | None:
    """The line's money for the calendar month holding `month_start` (None: no overlap)."""
    return split_line(line, [month_bounds(month_start)], days)[0]


def month_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    """(first day, last day) of the calendar month holding `day`."""
    first = day.replace(day=1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    return first, nxt - ONE_DAY


def months_between(starts_on: dt.date, ends_on: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The calendar months from the one holding `starts_on` to the one holding `ends_on`."""
    out = []
    first = starts_on.replace(day=1)
    while first <= ends_on:
        out.append(month_bounds(first))
        first = out[-1][1] + ONE_DAY
    return out


def year_months(fy) -> list[tuple[dt.date, dt.date]]:
    """The twelve months of a financial year (anything with `starts_on` and `ends_on`)."""
    return months_between(fy.starts_on, fy.ends_on)


def months_of_lines(
    lines: Iterable[Line], fy, days: Calendar | DaysCounter
) -> list[list[PartShare | None]]:
    """For each line, its twelve months of the financial year `fy` (April first), in bulk.

    One pass per line over the months; the months of each line add up to the line (for a line
    inside the year), so the months of all the lines add up to the lines' total.
    """
    months = year_months(fy)
    count = _counter(days)
    return [split_line(line, months, count) for line in lines]


def monthly_amounts(lines: Iterable[Line], fy, days: Calendar | DaysCounter) -> list[Decimal]:
    """The twelve monthly totals of the lines (April first); they add up to the lines' total."""
    totals = [ZERO] * 12
    for shares in months_of_lines(lines, fy, days):
        for i, share in enumerate(shares):
            if share is not None:
                totals[i] += share.amount
    return totals
