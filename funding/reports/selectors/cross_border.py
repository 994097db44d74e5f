"""Cross-border money (R8): per other LA what we charge and pay, statements per billing period,
and the DfE import/export adjustment."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q

from funding import selectors as engine
from funding.calculations.entitlement import split_line
from funding.models import (
    PUPIL_ELEMENTS,
    AllocationLine,
    AllocationRun,
    FundingScheme,
)
from funding.reports import calculations as calc
from funding.reports.selectors.common import (
    ELEMENT_LABELS,
    PLACEMENT_LABELS,
    ZERO,
    _fy,
    _q,
)
from pupils.models import (
    Placement,
    Plan,
)
from schools.dates import FinancialYear
from schools.models import (
    LocalAuthority,
    SchoolCensus,
)
from schools.selectors import administering_la, school_calendar

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
