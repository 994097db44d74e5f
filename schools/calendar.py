"""School days (R7): term dates minus weekends, bank holidays (England) and closure days.

Pure: built from plain term ranges and closure dates; `schools.selectors.school_calendar`
loads them from the database. Counting is a binary search over a sorted tuple of days, so a
run can ask for thousands of ranges cheaply.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def bank_holidays_england(year: int) -> frozenset[dt.date]:
    """Bank holidays in England for a calendar year (the maintained `holidays` package)."""
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


@dataclass(frozen=True)
class SchoolCalendar:
    days: tuple[dt.date, ...]

    @classmethod
    def build(
        cls, terms: Iterable[tuple[dt.date, dt.date]], closures: Iterable[dt.date] = ()
    ) -> SchoolCalendar:
        closed = set(closures)
        days: set[dt.date] = set()
        for start, end in terms:
            day = start
            while day <= end:
                if (
                    day.weekday() < 5
                    and day not in closed
                    and day not in bank_holidays_england(day.year)
                ):
                    days.add(day)
                day += dt.timedelta(days=1)
        return cls(tuple(sorted(days)))

    def school_days(self, start: dt.date, end: dt.date) -> int:
        """School days in the inclusive range start..end (0 when end < start)."""
        if end < start:
            return 0
        return bisect_right(self.days, end) - bisect_left(self.days, start)

    def is_school_day(self, day: dt.date) -> bool:
        i = bisect_left(self.days, day)
        return i < len(self.days) and self.days[i] == day

    def add_school_days(self, start: dt.date, count: int) -> dt.date | None:
        """The date `count` school days after `start` (start itself not counted), if known."""
        i = bisect_right(self.days, start) + count - 1
        return self.days[i] if 0 <= i < len(self.days) else None

    def covers(self, start: dt.date, end: dt.date) -> bool:
        """Whether any term dates are known in the range (a year with no terms is a data gap)."""
        return self.school_days(start, end) > 0
