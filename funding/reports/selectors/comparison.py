"""The final report (R21 stage two): each school's initial and final allocation, and why."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F, Q, Sum, Value
from django.db.models.functions import Coalesce

from funding import selectors as engine
from funding.models import (
    AllocationLine,
    AllocationRun,
)
from funding.reports import calculations as calc
from funding.reports.selectors.common import (
    ELEMENT_ORDER,
    ZERO,
    _q,
    any_of,
)
from funding.reports.selectors.events import _d, _load_rows, pupil_events
from funding.reports.selectors.scheme_changes import SchemeChange, scheme_changes
from pupils.models import (
    Pupil,
)
from schools.dates import FinancialYear, year_group, year_group_label
from schools.models import (
    School,
)
from schools.selectors import school_calendar

# ---- the final report: differences and why (R21) ----------------------------------------------


@dataclass
class FinalRow:
    school_id: int
    urn: int
    school_name: str
    element: str
    label: str
    initial: Decimal
    final: Decimal
    reasons: str = ""

    @property
    def difference(self) -> Decimal:
        return self.final - self.initial

    @property
    def abs_difference(self) -> Decimal:
        return abs(self.difference)


def final_rows(
    initial: AllocationRun, final: AllocationRun, *, school: School | None = None
) -> list[FinalRow]:
    """Per school and element: initial, final and the difference (two queries, the engine's
    `compare_runs`), largest difference first."""
    rows = [
        FinalRow(r.school_id, r.urn, r.school_name, r.element, r.label, _q(r.initial), _q(r.final))
        for r in engine.compare_runs(initial, final, school=school)
    ]
    rows.sort(key=lambda r: (-r.abs_difference, r.school_name, ELEMENT_ORDER.get(r.element, 99)))
    return rows


@dataclass
class SchoolRow:
    """One school's whole allocation in both runs (the LA's comparison, one row per school);
    `elements` are its rows by element (the drill-down)."""

    school_id: int
    urn: int
    school_name: str
    elements: list[FinalRow] = field(default_factory=list)
    reasons: str = ""

    @property
    def initial(self) -> Decimal:
        return sum((r.initial for r in self.elements), ZERO)

    @property
    def final(self) -> Decimal:
        return sum((r.final for r in self.elements), ZERO)

    @property
    def difference(self) -> Decimal:
        return self.final - self.initial

    @property
    def abs_difference(self) -> Decimal:
        return abs(self.difference)

    @property
    def changed_elements(self) -> list[FinalRow]:
        return [r for r in self.elements if r.difference]


def school_rows(rows: list[FinalRow]) -> list[SchoolRow]:
    """`final_rows` as one row per school (its elements kept in order), largest difference
    first, then by name. No queries."""
    by_school: dict[int, SchoolRow] = {}
    for row in rows:
        entry = by_school.setdefault(
            row.school_id, SchoolRow(row.school_id, row.urn, row.school_name)
        )
        entry.elements.append(row)
    out = list(by_school.values())
    for entry in out:
        entry.elements.sort(key=lambda r: ELEMENT_ORDER.get(r.element, 99))
    out.sort(key=lambda r: (-r.abs_difference, r.school_name, r.urn))
    return out


@dataclass
class PupilChange:
    """One pupil's money at one school for one element: the two runs and the changes."""

    pupil_id: int
    name: str
    upn: str
    initials: str
    date_of_birth: dt.date
    initial: Decimal
    final: Decimal
    changes: list[calc.ExplainedChange]

    @property
    def difference(self) -> Decimal:
        return self.final - self.initial

    def year_group_on(self, day: dt.date) -> str:
        return year_group_label(year_group(self.date_of_birth, day))


@dataclass
class SchoolLineChange:
    """A school-level element (notional SEN, place funding, ...) recalculated: both workings."""

    initial: Decimal
    final: Decimal
    initial_working: list[str]
    final_working: list[str]
    #: Why, when the product knows: the scheme changes that moved it, or "Rounding".
    causes: list[str] = field(default_factory=list)

    @property
    def difference(self) -> Decimal:
        return self.final - self.initial

    @property
    def label(self) -> str:
        if self.causes == [ROUNDING_TEXT]:
            return "Rounding"
        return "Scheme changed, recalculated" if self.causes else "Recalculated"


