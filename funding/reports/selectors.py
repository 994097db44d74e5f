"""Reads for the reports (R2, R8, R21, R22). Each returns plain data with a constant number of
queries; the arithmetic is in `funding.reports.calculations` (pure).

- Two-stage monitoring (R21): `initial_report`, `final_rows`, `explain_changes`,
  `school_final_report`, `governors_report`.
- The high-needs budget (R22): `budget_position`, `budget_trend`.
- Cross-border (R8): `cross_border_summary`, `cross_border_statement`, `import_export`.
- Published statements: `annex_b`, `published_statement`, `published_years`.

The engine's public read API (`funding.selectors`) is used where it exists: `latest_run`,
`compare_runs`, `recoupment`, `allocation_inputs`, `statement_school`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from funding import selectors as engine
from funding.calculations.allocation import Engine
from funding.calculations.entitlement import split_line
from funding.models import (
    PUPIL_ELEMENTS,
    AllocationLine,
    AllocationRun,
    Element,
    FundingScheme,
    HourlyRate,
    NotionalSenFactor,
    RunKind,
    RunStatus,
    TaHoursBand,
)
from funding.panel.models import Outcome, PanelDecision
from funding.reports import calculations as calc
from funding.reports.models import (
    LINE_ORDER,
    BudgetLine,
    BudgetLineKind,
    BudgetSnapshot,
    PublishedStatement,
)
from pupils.models import (
    AdmissionKind,
    FundingItem,
    FundingItemKind,
    Placement,
    PlacementKind,
    Plan,
    PlanKind,
    Pupil,
    SupportLevel,
)
from schools.dates import FinancialYear, year_group, year_group_label
from schools.models import (
    EstablishmentType,
    LocalAuthority,
    Phase,
    PlannedPlaces,
    School,
    SchoolCensus,
    SpecialSchoolBand,
)
from schools.roles import is_la_officer
from schools.selectors import administering_la, school_calendar

ZERO = Decimal("0.00")
ELEMENT_LABELS = dict(Element.choices)
ELEMENT_ORDER = {e: i for i, e in enumerate(engine.ELEMENT_ORDER)}
LINE_LABELS = dict(BudgetLineKind.choices)
PHASE_LABELS = dict(Phase.choices)
TYPE_LABELS = dict(EstablishmentType.choices)
PLACEMENT_LABELS = dict(PlacementKind.choices)
ADMISSION_LABELS = dict(AdmissionKind.choices)
PLAN_LABELS = dict(PlanKind.choices)
ITEM_LABELS = dict(FundingItemKind.choices)
#: Money for pupils with plans (R21's "with statements"); the notional SEN budget is "without".
WITH_PLANS = ("top_up", "psf", "personal_supplement", "enf", "additional_sen_support", "place")
#: Public per-school list: top-up totals for fewer pupils than this are not published.
PUBLIC_MIN_PUPILS = 3


def _fy(fy) -> FinancialYear:
    return fy if isinstance(fy, FinancialYear) else FinancialYear(int(fy))


def _q(value) -> Decimal:
    """An aggregate as pounds and pence (SQLite returns sums with extra places)."""
    return ZERO if value is None else calc.round_money(value)


def done_runs(fy) -> QuerySet[AllocationRun]:
    """The year's completed runs, newest first."""
    return AllocationRun.objects.filter(
        financial_year=_fy(fy).start_year, status=RunStatus.DONE
    ).order_by("-finished_at", "-pk")


def report_years() -> list[FinancialYear]:
    """Years with a completed run or a budget, newest first (for the reports index)."""
    years = set(
        AllocationRun.objects.filter(status=RunStatus.DONE).values_list("financial_year", flat=True)
    ) | set(BudgetLine.objects.values_list("financial_year", flat=True))
    return [FinancialYear(y) for y in sorted(years, reverse=True)]


def two_runs(fy, initial_id=None, final_id=None):
    """(initial, final) for the year: the latest initial run and the latest final (else
    revised) run, or the completed runs named by id (None where there is no such run)."""
    fy = _fy(fy)
    initial, final = engine.default_comparison(fy)
    if initial_id or final_id:
        by_id = {r.pk: r for r in done_runs(fy)}
        if initial_id:
            initial = by_id.get(int(initial_id))
        if final_id:
            final = by_id.get(int(final_id))
    return initial, final


def school_for(user, urn: int) -> School | None:
    """The school `user` may read reports of: LA officers any, a school business manager their
    own; None otherwise (the page answers 404)."""
    return engine.statement_school(user, urn)


def schools_for(user) -> list[School]:
    if not user.is_authenticated or is_la_officer(user):
        return []
    return list(School.objects.filter(accesses__user=user).order_by("name"))


# ---- the initial allocation report (R21, R2) ---------------------------------------------------


@dataclass
class InitialRow:
    school_id: int
    urn: int
    name: str
    phase: str
    phase_label: str
    establishment_type: str
    type_label: str
    pupils_with_plans: int = 0
    top_up: Decimal = ZERO
    psf: Decimal = ZERO
    supplements: Decimal = ZERO
    additional_sen_support: Decimal = ZERO
    place: Decimal = ZERO
    notional_sen: Decimal = ZERO
    retained_centrally: Decimal = ZERO

    @property
    def with_plans(self) -> Decimal:
        return self.top_up + self.psf + self.supplements + self.additional_sen_support + self.place

    @property
    def total(self) -> Decimal:
        return self.with_plans + self.notional_sen


@dataclass
class GroupTotal:
    label: str
    schools: int = 0
    pupils_with_plans: int = 0
    with_plans: Decimal = ZERO
    notional_sen: Decimal = ZERO
    retained_centrally: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.with_plans + self.notional_sen

    def add(self, row: InitialRow) -> None:
        self.schools += 1
        self.pupils_with_plans += row.pupils_with_plans
        self.with_plans += row.with_plans
        self.notional_sen += row.notional_sen
        self.retained_centrally += row.retained_centrally


@dataclass
class InitialReport:
    run: AllocationRun
    rows: list[InitialRow]
    by_phase: list[GroupTotal]
    by_type: list[GroupTotal]
    total: GroupTotal


