"""Pure arithmetic for the reports: no ORM, no Django.

- `split_by_days`: share an amount over parts by school days so the parts add up exactly
  (largest remainder, like `funding.calculations.pro_rata.apportion`).
- `split_over`: a line's money for months or quarters: differences of its entitlement to date
  (R7+, `funding.calculations.entitlement`), the same figures as the returns and payments.
- `budget_line_for`: which high-needs budget line (R22) an allocation line counts against.
- `explain`: why a pupil's money at a school differs between two runs (R21): the year is cut at
  every in-year event and every line boundary, each line's amount is shared over the pieces by
  school days, and each piece's difference is put against the events that start it.
- `phase_end_cut`: the forecast's "phase ends" (the end of the school's last year group by
  date of birth, R15's rule applied to the placement).
- `first_pressure`: the first monthly snapshot in which commitment went over budget.
- `net_import_export`: the DfE import/export adjustment for one LA (R8).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from funding.calculations.entitlement import split_line
from schools.dates import AcademicYear, FinancialYear, reception_year_of

PENNY = Decimal("0.01")
ZERO = Decimal("0.00")
ONE_DAY = dt.timedelta(days=1)


def round_money(value: Decimal) -> Decimal:
    return Decimal(value).quantize(PENNY, rounding=ROUND_HALF_UP)


# ---- sharing an amount by school days --------------------------------------------------------


def split_by_days(amount: Decimal, days: Sequence[int]) -> list[Decimal]:
    """`amount` shared over parts in proportion to their school days, adding up exactly.

    Each part gets the floor of its exact share in pennies; the pennies left go to the parts
    with the largest remainders (ties: the earlier part). Negative amounts are shared as their
    absolute value and negated. With no days at all, everything goes to the first part.

    >>> split_by_days(Decimal("6090.00"), [133, 55])
    [Decimal('4308.35'), Decimal('1781.65')]
    """
    if not days:
        return []
    pennies = int(round_money(amount) * 100)
    sign = -1 if pennies < 0 else 1
    pennies = abs(pennies)
    total_days = sum(days)
    if total_days <= 0:
        shares = [0] * len(days)
        shares[0] = pennies
    else:
        numerators = [pennies * d for d in days]
        shares = [n // total_days for n in numerators]
        missing = pennies - sum(shares)
        order = sorted(range(len(days)), key=lambda i: (-(numerators[i] % total_days), i))
        for i in order[:missing]:
            shares[i] += 1
    return [(Decimal(sign * s) / 100).quantize(PENNY) for s in shares]


def months_of(fy: FinancialYear) -> list[tuple[dt.date, dt.date]]:
    """The twelve (first day, last day) months of the financial year, April to March."""
    out = []
    for i in range(12):
        year = fy.start_year + (1 if i >= 9 else 0)
        month = (i + 3) % 12 + 1
        first = dt.date(year, month, 1)
        nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
        out.append((first, nxt - ONE_DAY))
    return out


def quarters_of(fy: FinancialYear) -> list[tuple[dt.date, dt.date]]:
    """Q1 April-June, Q2 July-September, Q3 October-December, Q4 January-March."""
    months = months_of(fy)
    return [(months[i][0], months[i + 2][1]) for i in range(0, 12, 3)]


def overlap_days(
    start: dt.date, end: dt.date, parts: Sequence[tuple[dt.date, dt.date]], days
) -> list[int]:
    """School days of start..end inside each part (`days(a, b)` counts school days)."""
    out = []
    for a, b in parts:
        lo, hi = max(a, start), min(b, end)
        out.append(days(lo, hi) if lo <= hi else 0)
    return out


def split_over(
    amount: Decimal,
    start: dt.date,
    end: dt.date,
    parts: Sequence[tuple[dt.date, dt.date]],
    days: Callable[[dt.date, dt.date], int],
) -> list[Decimal]:
    """A line's amount for start..end shared over date ranges in date order (R7+): each part
    gets the line's entitlement to the part's last day less its entitlement to the day before
    the part (`funding.calculations.entitlement`), so parts covering the line add up to it
    exactly, each within a penny of its exact share, and a month here is the same figure as
    on the monthly return.

    A period with no school days goes wholly to the part holding its start (else the first
    part when it starts before them all, the last when after)."""
    amount = round_money(amount)
    line_days = days(start, end) if start <= end else 0
    if line_days == 0:
        shares = [ZERO] * len(parts)
        for i, (a, b) in enumerate(parts):
            if a <= start <= b:
                shares[i] = amount
                return shares
        if shares:
            shares[0 if start < parts[0][0] else -1] = amount
        return shares
    line = _Line(amount, start, end, line_days)
    return [ZERO if share is None else share.amount for share in split_line(line, parts, days)]


@dataclass(frozen=True, slots=True)
class _Line:
    amount: Decimal
    period_from: dt.date
    period_to: dt.date
    school_days: int


# ---- budget lines (R22) ----------------------------------------------------------------------

SPECIAL_TYPES = {"special", "special_academy"}
INDEPENDENT_TYPES = {"independent_special"}
AP_TYPES = {"ap_pru"}
FE_TYPES = {"fe_college"}
#: Schools-block elements: not high-needs spending.
SCHOOLS_BLOCK = {"element_1", "notional_sen"}
TOP_UP_BY_PLACEMENT = {
    "special_school": "special_top_ups",
    "ssc": "ssc_resourced",
    "resourced": "ssc_resourced",
    "ap": "alternative_provision",
    "fe": "post_16",
    "mainstream": "mainstream_top_ups",
}


def budget_line_for(
    element: str,
    *,
    establishment_type: str,
    placement_kind: str | None = None,
    delegated: bool = True,
) -> str | None:
    """The budget line an allocation line paid from our high needs block counts against.

    - element 1 and the notional SEN budget are schools block: None;
    - any pupil's money at an independent or non-maintained special school: independent;
    - top-up retained centrally and provided in kind (R6, the Learning Support Service):
      central services;
    - top-up by the pupil's placement: special school, SSC/resourced, AP, FE (post-16),
      mainstream;
    - place funding by the school: special school places, AP, FE (post-16), otherwise the
      school's SSC or resourced provision;
    - personal supplements and ENF (R9): their own line; Pupil Specific Funding (R15-R18):
      cluster funding (Norfolk releases PSF to the clusters); Additional SEN Support (R4):
      mainstream top-ups.
    """
    if element in SCHOOLS_BLOCK:
        return None
    if establishment_type in INDEPENDENT_TYPES and element != "place":
        return "independent"
    if element == "top_up":
        if not delegated:
            return "central"
        return TOP_UP_BY_PLACEMENT.get(placement_kind or "mainstream", "mainstream_top_ups")
    if element == "place":
        if establishment_type in SPECIAL_TYPES:
            return "special_places"
        if establishment_type in INDEPENDENT_TYPES:
            return "independent"
        if establishment_type in AP_TYPES:
            return "alternative_provision"
        if establishment_type in FE_TYPES:
            return "post_16"
        return "ssc_resourced"
    if element in ("personal_supplement", "enf"):
        return "supplements_enf"
    if element == "psf":
        return "clusters"
    if element == "additional_sen_support":
        return "mainstream_top_ups"
    return None


# ---- the forecast's phase ends ---------------------------------------------------------------

LAST_YEAR_GROUP_BY_PHASE = {
    "nursery": -1,
    "primary": 6,
    "middle_primary": 6,
    "middle_secondary": 11,
    "secondary": 11,
}


def last_year_group(phase: str, statutory_high_age: int | None) -> int | None:
    """The school's last national curriculum year group: from its statutory high age (a child
    is 11 at the end of Year 6), else from its phase; None for schools without one (special
    schools, all-through, post-16 and AP without an age range)."""
    if statutory_high_age:
        return statutory_high_age - 5
    return LAST_YEAR_GROUP_BY_PHASE.get(phase)


def phase_end_cut(
    date_of_birth: dt.date,
    *,
    last_group: int | None,
    ends_on: dt.date | None,
    as_of: dt.date,
) -> dt.date | None:
    """When the forecast assumes the pupil leaves the school: the end of the academic year in
    which they are in the school's last year group (by date of birth, as R15), if that is on
    or after `as_of` and before the placement's own end. None: no cut."""
    if last_group is None:
        return None
    end = AcademicYear(reception_year_of(date_of_birth).start_year + last_group).ends_on
    if end < as_of:
        return None  # the phase ended already and the pupil is still recorded there: data rules
    if ends_on is not None and ends_on <= end:
        return None
    return end