@dataclass
class Why:
    """Why one school's element changed between the runs."""

    pupils: list[PupilChange] = field(default_factory=list)
    school_level: SchoolLineChange | None = None

    def summary(self) -> str:
        """A short reason, e.g. "Support changed (3): +£4,210.00; Left the school: −£1,200.00"."""
        totals: dict[str, list] = {}
        for pupil in self.pupils:
            for change in pupil.changes:
                label = calc.EVENT_LABELS[change.events[0].kind] if change.events else UNMATCHED
                entry = totals.setdefault(label, [0, ZERO])
                entry[0] += 1
                entry[1] += change.difference
        parts = [
            f"{label}{f' ({n})' if n > 1 else ''}: {_signed(amount)}"
            for label, (n, amount) in sorted(totals.items(), key=lambda kv: -abs(kv[1][1]))
        ]
        if self.school_level is not None and self.school_level.difference:
            level = self.school_level
            parts.insert(0, f"{level.label}: {_signed(level.difference)}")
        return "; ".join(parts)


UNMATCHED = "No recorded event or scheme change"
ROUNDING_TEXT = (
    "Rounding: each line is rounded to the penny once, so the two runs' lines, cut at different "
    "dates, can differ by a penny or two"
)


def _known_causes(
    difference: Decimal, changes: list[SchemeChange], school_id: int, element: str
) -> list[str]:
    """The causes the product knows of a difference no pupil event explains: a penny or two is
    rounding; otherwise the scheme changes between the runs that can move this element."""
    if calc.is_rounding(difference):
        return [ROUNDING_TEXT]
    return [c.text for c in changes if c.applies_to(school_id, element)]


def _with_causes(change, causes: list[str]):
    kind = "rounding" if causes == [ROUNDING_TEXT] else "scheme_changed"
    change.events = [calc.Event(change.starts_on, change.starts_on, kind, t) for t in causes]
    return change


def _signed(amount: Decimal) -> str:
    if amount < 0:
        return f"−£{-amount:,.2f}"
    return f"+£{amount:,.2f}"