def initial_report(run: AllocationRun) -> InitialReport:
    """Per school of the LA: money for pupils with plans (top-ups, PSF, supplements and ENF,
    Additional SEN Support, place funding) and without (the notional SEN budget, R2), with
    totals by phase and by school type. Three queries."""
    la_id = run.scheme.la_id
    lines = AllocationLine.objects.filter(run=run, school__la_id=la_id)
    sums = (
        lines.exclude(element=Element.ELEMENT_1)
        .values("school_id", "element", "delegated")
        .annotate(amount=Sum("amount"))
        .order_by()
    )
    pupils = dict(
        lines.filter(element__in=PUPIL_ELEMENTS)
        .values("school_id")
        .annotate(n=Count("pupil_id", distinct=True))
        .values_list("school_id", "n")
        .order_by()
    )
    by_school: dict[int, list[dict]] = defaultdict(list)
    for row in sums:
        by_school[row["school_id"]].append(row)
    schools = School.objects.filter(pk__in=by_school).values_list(
        "pk", "urn", "name", "phase", "establishment_type"
    )
    rows = []
    for pk, urn, name, phase, kind in schools:
        row = InitialRow(
            pk,
            urn,
            name,
            phase,
            PHASE_LABELS.get(phase, phase),
            kind,
            TYPE_LABELS.get(kind, kind),
            pupils.get(pk, 0),
        )
        for s in by_school[pk]:
            amount, element = _q(s["amount"]), s["element"]
            if element == "top_up" and not s["delegated"]:
                row.retained_centrally += amount
            elif element == "top_up":
                row.top_up += amount
            elif element == "psf":
                row.psf += amount
            elif element in ("personal_supplement", "enf"):
                row.supplements += amount
            elif element == "additional_sen_support":
                row.additional_sen_support += amount
            elif element == "place":
                row.place += amount
            elif element == "notional_sen":
                row.notional_sen += amount
        rows.append(row)
    rows.sort(key=lambda r: (r.name, r.urn))
    by_phase: dict[str, GroupTotal] = {}
    by_type: dict[str, GroupTotal] = {}
    total = GroupTotal("All schools")
    for row in rows:
        by_phase.setdefault(row.phase, GroupTotal(row.phase_label)).add(row)
        by_type.setdefault(row.establishment_type, GroupTotal(row.type_label)).add(row)
        total.add(row)
    phase_order = {p: i for i, p in enumerate(Phase.values)}
    type_order = {t: i for i, t in enumerate(EstablishmentType.values)}
    return InitialReport(
        run=run,
        rows=rows,
        by_phase=[by_phase[k] for k in sorted(by_phase, key=lambda k: phase_order.get(k, 99))],
        by_type=[by_type[k] for k in sorted(by_type, key=lambda k: type_order.get(k, 99))],
        total=total,
    )


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

    @property
    def difference(self) -> Decimal:
        return self.final - self.initial


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
                label = (
                    calc.EVENT_LABELS[change.events[0].kind]
                    if change.events
                    else "Not matched to an in-year event"
                )
                entry = totals.setdefault(label, [0, ZERO])
                entry[0] += 1
                entry[1] += change.difference
        parts = [
            f"{label}{f' ({n})' if n > 1 else ''}: {_signed(amount)}"
            for label, (n, amount) in sorted(totals.items(), key=lambda kv: -abs(kv[1][1]))
        ]
        if self.school_level is not None and self.school_level.difference:
            parts.insert(0, f"Recalculated: {_signed(self.school_level.difference)}")
        return "; ".join(parts)


def _signed(amount: Decimal) -> str:
    if amount < 0:
        return f"−£{-amount:,.2f}"
    return f"+£{amount:,.2f}"


@dataclass
class _Rows:
    placements: dict[int, list] = field(default_factory=lambda: defaultdict(list))
    plans: dict[int, list] = field(default_factory=lambda: defaultdict(list))
    supports: dict[int, list] = field(default_factory=lambda: defaultdict(list))
    items: dict[int, list] = field(default_factory=lambda: defaultdict(list))
    decisions: dict[tuple[str, int], str] = field(default_factory=dict)
    corrections: dict[int, list[calc.Event]] = field(default_factory=lambda: defaultdict(list))


