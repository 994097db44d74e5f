"""R26 with R7: rates that change from a date inside the year (an uplift adopted mid-year, e.g.
a pay award), as the engine uses them. Pure: no ORM.

The year's rates apply before the first date; from each date, the rates before it with that
date's changes over them (`scheme.rates_from`). A pupil's period crossing a date from which its
top-up changes is split there; each piece is pro rata from its own unrounded annual amount and
rounded once, at the line (R7+), so entitlement before the date (and so what was paid for it,
R24) is not back-paid at the new rates.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from dataclasses import replace

from funding.calculations.scheme import SchemeRates, rates_from
from schools.dates import FinancialYear

ONE_DAY = dt.timedelta(days=1)


def _d(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


class DatedRates:
    """The rates in force over the year: `versions[0]` (the scheme's rates and the special
    school band rates) before `dates[0]`, `versions[i]` from `dates[i - 1]`. `dates` is empty
    for a scheme with no dated change."""

    def __init__(self, rates: SchemeRates, band_rates: dict, fy: FinancialYear):
        self.dates: list[dt.date] = []
        self.versions: list[tuple[SchemeRates, dict]] = [(rates, band_rates)]
        self.labels: list[str] = [""]
        for change in sorted(rates.rate_changes, key=lambda c: c.effective_from):
            if not fy.starts_on < change.effective_from <= fy.ends_on:
                continue
            if self.dates and self.dates[-1] == change.effective_from:
                # Two rate sets changed from one date: one set of rates from it.
                self.versions[-1] = rates_from(*self.versions[-1], change)
                self.labels[-1] = "; ".join(filter(None, (self.labels[-1], change.label)))
                continue
            self.dates.append(change.effective_from)
            self.versions.append(rates_from(*self.versions[-1], change))
            self.labels.append(change.label)

    def version(self, on: dt.date) -> int:
        """Which rates are in force on `on` (0 unless a dated change started by then)."""
        return bisect_right(self.dates, on) if self.dates else 0

    def day(self, version: int) -> str:
        """The day a version's rates apply from (ISO), "" for the year's own rates."""
        return self.dates[version - 1].isoformat() if version else ""

    def lead(self, rates_from_day: str, ends_on: dt.date | None = None) -> str:
        """What a line at dated rates says first: which rates applied, from when. A line at
        the year's own rates ends the day before the date it was split at (`ends_on`), which
        need not be the first date (the first change may not alter its cost)."""
        if not rates_from_day:
            until = self.dates[0] if ends_on is None else ends_on + ONE_DAY
            return f"At the rates before {_d(until)}: "
        day = dt.date.fromisoformat(rates_from_day)
        label = self.labels[self.dates.index(day) + 1]
        return f"At the rates from {_d(day)}" + (f" ({label}): " if label else ": ")


def _cost(found) -> tuple:
    """What a top-up costs (its parts' unrounded amounts, or the problem), to compare rates."""
    parts, problem = found
    return problem, tuple((part.delegated, part.calculated.unrounded) for part, _ in parts)


def rate_pieces(engine, period, school, phase: str, element_1) -> list[tuple]:
    """The period as pieces at the rates in force over each: (period, its top-up, the day its
    rates apply from: "" for the year's own rates, None when no dated change alters what the
    period costs). A period is split only at a date from which its top-up changes."""
    dated = engine.dated_rates
    support = period.support
    first = dated.version(period.starts_on)
    last = dated.version(period.ends_on)
    found = engine.top_up(support, school, phase, element_1, first)
    pieces = []
    start, version = period.starts_on, first
    for later in range(first + 1, last + 1):
        then = engine.top_up(support, school, phase, element_1, later)
        if _cost(then) == _cost(found):
            continue
        day = dated.dates[later - 1]
        pieces.append((replace(period, starts_on=start, ends_on=day - ONE_DAY), found, version))
        start, version, found = day, later, then
    pieces.append((replace(period, starts_on=start), found, version))
    if len(pieces) == 1 and (
        version == 0 or _cost(found) == _cost(engine.top_up(support, school, phase, element_1))
    ):
        return [(period, found, None)]
    return [(p, parts, dated.day(v)) for p, parts, v in pieces]