def explain_changes(
    initial: AllocationRun,
    final: AllocationRun,
    *,
    school_ids: list[int] | None = None,
) -> dict[tuple[int, str], Why]:
    """Why each (school, element) changed between the runs: per pupil, the stretches of the
    year whose money differs and the in-year events behind each (with its date and amount);
    per school-level element, both runs' working. A constant number of queries (about 14) for
    any number of schools."""
    fy = initial.fy
    runs = [initial.pk, final.pk]
    base = AllocationLine.objects.filter(run_id__in=runs)
    if school_ids is not None:
        base = base.filter(school_id__in=school_ids)
    zero = Value(ZERO)
    diffs = (
        base.values("school_id", "element", "pupil_id")
        .annotate(
            a=Coalesce(Sum("amount", filter=Q(run_id=initial.pk)), zero),
            b=Coalesce(Sum("amount", filter=Q(run_id=final.pk)), zero),
        )
        .exclude(a=F("b"))
        .order_by()
    )
    keys: dict[tuple[int, str, int | None], tuple[Decimal, Decimal]] = {
        (r["school_id"], r["element"], r["pupil_id"]): (_q(r["a"]), _q(r["b"])) for r in diffs
    }
    out: dict[tuple[int, str], Why] = {}
    if not keys:
        return out
    pupil_ids = sorted({k[2] for k in keys if k[2] is not None})
    school_keys = {(k[0], k[1]) for k in keys if k[2] is None}
    spans: dict[tuple, tuple[list, list]] = defaultdict(lambda: ([], []))
    workings: dict[tuple, tuple[list, list]] = defaultdict(lambda: ([], []))
    line_qs = base.filter(
        any_of("pupil_id", pupil_ids)
        | Q(pupil__isnull=True, school_id__in=[s for s, _ in school_keys] or [0])
    ).values_list(
        "run_id",
        "school_id",
        "element",
        "pupil_id",
        "period_from",
        "period_to",
        "amount",
        "explanation",
    )
    for run_id, school_id, element, pupil_id, start, end, amount, text in line_qs.order_by(
        "period_from", "pk"
    ):
        key = (school_id, element, pupil_id)
        if key not in keys:
            continue
        which = 0 if run_id == initial.pk else 1
        if pupil_id is None:
            workings[key][which].append(f"{_d(start)} to {_d(end)}: {text} = £{amount:,.2f}")
        else:
            spans[key][which].append(calc.Span(start, end, amount))
    pupils = {
        p["pk"]: p
        for p in Pupil.objects.filter(any_of("pk", pupil_ids)).values(
            "pk", "given_name", "family_name", "upn", "date_of_birth"
        )
    }
    since = initial.started_at or initial.created_at
    rows = _load_rows(pupil_ids, since)
    calendar = school_calendar(initial.scheme.la, fy.starts_on, fy.ends_on)
    days = calendar.school_days
    changed_scheme = scheme_changes(initial, final)
    for key, (a, b) in keys.items():
        school_id, element, pupil_id = key
        why = out.setdefault((school_id, element), Why())
        if pupil_id is None:
            initial_working, final_working = workings[key]
            why.school_level = SchoolLineChange(
                a,
                b,
                initial_working,
                final_working,
                _known_causes(b - a, changed_scheme, school_id, element),
            )
            continue
        before, after = spans[key]
        changes = [
            change
            if change.events
            else _with_causes(
                change, _known_causes(change.difference, changed_scheme, school_id, element)
            )
            for change in calc.explain(
                before, after, pupil_events(pupil_id, school_id, rows, fy, since), fy=fy, days=days
            )
        ]
        p = pupils[pupil_id]
        why.pupils.append(
            PupilChange(
                pupil_id,
                f"{p['given_name']} {p['family_name']}",
                p["upn"],
                f"{p['given_name'][:1]}{p['family_name'][:1]}".upper(),
                p["date_of_birth"],
                a,
                b,
                changes,
            )
        )
    for why in out.values():
        why.pupils.sort(key=lambda p: (-abs(p.difference), p.name))
    return out


@dataclass
class SchoolFinalReport:
    school: School
    fy: FinancialYear
    initial: AllocationRun
    final: AllocationRun
    rows: list[FinalRow]
    why: dict[str, Why]

    @property
    def initial_total(self) -> Decimal:
        return sum((r.initial for r in self.rows), ZERO)

    @property
    def final_total(self) -> Decimal:
        return sum((r.final for r in self.rows), ZERO)

    @property
    def difference(self) -> Decimal:
        return self.final_total - self.initial_total

    def sections(self):
        for row in sorted(self.rows, key=lambda r: ELEMENT_ORDER.get(r.element, 99)):
            yield row, self.why.get(row.element)


def school_final_report(
    school: School, initial: AllocationRun, final: AllocationRun
) -> SchoolFinalReport:
    rows = final_rows(initial, final, school=school)
    why = explain_changes(initial, final, school_ids=[school.pk])
    for row in rows:
        found = why.get((school.pk, row.element))
        row.reasons = found.summary() if found else ""
    return SchoolFinalReport(
        school=school,
        fy=initial.fy,
        initial=initial,
        final=final,
        rows=rows,
        why={element: w for (_, element), w in why.items()},
    )


def attach_reasons(rows: list, initial: AllocationRun, final: AllocationRun) -> None:
    """Fill `reasons` for the rows shown (one page of the LA's list): a `FinalRow`'s from its
    element, a `SchoolRow`'s element by element ("Top-up: Support changed: +£1,000.00")."""
    school_ids = sorted(
        {r.school_id for r in rows if r.difference or getattr(r, "changed_elements", None)}
    )
    if not school_ids:
        return
    why = explain_changes(initial, final, school_ids=school_ids)
    for row in rows:
        if isinstance(row, SchoolRow):
            parts = []
            for element in row.changed_elements:
                found = why.get((row.school_id, element.element))
                element.reasons = found.summary() if found else ""
                parts.append(f"{element.label}: {element.reasons or _signed(element.difference)}")
            row.reasons = "; ".join(parts)
            continue
        found = why.get((row.school_id, row.element))
        row.reasons = found.summary() if found else ""