def _d(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


def _support_summary(level) -> str:
    return level.summary


def _load_rows(pupil_ids: list[int], since: dt.datetime | None) -> _Rows:
    """Placements, plans, support levels, funding items, the panel decisions that created them,
    and the changes recorded since `since` (history), for the pupils: seven queries."""
    rows = _Rows()
    for p in (
        Placement.objects.filter(pupil_id__in=pupil_ids)
        .select_related("school")
        .order_by("pupil_id", "starts_on")
    ):
        rows.placements[p.pupil_id].append(p)
    plans = list(Plan.objects.filter(pupil_id__in=pupil_ids).order_by("pupil_id", "issued_on"))
    for plan in plans:
        rows.plans[plan.pupil_id].append(plan)
    plan_pupil = {plan.pk: plan.pupil_id for plan in plans}
    for level in SupportLevel.objects.filter(plan_id__in=plan_pupil).order_by(
        "plan_id", "effective_from"
    ):
        rows.supports[level.plan_id].append(level)
    for item in FundingItem.objects.filter(pupil_id__in=pupil_ids).order_by("starts_on"):
        rows.items[item.pupil_id].append(item)
    for pk, meeting, support_id, item_id, plan_id in PanelDecision.objects.filter(
        case__pupil_id__in=pupil_ids, outcome__in=Outcome.approvals()
    ).values_list("case_id", "meeting__date", "support_level_id", "funding_item_id", "plan_id"):
        text = f"PC-{pk:05d} at the {_d(meeting)} meeting"
        for kind, obj_id in (("support", support_id), ("item", item_id), ("plan", plan_id)):
            if obj_id:
                rows.decisions[(kind, obj_id)] = text
    if since is not None:
        _load_corrections(rows, pupil_ids, plan_pupil, since)
    return rows


_DATE_FIELDS = {
    "placement": (("starts_on", "start date"), ("ends_on", "leaving date")),
    "plan": (("issued_on", "issue date"), ("ceased_on", "ceasing date")),
    "support": (("effective_from", "start date"), ("effective_to", "end date")),
    "item": (("starts_on", "start date"), ("ends_on", "end date")),
}
_RECORD_NAMES = {
    "placement": "Placement",
    "plan": "Plan",
    "support": "Support level",
    "item": "Funding item",
}


def _load_corrections(rows: _Rows, pupil_ids, plan_pupil: dict[int, int], since) -> None:
    """Records changed or deleted after the initial run started: the dates they used to have
    are where the initial run's money changed, so they become events too (history)."""
    sources = (
        ("placement", Placement.history.filter(pupil_id__in=pupil_ids), "pupil_id"),
        ("plan", Plan.history.filter(pupil_id__in=pupil_ids), "pupil_id"),
        ("support", SupportLevel.history.filter(plan_id__in=list(plan_pupil)), "plan_id"),
        ("item", FundingItem.history.filter(pupil_id__in=pupil_ids), "pupil_id"),
    )
    for kind, qs, owner in sources:
        fields = [f for f, _ in _DATE_FIELDS[kind]]
        previous: dict[int, dict] = {}
        for h in qs.order_by("id", "history_date", "history_id").values(
            "id", "history_type", "history_date", owner, *fields
        ):
            before = previous.get(h["id"])
            previous[h["id"]] = h
            if before is None or h["history_date"] <= since:
                continue
            pupil_id = h[owner] if owner == "pupil_id" else plan_pupil.get(h[owner])
            if pupil_id is None:
                continue
            recorded = timezone.localdate(h["history_date"])
            for name, label in _DATE_FIELDS[kind]:
                old = before[name]
                new = h[name] if h["history_type"] != "-" else None
                if old == new and h["history_type"] != "-":
                    continue
                if old is None:
                    continue
                ends = name in ("ends_on", "ceased_on", "effective_to")
                boundary = old + calc.ONE_DAY if ends else old
                if h["history_type"] == "-":
                    text = f"{_RECORD_NAMES[kind]} with {label} {_d(old)} deleted"
                else:
                    text = (
                        f"{_RECORD_NAMES[kind]} {label} changed from {_d(old)} to "
                        f"{_d(new) if new else 'none'}"
                    )
                rows.corrections[pupil_id].append(
                    calc.Event(
                        boundary,
                        old,
                        "record_changed",
                        f"{text} (recorded {_d(recorded)}, after the initial allocation)",
                    )
                )


def _covers(placements, school_id: int, day: dt.date) -> bool:
    """The pupil was at the school on `day` or the day before (a change on a move's date
    belongs to both schools' stretches only if the pupil was there)."""
    before = day - calc.ONE_DAY
    for p in placements:
        if p.school_id != school_id:
            continue
        for d in (day, before):
            if p.starts_on <= d and (p.ends_on is None or p.ends_on >= d):
                return True
    return False


def _recorded(obj, since) -> str:
    recorded_at = getattr(obj, "recorded_at", None)
    if since is not None and recorded_at is not None and recorded_at > since:
        return f" (recorded {_d(timezone.localdate(recorded_at))})"
    return ""


def pupil_events(
    pupil_id: int, school_id: int, rows: _Rows, fy: FinancialYear, since=None
) -> list[calc.Event]:
    """The in-year events of one pupil that can change their money at one school: joining or
    leaving (or moving), a plan issued or ceased, support changed or ended, a personal
    supplement or ENF starting or ending, each marked with the SEN Panel decision that made it,
    and records changed after the initial run (history)."""
    placements = rows.placements.get(pupil_id, [])
    events: list[calc.Event] = []
    in_year = fy.contains

    def add(boundary, on, kind, text, decision=""):
        if in_year(boundary):
            if decision:
                kind = "panel_decision"
                text = f"{text}: SEN Panel decision {decision}"
            events.append(calc.Event(boundary, on, kind, text, decision))

    ordered = sorted(placements, key=lambda p: p.starts_on)
    for i, p in enumerate(ordered):
        if p.school_id != school_id:
            continue
        prev = ordered[i - 1] if i else None
        nxt = ordered[i + 1] if i + 1 < len(ordered) else None
        if in_year(p.starts_on):
            if prev is not None and prev.ends_on == p.starts_on - calc.ONE_DAY:
                if prev.school_id == school_id:
                    text = (
                        f"Placement changed from {PLACEMENT_LABELS.get(prev.kind, prev.kind)} "
                        f"to {PLACEMENT_LABELS.get(p.kind, p.kind)}"
                    )
                    add(p.starts_on, p.starts_on, "moved_in", text + _recorded(p, since))
                else:
                    text = f"Moved in from {prev.school.name}"
                    add(p.starts_on, p.starts_on, "moved_in", text + _recorded(p, since))
            else:
                text = f"Joined ({ADMISSION_LABELS.get(p.admission_kind, p.admission_kind)})"
                add(p.starts_on, p.starts_on, "joined", text + _recorded(p, since))
        if p.ends_on is not None and p.ends_on < fy.ends_on:
            boundary = p.ends_on + calc.ONE_DAY
            if nxt is not None and nxt.starts_on == boundary:
                if nxt.school_id != school_id:
                    add(boundary, p.ends_on, "moved_out", f"Moved to {nxt.school.name}")
            else:
                add(boundary, p.ends_on, "left", "Left: last day on roll" + _recorded(p, since))
    for plan in rows.plans.get(pupil_id, []):
        levels = rows.supports.get(plan.pk, [])
        decision = rows.decisions.get(("plan", plan.pk), "")
        if _covers(placements, school_id, plan.issued_on):
            first = levels[0] if levels and levels[0].effective_from == plan.issued_on else None
            text = f"{PLAN_LABELS.get(plan.kind, plan.kind)} issued"
            if first is not None:
                text += f": {first.summary}"
            text += _recorded(plan, since)
            add(plan.issued_on, plan.issued_on, "plan_issued", text, decision)
        if plan.ceased_on is not None and _covers(placements, school_id, plan.ceased_on):
            add(
                plan.ceased_on + calc.ONE_DAY,
                plan.ceased_on,
                "plan_ceased",
                f"{PLAN_LABELS.get(plan.kind, plan.kind)} ceased" + _recorded(plan, since),
            )
        for j, level in enumerate(levels):
            decision = rows.decisions.get(("support", level.pk), "")
            prev = levels[j - 1] if j else None
            if level.effective_from != plan.issued_on and _covers(
                placements, school_id, level.effective_from
            ):
                if prev is not None and prev.effective_to == level.effective_from - calc.ONE_DAY:
                    text = f"Support changed from {prev.summary} to {level.summary}"
                else:
                    text = f"Support started: {level.summary}"
                add(
                    level.effective_from,
                    level.effective_from,
                    "support_changed",
                    text + _recorded(level, since),
                    decision,
                )
            nxt = levels[j + 1] if j + 1 < len(levels) else None
            if (
                level.effective_to is not None
                and (nxt is None or nxt.effective_from != level.effective_to + calc.ONE_DAY)
                and (plan.ceased_on is None or plan.ceased_on != level.effective_to)
                and _covers(placements, school_id, level.effective_to)
            ):
                add(
                    level.effective_to + calc.ONE_DAY,
                    level.effective_to,
                    "support_ended",
                    f"Support ended: {level.summary}",
                )
    for item in rows.items.get(pupil_id, []):
        if item.school_id != school_id:
            continue
        label = ITEM_LABELS.get(item.kind, item.kind).split(" (")[0]
        decision = rows.decisions.get(("item", item.pk), "")
        add(
            item.starts_on,
            item.starts_on,
            "item_started",
            f"{label} of £{item.annual_amount:,.2f} a year from {_d(item.starts_on)} to "
            f"{_d(item.ends_on)}" + _recorded(item, since),
            decision,
        )
        if item.ends_on < fy.ends_on:
            add(item.ends_on + calc.ONE_DAY, item.ends_on, "item_ended", f"{label} ended")
    for event in rows.corrections.get(pupil_id, []):
        if _covers(placements, school_id, event.boundary) or _covers(
            placements, school_id, event.boundary - calc.ONE_DAY
        ):
            events.append(event)
    return events


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
        Q(pupil_id__in=pupil_ids)
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
        for p in Pupil.objects.filter(pk__in=pupil_ids).values(
            "pk", "given_name", "family_name", "upn", "date_of_birth"
        )
    }
    since = initial.started_at or initial.created_at
    rows = _load_rows(pupil_ids, since)
    calendar = school_calendar(initial.scheme.la, fy.starts_on, fy.ends_on)
    days = calendar.school_days
    for key, (a, b) in keys.items():
        school_id, element, pupil_id = key
        why = out.setdefault((school_id, element), Why())
        if pupil_id is None:
            initial_working, final_working = workings[key]
            why.school_level = SchoolLineChange(a, b, initial_working, final_working)
            continue
        before, after = spans[key]
        changes = calc.explain(
            before, after, pupil_events(pupil_id, school_id, rows, fy, since), fy=fy, days=days
        )
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


def attach_reasons(rows: list[FinalRow], initial: AllocationRun, final: AllocationRun) -> None:
    """Fill `reasons` for the rows shown (one page of the LA's list)."""
    school_ids = sorted({r.school_id for r in rows if r.difference})
    if not school_ids:
        return
    why = explain_changes(initial, final, school_ids=school_ids)
    for row in rows:
        found = why.get((row.school_id, row.element))
        row.reasons = found.summary() if found else ""


