"""Pupil Specific Funding today and over the transition: the pupils protected on a date with
their annual amount, the forecast per school and year, and the PSF released in a year.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from clusters.models import PsfBasis
from clusters.psf import (
    BASIS_LABELS,
    NoProtection,
    ProtectedPupil,
    YearDays,
    annual_psf,
    forecast,
    lines_in_force,
    protection,
)
from clusters.selectors.psf_data import (
    _candidates,
    _History,
    _history,
    _scheme_for_psf,
    current_lines,
    protected_amounts,
    psf_rules,
)
from funding.calculations.allocation import LineData
from funding.calculations.money import ZERO
from pupils.models import Pupil
from schools.dates import FinancialYear
from schools.selectors import administering_la, school_calendar


@dataclass(frozen=True)
class PsfPupilRow:
    pupil_id: int
    upn: str
    name: str
    date_of_birth: dt.date
    school_id: int
    school_name: str
    urn: int
    annual: Decimal
    ends_on: dt.date | None
    end_rule: str
    ends_text: str
    protected_because: str
    support: str
    protected: Decimal | None = None  # None: no protected historical amount recorded (no PSF)
    protected_source: str = ""
    working: str = ""


def psf_pupils(on: dt.date | None = None, *, school_ids=None) -> tuple[list[PsfPupilRow], str]:
    """Pupils with PSF on a date (default today): the annual amount then and when it ends.

    Returns (rows, a note: which scheme's rates, or why there is none).
    """
    on = on or timezone.localdate()
    fy = FinancialYear.of(on)
    scheme = _scheme_for_psf(fy)
    if scheme is None:
        return [], "There is no funding scheme for this year."
    rules = psf_rules(scheme)
    if not rules.enabled:
        return [], f"{scheme.name} does not use Pupil Specific Funding."
    candidates = _candidates(rules, scheme.la, on, on)
    if school_ids is not None:
        candidates = candidates.filter(
            placements__school_id__in=school_ids,
            placements__starts_on__lte=on,
        ).distinct()
    h = _history(candidates)
    ids = list(h.pupils)
    protected = protected_amounts(ids)
    current: dict[int, list[LineData]] = {}
    if rules.basis == PsfBasis.PROTECTED_LESS_CURRENT:
        current = current_lines(scheme, fy, [i for i in ids if i in protected])
    people = {
        pk: (given, family)
        for pk, given, family in Pupil.objects.filter(pk__in=ids).values_list(
            "pk", "given_name", "family_name"
        )
    }
    school_names = {pk: s.name for pk, s in h.schools.items()}
    rows = []
    for pupil in h.pupils.values():
        found = _protected_on(pupil, h, rules, scheme.la_id, on, school_names)
        if found is None:
            continue
        prot, placement, level = found
        if school_ids is not None and placement.school_id not in school_ids:
            continue
        amount = protected.get(pupil.id)
        if amount is None:
            annual, working = ZERO, "No protected historical amount recorded: no PSF (R15+)."
        else:
            psf = annual_psf(amount, lines_in_force(current.get(pupil.id, []), on), rules)
            annual, working = psf.amount, f"PSF: {psf.formula}"
            if annual <= 0:
                continue
        school = h.schools[placement.school_id]
        given, family = people[pupil.id]
        rows.append(
            PsfPupilRow(
                pupil_id=pupil.id,
                upn=pupil.upn,
                name=f"{given} {family}",
                date_of_birth=pupil.date_of_birth,
                school_id=school.id,
                school_name=school.name,
                urn=school.urn,
                annual=annual,
                ends_on=prot.ends_on,
                end_rule=prot.end_rule,
                ends_text=prot.ends_text,
                protected_because=prot.protected_because,
                support=level.support.summary,
                protected=amount.annual if amount is not None else None,
                protected_source=amount.source if amount is not None else "",
                working=working,
            )
        )
    rows.sort(key=lambda r: (r.school_name, r.ends_on or dt.date.max, r.name))
    return rows, f"{scheme.name}: {BASIS_LABELS.get(rules.basis, rules.basis)}."


def _protected_on(pupil, h: _History, rules, la_id, on, school_names):
    """(protection, placement, support level) if the pupil is PSF-protected on `on`."""
    placements = h.placements.get(pupil.id, [])
    prot = protection(pupil, placements, h.plans.get(pupil.id, []), rules, school_names)
    if isinstance(prot, NoProtection) or not prot.covers(on):
        return None
    placement = next(
        (
            p
            for p in placements
            if p.starts_on <= on
            and (p.ends_on is None or on <= p.ends_on)
            and rules.pays_at(p)
            and h.schools[p.school_id].la_id == la_id
        ),
        None,
    )
    if placement is None:
        return None
    level = None
    for plan in prot.plans:
        if plan.issued_on <= on and (plan.ceased_on is None or on <= plan.ceased_on):
            level = next(
                (
                    s
                    for s in h.supports.get(plan.id, [])
                    if s.effective_from <= on and (s.effective_to is None or on <= s.effective_to)
                ),
                None,
            )
    if level is None:
        return None
    return prot, placement, level


@dataclass
class ForecastSchoolRow:
    school_id: int
    school_name: str
    urn: int
    pupils: int
    baseline: Decimal
    years: list  # ForecastYear


@dataclass
class PsfForecast:
    """The PSF forecast with school names, for the page and the export."""

    note: str
    basis_date: dt.date
    years: list[FinancialYear]
    pupils: int
    baseline: Decimal
    totals: list
    schools: list[ForecastSchoolRow]
    released_by_rule: dict[str, list[Decimal]]
    estimated_years: list[FinancialYear]


def psf_forecast(first_year: FinancialYear | None = None, *, count: int = 7) -> PsfForecast:
    """R15-R17 over the transition (seed 001 FAQ 8: 7 years): for each financial year from
    `first_year` (default the current one), the PSF still protected and the amount released,
    per school and in total, from the pupils with PSF on 1 April of the first year."""
    today = timezone.localdate()
    first_year = first_year or FinancialYear.of(today)
    basis = first_year.starts_on
    rows, note = psf_pupils(basis)
    la = administering_la()
    calendar = school_calendar(la)
    year_days = YearDays(calendar)
    protected = [
        ProtectedPupil(r.pupil_id, r.school_id, r.annual, r.ends_on, r.end_rule, r.ends_text)
        for r in rows
        if r.protected is not None
    ]
    result = forecast(protected, first_year, year_days, basis, count)
    info = {r.school_id: (r.school_name, r.urn) for r in rows}
    schools = [
        ForecastSchoolRow(
            school_id=school_id,
            school_name=info[school_id][0],
            urn=info[school_id][1],
            pupils=result.pupils_by_school[school_id],
            baseline=result.baseline_by_school[school_id],
            years=years,
        )
        for school_id, years in result.by_school.items()
    ]
    schools.sort(key=lambda s: s.school_name)
    return PsfForecast(
        note=note,
        basis_date=basis,
        years=result.years,
        pupils=result.pupils,
        baseline=result.baseline,
        totals=result.totals,
        schools=schools,
        released_by_rule=result.released_by_rule,
        estimated_years=[fy for fy in result.years if not year_days.is_known(fy)],
    )


def psf_released_estimate(fy: FinancialYear) -> tuple[Decimal, str]:
    """The PSF released in a year, from the forecast that starts in the current year: the PSF of
    the pupils protected on 1 April this year, less what is still protected in `fy`."""
    current = FinancialYear.of(timezone.localdate())
    if fy < current:
        return ZERO, "No forecast for a past year: enter the figure from the year's accounts."
    count = fy.start_year - current.start_year + 1
    result = psf_forecast(current, count=count)
    year = result.totals[-1] if result.totals else None
    if year is None:
        return ZERO, "No pupils have Pupil Specific Funding."
    return (
        year.released,
        f"PSF forecast: £{result.baseline:,.2f} a year protected on "
        f"{result.basis_date:%-d %B %Y} less £{year.protected:,.2f} still protected in FY {fy}.",
    )
