"""The published per-school statement (seed 002's Annex B): school-level figures only."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from funding.models import (
    PUPIL_ELEMENTS,
    AllocationLine,
    AllocationRun,
)
from funding.reports.models import (
    PublishedStatement,
)
from funding.reports.selectors.common import (
    PHASE_LABELS,
    PUBLIC_MIN_PUPILS,
    TYPE_LABELS,
    ZERO,
    _fy,
    _q,
)

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
