"""Dates in the allocation engine: what it works out from a day alone, with no engine state.

- the two academic years a financial year spans, and a message for each with no term dates
  (R7: `calendar_gaps`; the engine refuses such a year with `allocation.CalendarIncomplete`);
- which phase's hourly rates apply to a pupil on a day (`rate_phase`, R3+);
- each plan's standing date, a converted statement keeping its first issue date (R17);
- how a day and a period read in a line's explanation (`_d`, `period_text`; cached, as the
  same dates recur on thousands of lines).

Used by `allocation.Engine` and `school_lines`, and importable from `allocation` as before.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from funding.calculations.inputs import PRIMARY_PHASES, SECONDARY_PHASES, SchoolInfo
from funding.calculations.periods import PlanSpan
from schools.dates import FinancialYear, phase_of, year_group

CALENDAR_INCOMPLETE = (
    "Term dates for the {ay} academic year are missing: FY {fy} runs from {start} to {end} and "
    "spans the {ay1} and {ay2} academic years, so both need their term dates. Add them on the "
    "term dates page (Admin › Schools › Term dates) or import them, then run the year again."
)


def _ay(start_year: int) -> str:
    return f"{start_year}/{str(start_year + 1)[-2:]}"


@lru_cache(maxsize=4096)
def _d(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


@lru_cache(maxsize=65536)
def period_text(start: dt.date, end: dt.date) -> str:
    return f"{_d(start)} to {_d(end)}"


def academic_year_parts(fy: FinancialYear) -> list[tuple[int, dt.date, dt.date]]:
    """The two academic years a financial year spans: (start year, first day, last day)."""
    return [
        (fy.start_year - 1, fy.starts_on, dt.date(fy.start_year, 8, 31)),
        (fy.start_year, dt.date(fy.start_year, 9, 1), fy.ends_on),
    ]


def calendar_gaps(calendar, fy: FinancialYear) -> list[str]:
    """R7: a message per academic year of the FY with no term dates (empty when complete)."""
    messages = []
    for academic_year, start, end in academic_year_parts(fy):
        if calendar.school_days(start, end) == 0:
            messages.append(
                CALENDAR_INCOMPLETE.format(
                    ay=_ay(academic_year),
                    fy=fy,
                    start=_d(fy.starts_on),
                    end=_d(fy.ends_on),
                    ay1=_ay(fy.start_year - 1),
                    ay2=_ay(fy.start_year),
                )
            )
    return messages


def rate_phase(school: SchoolInfo, date_of_birth: dt.date, on: dt.date) -> str:
    """Which phase's hourly rates apply: the school's phase, or the pupil's age for
    all-through and special schools."""
    if school.phase in PRIMARY_PHASES:
        return "primary"
    if school.phase in SECONDARY_PHASES:
        return "secondary"
    return (
        "primary"
        if phase_of(year_group(date_of_birth, on)) in ("nursery", "primary")
        else ("secondary")
    )


def plan_chain_starts(plans: list[PlanSpan]) -> dict[int, dt.date]:
    """R17: each plan's standing date: a plan continuing an earlier one with no gap (a statement
    converted to an EHCP) keeps the first plan's issue date."""
    out: dict[int, dt.date] = {}
    previous: PlanSpan | None = None
    for plan in sorted(plans, key=lambda p: p.issued_on):
        continues = (
            previous is not None
            and previous.ceased_on is not None
            and plan.issued_on <= previous.ceased_on + dt.timedelta(days=1)
        )
        out[plan.id] = out[previous.id] if continues and previous else plan.issued_on
        previous = plan
    return out