# ---- the governors' report (R21: schools report the use of SEN funds to governors) ------------


@dataclass
class GovernorPupil:
    label: str  # initials and year group, never a name or UPN
    amount: Decimal
    retained: Decimal = ZERO


@dataclass
class GovernorChange:
    on: dt.date
    pupil: str
    event: str
    amount: Decimal


@dataclass
class GovernorsReport:
    school: School
    fy: FinancialYear
    run: AllocationRun | None
    initial: AllocationRun | None
    notional_sen: Decimal = ZERO
    additional_sen_support: Decimal = ZERO
    place: Decimal = ZERO
    pupils: list[GovernorPupil] = field(default_factory=list)
    changes: list[GovernorChange] = field(default_factory=list)
    unexplained: Decimal = ZERO

    @property
    def top_ups(self) -> Decimal:
        return sum((p.amount for p in self.pupils), ZERO)

    @property
    def retained(self) -> Decimal:
        return sum((p.retained for p in self.pupils), ZERO)

    @property
    def total(self) -> Decimal:
        return self.notional_sen + self.additional_sen_support + self.place + self.top_ups

    @property
    def changes_total(self) -> Decimal:
        return sum((c.amount for c in self.changes), ZERO) + self.unexplained


def _pupil_label(given: str, family: str, dob: dt.date, on: dt.date) -> str:
    return f"{given[:1]}{family[:1]}".upper() + f", {year_group_label(year_group(dob, on))}"


def governors_report(school: School, fy) -> GovernorsReport:
    """The school's SEN money for the year for its governing body: the notional SEN budget,
    Additional SEN Support and place funding, each pupil's top-up (initials and year group
    only), and the in-year changes since the initial allocation with their dates and amounts.

    From the year's final run (else the latest run); changes against the initial run.
    """
    fy = _fy(fy)
    initial, final = two_runs(fy)
    run = final or engine.latest_run(fy)
    report = GovernorsReport(school=school, fy=fy, run=run, initial=initial)
    if run is None:
        return report
    lines = (
        AllocationLine.objects.filter(run=run, school=school)
        .exclude(element=Element.ELEMENT_1)
        .values(
            "element",
            "delegated",
            "pupil_id",
            "pupil__given_name",
            "pupil__family_name",
            "pupil__date_of_birth",
        )
        .annotate(amount=Sum("amount"), last=Max("period_to"))
        .order_by()
    )
    by_pupil: dict[int, list] = defaultdict(list)
    for line in lines:
        element = line["element"]
        line["amount"] = _q(line["amount"])
        if line["pupil_id"] is None:
            if element == "notional_sen":
                report.notional_sen += line["amount"]
            elif element == "additional_sen_support":
                report.additional_sen_support += line["amount"]
            elif element == "place":
                report.place += line["amount"]
        else:
            by_pupil[line["pupil_id"]].append(line)
    for found in by_pupil.values():
        first = found[0]
        last = max(x["last"] for x in found)
        report.pupils.append(
            GovernorPupil(
                _pupil_label(
                    first["pupil__given_name"],
                    first["pupil__family_name"],
                    first["pupil__date_of_birth"],
                    last,
                ),
                sum((x["amount"] for x in found if x["delegated"]), ZERO),
                sum((x["amount"] for x in found if not x["delegated"]), ZERO),
            )
        )
    report.pupils.sort(key=lambda p: (p.label, -p.amount))
    if initial is not None and initial.pk != run.pk:
        why = explain_changes(initial, run, school_ids=[school.pk])
        for (_, element), found in why.items():
            if element == Element.ELEMENT_1:
                continue
            if found.school_level is not None:
                report.changes.append(
                    GovernorChange(
                        fy.starts_on,
                        "",
                        f"{ELEMENT_LABELS.get(element, element)} recalculated",
                        found.school_level.difference,
                    )
                )
            for pupil in found.pupils:
                for change in pupil.changes:
                    label = pupil.initials + f", {pupil.year_group_on(change.on)}"
                    if change.events:
                        text = "; ".join(
                            calc.EVENT_LABELS[e.kind] + (" (SEN Panel)" if e.decision else "")
                            for e in change.events
                        )
                        report.changes.append(
                            GovernorChange(change.on, label, text, change.difference)
                        )
                    else:
                        report.unexplained += change.difference
        report.changes.sort(key=lambda c: (c.on, c.pupil, c.event))
    return report


# ---- the high-needs budget (R22) ---------------------------------------------------------------


@dataclass
class BudgetRow:
    line: str
    label: str
    budget: Decimal = ZERO
    allocated: Decimal = ZERO
    forecast: Decimal = ZERO
    panel_pending: Decimal = ZERO
    other: Decimal = ZERO
    note: str = ""

    @property
    def commitment(self) -> Decimal:
        return self.allocated + self.forecast + self.panel_pending + self.other

    @property
    def variance(self) -> Decimal:
        """Budget less commitment: negative is an overspend."""
        return self.budget - self.commitment

    @property
    def used_percent(self) -> Decimal | None:
        if not self.budget:
            return None
        return (self.commitment * 100 / self.budget).quantize(Decimal("0.1"))


@dataclass
class MonthRow:
    first: dt.date
    budget: Decimal
    commitment: Decimal
    cumulative_budget: Decimal = ZERO
    cumulative_commitment: Decimal = ZERO

    @property
    def label(self) -> str:
        return f"{self.first:%b %Y}"


@dataclass
class PendingDecision:
    reference: str
    pupil_id: int
    pupil: str
    school: str
    decided_on: dt.date
    effective_from: dt.date | None
    granted: str
    amount: Decimal


@dataclass
class BudgetPosition:
    fy: FinancialYear
    as_of: dt.date
    run: AllocationRun | None
    rows: list[BudgetRow]
    months: list[MonthRow]
    pending: list[PendingDecision]
    phase_end_pupils: int
    has_budget: bool
    whole_year_reforecast: bool = False

    @property
    def total(self) -> BudgetRow:
        total = BudgetRow("total", "Total high needs block")
        for row in self.rows:
            for name in ("budget", "allocated", "forecast", "panel_pending", "other"):
                setattr(total, name, getattr(total, name) + getattr(row, name))
        return total

    def chart_data(self) -> dict:
        """What static/js/reports-charts.js draws (numbers as floats for the chart only; the
        tables behind the charts show the exact pounds)."""
        return {
            "months": {
                "labels": [m.label for m in self.months],
                "commitment": [float(m.commitment) for m in self.months],
                "cumulative_commitment": [float(m.cumulative_commitment) for m in self.months],
                "cumulative_budget": [float(m.cumulative_budget) for m in self.months],
            },
            "split": {
                "labels": [r.label for r in self.rows if r.commitment or r.budget],
                "commitment": [float(r.commitment) for r in self.rows if r.commitment or r.budget],
                "budget": [float(r.budget) for r in self.rows if r.commitment or r.budget],
            },
        }


