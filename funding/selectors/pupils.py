"""A pupil's money: the periods and amounts of the latest completed runs (for the pupil
timeline), the same computed live from today's data, and the annual top-up their support level
in force attracts (for the panel summary).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Q

from funding.calculations.allocation import Engine, LineData, NoSchoolDays, SchoolInfo, rate_phase
from funding.calculations.periods import support_of
from funding.calculations.scheme import rates_from
from funding.calculations.top_up import MissingRate, top_up_from_support
from funding.models import AllocationLine, AllocationRun, RunStatus
from funding.selectors.elements import ELEMENT_LABELS
from funding.selectors.rates import _fy, scheme_for, scheme_rates
from funding.selectors.run_inputs import allocation_inputs
from pupils.models import Placement, Pupil, SupportLevel
from schools.dates import FinancialYear
from schools.models import School, SpecialSchoolBand
from schools.selectors import administering_la

if TYPE_CHECKING:
    from funding.year_inputs import YearInputs


@dataclass
class PupilFundingLine:
    """One period of a pupil's money, for the pupil timeline."""

    run_id: int | None
    run: AllocationRun | None
    financial_year: int
    school_id: int
    school_name: str
    element: str
    label: str
    rule: str
    starts_on: dt.date
    ends_on: dt.date
    school_days: int
    year_days: int
    annual_amount: Decimal
    amount: Decimal
    delegated: bool
    payer_la_code: str
    explanation: str
    #: The paying LA's name, for the pupil's page ("paid by Surrey", never "LA 936").
    payer_la_name: str = ""

    @property
    def working(self) -> str:
        return self.explanation


def _pupil_id(pupil) -> int:
    return pupil if isinstance(pupil, int) else pupil.pk


def lines_for_pupil(pupil: Pupil | int, fy: int | FinancialYear | None = None):
    """The pupil's periods and amounts from the newest completed run of each year (or of `fy`).

    Two queries. Returns PupilFundingLine objects ordered by period.
    """
    pupil_id = _pupil_id(pupil)
    done = AllocationRun.objects.filter(status=RunStatus.DONE)
    if fy is not None:
        done = done.filter(financial_year=_fy(fy).start_year)
    newest: dict[int, AllocationRun] = {}
    for run in done.filter(lines__pupil_id=pupil_id).distinct().select_related("created_by"):
        current = newest.get(run.financial_year)
        if current is None or (run.finished_at, run.pk) > (current.finished_at, current.pk):
            newest[run.financial_year] = run
    if not newest:
        return []
    runs_by_id = {r.pk: r for r in newest.values()}
    lines = (
        AllocationLine.objects.filter(pupil_id=pupil_id, run_id__in=runs_by_id)
        .select_related("school", "payer_la")
        .order_by("period_from", "element")
    )
    return [
        PupilFundingLine(
            run_id=line.run_id,
            run=runs_by_id[line.run_id],
            financial_year=runs_by_id[line.run_id].financial_year,
            school_id=line.school_id,
            school_name=line.school.name,
            element=line.element,
            label=ELEMENT_LABELS.get(line.element, line.element),
            rule=line.rule,
            starts_on=line.period_from,
            ends_on=line.period_to,
            school_days=line.school_days,
            year_days=line.year_days,
            annual_amount=line.annual_amount,
            amount=line.amount,
            delegated=line.delegated,
            payer_la_code=line.payer_la.code if line.payer_la else "",
            explanation=line.explanation,
            payer_la_name=line.payer_la.name if line.payer_la else "",
        )
        for line in lines
    ]


def _engine_for(
    fy: FinancialYear,
    pupil_ids: list[int] | None,
    *,
    explain: bool = True,
    year: YearInputs | None = None,
) -> Engine | None:
    if year is None:
        la = administering_la()
        scheme = scheme_for(fy, la)
    else:  # read once for a generation's batches (`funding.year_inputs`)
        la, scheme = year.la, year.scheme
    if scheme is None:
        return None
    inputs = allocation_inputs(
        fy,
        scheme=scheme,
        la=la,
        pupil_ids=pupil_ids,
        with_schools=False,
        rates=None if year is None else year.rates,
        calendar=None if year is None else year.calendar,
    )
    try:
        return Engine(inputs, explain=explain)
    except NoSchoolDays:  # no term dates, or a year of the FY without them (R7)
        return None


def pupil_funding(pupil: Pupil | int, fy: int | FinancialYear) -> list[LineData]:
    """The pupil's lines for the year computed live from today's data (no run needed).

    [] when there is no scheme or no school calendar for the year.
    """
    fy = _fy(fy)
    pupil_id = _pupil_id(pupil)
    engine = _engine_for(fy, [pupil_id])
    if engine is None or pupil_id not in engine.inputs.pupils:
        return []
    return engine.pupil_lines(engine.inputs.pupils[pupil_id])


@dataclass
class AnnualTopUp:
    amount: Decimal  # delegated to the school
    retained_centrally: Decimal
    school: School | None
    parts: list[str]


def current_annual_top_up_detail(pupil: Pupil | int, on: dt.date | None = None):
    """The annual top-up the support level in force on `on` attracts at the pupil's school then.

    None when the pupil has no placement, plan or support level on that day, no scheme exists
    for the year, or a rate is missing.
    """
    from django.utils import timezone

    on = on or timezone.localdate()
    pupil_id = _pupil_id(pupil)
    placement = (
        Placement.objects.filter(pupil_id=pupil_id, starts_on__lte=on)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))
        .select_related("school", "pupil")
        .first()
    )
    if placement is None:
        return None
    level = (
        SupportLevel.objects.filter(
            plan__pupil_id=pupil_id, plan__issued_on__lte=on, effective_from__lte=on
        )
        .filter(Q(plan__ceased_on__isnull=True) | Q(plan__ceased_on__gte=on))
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on))
        .first()
    )
    if level is None:
        return None
    fy = FinancialYear.of(on)
    scheme = scheme_for(fy, administering_la())
    if scheme is None:
        return None
    rates = scheme_rates(scheme)
    school = placement.school
    band_rate = None
    if level.band:
        band_rate = (
            SpecialSchoolBand.objects.filter(
                school=school, financial_year=fy.start_year, band=level.band
            )
            .values_list("annual_rate", flat=True)
            .first()
        )
    info = SchoolInfo(
        school.pk, school.urn, school.name, school.la_id, school.phase, school.establishment_type
    )
    support = support_of(level)
    for change in rates.rate_changes:  # R26: the rates in force on `on`
        if change.effective_from <= on:
            rates, bands = rates_from(rates, {(school.pk, level.band): band_rate}, change)
            band_rate = bands[(school.pk, level.band)]
    try:
        parts = top_up_from_support(
            support,
            rates,
            phase=rate_phase(info, placement.pupil.date_of_birth, on),
            band_rate=band_rate,
            school_name=school.name,
        )
    except MissingRate:
        return None
    return AnnualTopUp(
        amount=sum((p.amount for p in parts if p.delegated), Decimal("0.00")),
        retained_centrally=sum((p.amount for p in parts if not p.delegated), Decimal("0.00")),
        school=school,
        parts=[p.calculated.formula for p in parts],
    )


def current_annual_top_up(pupil: Pupil | int, on: dt.date | None = None) -> Decimal | None:
    """The annual element 3 top-up paid to the school for the pupil's support level in force
    on `on` (default today); None when there is none to work out (see the detail function)."""
    detail = current_annual_top_up_detail(pupil, on)
    return None if detail is None else detail.amount