# ---- why the money changed (R21) -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Span:
    """A line's money over its period."""

    period_from: dt.date
    period_to: dt.date
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Event:
    """An in-year change to a pupil's record. `boundary` is the first day it affects the money
    (a leaver's is the day after the last day on roll); `on` is the date shown."""

    boundary: dt.date
    on: dt.date
    kind: str
    text: str
    decision: str = ""


EVENT_LABELS = {
    "joined": "Joined the school",
    "moved_in": "Moved in",
    "left": "Left the school",
    "moved_out": "Moved out",
    "plan_issued": "Plan issued",
    "plan_ceased": "Plan ceased",
    "support_changed": "Support changed",
    "support_ended": "Support ended",
    "item_started": "Funding agreed",
    "item_ended": "Funding ended",
    "panel_decision": "SEN Panel decision",
    "record_changed": "Record changed",
    "phase_end": "Phase ended",
    "scheme_changed": "Scheme changed",
    "rounding": "Rounding",
}
#: A difference no record or scheme change explains, this small or smaller, is rounding: each
#: line is rounded to the penny once, so cutting the year differently moves a penny or two.
ROUNDING_LIMIT = Decimal("0.02")


def is_rounding(difference: Decimal) -> bool:
    return difference != 0 and abs(difference) <= ROUNDING_LIMIT