def _grouped_lines(lines, schools: dict[int, str], la_id: int):
    """Engine lines paid from our high needs block, summed by (budget line, period)."""
    out: dict[tuple, Decimal] = defaultdict(Decimal)
    for line in lines:
        if line.payer_la_id != la_id:
            continue
        kind = calc.budget_line_for(
            line.element,
            establishment_type=schools.get(line.school_id, ""),
            placement_kind=line.working.get("placement"),
            delegated=line.delegated,
        )
        if kind is not None:
            out[(kind, line.period_from, line.period_to)] += line.amount
    return out


def _add_months(target: dict, groups: dict, months, days, sign: int = 1) -> None:
    for (kind, start, end), amount in groups.items():
        for i, share in enumerate(calc.split_over(amount, start, end, months, days)):
            target[kind][i] += sign * share


def _without_decisions(inputs, decisions: list[dict]):
    """The engine's inputs without the rows the decisions created (the previous support level
    restored to run on), for the pupils they concern."""
    supports = dict(inputs.supports)
    items = dict(inputs.funding_items)
    plans = dict(inputs.plans)
    for d in decisions:
        pupil_id = d["case__pupil_id"]
        if d["funding_item_id"]:
            items[pupil_id] = [i for i in items.get(pupil_id, []) if i.id != d["funding_item_id"]]
        if d["plan_id"]:
            plans[pupil_id] = [p for p in plans.get(pupil_id, []) if p.id != d["plan_id"]]
        if d["support_level_id"]:
            for plan_id, levels in list(supports.items()):
                removed = [s for s in levels if s.id == d["support_level_id"]]
                if not removed:
                    continue
                kept = []
                for s in levels:
                    if s.id == d["support_level_id"]:
                        continue
                    if s.id == d["previous_support_level_id"]:
                        s = dataclasses.replace(s, effective_to=removed[0].effective_to)
                    kept.append(s)
                supports[plan_id] = kept
    return dataclasses.replace(inputs, supports=supports, funding_items=items, plans=plans)


def _pending_decisions(fy: FinancialYear, run: AllocationRun | None) -> list[dict]:
    """Approved panel decisions the latest run has not seen (decided after it started)
    whose effect falls in the year."""
    qs = PanelDecision.objects.filter(outcome__in=Outcome.approvals()).filter(
        Q(effective_from__lte=fy.ends_on) | Q(effective_from__isnull=True)
    )
    qs = qs.filter(Q(end_date__isnull=True) | Q(end_date__gte=fy.starts_on))
    if run is not None:
        qs = qs.filter(decided_at__gt=run.started_at or run.created_at)
    return list(
        qs.values(
            "pk",
            "case_id",
            "case__pupil_id",
            "case__pupil__given_name",
            "case__pupil__family_name",
            "case__pupil__upn",
            "case__school__name",
            "decided_at",
            "effective_from",
            "support_level_id",
            "previous_support_level_id",
            "funding_item_id",
            "plan_id",
            "granted_lsa_hours",
            "granted_lst_hours",
            "granted_ta_hours",
            "granted_band",
            "granted_amount",
            "end_date",
        ).order_by("decided_at")
    )


def _changed_pupils(run: AllocationRun, fy: FinancialYear, year_days: int) -> set[int] | None:
    """Pupils whose money may differ from the run's: their records changed after the run read
    them (history, or rows recorded since), or their school or its band rates did. None when
    something every pupil depends on changed (the scheme or its rate tables, the calendar's
    school days): then the whole year is worked out again. About a dozen queries."""
    since = run.started_at or run.created_at
    if (
        AllocationLine.objects.filter(run=run).exclude(year_days=year_days).exists()
        or FundingScheme.objects.filter(pk=run.scheme_id, updated_at__gt=since).exists()
        or any(
            model.history.filter(scheme_id=run.scheme_id, history_date__gt=since).exists()
            for model in (NotionalSenFactor, HourlyRate, TaHoursBand)
        )
    ):
        return None
    changed_schools = School.history.filter(history_date__gt=since).values("id")
    changed_bands = SpecialSchoolBand.history.filter(
        financial_year=fy.start_year, history_date__gt=since
    ).values("school_id")
    changed: set[int] = set()
    for qs in (
        Placement.history.filter(history_date__gt=since).values_list("pupil_id", flat=True),
        Plan.history.filter(history_date__gt=since).values_list("pupil_id", flat=True),
        SupportLevel.history.filter(history_date__gt=since).values_list(
            "plan__pupil_id", flat=True
        ),
        FundingItem.history.filter(history_date__gt=since).values_list("pupil_id", flat=True),
        Pupil.history.filter(history_date__gt=since).values_list("id", flat=True),
        Placement.objects.filter(recorded_at__gt=since).values_list("pupil_id", flat=True),
        Plan.objects.filter(recorded_at__gt=since).values_list("pupil_id", flat=True),
        SupportLevel.objects.filter(recorded_at__gt=since).values_list("plan__pupil_id", flat=True),
        FundingItem.objects.filter(recorded_at__gt=since).values_list("pupil_id", flat=True),
        Placement.objects.filter(
            Q(school_id__in=changed_schools) | Q(school_id__in=changed_bands)
        ).values_list("pupil_id", flat=True),
    ):
        changed.update(pk for pk in qs.distinct().order_by() if pk is not None)
    return changed


def _school_figures_changed(run: AllocationRun) -> bool:
    """Census figures, planned places or a school recorded after the run: redo the
    school-level lines (elements 1 and 2, Additional SEN Support, place funding)."""
    since = run.started_at or run.created_at
    return (
        SchoolCensus.history.filter(history_date__gt=since).exists()
        or PlannedPlaces.history.filter(history_date__gt=since).exists()
        or School.history.filter(history_date__gt=since).exists()
    )


def _phase_ends(fy: FinancialYear, la_id: int, as_of: dt.date) -> dict[int, dict[int, dt.date]]:
    """{pupil: {placement: the date the forecast assumes they leave}} for mainstream placements
    running past the end of the school's last year group (by date of birth) inside the year,
    at or after `as_of`. One query."""
    out: dict[int, dict[int, dt.date]] = defaultdict(dict)
    rows = (
        Placement.objects.filter(kind=PlacementKind.MAINSTREAM, starts_on__lte=fy.ends_on)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gt=as_of))
        .filter(Q(school__la_id=la_id) | Q(pupil__home_la_id=la_id))
        .values_list(
            "pk",
            "pupil_id",
            "ends_on",
            "starts_on",
            "pupil__date_of_birth",
            "school__phase",
            "school__statutory_high_age",
        )
        .order_by()
    )
    for pk, pupil_id, ends_on, starts_on, dob, phase, high_age in rows:
        cut = calc.phase_end_cut(
            dob,
            last_group=calc.last_year_group(phase, high_age),
            ends_on=ends_on,
            as_of=as_of,
        )
        if cut is not None and starts_on <= cut < fy.ends_on:
            out[pupil_id][pk] = cut
    return out


def _with_phase_ends(inputs, cuts: dict[int, dict[int, dt.date]]):
    placements = dict(inputs.placements)
    for pupil_id, by_placement in cuts.items():
        if pupil_id in placements:
            placements[pupil_id] = [
                dataclasses.replace(p, ends_on=by_placement[p.id]) if p.id in by_placement else p
                for p in placements[pupil_id]
            ]
    return dataclasses.replace(inputs, placements=placements)


