"""Domain dates: financial and academic years, NC year groups, key stages, phase ends.

Pure functions and small value types, no ORM. R23 (year group from date of birth and the
1 September rule), R15 (the end of a child's phase by date of birth), R7 (financial year).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

NURSERY_1 = -2  # the year two before Reception (age 3 at 1 September)
NURSERY_2 = -1  # the year before Reception (age 4 during the year)
RECEPTION = 0
YEAR_6 = 6
YEAR_11 = 11
YEAR_13 = 13


@dataclass(frozen=True, order=True)
class FinancialYear:
    """FY 2025 runs 1 April 2025 to 31 March 2026 inclusive."""

    start_year: int

    @classmethod
    def of(cls, day: dt.date) -> FinancialYear:
        return cls(day.year if day.month >= 4 else day.year - 1)

    @property
    def starts_on(self) -> dt.date:
        return dt.date(self.start_year, 4, 1)

    @property
    def ends_on(self) -> dt.date:
        return dt.date(self.start_year + 1, 3, 31)

    @property
    def label(self) -> str:
        return f"{self.start_year}-{str(self.start_year + 1)[-2:]}"

    def contains(self, day: dt.date) -> bool:
        return self.starts_on <= day <= self.ends_on

    def __str__(self) -> str:
        return self.label


@dataclass(frozen=True, order=True)
class AcademicYear:
    """Academic year 2025 runs 1 September 2025 to 31 August 2026 inclusive ("2025/26")."""

    start_year: int

    @classmethod
    def of(cls, day: dt.date) -> AcademicYear:
        return cls(day.year if day.month >= 9 else day.year - 1)

    @property
    def starts_on(self) -> dt.date:
        return dt.date(self.start_year, 9, 1)

    @property
    def ends_on(self) -> dt.date:
        return dt.date(self.start_year + 1, 8, 31)

    @property
    def label(self) -> str:
        return f"{self.start_year}/{str(self.start_year + 1)[-2:]}"

    def contains(self, day: dt.date) -> bool:
        return self.starts_on <= day <= self.ends_on

    def __str__(self) -> str:
        return self.label


def financial_year_of(day: dt.date) -> FinancialYear:
    return FinancialYear.of(day)


def academic_year_of(day: dt.date) -> AcademicYear:
    return AcademicYear.of(day)


def reception_year_of(date_of_birth: dt.date) -> AcademicYear:
    """R23: Reception is the academic year that starts after the child's 4th birthday.

    Born 1 Sep 2015 .. 31 Aug 2016 -> Reception in 2020/21.
    """
    cohort_start = date_of_birth.year if date_of_birth.month >= 9 else date_of_birth.year - 1
    return AcademicYear(cohort_start + 5)


def year_group(date_of_birth: dt.date, on: dt.date) -> int:
    """National curriculum year group by age on a date: 0 = Reception, -1/-2 = nursery, 1..13."""
    return academic_year_of(on).start_year - reception_year_of(date_of_birth).start_year


def year_group_label(group: int) -> str:
    if group <= NURSERY_2:
        return "Nursery" if group >= NURSERY_1 else "Pre-school"
    if group == RECEPTION:
        return "Reception"
    return f"Year {group}"


def key_stage(group: int) -> str:
    """EY (nursery, Reception), KS1 (Y1-2), KS2 (Y3-6), KS3 (Y7-9), KS4 (Y10-11), KS5 (Y12-13)."""
    if group <= RECEPTION:
        return "EY"
    if group <= 2:
        return "KS1"
    if group <= YEAR_6:
        return "KS2"
    if group <= 9:
        return "KS3"
    if group <= YEAR_11:
        return "KS4"
    return "KS5"


def phase_of(group: int) -> str:
    """The phase a year group belongs to: nursery, primary (R-Y6), secondary (Y7-Y11), post-16."""
    if group < RECEPTION:
        return "nursery"
    if group <= YEAR_6:
        return "primary"
    if group <= YEAR_11:
        return "secondary"
    return "post16"


def phase_end_date(date_of_birth: dt.date, on: dt.date) -> dt.date:
    """R15: the last day of the phase the child is in on `on`, by date of birth (not taught year).

    Nursery ends 31 August before Reception; primary at the end of Year 6; secondary at the end
    of Year 11; post-16 at the end of Year 13. A child kept back a year still ends with their
    age cohort.
    """
    reception = reception_year_of(date_of_birth).start_year
    phase = phase_of(year_group(date_of_birth, on))
    last_year_group = {"nursery": -1, "primary": YEAR_6, "secondary": YEAR_11, "post16": YEAR_13}
    return AcademicYear(reception + last_year_group[phase]).ends_on


def overlap(
    a_start: dt.date, a_end: dt.date | None, b_start: dt.date, b_end: dt.date | None
) -> tuple[dt.date, dt.date] | None:
    """The inclusive intersection of two inclusive date ranges (None end = open), or None."""
    start = max(a_start, b_start)
    ends = [d for d in (a_end, b_end) if d is not None]
    end = min(ends) if ends else None
    if end is None:
        raise ValueError("at least one range must be bounded")
    return (start, end) if start <= end else None
