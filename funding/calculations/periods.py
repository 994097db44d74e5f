"""R7: a pupil's financial year split into periods by in-year changes. Pure: no ORM.

A period is where one placement (school and kind) and one support level of a plan in force
overlap inside the year. A placement move, a pupil joining or leaving, a plan issued or ceased
and a support change each end one period and start the next. Placements of one pupil never
overlap, nor do the plans, nor the support levels of a plan (PostgreSQL exclusion constraints),
so the pairwise overlaps are the periods.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from funding.calculations.top_up import Support


@dataclass(frozen=True, slots=True)
class PlacementSpan:
    id: int
    pupil_id: int
    school_id: int
    kind: str
    starts_on: dt.date
    ends_on: dt.date | None = None
    admission_kind: str = ""


@dataclass(frozen=True, slots=True)
class PlanSpan:
    id: int
    pupil_id: int
    issued_on: dt.date
    ceased_on: dt.date | None = None
    kind: str = "ehcp"


@dataclass(frozen=True, slots=True)
class SupportSpan:
    id: int
    plan_id: int
    effective_from: dt.date
    effective_to: dt.date | None
    support: Support


#: What a `pupils.SupportLevel` provides, by field name, in the order `Support` takes it.
SUPPORT_FIELDS = ("lsa_hours", "lst_hours", "ta_hours", "band", "resource_amount")
#: A support level as a row (``values_list(*SUPPORT_ROW_FIELDS)``) for `supports_by_plan` and
#: the monthly returns' `SupportRow`: its id, plan and dates, then `SUPPORT_FIELDS`. ``"id"``,
#: not ``"pk"``, so it reads a history table (`schools.asat`) too.
SUPPORT_ROW_FIELDS = ("id", "plan_id", "effective_from", "effective_to", *SUPPORT_FIELDS)


def support_of(level) -> Support:
    """The engine's `Support` for one support level (a model instance, live or historical)."""
    return Support(*(getattr(level, name) for name in SUPPORT_FIELDS))


def supports_by_plan(rows: Iterable[tuple]) -> dict[int, list[SupportSpan]]:
    """Each plan's support levels from rows of `SUPPORT_ROW_FIELDS`, in the rows' order. One
    `Support` for each distinct level (hours, band, resource): the engine's top-up cache then
    finds a pupil's by identity."""
    supports: dict[int, list[SupportSpan]] = defaultdict(list)
    interned: dict[tuple, Support] = {}
    for row in rows:
        values = row[4:]
        support = interned.get(values)
        if support is None:
            support = interned[values] = Support(*values)
        supports[row[1]].append(SupportSpan(row[0], row[1], row[2], row[3], support))
    return dict(supports)


@dataclass(frozen=True, slots=True)
class FundingItemSpan:
    id: int
    pupil_id: int
    school_id: int
    kind: str
    annual_amount: object  # Decimal
    starts_on: dt.date
    ends_on: dt.date


@dataclass(frozen=True, slots=True)
class Period:
    """A stretch of the year with one placement and (for top-up) one support level."""

    starts_on: dt.date
    ends_on: dt.date
    placement: PlacementSpan
    support: SupportSpan | None = None


def clip(
    start: dt.date, end: dt.date | None, lo: dt.date, hi: dt.date
) -> tuple[dt.date, dt.date] | None:
    """The inclusive overlap of start..end (None = open) with lo..hi, or None."""
    s = start if start > lo else lo
    e = hi if end is None or end > hi else end
    return (s, e) if s <= e else None


def support_periods(
    placements: list[PlacementSpan],
    plans: list[PlanSpan],
    supports_by_plan: dict[int, list[SupportSpan]],
    starts_on: dt.date,
    ends_on: dt.date,
) -> list[Period]:
    """The periods in starts_on..ends_on where the pupil is placed and a support level applies."""
    periods: list[Period] = []
    for plan in plans:
        plan_range = clip(plan.issued_on, plan.ceased_on, starts_on, ends_on)
        if plan_range is None:
            continue
        for level in supports_by_plan.get(plan.id, ()):
            level_range = clip(level.effective_from, level.effective_to, *plan_range)
            if level_range is None:
                continue
            for placement in placements:
                both = clip(placement.starts_on, placement.ends_on, *level_range)
                if both is not None:
                    periods.append(Period(both[0], both[1], placement, level))
    periods.sort(key=lambda p: p.starts_on)
    return periods


def item_periods(
    item: FundingItemSpan,
    placements: list[PlacementSpan],
    starts_on: dt.date,
    ends_on: dt.date,
) -> list[Period]:
    """R9 with R7: a funding item's dates inside the year, while the pupil is at its school."""
    item_range = clip(item.starts_on, item.ends_on, starts_on, ends_on)
    if item_range is None:
        return []
    periods = []
    for placement in placements:
        if placement.school_id != item.school_id:
            continue
        both = clip(placement.starts_on, placement.ends_on, *item_range)
        if both is not None:
            periods.append(Period(both[0], both[1], placement))
    periods.sort(key=lambda p: p.starts_on)
    return periods