@dataclass
class ExplainedChange:
    """A stretch of the year whose money differs between the runs, and the events behind it."""

    starts_on: dt.date
    ends_on: dt.date
    initial: Decimal
    final: Decimal
    events: list[Event] = field(default_factory=list)

    @property
    def difference(self) -> Decimal:
        return self.final - self.initial

    @property
    def explained(self) -> bool:
        return bool(self.events)

    @property
    def on(self) -> dt.date:
        return self.events[0].on if self.events else self.starts_on


def explain(
    initial: Iterable[Span],
    final: Iterable[Span],
    events: Iterable[Event],
    *,
    fy: FinancialYear,
    days: Callable[[dt.date, dt.date], int],
) -> list[ExplainedChange]:
    """The stretches of the year where the two runs' money differs, each with the events that
    start it; the differences add up exactly to final − initial.

    The year is cut at every event's boundary and every line's start and end (day after), so
    a stretch has one set of lines in each run; each line's amount is shared over the
    stretches it covers by school days (exact sum), and a stretch's difference belongs to the
    events whose boundary is its first day. A difference with no event there (a rate change,
    a record corrected since the initial run) has none and is shown as such.
    """
    initial, final = list(initial), list(final)
    events = [e for e in events if fy.starts_on <= e.boundary <= fy.ends_on]
    cuts = {fy.starts_on}
    for span in initial + final:
        if fy.starts_on < span.period_from <= fy.ends_on:
            cuts.add(span.period_from)
        if fy.starts_on <= span.period_to < fy.ends_on:
            cuts.add(span.period_to + ONE_DAY)
    cuts.update(e.boundary for e in events)
    starts = sorted(cuts)
    pieces = [
        (start, (starts[i + 1] - ONE_DAY) if i + 1 < len(starts) else fy.ends_on)
        for i, start in enumerate(starts)
    ]
    a = [ZERO] * len(pieces)
    b = [ZERO] * len(pieces)
    for spans, totals in ((initial, a), (final, b)):
        for span in spans:
            for i, share in enumerate(
                split_over(span.amount, span.period_from, span.period_to, pieces, days)
            ):
                totals[i] += share
    by_boundary: dict[dt.date, list[Event]] = {}
    for event in sorted(events, key=lambda e: (e.boundary, e.kind)):
        by_boundary.setdefault(event.boundary, []).append(event)
    out = []
    for i, (start, end) in enumerate(pieces):
        if a[i] != b[i]:
            out.append(ExplainedChange(start, end, a[i], b[i], by_boundary.get(start, [])))
    return out


# ---- budget pressure -------------------------------------------------------------------------


def first_pressure(
    months: Sequence[tuple[dt.date, Decimal, Decimal]],
) -> tuple[dt.date, Decimal] | None:
    """(month, overspend) of the first snapshot of the run of months, up to the latest, in
    which commitment exceeded the budget; None if the latest is within budget.

    `months` is [(month, budget, commitment)] in date order. A line that went over, came back
    within budget and went over again reports the second time: the pressure that stands.
    """
    found = None
    for month, budget, commitment in months:
        if commitment > budget:
            if found is None:
                found = (month, commitment - budget)
        else:
            found = None
    return found


# ---- import/export (R8) ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImportExport:
    la_code: str
    la_name: str
    imported: int  # their residents placed in our schools
    exported: int  # our residents placed in their schools
    rate: Decimal

    @property
    def net(self) -> int:
        return self.imported - self.exported

    @property
    def adjustment(self) -> Decimal:
        """Positive: DfE adds to our high needs block; negative: deducts."""
        return round_money(self.rate * self.net)
