"""The high-needs budget (R22): budget, allocation, forecast and commitment per line, by month,
and the monthly snapshots' trend."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from funding import selectors as engine
from funding.calculations.allocation import Engine
from funding.gc_pause import cyclic_gc_paused
from funding.models import (
    AllocationLine,
    AllocationRun,
)
from funding.payments.selectors import year_payment_totals
from funding.reports import calculations as calc
from funding.reports.models import (
    LINE_ORDER,
    BudgetLine,
    BudgetSnapshot,
)
from funding.reports.selectors.budget_forecast import (
    _add_months,
    _changed_pupils,
    _grouped_lines,
    _merge,
    _pending_decisions,
    _phase_ends,
    _run_groups,
    _school_figures_changed,
    _with_phase_ends,
    _without_decisions,
)
from funding.reports.selectors.common import (
    LINE_LABELS,
    ZERO,
    _fy,
)
from schools.dates import FinancialYear
from schools.models import (
    School,
)
from schools.selectors import administering_la, school_calendar

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
    #: R24 (funding.payments): the year's payment periods, from our high needs block.
    paid: Decimal = ZERO  # approved periods
    unapproved: Decimal = ZERO  # periods generated or prepared, not yet approved

    @property
    def total(self) -> BudgetRow:
        total = BudgetRow("total", "Total high needs block")
        for row in self.rows:
            for name in ("budget", "allocated", "forecast", "panel_pending", "other"):
                setattr(total, name, getattr(total, name) + getattr(row, name))
        return total

    # The page's three headline figures; paid + committed + forecast + panel decisions not
    # in a run + committed outside the runs = the commitment.

    @property
    def paid_to_date(self) -> Decimal:
        """Paid to date: the approved payment periods' amounts."""
        return self.paid

    @property
    def remaining(self) -> Decimal:
        """What the latest run allocates for the year not yet in any payment period."""
        return self.total.allocated - self.paid - self.unapproved

    @property
    def committed(self) -> Decimal:
        """Committed: payment periods prepared but not yet approved, plus the rest of the
        latest run's allocation for the year (its remaining entitlement)."""
        return self.unapproved + self.remaining

    @property
    def forecast(self) -> Decimal:
        """Forecast: the movement to the year end the forecast adds to the latest run."""
        return self.total.forecast

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
    with cyclic_gc_paused():  # the engine's objects: see funding.gc_pause
        return _budget_position(_fy(fy), as_of)


def _budget_position(fy: FinancialYear, as_of: dt.date | None) -> BudgetPosition:
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
    payments = year_payment_totals(fy.start_year, la.pk, exclude_elements=calc.SCHOOLS_BLOCK)
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
        # The forecast sums money by budget line: the lines' explanations are not needed.
        with_engine = Engine(inputs, explain=False)
        lines = with_engine.school_lines() if with_schools else []
        worked: dict[int, list] = {}  # each pupil's lines, worked out once
        for pupil_id in redo:
            info = inputs.pupils.get(pupil_id)
            if info is not None:
                worked[pupil_id] = with_engine.pupil_lines(info)
                lines.extend(worked[pupil_id])
        _merge(known, _grouped_lines(lines, types, la.pk))
        if decisions:
            without_engine = Engine(_without_decisions(inputs, decisions), explain=False)
            counted: set[int] = set()
            for d in decisions:
                pupil_id = d["case__pupil_id"]
                info = inputs.pupils.get(pupil_id)
                change: dict[tuple, Decimal] = {}
                if info is not None and pupil_id not in counted:
                    counted.add(pupil_id)  # a pupil's decisions are counted once, together
                    with_decisions = worked.get(pupil_id)
                    if with_decisions is None:
                        with_decisions = with_engine.pupil_lines(info)
                    _merge(change, _grouped_lines(with_decisions, types, la.pk))
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
        paid=payments["paid"],
        unapproved=payments["unapproved"],
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
