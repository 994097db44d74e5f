"""Is a financial year ready to run? The first-run checklist an LA officer works through.

Each line says what is missing, in the officer's words, and links to the import or page that
fixes it. Reads only; the page is `funding:readiness`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q
from django.urls import reverse

from funding.calculations.scheme import FORMULA_ESTABLISHMENT_TYPES
from funding.selectors import scheme_for
from pupils.models import Plan
from schools.dates import AcademicYear, FinancialYear
from schools.models import (
    EstablishmentType,
    LocalAuthority,
    PlannedPlaces,
    School,
    SchoolCensus,
    SchoolStatus,
    SpecialSchoolBand,
    TermDate,
)

PLACE_FUNDED = (
    EstablishmentType.SPECIAL,
    EstablishmentType.SPECIAL_ACADEMY,
    EstablishmentType.AP_PRU,
)
BANDED = (EstablishmentType.SPECIAL, EstablishmentType.SPECIAL_ACADEMY)
SHOWN = 5  # names listed before "and N more"


@dataclass(frozen=True)
class ReadinessLine:
    title: str
    ready: bool
    detail: str
    fix_url: str
    fix_label: str
    missing: list[str] = field(default_factory=list)
    #: A run cannot be calculated without it, so `allocation_run_create` refuses the year with
    #: this line's words. The other lines are advice: a run without them goes ahead with its
    #: own warnings (R1+ uses an earlier census, R11 the other year's places, R12 a missing
    #: band rate is a warning).
    blocks_run: bool = False


def _names(schools) -> str:
    names = [s.name for s in schools[:SHOWN]]
    more = len(schools) - len(names)
    return ", ".join(names) + (f" and {more} more" if more > 0 else "")


def _import(slug: str) -> str:
    return reverse("schools:la_data_import", kwargs={"kind": slug})


def _open_in(qs, fy: FinancialYear):
    closed_before = Q(closed_on__lt=fy.starts_on) | Q(
        status=SchoolStatus.CLOSED, closed_on__isnull=True
    )
    return qs.exclude(closed_before).exclude(opened_on__gt=fy.ends_on)


def readiness(fy: int | FinancialYear) -> list[ReadinessLine]:
    fy = fy if isinstance(fy, FinancialYear) else FinancialYear(int(fy))
    la = LocalAuthority.objects.filter(is_administering=True).first()
    lines = [
        ReadinessLine(
            "Administering LA",
            la is not None,
            f"{la} administers this installation."
            if la
            else "No LA has been chosen to administer this installation.",
            reverse("schools:setup"),
            "Choose the administering LA",
            blocks_run=True,
        )
    ]
    if la is None:
        return lines
    scheme = scheme_for(fy, la)
    lines.append(
        ReadinessLine(
            f"Funding scheme for {fy}",
            scheme is not None,
            f"{scheme.name} is the scheme for {fy}."
            if scheme
            else f"{la.name} has no funding scheme for {fy}: load a preset "
            f"(manage.py load_scheme PRESET --fy {fy.start_year}) or copy last year's.",
            reverse("funding:schemes"),
            "Go to schemes",
            blocks_run=True,
        )
    )
    years = [AcademicYear(fy.start_year - 1), AcademicYear(fy.start_year)]
    stored = set(
        TermDate.objects.filter(la=la, academic_year__in=[y.start_year for y in years])
        .values_list("academic_year", flat=True)
        .distinct()
    )
    without = [str(y) for y in years if y.start_year not in stored]
    lines.append(
        ReadinessLine(
            "Term dates",
            not without,
            f"Term dates are recorded for {years[0]} and {years[1]}."
            if not without
            else f"No term dates for {' or '.join(without)}: {fy} runs across both academic "
            "years, and school days (R7) are counted from them.",
            _import("term-dates"),
            "Import term dates",
            without,
            blocks_run=True,
        )
    )
    schools = _open_in(School.objects.filter(la=la), fy)
    types = (
        tuple(scheme.formula_establishment_types or ()) if scheme else FORMULA_ESTABLISHMENT_TYPES
    )
    mainstream = schools.filter(establishment_type__in=types).exclude(phase="nursery")
    with_census = SchoolCensus.objects.filter(census_date__lt=fy.starts_on).values("school_id")
    no_census = list(mainstream.exclude(pk__in=with_census).order_by("name"))
    lines.append(
        ReadinessLine(
            "School censuses",
            not no_census,
            f"Every one of the {mainstream.count()} mainstream schools has a census before {fy}."
            if not no_census
            else f"{len(no_census)} mainstream school{'s have' if len(no_census) != 1 else ' has'}"
            f" no census before {fy} (elements 1 and 2 use it, R1+): {_names(no_census)}.",
            _import("census"),
            "Import census figures",
            [s.name for s in no_census],
        )
    )
    specialist = list(schools.filter(establishment_type__in=PLACE_FUNDED).order_by("name"))
    planned = {
        (school_id, year)
        for school_id, year in PlannedPlaces.objects.filter(
            school__in=specialist, academic_year__in=[y.start_year for y in years]
        ).values_list("school_id", "academic_year")
    }
    no_places = [s for s in specialist if any((s.pk, y.start_year) not in planned for y in years)]
    lines.append(
        ReadinessLine(
            "Planned places",
            not no_places,
            f"Every special school and AP setting has planned places for {years[0]} and {years[1]}."
            if not no_places
            else f"{len(no_places)} specialist setting"
            f"{'s lack' if len(no_places) != 1 else ' lacks'} planned places for {years[0]} "
            f"or {years[1]} (R11+): {_names(no_places)}.",
            _import("planned-places"),
            "Import planned places",
            [s.name for s in no_places],
        )
    )
    banded = [s for s in specialist if s.establishment_type in BANDED]
    with_bands = set(
        SpecialSchoolBand.objects.filter(
            school__in=banded, financial_year=fy.start_year
        ).values_list("school_id", flat=True)
    )
    no_bands = [s for s in banded if s.pk not in with_bands]
    lines.append(
        ReadinessLine(
            "Special school band rates",
            not no_bands,
            f"Every special school has band rates for {fy}."
            if not no_bands
            else f"{len(no_bands)} special school{'s have' if len(no_bands) != 1 else ' has'} no "
            f"band rates for {fy} (R12): {_names(no_bands)}.",
            _import("band-rates"),
            "Import band rates",
            [s.name for s in no_bands],
        )
    )
    plans = Plan.objects.filter(issued_on__lte=fy.ends_on).filter(
        Q(ceased_on__isnull=True) | Q(ceased_on__gte=fy.starts_on)
    )
    count = plans.count()
    lines.append(
        ReadinessLine(
            "Pupils with plans",
            count > 0,
            f"{count} plan{'s are' if count != 1 else ' is'} in force during {fy}."
            if count
            else f"No pupil has a plan in force during {fy}: import the pupils file.",
            reverse("schools:import"),
            "Import pupils",
        )
    )
    return lines


def not_ready(fy: int | FinancialYear) -> list[str]:
    """What stops the year: the detail of every line that is not ready (empty when ready)."""
    return [line.detail for line in readiness(fy) if not line.ready]


def run_blockers(fy: int | FinancialYear) -> list[str]:
    """What stops a run of the year being calculated, in the checklist's words (empty: it can
    run). `funding.services.allocation_run_create` refuses the year with these."""
    return [line.detail for line in readiness(fy) if line.blocks_run and not line.ready]


def data_years() -> set[int]:
    """Every financial year (start year) some data is held for, for the year pickers: schemes,
    runs, budget lines, band rates, the FY whose autumn and spring an academic year's term dates
    and planned places cover, and the FY a census is read for (the first after its date)."""
    from funding.models import AllocationRun, FundingScheme
    from funding.reports.models import BudgetLine

    years: set[int] = set()
    for model in (FundingScheme, AllocationRun, BudgetLine, SpecialSchoolBand):
        years |= set(model.objects.values_list("financial_year", flat=True).distinct())
    for model in (TermDate, PlannedPlaces):
        years |= set(model.objects.values_list("academic_year", flat=True).distinct())
    for day in SchoolCensus.objects.values_list("census_date", flat=True).distinct():
        years.add(FinancialYear.of(day).start_year + 1)
    return {y for y in years if 2000 <= y <= 2100}


def data_academic_years() -> set[int]:
    """Every academic year (start year) with term dates or planned places."""
    years = set(TermDate.objects.values_list("academic_year", flat=True).distinct())
    years |= set(PlannedPlaces.objects.values_list("academic_year", flat=True).distinct())
    return {y for y in years if 2000 <= y <= 2100}


def readiness_years(fy: FinancialYear) -> list[FinancialYear]:
    """Years to offer: two before and two after the chosen one, and every year with data."""
    years = {fy.start_year + n for n in range(-2, 3)} | data_years()
    return [FinancialYear(y) for y in sorted(years)]
