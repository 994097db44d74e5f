"""The initial allocation report (R21 stage one, R2): each school's money with and without plans."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Sum

from funding.models import (
    PUPIL_ELEMENTS,
    AllocationLine,
    AllocationRun,
    Element,
)
from funding.reports.selectors.common import (
    PHASE_LABELS,
    TYPE_LABELS,
    ZERO,
    _q,
)
from schools.models import (
    EstablishmentType,
    Phase,
    School,
)

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
