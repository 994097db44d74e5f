"""PSF periods and allocation lines: the stretches of a year when PSF is paid
(`psf_periods`) and every PSF line of a financial year, explained, pro rata by school days
(`psf_lines`, from `PsfInputs`). Pure: no ORM.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from clusters.psf.amounts import ProtectedAmount, annual_psf, no_amount_message
from clusters.psf.protection import NoProtection, Protection, protection
from clusters.psf.rules import BASIS_LABELS, ONE_DAY, PSF, PsfRulesData, PupilData, d
from funding.calculations.allocation import LineData, SchoolInfo
from funding.calculations.money import gbp
from funding.calculations.periods import PlacementSpan, PlanSpan, SupportSpan, clip
from funding.calculations.pro_rata import apportion, pro_rata
from schools.calendar import SchoolCalendar
from schools.dates import (
    FinancialYear,
)


@dataclass(frozen=True, slots=True)
class PsfPeriod:
    starts_on: dt.date
    ends_on: dt.date
    placement: PlacementSpan
    support: SupportSpan
    rule: str


def psf_periods(
    prot: Protection,
    placements: Iterable[PlacementSpan],
    supports_by_plan: Mapping[int, list[SupportSpan]],
    rules: PsfRulesData,
    starts_on: dt.date,
    ends_on: dt.date,
    pays_at_school: Callable[[int], bool] = lambda school_id: True,
) -> list[PsfPeriod]:
    """The stretches of starts_on..ends_on when PSF is paid: a plan of the chain and one of its
    support levels in force, the pupil at an eligible placement, before the protection ends."""
    window = clip(prot.starts_on, prot.ends_on, starts_on, ends_on)
    if window is None:
        return []
    out: list[PsfPeriod] = []
    for plan in prot.plans:
        plan_range = clip(plan.issued_on, plan.ceased_on, *window)
        if plan_range is None:
            continue
        for level in supports_by_plan.get(plan.id, ()):
            level_range = clip(level.effective_from, level.effective_to, *plan_range)
            if level_range is None:
                continue
            for placement in placements:
                if not rules.pays_at(placement) or not pays_at_school(placement.school_id):
                    continue
                both = clip(placement.starts_on, placement.ends_on, *level_range)
                if both is None:
                    continue
                if placement.id in prot.followed:
                    rule = "R16"
                elif placement.id in prot.transferred:
                    rule = "R15"
                else:
                    rule = "R17"
                out.append(PsfPeriod(both[0], both[1], placement, level, rule))
    out.sort(key=lambda p: p.starts_on)
    # The period in which PSF ends carries the rule that ends it (R15 phase end, R16 school
    # change); the others R16 (at a school reached by a managed move) or R17 (protected).
    if out and prot.ends_on is not None and prot.ends_on <= ends_on:
        last = out[-1]
        out[-1] = PsfPeriod(
            last.starts_on, last.ends_on, last.placement, last.support, prot.end_rule
        )
    return out


@dataclass
class PsfResult:
    lines: list[LineData] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    protections: dict[int, Protection | NoProtection] = field(default_factory=dict)
    no_amount: dict[int, str] = field(default_factory=dict)  # protected, no amount recorded


@dataclass
class PsfInputs:
    """What PSF lines for a financial year need, as plain data (see `clusters.selectors`)."""

    fy: FinancialYear
    rules: PsfRulesData
    calendar: SchoolCalendar
    administering_la_id: int
    schools: Mapping[int, SchoolInfo]
    pupils: Mapping[int, PupilData]
    placements: Mapping[int, list[PlacementSpan]]  # every placement of the pupil, not just the FY's
    plans: Mapping[int, list[PlanSpan]]  # every plan of the pupil
    supports: Mapping[int, list[SupportSpan]]  # by plan id
    protected: Mapping[int, ProtectedAmount] = field(default_factory=dict)  # by pupil id
    # The pupil's other lines of the run (element 3 top-up, supplements...), by pupil id.
    current_lines: Mapping[int, list[LineData]] = field(default_factory=dict)


def lines_in_force(lines: Iterable[LineData], day: dt.date) -> list[LineData]:
    """The pupil lines (other than PSF) that pay for `day`."""
    return [
        line for line in lines if line.element != PSF and line.period_from <= day <= line.period_to
    ]


def _cut(period: PsfPeriod, lines: list[LineData]) -> list[tuple[dt.date, dt.date]]:
    """The period cut where one of the pupil's current lines starts or stops, so each piece has
    one set of current lines."""
    cuts = {period.starts_on, period.ends_on + ONE_DAY}
    for line in lines:
        for day in (line.period_from, line.period_to + ONE_DAY):
            if period.starts_on < day <= period.ends_on:
                cuts.add(day)
    days = sorted(cuts)
    return [(start, nxt - ONE_DAY) for start, nxt in zip(days, days[1:], strict=False)]


def psf_lines(inputs: PsfInputs) -> PsfResult:
    """R15-R17: every PSF line of the financial year, explained, pro rata by school days (R7).

    Paid at the administering LA's schools, charged to the pupil's home LA, delegated.
    """
    result = PsfResult()
    rules = inputs.rules
    if not rules.enabled:
        return result
    fy = inputs.fy
    year_days = inputs.calendar.school_days(fy.starts_on, fy.ends_on)
    if year_days <= 0:
        result.warnings.append(f"FY {fy} has no school days: no PSF calculated.")
        return result
    names = {pk: s.name for pk, s in inputs.schools.items()}
    la = inputs.administering_la_id

    def ours(school_id: int) -> bool:
        school = inputs.schools.get(school_id)
        return school is not None and school.la_id == la

    for pupil in inputs.pupils.values():
        placements = inputs.placements.get(pupil.id, [])
        prot = protection(pupil, placements, inputs.plans.get(pupil.id, []), rules, names)
        result.protections[pupil.id] = prot
        if isinstance(prot, NoProtection):
            continue
        periods = psf_periods(
            prot, placements, inputs.supports, rules, fy.starts_on, fy.ends_on, ours
        )
        protected = inputs.protected.get(pupil.id)
        current = [line for line in inputs.current_lines.get(pupil.id, []) if line.element != PSF]
        pending = []
        for period in periods:
            pieces: list[list] = []  # [start, end, annual]: one annual amount each
            for start, end in _cut(period, current):
                if protected is None:
                    if inputs.calendar.school_days(start, end):
                        message = no_amount_message(pupil, prot)
                        result.no_amount[pupil.id] = message
                        if message not in result.warnings:
                            result.warnings.append(message)
                    continue
                annual = annual_psf(protected, lines_in_force(current, start), rules)
                if pieces and pieces[-1][2] == annual:
                    pieces[-1][1] = end  # the same PSF on both sides of a cut: one line
                else:
                    pieces.append([start, end, annual])
            school = inputs.schools[period.placement.school_id]
            for start, end, annual in pieces:
                days = inputs.calendar.school_days(start, end)
                if days == 0 or annual.amount <= 0:
                    continue
                pending.append((period, start, end, school, annual, days))
        if not pending:
            continue
        amounts = apportion([(a.amount, days) for *_, a, days in pending], year_days)
        for (period, start, end, school, annual, days), amount in zip(
            pending, amounts, strict=True
        ):
            result.lines.append(
                _line(prot, pupil, period, start, end, school, annual, days, year_days, amount)
            )
    result.lines.sort(key=lambda line: (line.pupil_id or 0, line.period_from))
    return result


def _line(prot, pupil, period, start, end, school, annual, days, year_days, amount) -> LineData:
    if days == year_days:
        pro = "whole year"
    else:
        pro = f"{gbp(annual.amount)} × {days}/{year_days} school days = {gbp(amount)}"
        if pro_rata(annual.amount, days, year_days).amount != amount:
            pro += " (rounded so the periods add up to the year)"
    follows = ""
    if period.placement.id in prot.followed:
        follows = f"; followed the child on a managed move on {d(period.placement.starts_on)} (R16)"
    elif period.placement.id in prot.transferred:
        follows = (
            f"; kept on the transfer on {d(period.placement.starts_on)}, within the phase by date "
            "of birth (R15+)"
        )
    working = {
        "rule": period.rule,
        "formula": f"PSF: {annual.formula}",
        "basis": BASIS_LABELS.get(annual.inputs.get("basis", ""), ""),
        "inputs": {k: _plain(v) for k, v in annual.inputs.items()},
        "protected_because": prot.protected_because,
        "psf_ends": prot.ends_text,
        "support": period.support.support.summary,
        "placement": period.placement.kind,
        "annual": f"{annual.amount:f}",
        "school_days": days,
        "year_days": year_days,
        "pro_rata": pro,
    }
    return LineData(
        school_id=school.id,
        pupil_id=pupil.id,
        element=PSF,
        rule=period.rule,
        period_from=start,
        period_to=end,
        school_days=days,
        year_days=year_days,
        annual_amount=annual.amount,
        amount=amount,
        payer_la_id=pupil.home_la_id,
        delegated=True,
        working=working,
        explanation=(
            f"PSF: {annual.formula}; {prot.protected_because}{follows}; {prot.ends_text}; "
            f"{_period_text(start, end)}: {pro}"
        ),
    )


def _period_text(start: dt.date, end: dt.date) -> str:
    return f"{d(start)} to {d(end)}"


def _plain(value):
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value
