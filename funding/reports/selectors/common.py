"""What every report reads: labels, the year's runs, which schools a user may see."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Q, QuerySet

from funding import selectors as engine
from funding.models import (
    AllocationRun,
    Element,
    RunKind,
    RunStatus,
)
from funding.reports import calculations as calc
from funding.reports.models import (
    BudgetLine,
    BudgetLineKind,
)
from pupils.models import (
    AdmissionKind,
    FundingItemKind,
    PlacementKind,
    PlanKind,
)
from schools.dates import FinancialYear
from schools.db import ids_in
from schools.models import (
    EstablishmentType,
    Phase,
    School,
)
from schools.roles import is_la_officer

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


def any_of(field: str, ids) -> Q:
    """The rows whose `field` is one of `ids`, as `Q(<field>__in=ids)` selects them, the ids sent
    as one array parameter (`schools.db.ids_in`): `IN (1, 2, ...)` with the thousands of pupils a
    final report explains cost more to build and send than the query. An empty list still
    selects nothing without a query."""
    ids = list(ids)
    if not ids:
        return Q(**{f"{field}__in": ids})
    return Q(ids_in(field, ids))


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


def initial_or_latest(fy) -> AllocationRun | None:
    return engine.latest_run(fy, [RunKind.INITIAL]) or engine.latest_run(fy)
