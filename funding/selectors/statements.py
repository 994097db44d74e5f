"""A school's funding statement for a year, explained, and who may read it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from funding.models import AllocationLine, AllocationRun, Route, RunStatus
from funding.selectors.allocation_runs import ElementTotal, latest_run
from funding.selectors.elements import ELEMENT_LABELS, ELEMENT_ORDER
from funding.selectors.rates import _fy
from pupils.models import Pupil
from schools.dates import FinancialYear
from schools.models import School
from schools.roles import is_la_officer, is_school_user


@dataclass
class StatementSection:
    element: str
    label: str
    lines: list[AllocationLine]
    total: Decimal


@dataclass
class PupilTopUps:
    pupil: Pupil
    lines: list[AllocationLine]
    total: Decimal
    retained: Decimal


@dataclass
class Statement:
    """A school's funding for a year, explained (like a Section 251 statement)."""

    school: School
    fy: FinancialYear
    run: AllocationRun
    sections: list[StatementSection]
    pupils: list[PupilTopUps]
    totals: list[ElementTotal]
    total: Decimal
    retained_centrally: Decimal
    paid_by_esfa: Decimal

    @property
    def delegated_total(self) -> Decimal:
        return self.total - self.retained_centrally


def statement_runs(fy: int | FinancialYear) -> QuerySet[AllocationRun]:
    return AllocationRun.objects.filter(
        financial_year=_fy(fy).start_year, status=RunStatus.DONE
    ).order_by("-finished_at", "-pk")


def school_statement(
    school: School, fy: int | FinancialYear, run: AllocationRun | None = None
) -> Statement | None:
    """The school's lines in the run (default: the latest completed run of the year), grouped:
    school-level elements with their working, then each pupil's periods. Two queries."""
    fy = _fy(fy)
    run = run or latest_run(fy)
    if run is None:
        return None
    lines = list(
        AllocationLine.objects.filter(run=run, school=school)
        .select_related("pupil", "payer_la")
        .order_by("element", "pupil__family_name", "pupil__given_name", "pupil_id", "period_from")
    )
    by_element: dict[str, list[AllocationLine]] = defaultdict(list)
    by_pupil: dict[int, list[AllocationLine]] = defaultdict(list)
    for line in lines:
        if line.pupil_id is None:
            by_element[line.element].append(line)
        else:
            by_pupil[line.pupil_id].append(line)
    sections = [
        StatementSection(
            element,
            ELEMENT_LABELS[element],
            by_element[element],
            sum((x.amount for x in by_element[element]), Decimal("0")),
        )
        for element in ELEMENT_ORDER
        if by_element.get(element)
    ]
    pupils = []
    for pupil_lines in by_pupil.values():
        pupil_lines.sort(key=lambda x: (x.period_from, x.element))
        pupils.append(
            PupilTopUps(
                pupil_lines[0].pupil,
                pupil_lines,
                sum((x.amount for x in pupil_lines if x.delegated), Decimal("0")),
                sum((x.amount for x in pupil_lines if not x.delegated), Decimal("0")),
            )
        )
    pupils.sort(key=lambda p: (p.pupil.family_name, p.pupil.given_name, p.pupil.pk))
    totals: dict[str, ElementTotal] = {}
    retained = esfa = Decimal("0")
    for line in lines:
        t = totals.setdefault(
            line.element, ElementTotal(line.element, ELEMENT_LABELS[line.element], Decimal("0"))
        )
        t.amount += line.amount
        t.lines += 1
        if line.route == Route.ESFA:  # R25: academies' elements 1-2 and places, FE
            esfa += line.amount
        elif line.route == Route.RETAINED:
            retained += line.amount
    ordered = [totals[e] for e in ELEMENT_ORDER if e in totals]
    return Statement(
        school=school,
        fy=fy,
        run=run,
        sections=sections,
        pupils=pupils,
        totals=ordered,
        total=sum((t.amount for t in ordered), Decimal("0")),
        retained_centrally=retained,
        paid_by_esfa=esfa,
    )


def statement_school(user, urn: int) -> School | None:
    """The school whose statement `user` may read: LA officers any, a school's business
    managers their own (through SchoolAccess); anyone else None (the view answers 404).

    A statement is pupil-level (names, UPNs, each pupil's top-up), and so are the reports and
    spend pages that share this check. A `SchoolAccess` link alone is not enough: a cluster
    host linked to a school reads it only if they are also that school's business manager
    (their cluster's money is on the cluster pages; a school's element 3 total can be one
    pupil's top-up)."""
    if not user.is_authenticated:
        return None
    qs = School.objects.select_related("la")
    if not is_la_officer(user):
        if not is_school_user(user):
            return None
        qs = qs.filter(accesses__user=user)
    return qs.filter(urn=urn).first()


def statement_years(school: School) -> list[int]:
    """Financial years with a completed run that has lines for the school."""
    return list(
        AllocationLine.objects.filter(school=school, run__status=RunStatus.DONE)
        .values_list("run__financial_year", flat=True)
        .distinct()
        .order_by("-run__financial_year")
    )
