"""Allocation runs and their lines: the year's latest run, totals by element and route (R25),
recoupment across borders (R8), per-school totals and the initial/final comparison (R21).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, QuerySet, Sum

from funding.models import PUPIL_ELEMENTS, AllocationLine, AllocationRun, Route, RunKind, RunStatus
from funding.selectors.elements import ELEMENT_LABELS, ELEMENT_ORDER
from funding.selectors.rates import _fy
from schools.dates import FinancialYear
from schools.models import School


def runs() -> QuerySet[AllocationRun]:
    """All runs, newest first, with what the runs list shows (one query)."""
    return AllocationRun.objects.select_related("created_by", "approved_by", "scheme__la")


def latest_run(fy: int | FinancialYear, kinds=None) -> AllocationRun | None:
    """The newest completed run of the year (of one of `kinds`, if given)."""
    qs = AllocationRun.objects.filter(financial_year=_fy(fy).start_year, status=RunStatus.DONE)
    if kinds:
        qs = qs.filter(kind__in=[kinds] if isinstance(kinds, str) else list(kinds))
    return qs.order_by("-finished_at", "-pk").first()


def active_runs() -> QuerySet[AllocationRun]:
    return AllocationRun.objects.filter(status__in=[RunStatus.QUEUED, RunStatus.RUNNING])


@dataclass
class ElementTotal:
    element: str
    label: str
    amount: Decimal
    lines: int = 0


@dataclass
class RunTotals:
    elements: list[ElementTotal]
    total: Decimal
    delegated: Decimal
    retained_centrally: Decimal
    paid_by_esfa: Decimal
    lines: int
    #: R25: (route label, amount) for every route with money, in the order of `Route`.
    routes: list[tuple[str, Decimal]] = field(default_factory=list)
    billed_to_other_las: Decimal = Decimal("0")


def run_totals(run: AllocationRun) -> RunTotals:
    """Totals by element and by route (R25) (one query)."""
    rows = (
        AllocationLine.objects.filter(run=run)
        .values("element", "route")
        .annotate(amount=Sum("amount"), n=Count("pk"))
        .order_by()
    )
    by_element: dict[str, ElementTotal] = {}
    by_route: dict[str, Decimal] = defaultdict(Decimal)
    count = 0
    for row in rows:
        total = by_element.setdefault(
            row["element"],
            ElementTotal(row["element"], ELEMENT_LABELS.get(row["element"], row["element"]), 0),
        )
        total.amount += row["amount"]
        total.lines += row["n"]
        count += row["n"]
        by_route[row["route"]] += row["amount"]
    elements = sorted(
        by_element.values(),
        key=lambda t: ELEMENT_ORDER.index(t.element) if t.element in ELEMENT_ORDER else 99,
    )
    return RunTotals(
        elements=elements,
        total=sum((t.amount for t in elements), Decimal("0")),
        delegated=by_route[Route.LA],
        retained_centrally=by_route[Route.RETAINED],
        paid_by_esfa=by_route[Route.ESFA],
        billed_to_other_las=by_route[Route.OTHER_LA],
        lines=count,
        routes=[(route.label, by_route[route]) for route in Route if by_route.get(route)],
    )


@dataclass
class LaAmount:
    la_id: int
    code: str
    name: str
    pupils: int
    amount: Decimal


@dataclass
class Recoupment:
    """R8: top-up across borders in one run."""

    owed_to_us: list[LaAmount]  # other LAs' pupils in our schools
    we_owe: list[LaAmount]  # our pupils in other LAs' schools

    @property
    def owed_to_us_total(self) -> Decimal:
        return sum((r.amount for r in self.owed_to_us), Decimal("0"))

    @property
    def we_owe_total(self) -> Decimal:
        return sum((r.amount for r in self.we_owe), Decimal("0"))

    @property
    def net(self) -> Decimal:
        return self.owed_to_us_total - self.we_owe_total


def recoupment(run: AllocationRun) -> Recoupment:
    """What each other LA owes us for their pupils in our schools, and what we owe each LA
    whose schools teach our pupils (pupil elements only: top-up, supplements, ENF, PSF).
    Two queries."""
    la_id = run.scheme.la_id
    base = AllocationLine.objects.filter(run=run, element__in=PUPIL_ELEMENTS, delegated=True)
    owed = (
        base.filter(school__la_id=la_id)
        .exclude(payer_la_id=la_id)
        .exclude(payer_la__isnull=True)
        .values("payer_la_id", "payer_la__code", "payer_la__name")
        .annotate(amount=Sum("amount"), pupils=Count("pupil_id", distinct=True))
        .order_by("payer_la__name")
    )
    owe = (
        base.filter(payer_la_id=la_id)
        .exclude(school__la_id=la_id)
        .values("school__la_id", "school__la__code", "school__la__name")
        .annotate(amount=Sum("amount"), pupils=Count("pupil_id", distinct=True))
        .order_by("school__la__name")
    )
    return Recoupment(
        owed_to_us=[
            LaAmount(
                r["payer_la_id"], r["payer_la__code"], r["payer_la__name"], r["pupils"], r["amount"]
            )
            for r in owed
        ],
        we_owe=[
            LaAmount(
                r["school__la_id"],
                r["school__la__code"],
                r["school__la__name"],
                r["pupils"],
                r["amount"],
            )
            for r in owe
        ],
    )


def run_lines(run: AllocationRun) -> QuerySet[AllocationLine]:
    """A run's lines with what tables and exports show (one query)."""
    return (
        AllocationLine.objects.filter(run=run)
        .select_related("school", "pupil", "payer_la")
        .order_by("school__name", "element", "pupil__family_name", "pupil_id", "period_from")
    )


