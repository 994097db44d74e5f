"""Pure rules for a monthly return (R20, R10): who is on it and what changed. No ORM.

The service loads a school's placements, plans and support levels as the plain rows below, and
the lines of the school's last return as `Snapshot`s; `build_lines` decides the return's lines.

- A pupil is on the return when a placement at the school, a plan and the month overlap.
- Changes since the last return: *new* (not on it, or on it as gone), *left* (the placement ends
  by the month's end), *support changed* (hours or resource level), *band changed*, *plan ceased*
  (by the month's end), *review overdue* (R10: the annual review date is before the month).
- A pupil on the last return who is no longer placed with a plan (a leaving or a cessation
  recorded after that return) gets a closing line saying so, so no change goes unreported.
- With no previous return the baseline is the LA's record on the day before the month.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from schools.dates import year_group

ONE_DAY = dt.timedelta(days=1)
ZERO = Decimal("0")
NEW = "new"
LEFT = "left"
SUPPORT_CHANGED = "support_changed"
BAND_CHANGED = "band_changed"
PLAN_CEASED = "plan_ceased"
REVIEW_OVERDUE = "review_overdue"


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def next_month(day: dt.date) -> dt.date:
    return month_end(day) + ONE_DAY


def coming_month(today: dt.date) -> dt.date:
    """The month a return generated today is for: the first 1st on or after today."""
    return today if today.day == 1 else next_month(today)


def parse_month(text: str) -> dt.date:
    """'2025-05' (or '2025-05-01') -> 1 May 2025; a clear message otherwise."""
    value = (text or "").strip()
    try:
        if len(value) == 7:
            return dt.date.fromisoformat(f"{value}-01")
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"Enter the month as YYYY-MM, for example 2025-05 (got {text!r})."
        ) from None
    return month_start(day)


@dataclass(frozen=True)
class PlacementRow:
    id: int
    pupil_id: int
    starts_on: dt.date
    ends_on: dt.date | None


@dataclass(frozen=True)
class PlanRow:
    id: int
    pupil_id: int
    kind: str
    issued_on: dt.date
    ceased_on: dt.date | None
    annual_review_due: dt.date | None


@dataclass(frozen=True)
class SupportRow:
    id: int
    plan_id: int
    effective_from: dt.date
    effective_to: dt.date | None
    lsa_hours: Decimal = ZERO
    lst_hours: Decimal = ZERO
    ta_hours: Decimal = ZERO
    band: int | None = None
    resource_amount: Decimal | None = None


@dataclass(frozen=True)
class Support:
    lsa_hours: Decimal = ZERO
    lst_hours: Decimal = ZERO
    ta_hours: Decimal = ZERO
    band: int | None = None
    resource_amount: Decimal | None = None

    @classmethod
    def of(cls, row: SupportRow | None) -> Support:
        if row is None:
            return cls()
        return cls(row.lsa_hours, row.lst_hours, row.ta_hours, row.band, row.resource_amount)

    def hours_differ(self, other: Support) -> bool:
        return (self.lsa_hours, self.lst_hours, self.ta_hours, self.resource_amount) != (
            other.lsa_hours,
            other.lst_hours,
            other.ta_hours,
            other.resource_amount,
        )

    @property
    def summary(self) -> str:
        parts = [
            f"{hours.normalize():f} h {label}"
            for label, hours in (
                ("LSA", self.lsa_hours),
                ("LST", self.lst_hours),
                ("TA", self.ta_hours),
            )
            if hours
        ]
        if self.resource_amount is not None:
            parts.append(f"£{self.resource_amount:,.2f} resource")
        return ", ".join(parts) or "no hours"


@dataclass(frozen=True)
class Snapshot:
    """What the school was last told about a pupil (a line of its previous return)."""

    pupil_id: int
    plan_id: int | None
    support: Support
    on_roll_from: dt.date | None = None
    reported_gone: bool = False  # the line already said the pupil left or the plan ceased


@dataclass
class LineDraft:
    pupil_id: int
    placement_id: int | None
    plan_id: int | None
    support_level_id: int | None
    year_group: int
    plan_kind: str
    on_roll_from: dt.date
    on_roll_to: dt.date | None
    expected_on_roll: bool
    support: Support
    plan_ceased_on: dt.date | None
    annual_review_due: dt.date | None
    changes: list[dict] = field(default_factory=list)
    in_month: bool = True  # False on a closing line: no longer placed here with a plan

    def add(self, kind: str, effective_on: dt.date | None, detail: str = "") -> None:
        self.changes.append(
            {
                "kind": kind,
                "effective_on": effective_on.isoformat() if effective_on else None,
                "detail": detail,
            }
        )


def _overlaps(start: dt.date, end: dt.date | None, lo: dt.date, hi: dt.date) -> bool:
    return start <= hi and (end is None or end >= lo)


def _latest(rows, key):
    return max(rows, key=key) if rows else None


def _in_force(plans: list[PlanRow], supports: dict[int, list[SupportRow]], day: dt.date):
    plan = _latest([p for p in plans if _overlaps(p.issued_on, p.ceased_on, day, day)], _issued)
    if plan is None:
        return None, None
    support = _latest(
        [
            s
            for s in supports.get(plan.id, [])
            if _overlaps(s.effective_from, s.effective_to, day, day)
        ],
        _from,
    )
    return plan, support


def _issued(plan: PlanRow):
    return plan.issued_on


def _from(row: SupportRow):
    return row.effective_from


def _starts(row: PlacementRow):
    return row.starts_on


def baseline_snapshots(
    *,
    month: dt.date,
    placements: list[PlacementRow],
    plans_by_pupil: Mapping[int, list[PlanRow]],
    supports_by_plan: Mapping[int, list[SupportRow]],
) -> dict[int, Snapshot]:
    """With no previous return: who was on roll with a plan the day before the month, and how.
    `plans_by_pupil`: each pupil's plans; `supports_by_plan`: each plan's support levels."""
    day = month - ONE_DAY
    out = {}
    for placement in placements:
        if not _overlaps(placement.starts_on, placement.ends_on, day, day):
            continue
        plan, support = _in_force(plans_by_pupil.get(placement.pupil_id, []), supports_by_plan, day)
        if plan is not None:
            out[placement.pupil_id] = Snapshot(
                placement.pupil_id, plan.id, Support.of(support), placement.starts_on
            )
    return out


def _group(rows, attr: str) -> dict[int, list]:
    out: dict[int, list] = {}
    for row in rows:
        out.setdefault(getattr(row, attr), []).append(row)
    return out


def build_lines(
    *,
    month: dt.date,
    dates_of_birth: dict[int, dt.date],
    placements: list[PlacementRow],
    plans_by_pupil: Mapping[int, list[PlanRow]],
    supports_by_plan: Mapping[int, list[SupportRow]],
    previous: dict[int, Snapshot],
    closing_lines: bool = True,
) -> list[LineDraft]:
    """The lines of a school's return for `month` (see the module docstring), by pupil id.

    `plans_by_pupil`: each pupil's plans; `supports_by_plan`: each plan's support levels (a
    batch's, read once for all its schools). `closing_lines` is off when `previous` is only the
    baseline (the school has no last return): a pupil who left before the month was never on a
    return, so there is nothing to close.
    """
    start, end = month_start(month), month_end(month)
    placements_by_pupil = _group(placements, "pupil_id")
    lines: list[LineDraft] = []
    for pupil_id in sorted(placements_by_pupil):
        line = _current_line(
            start,
            end,
            dates_of_birth[pupil_id],
            placements_by_pupil[pupil_id],
            plans_by_pupil.get(pupil_id, []),
            supports_by_plan,
            previous.get(pupil_id),
        )
        if line is None and closing_lines:
            line = _closing_line(
                start,
                dates_of_birth[pupil_id],
                placements_by_pupil[pupil_id],
                plans_by_pupil.get(pupil_id, []),
                previous.get(pupil_id),
            )
        if line is not None:
            lines.append(line)
    return lines


def _current_line(start, end, dob, placements, plans, supports_by_plan, prev):
    for placement in sorted(placements, key=_starts, reverse=True):
        if not _overlaps(placement.starts_on, placement.ends_on, start, end):
            continue
        lo = max(start, placement.starts_on)
        hi = min(end, placement.ends_on) if placement.ends_on else end
        plan = _latest([p for p in plans if _overlaps(p.issued_on, p.ceased_on, lo, hi)], _issued)
        if plan is None:
            continue
        lo, hi = max(lo, plan.issued_on), min(hi, plan.ceased_on) if plan.ceased_on else hi
        support_row = _latest(
            [
                s
                for s in supports_by_plan.get(plan.id, [])
                if _overlaps(s.effective_from, s.effective_to, lo, hi)
            ],
            _from,
        )
        support = Support.of(support_row)
        line = LineDraft(
            pupil_id=placement.pupil_id,
            placement_id=placement.id,
            plan_id=plan.id,
            support_level_id=support_row.id if support_row else None,
            year_group=year_group(dob, on=start),
            plan_kind=plan.kind,
            on_roll_from=placement.starts_on,
            on_roll_to=placement.ends_on,
            expected_on_roll=placement.ends_on is None or placement.ends_on >= end,
            support=support,
            plan_ceased_on=plan.ceased_on,
            annual_review_due=plan.annual_review_due,
        )
        _changes(line, placement, plan, support_row, prev, start, end)
        return line
    return None


def _changes(line: LineDraft, placement, plan, support_row, prev, start, end) -> None:
    support = line.support
    since = support_row.effective_from if support_row else plan.issued_on
    if prev is None or prev.reported_gone:
        line.add(NEW, max(placement.starts_on, plan.issued_on))
    else:
        if support.hours_differ(prev.support):
            line.add(SUPPORT_CHANGED, since, f"{prev.support.summary} to {support.summary}")
        if support.band != prev.support.band:
            line.add(
                BAND_CHANGED,
                since,
                f"{_band(prev.support.band)} to {_band(support.band)}",
            )
    if placement.ends_on is not None and placement.ends_on <= end:
        line.add(LEFT, placement.ends_on)
    if plan.ceased_on is not None and plan.ceased_on <= end:
        line.add(PLAN_CEASED, plan.ceased_on)
    if plan.annual_review_due is not None and plan.annual_review_due < start:
        line.add(REVIEW_OVERDUE, plan.annual_review_due)


def _band(band: int | None) -> str:
    return f"band {band}" if band else "no band"


def _closing_line(start, dob, placements, plans, prev: Snapshot | None):
    """A pupil on the last return who is no longer placed here with a plan this month."""
    if prev is None or prev.reported_gone:
        return None
    placement = _latest([p for p in placements if p.starts_on < start], _starts)
    if placement is None:
        return None
    plan = next((p for p in plans if p.id == prev.plan_id), None)
    line = LineDraft(
        pupil_id=prev.pupil_id,
        placement_id=placement.id,
        plan_id=plan.id if plan else None,
        support_level_id=None,
        year_group=year_group(dob, on=start),
        plan_kind=plan.kind if plan else "",
        on_roll_from=placement.starts_on,
        on_roll_to=placement.ends_on,
        expected_on_roll=placement.ends_on is None,
        support=prev.support,
        plan_ceased_on=plan.ceased_on if plan else None,
        annual_review_due=plan.annual_review_due if plan else None,
        in_month=False,
    )
    if placement.ends_on is not None and placement.ends_on < start:
        line.add(LEFT, placement.ends_on)
    if plan is not None and plan.ceased_on is not None and plan.ceased_on < start:
        line.add(PLAN_CEASED, plan.ceased_on)
    if not line.changes:  # the records changed in another way (e.g. a corrected placement)
        line.add(LEFT, None, "No longer recorded at this school with a plan")
    return line
