"""Reads for SEN spend (R21): whose spend a user may see or record, the list of records, and
each school's allocation set against what it spent (the final report's last columns)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import DecimalField, F, FilteredRelation, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from funding import selectors as engine
from funding.models import AllocationLine, AllocationRun, Element, RunStatus
from funding.reports.calculations import round_money
from funding.spend.models import ZERO, SenSpend
from schools.dates import FinancialYear
from schools.models import School
from schools.roles import is_la_officer, is_school_user


def may_record_spend(user) -> bool:
    """LA officers (for any school) and school business managers (for their own)."""
    return is_la_officer(user) or is_school_user(user)


def school_for(user, urn: int) -> School | None:
    """The school whose spend `user` may record: LA officers any, a school business manager
    their own; None otherwise (the page answers 404, not revealing the school)."""
    if not may_record_spend(user):
        return None
    return engine.statement_school(user, urn)


def spend_of(school: School, financial_year: int) -> SenSpend | None:
    return SenSpend.objects.filter(school=school, financial_year=financial_year).first()


def spend_list(user) -> QuerySet[SenSpend]:
    """The records `user` may see: every school's for LA officers, their own for a school."""
    qs = SenSpend.objects.select_related("school", "recorded_by").order_by(
        "-financial_year", "school__name"
    )
    if is_la_officer(user):
        return qs
    if is_school_user(user):
        return qs.filter(school__accesses__user=user)
    return qs.none()


def own_schools(user) -> QuerySet[School]:
    """The schools a business manager records spend for (none for anyone else)."""
    if not is_school_user(user):
        return School.objects.none()
    return School.objects.filter(accesses__user=user).order_by("name")


def spend_years() -> list[int]:
    return list(
        SenSpend.objects.values_list("financial_year", flat=True)
        .distinct()
        .order_by("-financial_year")
    )


# ---- R21: allocation against spend ------------------------------------------------------------


@dataclass
class AllocationSpendRow:
    school_id: int
    urn: int
    school_name: str
    initial: Decimal = ZERO
    final: Decimal = ZERO
    spend: Decimal | None = None  # None: the school has not recorded its spend

    @property
    def difference(self) -> Decimal | None:
        """Final allocation − spend: above zero the school spent less than it was allocated."""
        return None if self.spend is None else self.final - self.spend


@dataclass
class AllocationSpend:
    rows: list[AllocationSpendRow] = field(default_factory=list)

    @property
    def initial(self) -> Decimal:
        return sum((r.initial for r in self.rows), ZERO)

    @property
    def final(self) -> Decimal:
        return sum((r.final for r in self.rows), ZERO)

    @property
    def recorded(self) -> list[AllocationSpendRow]:
        return [r for r in self.rows if r.spend is not None]

    @property
    def spend(self) -> Decimal:
        return sum((r.spend for r in self.recorded), ZERO)

    @property
    def final_of_recorded(self) -> Decimal:
        return sum((r.final for r in self.recorded), ZERO)

    @property
    def difference(self) -> Decimal:
        """Final allocation − spend over the schools that recorded their spend."""
        return self.final_of_recorded - self.spend


def allocation_against_spend(
    initial: AllocationRun, final: AllocationRun, *, school: School | None = None
) -> AllocationSpend:
    """R21: per school, the initial and final SEN allocation and the SEN spend recorded for
    the year, by school name (two queries).

    The SEN allocation is the money the school receives for SEN, as in the governors' report:
    every element but element 1 (AWPU, not SEN money), without what is retained centrally and
    provided in kind (R6), which the school does not spend. A school with spend recorded but
    no such money in either run is listed with £0 allocations."""
    lines = AllocationLine.objects.filter(run__in=[initial.pk, final.pk], delegated=True).exclude(
        element=Element.ELEMENT_1
    )
    spends = SenSpend.objects.filter(financial_year=final.financial_year)
    if school is not None:
        lines, spends = lines.filter(school=school), spends.filter(school=school)
    zero = Value(ZERO, output_field=DecimalField(max_digits=14, decimal_places=2))
    totals = (
        lines.values("school_id", "school__urn", "school__name")
        .annotate(
            a=Coalesce(Sum("amount", filter=Q(run_id=initial.pk)), zero),
            b=Coalesce(Sum("amount", filter=Q(run_id=final.pk)), zero),
        )
        .order_by()
    )
    rows = {
        t["school_id"]: AllocationSpendRow(
            t["school_id"], t["school__urn"], t["school__name"], round_money(t["a"]),
            round_money(t["b"]),
        )
        for t in totals
    }  # fmt: skip
    for spend in spends.select_related("school"):
        school_ = spend.school
        row = rows.setdefault(school_.pk, AllocationSpendRow(school_.pk, school_.urn, school_.name))
        row.spend = spend.amount
    return AllocationSpend(sorted(rows.values(), key=lambda r: (r.school_name, r.urn)))


# ---- the list of schools and their spend for a year --------------------------------------------


def run_years() -> list[int]:
    """Years with a completed allocation run, newest first."""
    return list(
        AllocationRun.objects.filter(status=RunStatus.DONE)
        .values_list("financial_year", flat=True)
        .distinct()
        .order_by("-financial_year")
    )


def default_year() -> int:
    """The year the list opens on: the latest with a completed allocation run, else this FY."""
    years = run_years()
    return years[0] if years else FinancialYear.of(timezone.localdate()).start_year


def year_choices() -> list[tuple[str, str]]:
    this_year = FinancialYear.of(timezone.localdate()).start_year
    years = set(run_years()) | set(spend_years()) | {this_year, this_year - 1}
    return [(str(y), f"FY {FinancialYear(y)}") for y in sorted(years, reverse=True)]


def schools_with_spend(user, financial_year: int) -> QuerySet[School]:
    """The schools `user` records spend for, each with its spend for the year (or None): every
    school of the administering LA (and any other with spend recorded) for LA officers, their
    own for a school business manager, none for anyone else. One query."""
    if is_la_officer(user):
        recorded = SenSpend.objects.filter(financial_year=financial_year).values("school")
        schools = School.objects.filter(Q(la__is_administering=True) | Q(pk__in=recorded))
    elif is_school_user(user):
        schools = School.objects.filter(accesses__user=user)
    else:
        schools = School.objects.none()
    return schools.annotate(
        spend=FilteredRelation(
            "sen_spends", condition=Q(sen_spends__financial_year=financial_year)
        ),
        spend_amount=F("spend__amount"),
        spend_staffing=F("spend__staffing"),
        spend_resources=F("spend__resources"),
        spend_other=F("spend__other"),
        spend_note=F("spend__note"),
        spend_recorded_at=F("spend__recorded_at"),
        spend_recorded_by=F("spend__recorded_by__username"),
    ).order_by("name", "urn")


def school_allocation_against_spend(
    school: School, initial: AllocationRun, final: AllocationRun
) -> AllocationSpendRow:
    """One school's row of `allocation_against_spend` (£0 and no spend when it has neither)."""
    found = allocation_against_spend(initial, final, school=school).rows
    return found[0] if found else AllocationSpendRow(school.pk, school.urn, school.name)