def school_totals(run: AllocationRun) -> QuerySet:
    """A run's total per school as dicts (school_id, school_name, urn, la_code, lines, pupils,
    amount), one query; sortable by any of those keys."""
    return (
        AllocationLine.objects.filter(run=run)
        .values("school_id")
        .annotate(
            school_name=F("school__name"),
            urn=F("school__urn"),
            la_code=F("school__la__code"),
            lines=Count("pk"),
            pupils=Count("pupil_id", distinct=True),
            amount=Sum("amount"),
        )
        .order_by("school_name", "school_id")
    )


# ---- comparison (R21) -----------------------------------------------------------------------


@dataclass
class ComparisonRow:
    school_id: int
    urn: int
    school_name: str
    element: str
    label: str
    initial: Decimal
    final: Decimal

    @property
    def difference(self) -> Decimal:
        return self.final - self.initial


def _school_element_totals(run: AllocationRun, school_id=None) -> dict[tuple[int, str], dict]:
    qs = AllocationLine.objects.filter(run=run)
    if school_id is not None:
        qs = qs.filter(school_id=school_id)
    rows = (
        qs.values("school_id", "school__urn", "school__name", "element")
        .annotate(amount=Sum("amount"))
        .order_by()
    )
    return {(r["school_id"], r["element"]): r for r in rows}


def compare_runs(
    initial: AllocationRun, final: AllocationRun, *, school: School | None = None
) -> list[ComparisonRow]:
    """R21: per school and element, the initial amount, the final amount and the difference
    (two queries). Schools or elements in only one run count as £0 in the other."""
    school_id = school.pk if school is not None else None
    a = _school_element_totals(initial, school_id)
    b = _school_element_totals(final, school_id)
    rows = []
    for key in a.keys() | b.keys():
        info = b.get(key) or a[key]
        rows.append(
            ComparisonRow(
                school_id=key[0],
                urn=info["school__urn"],
                school_name=info["school__name"],
                element=key[1],
                label=ELEMENT_LABELS.get(key[1], key[1]),
                initial=a[key]["amount"] if key in a else Decimal("0.00"),
                final=b[key]["amount"] if key in b else Decimal("0.00"),
            )
        )
    order = {e: i for i, e in enumerate(ELEMENT_ORDER)}
    rows.sort(key=lambda r: (r.school_name, r.school_id, order.get(r.element, 99)))
    return rows


def default_comparison(
    fy: int | FinancialYear,
) -> tuple[AllocationRun | None, AllocationRun | None]:
    """The initial run and the final (else latest revised) run of the year."""
    return latest_run(fy, [RunKind.INITIAL]), latest_run(fy, [RunKind.FINAL]) or latest_run(
        fy, [RunKind.REVISED]
    )