def _run_groups(run: AllocationRun, la_id: int, qs=None) -> dict[tuple, Decimal]:
    """The run's lines paid from our high needs block, summed by (budget line, period)."""
    qs = AllocationLine.objects.filter(run=run) if qs is None else qs
    groups: dict[tuple, Decimal] = defaultdict(Decimal)
    for g in (
        qs.filter(payer_la_id=la_id)
        .exclude(element__in=calc.SCHOOLS_BLOCK)
        .values(
            "element",
            "delegated",
            "school__establishment_type",
            "working__placement",
            "period_from",
            "period_to",
        )
        .annotate(amount=Sum("amount"))
        .order_by()
    ):
        kind = calc.budget_line_for(
            g["element"],
            establishment_type=g["school__establishment_type"],
            placement_kind=g["working__placement"],
            delegated=g["delegated"],
        )
        if kind is not None:
            groups[(kind, g["period_from"], g["period_to"])] += _q(g["amount"])
    return groups


def _merge(target: dict, groups: dict, sign: int = 1) -> None:
    for key, amount in groups.items():
        target[key] = target.get(key, ZERO) + sign * amount


def budget_position(fy, as_of: dt.date | None = None) -> BudgetPosition:
    """R22: per budget line, the budget; what the latest run allocates; the forecast movement
    to the year end; approved panel decisions not yet in a run; commitments outside the runs;
    the commitment (their sum) and the variance; and the commitment by month.

    The forecast is the year worked out by the engine from today's records less what the run
    allocated: current plans continue at current rates to the year end, known leavers leave
    on their recorded date, and each pupil leaves a mainstream school at the end of its last
    year group by date of birth (a phase end on or after `as_of`). Only pupils whose records
    changed since the run (history), who reach a phase end, or who have a panel decision
    pending are worked out again (everyone, if a scheme rate or the calendar changed).
    The panel figure is those pupils' year with the decisions less their year without them.
    So commitment = the year as now known + commitments outside the runs.

    A constant number of queries (about 35) whatever the LA's size.
    """
    fy = _fy(fy)
    today = timezone.localdate()
    as_of = as_of or min(max(today, fy.starts_on), fy.ends_on)
    la = administering_la()
    budgets = {b.line: b for b in BudgetLine.objects.filter(financial_year=fy.start_year)}
    rows = {
        kind: BudgetRow(
            kind,
            LINE_LABELS[kind],
            budgets[kind].budget if kind in budgets else ZERO,
            other=budgets[kind].other_commitment if kind in budgets else ZERO,
            note=budgets[kind].note if kind in budgets else "",
        )
        for kind in LINE_ORDER
    }
    run = engine.latest_run(fy)
    months = calc.months_of(fy)
    calendar = school_calendar(la, fy.starts_on, fy.ends_on)
    days = calendar.school_days
    year_days = days(fy.starts_on, fy.ends_on)
    # 1. What the latest run allocates from our high needs block.
    allocated = _run_groups(run, la.pk) if run is not None else {}
    for (kind, _s, _e), amount in allocated.items():
        rows[kind].allocated += amount
    # 2. The year as now known: the run, with the pupils (and schools) that changed redone.
    scheme = engine.scheme_for(fy, la)
    known = dict(allocated)
    pending_rows: list[PendingDecision] = []
    cuts = _phase_ends(fy, la.pk, as_of)
    whole_year = False
    if scheme is not None and year_days > 0:
        decisions = _pending_decisions(fy, run)
        changed = _changed_pupils(run, fy, year_days) if run is not None else None
        if changed is None:  # everything again
            whole_year = run is not None
            inputs = _with_phase_ends(engine.allocation_inputs(fy, scheme=scheme, la=la), cuts)
            redo = list(inputs.pupils)
            with_schools = True
            known = {}
        else:
            redo = sorted(changed | set(cuts) | {d["case__pupil_id"] for d in decisions})
            with_schools = _school_figures_changed(run)
            inputs = _with_phase_ends(
                engine.allocation_inputs(
                    fy, scheme=scheme, la=la, pupil_ids=redo, with_schools=with_schools
                ),
                cuts,
            )
            if redo:
                redone = AllocationLine.objects.filter(run=run, pupil_id__in=redo)
                _merge(known, _run_groups(run, la.pk, redone), -1)
            if with_schools:
                school_level = AllocationLine.objects.filter(run=run, pupil__isnull=True)
                _merge(known, _run_groups(run, la.pk, school_level), -1)
        types = dict(School.objects.values_list("pk", "establishment_type"))
        with_engine = Engine(inputs)
        lines = with_engine.school_lines() if with_schools else []
        for pupil_id in redo:
            info = inputs.pupils.get(pupil_id)
            if info is not None:
                lines.extend(with_engine.pupil_lines(info))
        _merge(known, _grouped_lines(lines, types, la.pk))
        if decisions:
            without_engine = Engine(_without_decisions(inputs, decisions))
            counted: set[int] = set()
            for d in decisions:
                pupil_id = d["case__pupil_id"]
                info = inputs.pupils.get(pupil_id)
                change: dict[tuple, Decimal] = {}
                if info is not None and pupil_id not in counted:
                    counted.add(pupil_id)  # a pupil's decisions are counted once, together
                    _merge(change, _grouped_lines(with_engine.pupil_lines(info), types, la.pk))
                    _merge(
                        change, _grouped_lines(without_engine.pupil_lines(info), types, la.pk), -1
                    )
                    for (kind, _s, _e), amount in change.items():
                        rows[kind].panel_pending += amount
                pending_rows.append(
                    PendingDecision(
                        reference=f"PC-{d['case_id']:05d}",
                        pupil_id=pupil_id,
                        pupil=f"{d['case__pupil__given_name']} {d['case__pupil__family_name']} "
                        f"({d['case__pupil__upn']})",
                        school=d["case__school__name"],
                        decided_on=timezone.localdate(d["decided_at"]),
                        effective_from=d["effective_from"],
                        granted=_granted_text(d),
                        amount=sum(change.values(), ZERO),
                    )
                )
        for (kind, _s, _e), amount in known.items():
            rows[kind].forecast += amount
        for row in rows.values():
            row.forecast -= row.allocated + row.panel_pending
    # 3. Commitment by month: the year as now known + other commitments, each month the
    # entitlement to its end less that to its start (R7+), so the months add up exactly.
    monthly: dict[str, list[Decimal]] = {kind: [ZERO] * 12 for kind in LINE_ORDER}
    _add_months(monthly, known, months, days)
    budget_months = [ZERO] * 12
    for row in rows.values():
        for i, share in enumerate(
            calc.split_over(row.other, fy.starts_on, fy.ends_on, months, days)
        ):
            monthly[row.line][i] += share
        for i, share in enumerate(
            calc.split_over(row.budget, fy.starts_on, fy.ends_on, months, days)
        ):
            budget_months[i] += share
    month_rows = []
    cumulative_budget = cumulative = ZERO
    for i, (first, _last) in enumerate(months):
        commitment = sum((monthly[k][i] for k in LINE_ORDER), ZERO)
        cumulative += commitment
        cumulative_budget += budget_months[i]
        month_rows.append(
            MonthRow(first, budget_months[i], commitment, cumulative_budget, cumulative)
        )
    return BudgetPosition(
        fy=fy,
        as_of=as_of,
        run=run,
        rows=[rows[k] for k in LINE_ORDER],
        months=month_rows,
        pending=pending_rows,
        phase_end_pupils=len(cuts),
        has_budget=bool(budgets),
        whole_year_reforecast=whole_year,
    )


