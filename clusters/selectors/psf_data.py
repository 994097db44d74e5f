"""Pupil Specific Funding as plain data for `clusters.psf`: a scheme's PSF rules, the
candidates' whole histories, protected amounts and what the current scheme pays, and the
PSF lines they give for an allocation run or one pupil.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from clusters.models import PsfBasis, PsfProtectedAmount, PsfRules
from clusters.psf import (
    PSF,
    ProtectedAmount,
    PsfInputs,
    PsfResult,
    PsfRulesData,
    PupilData,
    psf_lines,
)
from funding.calculations.allocation import (
    AllocationInputs,
    Engine,
    LineData,
    NoSchoolDays,
    SchoolInfo,
)
from funding.calculations.periods import (
    SUPPORT_ROW_FIELDS,
    PlacementSpan,
    PlanSpan,
    SupportSpan,
    supports_by_plan,
)
from funding.models import FundingScheme
from funding.selectors import allocation_inputs
from pupils.models import Placement, Plan, Pupil, SupportLevel
from schools.dates import FinancialYear
from schools.models import LocalAuthority, School
from schools.selectors import school_calendar


def psf_rules(scheme: FundingScheme) -> PsfRulesData:
    """The scheme's switches and its PSF rules (defaults where it has none) as plain data."""
    rules = PsfRules.objects.filter(scheme=scheme).first()
    base = {"enabled": scheme.psf_enabled, "cutover": scheme.psf_cutover_date}
    if rules is None:
        return PsfRulesData(**base)
    return PsfRulesData(
        **base,
        basis=rules.basis,
        ends_at_end_of_nursery=rules.ends_at_end_of_nursery,
        ends_at_end_of_primary=rules.ends_at_end_of_primary,
        ends_at_end_of_secondary=rules.ends_at_end_of_secondary,
        specialist_placements=rules.specialist_placements,
    )


@dataclass
class _History:
    pupils: dict[int, PupilData] = field(default_factory=dict)
    placements: dict[int, list[PlacementSpan]] = field(default_factory=dict)
    plans: dict[int, list[PlanSpan]] = field(default_factory=dict)
    supports: dict[int, list[SupportSpan]] = field(default_factory=dict)
    schools: dict[int, SchoolInfo] = field(default_factory=dict)


def _candidates(rules: PsfRulesData, la: LocalAuthority, start: dt.date, end: dt.date):
    """Pupils who may have PSF in start..end: a plan issued before the cut-over and a placement
    at one of the LA's schools in the range."""
    plans = Plan.objects.all()
    if rules.cutover is not None:
        plans = plans.filter(issued_on__lt=rules.cutover)
    placed = Placement.objects.filter(school__la=la, starts_on__lte=end).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=start)
    )
    return Pupil.objects.filter(
        pk__in=plans.values("pupil_id"),
    ).filter(pk__in=placed.values("pupil_id"))


def _history(pupils_qs) -> _History:
    """Every placement, plan and support level of the pupils (whole histories): five queries."""
    h = _History()
    for pk, upn, dob, home in pupils_qs.values_list(
        "pk", "upn", "date_of_birth", "home_la_id"
    ).order_by("pk"):
        h.pupils[pk] = PupilData(pk, dob, home, upn)
    ids = list(h.pupils)
    placements: dict[int, list[PlacementSpan]] = defaultdict(list)
    school_ids: set[int] = set()
    for row in (
        Placement.objects.filter(pupil_id__in=ids)
        .values_list(
            "pk", "pupil_id", "school_id", "kind", "starts_on", "ends_on", "admission_kind"
        )
        .order_by("starts_on", "pk")
    ):
        placements[row[1]].append(PlacementSpan(*row))
        school_ids.add(row[2])
    plans: dict[int, list[PlanSpan]] = defaultdict(list)
    plan_ids = []
    for pk, pupil_id, issued, ceased, kind in (
        Plan.objects.filter(pupil_id__in=ids)
        .values_list("pk", "pupil_id", "issued_on", "ceased_on", "kind")
        .order_by("issued_on", "pk")
    ):
        plans[pupil_id].append(PlanSpan(pk, pupil_id, issued, ceased, kind))
        plan_ids.append(pk)
    supports = supports_by_plan(
        SupportLevel.objects.filter(plan_id__in=plan_ids)
        .values_list(*SUPPORT_ROW_FIELDS)
        .order_by("effective_from", "pk")
    )
    h.placements, h.plans, h.supports = dict(placements), dict(plans), supports
    h.schools = {
        row[0]: SchoolInfo(*row)
        for row in School.objects.filter(pk__in=school_ids).values_list(
            "pk", "urn", "name", "la_id", "phase", "establishment_type", "opened_on", "closed_on"
        )
    }
    return h


