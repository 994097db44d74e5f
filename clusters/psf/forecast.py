"""The PSF forecast (seed 001 FAQ 8: a transition over 7 years): PSF still protected and
released per school and financial year, from today's protected pupils, with school days
from the LA's calendar or estimated (`YearDays`). Pure: no ORM.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from clusters.psf.rules import ONE_DAY
from funding.calculations.money import ZERO
from funding.calculations.pro_rata import pro_rata
from schools.calendar import SchoolCalendar, bank_holidays_england
from schools.dates import (
    FinancialYear,
)

FORECAST_YEARS = 7


class YearDays:
    """School days in a range, from the LA's calendar where it has term dates for the year, else
    estimated as weekdays that are not bank holidays (future years have no term dates yet)."""

    def __init__(self, calendar: SchoolCalendar):
        self.calendar = calendar
        self._known: dict[FinancialYear, bool] = {}

    def is_known(self, fy: FinancialYear) -> bool:
        found = self._known.get(fy)
        if found is None:
            found = self._known[fy] = self.calendar.covers(
                fy.starts_on, dt.date(fy.start_year, 8, 31)
            ) and self.calendar.covers(dt.date(fy.start_year + 1, 1, 1), fy.ends_on)
        return found

    def days(self, fy: FinancialYear, start: dt.date, end: dt.date) -> int:
        if end < start:
            return 0
        if self.is_known(fy):
            return self.calendar.school_days(start, end)
        count = 0
        day = start
        while day <= end:
            if day.weekday() < 5 and day not in bank_holidays_england(day.year):
                count += 1
            day += ONE_DAY
        return count


@dataclass(frozen=True, slots=True)
class ProtectedPupil:
    """A pupil with PSF on the forecast's basis date: the annual amount then, and when it ends."""

    pupil_id: int
    school_id: int
    annual: Decimal
    ends_on: dt.date | None
    end_rule: str
    ends_text: str


@dataclass(frozen=True, slots=True)
class ForecastYear:
    fy: FinancialYear
    protected: Decimal
    released: Decimal
    released_in_year: Decimal
    estimated_days: bool


def forecast_pupil(
    pupil: ProtectedPupil, years: list[FinancialYear], year_days: YearDays
) -> list[tuple[Decimal, Decimal, bool]]:
    """(protected, released, estimated) for each year: the annual PSF pro rata by the school
    days of the year before it ends (R7); released = annual - protected.

    £6,000.00 a year ending 31 Aug 2026, FY 2026 with 78 of 190 days before then:
    protected £6,000.00 × 78/190 = £2,463.16, released £3,536.84; later years £0 and £6,000.
    """
    out = []
    for fy in years:
        total = year_days.days(fy, fy.starts_on, fy.ends_on)
        estimated = not year_days.is_known(fy)
        if pupil.ends_on is None or pupil.ends_on >= fy.ends_on:
            protected = pupil.annual
        elif pupil.ends_on < fy.starts_on or total == 0:
            protected = ZERO
        else:
            protected = pro_rata(
                pupil.annual, year_days.days(fy, fy.starts_on, pupil.ends_on), total
            ).amount
        out.append((protected, pupil.annual - protected, estimated))
    return out


@dataclass
class Forecast:
    years: list[FinancialYear]
    basis_date: dt.date
    baseline: Decimal
    pupils: int
    totals: list[ForecastYear]
    by_school: dict[int, list[ForecastYear]]
    baseline_by_school: dict[int, Decimal]
    pupils_by_school: dict[int, int]
    released_by_rule: dict[str, list[Decimal]]


def forecast(
    pupils: Iterable[ProtectedPupil],
    first_year: FinancialYear,
    year_days: YearDays,
    basis_date: dt.date,
    count: int = FORECAST_YEARS,
) -> Forecast:
    """PSF still protected and released for `count` financial years from `first_year`, per
    school (where each pupil is on the basis date) and in total, from today's pupils."""
    years = [FinancialYear(first_year.start_year + i) for i in range(count)]
    per_school: dict[int, list[list[Decimal]]] = defaultdict(lambda: [[ZERO, ZERO] for _ in years])
    totals = [[ZERO, ZERO] for _ in years]
    by_rule: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO for _ in years])
    estimated = [False for _ in years]
    baseline_by_school: dict[int, Decimal] = defaultdict(Decimal)
    pupils_by_school: dict[int, int] = defaultdict(int)
    baseline = ZERO
    n = 0
    for pupil in pupils:
        n += 1
        baseline += pupil.annual
        baseline_by_school[pupil.school_id] += pupil.annual
        pupils_by_school[pupil.school_id] += 1
        for i, (protected, released, est) in enumerate(forecast_pupil(pupil, years, year_days)):
            per_school[pupil.school_id][i][0] += protected
            per_school[pupil.school_id][i][1] += released
            totals[i][0] += protected
            totals[i][1] += released
            by_rule[pupil.end_rule][i] += released
            estimated[i] = est

    def rows(pairs: list[list[Decimal]]) -> list[ForecastYear]:
        out = []
        previous = ZERO
        for fy, (protected, released), est in zip(years, pairs, estimated, strict=True):
            out.append(ForecastYear(fy, protected, released, released - previous, est))
            previous = released
        return out

    return Forecast(
        years=years,
        basis_date=basis_date,
        baseline=baseline,
        pupils=n,
        totals=rows(totals),
        by_school={school: rows(pairs) for school, pairs in per_school.items()},
        baseline_by_school=dict(baseline_by_school),
        pupils_by_school=dict(pupils_by_school),
        released_by_rule=dict(by_rule),
    )