def _granted_text(d: dict) -> str:
    parts = []
    for label, key in (("LSA", "granted_lsa_hours"), ("LST", "granted_lst_hours")):
        if d[key] is not None:
            parts.append(f"{d[key].normalize():f} h {label} a week")
    if d["granted_ta_hours"] is not None:
        parts.append(f"{d['granted_ta_hours'].normalize():f} h TA a week")
    if d["granted_band"] is not None:
        parts.append(f"band {d['granted_band']}")
    if d["granted_amount"] is not None:
        parts.append(f"£{d['granted_amount']:,.2f} a year")
    return ", ".join(parts) or "as requested"


@dataclass
class TrendLine:
    line: str
    label: str
    points: list[tuple[dt.date, Decimal, Decimal]]  # (month, budget, commitment)
    pressure: tuple[dt.date, Decimal] | None


@dataclass
class BudgetTrend:
    snapshots: list[BudgetSnapshot]
    lines: list[TrendLine]
    total: TrendLine

    def chart_data(self) -> dict:
        return {
            "labels": [f"{s.month:%b %Y}" for s in self.snapshots],
            "commitment": [float(s.commitment) for s in self.snapshots],
            "budget": [float(s.budget) for s in self.snapshots],
        }


def budget_trend(fy) -> BudgetTrend:
    """The year's monthly snapshots, per line and in total, and when the pressure appeared:
    the first month of the latest unbroken run of months in which commitment exceeded the
    budget. Two queries."""
    fy = _fy(fy)
    snapshots = list(
        BudgetSnapshot.objects.filter(financial_year=fy.start_year)
        .select_related("run")
        .prefetch_related("lines")
        .order_by("month")
    )
    points: dict[str, list] = {kind: [] for kind in LINE_ORDER}
    for snap in snapshots:
        for line in snap.lines.all():
            points.setdefault(line.line, []).append((snap.month, line.budget, line.commitment))
    lines = [
        TrendLine(kind, LINE_LABELS.get(kind, kind), pts, calc.first_pressure(pts))
        for kind, pts in points.items()
        if pts
    ]
    total_points = [(s.month, s.budget, s.commitment) for s in snapshots]
    total = TrendLine("total", "Total", total_points, calc.first_pressure(total_points))
    return BudgetTrend(snapshots, lines, total)


# ---- cross-border (R8) -------------------------------------------------------------------------

CHARGE = "charge"  # their pupils in our schools: we charge their LA
PAY = "pay"  # our pupils in their schools: we pay their LA


@dataclass
class CrossBorderLa:
    la: LocalAuthority
    charge_pupils: int = 0
    charge: Decimal = ZERO
    pay_pupils: int = 0
    pay: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        """What they owe us less what we owe them."""
        return self.charge - self.pay


def cross_border_summary(run: AllocationRun) -> list[CrossBorderLa]:
    """Per other LA: their pupils in our schools and the top-ups we charge them, and our
    pupils in their schools that we pay for (the engine's `recoupment`). Three queries."""
    recoupment = engine.recoupment(run)
    ids = {r.la_id for r in recoupment.owed_to_us} | {r.la_id for r in recoupment.we_owe}
    las = {la.pk: la for la in LocalAuthority.objects.filter(pk__in=ids)}
    out: dict[int, CrossBorderLa] = {}
    for r in recoupment.owed_to_us:
        entry = out.setdefault(r.la_id, CrossBorderLa(las[r.la_id]))
        entry.charge_pupils, entry.charge = r.pupils, _q(r.amount)
    for r in recoupment.we_owe:
        entry = out.setdefault(r.la_id, CrossBorderLa(las[r.la_id]))
        entry.pay_pupils, entry.pay = r.pupils, _q(r.amount)
    return sorted(out.values(), key=lambda e: e.la.name)


def billing_periods(fy: FinancialYear) -> list[tuple[str, str, dt.date, dt.date]]:
    """(key, label, first day, last day): the whole year, its quarters and its months."""
    periods = [("year", f"Financial year {fy}", fy.starts_on, fy.ends_on)]
    for i, (a, b) in enumerate(calc.quarters_of(fy), 1):
        periods.append((f"q{i}", f"Quarter {i} ({a:%b} to {b:%b %Y})", a, b))
    for a, b in calc.months_of(fy):
        periods.append((f"{a:%Y-%m}", f"{a:%B %Y}", a, b))
    return periods


@dataclass
class StatementLine:
    pupil_id: int
    upn: str
    name: str
    date_of_birth: dt.date
    school: str
    school_urn: int
    element: str
    element_label: str
    period_from: dt.date
    period_to: dt.date
    school_days: int
    annual_amount: Decimal
    line_amount: Decimal
    amount: Decimal
    working: str


@dataclass
class CrossBorderStatement:
    run: AllocationRun
    la: LocalAuthority
    direction: str
    period: tuple[str, str, dt.date, dt.date]
    lines: list[StatementLine]

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)

    @property
    def pupils(self) -> int:
        return len({line.pupil_id for line in self.lines})


def cross_border_lines(run: AllocationRun, la: LocalAuthority, direction: str):
    """The run's lines a cross-border statement is made of: pupil elements (top-up, personal
    supplement, ENF, PSF) paid to the school, as the engine's `recoupment` counts them."""
    ours = run.scheme.la_id
    qs = AllocationLine.objects.filter(run=run, element__in=PUPIL_ELEMENTS, delegated=True)
    if direction == CHARGE:
        qs = qs.filter(school__la_id=ours, payer_la=la)
    else:
        qs = qs.filter(payer_la_id=ours, school__la=la)
    return qs


def cross_border_statement(
    run: AllocationRun, la: LocalAuthority, direction: str, period_key: str = "year"
) -> CrossBorderStatement:
    """A statement for one other LA and one billing period: each pupil's periods with the
    working, the line's amount and the part of it in the billing period (the line's
    entitlement to the period's end less that to its start, R7+, so the parts add up to the
    line exactly).
    Three queries (the lines, and the calendar for a part of the year)."""
    fy = run.fy
    periods = {p[0]: p for p in billing_periods(fy)}
    period = periods.get(period_key) or periods["year"]
    key = period[0]
    parts = None
    index = 0
    if key != "year":
        if key.startswith("q"):
            parts = calc.quarters_of(fy)
            index = int(key[1]) - 1
        else:
            parts = calc.months_of(fy)
            index = [f"{a:%Y-%m}" for a, _ in parts].index(key)
        days = school_calendar(run.scheme.la, fy.starts_on, fy.ends_on).school_days
    lines = []
    qs = (
        cross_border_lines(run, la, direction)
        .select_related("pupil", "school")
        .order_by("pupil__family_name", "pupil__given_name", "pupil_id", "period_from", "element")
    )
    for line in qs:
        amount = line.amount
        working = line.explanation
        if parts is not None:
            # R7+: the line's entitlement to the period's end less that to its start.
            (share,) = split_line(line, [parts[index]], days)
            amount = ZERO if share is None else share.amount
            if not amount:
                continue
            working += (
                f"; {period[1]}: {share.school_days} of the line's {line.school_days} school "
                f"days, {share.working()}"
            )
        lines.append(
            StatementLine(
                pupil_id=line.pupil_id,
                upn=line.pupil.upn,
                name=line.pupil.full_name,
                date_of_birth=line.pupil.date_of_birth,
                school=line.school.name,
                school_urn=line.school.urn,
                element=line.element,
                element_label=ELEMENT_LABELS.get(line.element, line.element),
                period_from=line.period_from,
                period_to=line.period_to,
                school_days=line.school_days,
                annual_amount=line.annual_amount,
                line_amount=line.amount,
                amount=amount,
                working=working,
            )
        )
    return CrossBorderStatement(run, la, direction, period, lines)