def protected_amounts(pupil_ids) -> dict[int, ProtectedAmount]:
    """The pupils' protected historical amounts (R15+), by pupil id: one query."""
    return {
        pupil_id: ProtectedAmount(amount, source)
        for pupil_id, amount, source in PsfProtectedAmount.objects.filter(
            pupil_id__in=pupil_ids
        ).values_list("pupil_id", "annual_amount", "source")
    }


def current_lines(
    scheme: FundingScheme,
    fy: FinancialYear,
    pupil_ids: list[int],
    base: AllocationInputs | None = None,
) -> dict[int, list[LineData]]:
    """What the current scheme pays for each pupil in the year: the engine's pupil lines (element
    3 top-up, supplements, ENF...), from the run's own inputs when given (so PSF nets off exactly
    the lines the run writes), else read for these pupils alone."""
    if not pupil_ids:
        return {}
    if base is None:
        base = allocation_inputs(
            fy, scheme=scheme, la=scheme.la, pupil_ids=pupil_ids, with_schools=False
        )
    try:
        engine = Engine(base)
    except NoSchoolDays:
        return {}
    out: dict[int, list[LineData]] = {}
    for pupil_id in pupil_ids:
        info = base.pupils.get(pupil_id)
        if info is not None:
            out[pupil_id] = [line for line in engine.pupil_lines(info) if line.element != PSF]
    return out


def psf_inputs(
    scheme: FundingScheme,
    *,
    base: AllocationInputs | None = None,
    pupil_ids: list[int] | None = None,
    fy: FinancialYear | None = None,
) -> PsfInputs:
    """What `clusters.psf.psf_lines` needs for a year (default the scheme's): the candidates'
    whole histories, protected amounts and what the current scheme pays for them. With `base`
    (a run's inputs) its calendar and lines are reused."""
    fy = fy or FinancialYear(scheme.financial_year)
    la = scheme.la
    rules = psf_rules(scheme)
    calendar = base.calendar if base is not None else school_calendar(la, fy.starts_on, fy.ends_on)
    if pupil_ids is not None:  # these pupils, to explain why they have PSF or not
        pupils = Pupil.objects.filter(pk__in=pupil_ids)
    else:
        pupils = _candidates(rules, la, fy.starts_on, fy.ends_on)
    h = _history(pupils) if rules.enabled else _History()
    ids = list(h.pupils)
    protected = protected_amounts(ids) if ids else {}
    current = {}
    if rules.basis == PsfBasis.PROTECTED_LESS_CURRENT:
        current = current_lines(scheme, fy, [i for i in ids if i in protected], base)
    return PsfInputs(
        fy=fy,
        rules=rules,
        calendar=calendar,
        administering_la_id=la.pk,
        schools=h.schools,
        pupils=h.pupils,
        placements=h.placements,
        plans=h.plans,
        supports=h.supports,
        protected=protected,
        current_lines=current,
    )


def psf_run_lines(inputs: AllocationInputs) -> tuple[list, list[str]]:
    """R15-R17: the PSF lines every allocation run adds (none when its scheme does not use PSF).

    The run's line source (`funding.extensions`), registered in `ClustersConfig.ready()`: the
    engine calls it with the run's inputs after its own lines, and writes these with them.
    """
    if not inputs.rates.psf_enabled:
        return [], []
    scheme = (
        FundingScheme.objects.select_related("la")
        .filter(la_id=inputs.administering_la_id, financial_year=inputs.fy.start_year)
        .first()
    )
    if scheme is None:
        return [], []
    result = psf_lines(psf_inputs(scheme, base=inputs))
    return result.lines, result.warnings


def psf_for_pupil(pupil: Pupil | int, fy: int | FinancialYear | None = None) -> PsfResult:
    """One pupil's PSF for a year (default the current one): protection and lines."""
    fy = FinancialYear(int(fy)) if isinstance(fy, int) else fy
    fy = fy or FinancialYear.of(timezone.localdate())
    scheme = _scheme_for_psf(fy)
    if scheme is None:
        return PsfResult()
    pupil_id = pupil if isinstance(pupil, int) else pupil.pk
    return psf_lines(psf_inputs(scheme, pupil_ids=[pupil_id], fy=fy))


def _scheme_for_psf(fy: FinancialYear) -> FundingScheme | None:
    """The administering LA's scheme for the year, else its latest earlier one."""
    return (
        FundingScheme.objects.select_related("la")
        .filter(la__is_administering=True, financial_year__lte=fy.start_year)
        .order_by("-financial_year")
        .first()
    )