# ---- the DfE import/export adjustment (R8) ------------------------------------------------------


def third_thursday_of_january(year: int) -> dt.date:
    first = dt.date(year, 1, 1)
    first_thursday = first + dt.timedelta(days=(3 - first.weekday()) % 7)
    return first_thursday + dt.timedelta(days=14)


def default_census_date(fy) -> dt.date:
    """The January census before the year starts (DfE counts the January census of the
    calendar year the financial year starts in): the latest census date recorded in that
    January, else the third Thursday of January."""
    fy = _fy(fy)
    recorded = (
        SchoolCensus.objects.filter(census_date__year=fy.start_year, census_date__month=1)
        .order_by("-census_date")
        .values_list("census_date", flat=True)
        .first()
    )
    return recorded or third_thursday_of_january(fy.start_year)


@dataclass
class CountedPupil:
    upn: str
    name: str
    home_la: str
    school: str
    school_la: str
    placement: str
    direction: str  # "import" or "export"


@dataclass
class ImportExportReport:
    fy: FinancialYear
    census_date: dt.date
    rate: Decimal
    rate_from_scheme: bool
    rows: list[calc.ImportExport]
    pupils: list[CountedPupil]

    @property
    def imported(self) -> int:
        return sum(r.imported for r in self.rows)

    @property
    def exported(self) -> int:
        return sum(r.exported for r in self.rows)

    @property
    def net(self) -> int:
        return self.imported - self.exported

    @property
    def adjustment(self) -> Decimal:
        return sum((r.adjustment for r in self.rows), ZERO)


DEFAULT_IMPORT_EXPORT_RATE = Decimal("6000.00")


def import_export(fy, census_date: dt.date | None = None) -> ImportExportReport:
    """High-needs pupils (a plan in force) placed on the census date in a school of an LA
    other than the one they live in, between us and each other LA: imports (their residents
    in our schools), exports (ours in theirs), the net import and the adjustment (net × the
    scheme's import/export rate). Three queries."""
    fy = _fy(fy)
    census_date = census_date or default_census_date(fy)
    la = administering_la()
    scheme = FundingScheme.objects.filter(la=la, financial_year=fy.start_year).first()
    rate = scheme.import_export_rate if scheme is not None else DEFAULT_IMPORT_EXPORT_RATE
    plan_in_force = Plan.objects.filter(
        pupil_id=OuterRef("pupil_id"), issued_on__lte=census_date
    ).filter(Q(ceased_on__isnull=True) | Q(ceased_on__gte=census_date))
    placements = (
        Placement.objects.filter(starts_on__lte=census_date)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=census_date))
        .filter(
            (Q(school__la=la) & ~Q(pupil__home_la=la)) | (Q(pupil__home_la=la) & ~Q(school__la=la))
        )
        .filter(Exists(plan_in_force))
        .select_related("pupil__home_la", "school__la")
        .order_by("pupil__family_name", "pupil__given_name", "pupil_id")
    )
    counts: dict[int, list] = {}
    pupils = []
    for p in placements:
        if p.school.la_id == la.pk:
            other, direction = p.pupil.home_la, "import"
        else:
            other, direction = p.school.la, "export"
        entry = counts.setdefault(other.pk, [other, 0, 0])
        entry[1 if direction == "import" else 2] += 1
        pupils.append(
            CountedPupil(
                p.pupil.upn,
                p.pupil.full_name,
                f"{p.pupil.home_la.name} ({p.pupil.home_la.code})",
                p.school.name,
                f"{p.school.la.name} ({p.school.la.code})",
                PLACEMENT_LABELS.get(p.kind, p.kind),
                direction,
            )
        )
    rows = [
        calc.ImportExport(other.code, other.name, imported, exported, rate)
        for other, imported, exported in sorted(counts.values(), key=lambda e: e[0].name)
    ]
    return ImportExportReport(fy, census_date, rate, scheme is not None, rows, pupils)


# ---- the published per-school statement (seed 002's Annex B) ------------------------------------


@dataclass
class AnnexBRow:
    urn: int
    name: str
    phase: str
    establishment_type: str
    notional_sen: Decimal
    top_up: Decimal
    top_up_pupils: int
    place: Decimal

    @property
    def top_up_published(self) -> bool:
        return self.top_up_pupils == 0 or self.top_up_pupils >= PUBLIC_MIN_PUPILS

    @property
    def total(self) -> Decimal:
        return self.notional_sen + self.top_up + self.place


def annex_b(run: AllocationRun) -> list[AnnexBRow]:
    """Every school of the LA in the run: its notional SEN budget (element 2), the top-ups it
    is paid (element 3 with personal supplements, ENF and PSF, whoever pays) and its place
    funding; school-level figures only. One query."""
    pupil_elements = Q(element__in=PUPIL_ELEMENTS, delegated=True)
    rows = (
        AllocationLine.objects.filter(run=run, school__la_id=run.scheme.la_id)
        .values("school_id", "school__urn", "school__name", "school__phase")
        .annotate(
            kind=F("school__establishment_type"),
            notional=Coalesce(Sum("amount", filter=Q(element="notional_sen")), Value(ZERO)),
            top_up=Coalesce(Sum("amount", filter=pupil_elements), Value(ZERO)),
            pupils=Count("pupil_id", filter=pupil_elements, distinct=True),
            place=Coalesce(Sum("amount", filter=Q(element="place")), Value(ZERO)),
        )
        .order_by("school__name", "school__urn")
    )
    return [
        AnnexBRow(
            r["school__urn"],
            r["school__name"],
            PHASE_LABELS.get(r["school__phase"], r["school__phase"]),
            TYPE_LABELS.get(r["kind"], r["kind"]),
            _q(r["notional"]),
            _q(r["top_up"]),
            r["pupils"],
            _q(r["place"]),
        )
        for r in rows
    ]


def published_years() -> QuerySet[PublishedStatement]:
    return PublishedStatement.objects.select_related("run").order_by("-financial_year")


def published_statement(fy) -> PublishedStatement | None:
    return published_years().filter(financial_year=_fy(fy).start_year).first()


def initial_or_latest(fy) -> AllocationRun | None:
    return engine.latest_run(fy, [RunKind.INITIAL]) or engine.latest_run(fy)
