"""Pupil Specific Funding (PSF), Norfolk's transition (R15-R17, seed 001 FAQ 3-7). Pure: no ORM.

What the seed says, and how this module reads it:

- R17 (FAQ 3, 7): "from September 2012 any new Statements of SEN issued ... will not generate
  PSF". A plan issued on or after the scheme's cut-over date attracts no PSF. A plan that
  continues an earlier one with no gap (a statement converted to an EHCP) keeps the earlier
  plan's standing: the chain of plans is judged by its first plan's issue date.
- R15 (FAQ 3-5): PSF "will remain in place whilst that child remains in their current phase of
  schooling" and ends "at the end of a phase, be this nursery, primary Key Stage 2, or secondary
  Key Stage 4, based on their age, not National Curriculum Year Group". The *current* phase is
  the phase the child is in by date of birth on the day before the cut-over (with no cut-over
  date: on the day the plan was issued). PSF ends on the last day of that phase
  (`schools.dates.phase_end_date`), or of the first later phase whose end the scheme says stops
  PSF. A child kept back in Year 6 still loses PSF on 31 August with their age cohort.
- R16 (FAQ 3, 4, 6): PSF ends "when children leave a school for change of home address"
  (casual admission) and on the move from nursery to Reception (the nursery phase end above);
  it "transfers with them to the receiving school" on a managed move, until the end of the phase.
  Any change of school after the cut-over that is not a managed move ends PSF on the last day at
  the old school; so does leaving the roll. Before the cut-over the historical policy applied:
  PSF followed the statement.

- R15+ (FAQ 3-6): PSF continues while the child stays in the phase. An infant -> junior transfer
  (Year 2 at an infant school, Year 3 at a junior school: both primary by date of birth) is a
  phase transfer within the primary phase and keeps PSF; so does a managed move over the summer
  (the child leaves one school in July and starts at the next in September). A gap between two
  schools of at most `MAX_MOVE_GAP` (a summer holiday) does not break the chain.

The amount (the scheme's `basis`, R15+): "the historical/current funding policy will remain in
place" (FAQ 3), so PSF starts from the pupil's *protected historical amount*, recorded per pupil
with its source. On the default basis PSF is that amount less what the current scheme already
pays for the same pupil in the same days (element 3 top-up and any other pupil lines of the
run), so the pupil is funded at the historical level and nothing (the £6,000 threshold
included) is paid twice; the other basis pays the protected amount in full. A protected pupil
with no recorded amount gets no PSF line, and the run warns, naming the pupil. Periods are paid
pro rata by school days (R7) and a pupil's periods add up to the year
(`funding.calculations.pro_rata.apportion`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from funding.calculations.allocation import LineData, SchoolInfo
from funding.calculations.money import ZERO, gbp
from funding.calculations.periods import PlacementSpan, PlanSpan, SupportSpan, clip
from funding.calculations.pro_rata import apportion, pro_rata
from schools.calendar import SchoolCalendar, bank_holidays_england
from schools.dates import (
    FinancialYear,
    phase_end_date,
    phase_of,
    year_group,
)

PSF = "psf"  # funding.models.Element.PSF
ONE_DAY = dt.timedelta(days=1)
MAINSTREAM_KINDS = frozenset({"mainstream", "ssc", "resourced"})
MANAGED_MOVE = "managed_move"
PHASE_TRANSFER = "phase_transfer"
# The longest time out of school between two placements that still counts as one move: the
# summer holiday (late July to early September is about seven weeks) with a margin.
MAX_MOVE_GAP = dt.timedelta(days=62)
PROTECTED_LESS_CURRENT = "protected_less_current"
PROTECTED_AMOUNT = "protected_amount"
BASIS_LABELS = {
    PROTECTED_LESS_CURRENT: "protected historical amount less what the current scheme pays",
    PROTECTED_AMOUNT: "protected historical amount in full",
}
ELEMENT_LABELS = {
    "top_up": "element 3 top-up",
    "personal_supplement": "personal supplement",
    "enf": "exceptional needs funding",
    "place": "place funding",
}
ADMISSION_LABELS = {
    "first_admission": "first admission",
    "phase_transfer": "phase transfer",
    "casual_admission": "casual admission",
    "managed_move": "managed move",
}
PHASE_END_LABELS = {
    "nursery": "end of nursery",
    "primary": "end of Year 6",
    "secondary": "end of Year 11",
    "post16": "end of Year 13",
}


def d(day: dt.date) -> str:
    """14 Mar 2015"""
    return f"{day.day} {day:%b %Y}"


@dataclass(frozen=True, slots=True)
class PsfRulesData:
    """A scheme's PSF switches (`FundingScheme`) and figures (`clusters.PsfRules`) as plain data."""

    enabled: bool = False
    cutover: dt.date | None = None
    basis: str = PROTECTED_LESS_CURRENT
    ends_at_end_of_nursery: bool = True
    ends_at_end_of_primary: bool = True
    ends_at_end_of_secondary: bool = True
    specialist_placements: bool = False

    def stops_at(self, phase: str) -> bool:
        return {
            "nursery": self.ends_at_end_of_nursery,
            "primary": self.ends_at_end_of_primary,
            "secondary": self.ends_at_end_of_secondary,
        }.get(phase, True)  # post-16 always ends PSF: there is no later phase

    def pays_at(self, placement: PlacementSpan) -> bool:
        return self.specialist_placements or placement.kind in MAINSTREAM_KINDS


@dataclass(frozen=True, slots=True)
class PupilData:
    id: int
    date_of_birth: dt.date
    home_la_id: int | None = None
    upn: str = ""


@dataclass(frozen=True, slots=True)
class Protection:
    """A pupil's PSF: the plans that carry it, from when, at which placements, until when, why."""

    pupil_id: int
    plans: tuple[PlanSpan, ...]
    starts_on: dt.date
    anchor: dt.date
    ends_on: dt.date | None
    end_rule: str
    end_reason: str
    protected_because: str
    followed: frozenset[int] = frozenset()  # placement ids reached by a managed move
    transferred: frozenset[int] = frozenset()  # reached by a transfer within the phase (R15+)

    @property
    def ends_text(self) -> str:
        if self.ends_on is None:
            return "PSF continues while the plan is in force"
        return f"PSF ends {d(self.ends_on)}: {self.end_reason}"

    def covers(self, day: dt.date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


@dataclass(frozen=True, slots=True)
class NoProtection:
    """Why a pupil has no PSF (for the pupil's page and the tests)."""

    pupil_id: int
    rule: str
    reason: str


def _plan_chains(plans: Iterable[PlanSpan]) -> list[list[PlanSpan]]:
    """Plans grouped into chains that follow each other with no gap (statement -> EHCP)."""
    chains: list[list[PlanSpan]] = []
    for plan in sorted(plans, key=lambda p: p.issued_on):
        last = chains[-1][-1] if chains else None
        if (
            last is not None
            and last.ceased_on is not None
            and plan.issued_on <= (last.ceased_on + ONE_DAY)
        ):
            chains[-1].append(plan)
        else:
            chains.append([plan])
    return chains


def _phase_end(dob: dt.date, anchor: dt.date, rules: PsfRulesData) -> tuple[dt.date, str]:
    """The last day of the first phase (from the anchor) whose end stops PSF, by date of birth."""
    day = anchor
    while True:
        phase = phase_of(year_group(dob, on=day))
        end = phase_end_date(dob, on=day)
        if rules.stops_at(phase):
            return end, f"{PHASE_END_LABELS[phase]} by date of birth {d(dob)}"
        day = end + ONE_DAY


def _kind_name(plans: tuple[PlanSpan, ...]) -> str:
    return "statement" if plans[0].kind == "statement" else "EHC plan"


def protection(
    pupil: PupilData,
    placements: Iterable[PlacementSpan],
    plans: Iterable[PlanSpan],
    rules: PsfRulesData,
    school_names: Mapping[int, str] | None = None,
) -> Protection | NoProtection:
    """R15-R17 for one pupil, from their whole history of placements and plans."""
    names = school_names or {}

    def name(school_id: int) -> str:
        return names.get(school_id, f"school {school_id}")

    if not rules.enabled:
        return NoProtection(pupil.id, "R17", "The scheme does not use Pupil Specific Funding.")
    chains = _plan_chains(plans)
    if not chains:
        return NoProtection(pupil.id, "R17", "No statement or EHC plan.")
    cutover = rules.cutover
    eligible = [c for c in chains if cutover is None or c[0].issued_on < cutover]
    if not eligible:
        first = chains[-1][0]
        return NoProtection(
            pupil.id,
            "R17",
            f"No PSF: {_kind_name(tuple(chains[-1]))} issued {d(first.issued_on)}, on or after "
            f"the cut-over {d(cutover)} (R17).",
        )
    chain = tuple(eligible[-1])
    starts_on = chain[0].issued_on
    plans_end = chain[-1].ceased_on
    if cutover is not None:
        anchor = cutover - ONE_DAY
        because = (
            f"{_kind_name(chain)} issued {d(starts_on)}, before the cut-over {d(cutover)} (R17)"
        )
    else:
        anchor = starts_on
        because = f"{_kind_name(chain)} issued {d(starts_on)} (no cut-over date)"

    ends: list[tuple[dt.date, int, str, str]] = []  # (date, priority, rule, reason)
    if plans_end is not None:
        ends.append((plans_end, 2, "R17", f"the {_kind_name(chain)} ceased on {d(plans_end)}"))
    followed: set[int] = set()
    transferred: set[int] = set()
    if plans_end is None or plans_end >= anchor:
        phase_end, phase_reason = _phase_end(pupil.date_of_birth, anchor, rules)
        ends.append((phase_end, 0, "R15", phase_reason))
        chain_end, followed, transferred = _school_chain(
            sorted(placements, key=lambda p: (p.starts_on, p.id)), anchor, pupil.date_of_birth
        )
        if chain_end is not None:
            end, reason_kind, at, to = chain_end
            if reason_kind == "not_on_roll":
                reason = f"not on a school roll on {d(anchor)}, the day before the cut-over"
            elif reason_kind == "left":
                reason = f"left {name(at.school_id)} on {d(end)}"
            else:
                gap = ""
                if _continues(at, to, pupil.date_of_birth, gap_checked=False):
                    gap = f" on {d(to.starts_on)}, more than a summer holiday later"
                reason = (
                    f"left {name(at.school_id)} on {d(end)}: "
                    f"{ADMISSION_LABELS.get(to.admission_kind, to.admission_kind)} to "
                    f"{name(to.school_id)}{gap} (R16)"
                )
            ends.append((end, 1, "R16", reason))
    end_date, _, end_rule, end_reason = min(ends) if ends else (None, 0, "R17", "")
    return Protection(
        pupil_id=pupil.id,
        plans=chain,
        starts_on=starts_on,
        anchor=anchor,
        ends_on=end_date,
        end_rule=end_rule,
        end_reason=end_reason,
        protected_because=because,
        followed=frozenset(followed),
        transferred=frozenset(transferred),
    )


def _continues(
    old: PlacementSpan, new: PlacementSpan, dob: dt.date, *, gap_checked: bool = True
) -> bool:
    """R16, R15+: whether PSF goes on from `old` to `new` at another school.

    A managed move keeps it (FAQ 6); so does a phase transfer that stays within the phase by
    date of birth (infant school Year 2 -> junior school Year 3, both primary). A casual
    admission (FAQ 3), a first admission or a transfer to the next phase does not. Time out of
    school between the two of more than `MAX_MOVE_GAP` (longer than a summer holiday) ends it.
    """
    if gap_checked and old.ends_on is not None and new.starts_on - old.ends_on > MAX_MOVE_GAP:
        return False
    if new.admission_kind == MANAGED_MOVE:
        return True
    if new.admission_kind == PHASE_TRANSFER:
        last_day = old.ends_on if old.ends_on is not None else new.starts_on - ONE_DAY
        before = phase_of(year_group(dob, on=last_day))
        after = phase_of(year_group(dob, on=new.starts_on))
        return before == after
    return False


def _school_chain(
    placements: list[PlacementSpan], anchor: dt.date, dob: dt.date
) -> tuple[
    tuple[dt.date, str, PlacementSpan | None, PlacementSpan | None] | None, set[int], set[int]
]:
    """R16, R15+: the school changes after the anchor.

    Returns (the end: (last day of PSF, why, the placement left, the placement joined) or None
    when no school change ends it, placements reached by a managed move, placements reached by a
    transfer within the phase).
    """
    followed: set[int] = set()
    transferred: set[int] = set()
    current = next((p for p in placements if clip(p.starts_on, p.ends_on, anchor, anchor)), None)
    if current is None:
        later = [p for p in placements if p.starts_on > anchor]
        earlier = [p for p in placements if p.starts_on <= anchor]
        if earlier and later and _continues(earlier[-1], later[0], dob):
            # Between schools on the anchor, e.g. over the summer: the school left is the one
            # at the cut-over, and the move from it is judged below.
            current = earlier[-1]
        elif later and not earlier and later[0].admission_kind in ("first_admission", MANAGED_MOVE):
            # The first placement we know of, after the anchor, by first admission or a
            # managed move: the child's school at the cut-over as far as the records go.
            current = later[0]
        else:
            return (anchor, "not_on_roll", None, None), followed, transferred
    for nxt in placements:
        if nxt.starts_on <= current.starts_on:
            continue
        if nxt.school_id == current.school_id:
            if current.id in followed:
                followed.add(nxt.id)
            if current.id in transferred:
                transferred.add(nxt.id)
            current = nxt
            continue
        if _continues(current, nxt, dob):
            (followed if nxt.admission_kind == MANAGED_MOVE else transferred).add(nxt.id)
            current = nxt
            continue
        last_day = current.ends_on if current.ends_on is not None else nxt.starts_on - ONE_DAY
        return (last_day, "moved", current, nxt), followed, transferred
    if current.ends_on is not None:
        return (current.ends_on, "left", current, None), followed, transferred
    return None, followed, transferred


# ---- money ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProtectedAmount:
    """A pupil's protected historical amount (`clusters.PsfProtectedAmount`) as plain data."""

    annual: Decimal
    source: str = ""


@dataclass(frozen=True, slots=True)
class PsfAnnual:
    """A pupil's annual PSF for a stretch of days, with its working."""

    amount: Decimal
    formula: str
    inputs: dict


def element_label(element: str) -> str:
    return ELEMENT_LABELS.get(element, element.replace("_", " "))


def annual_psf(
    protected: ProtectedAmount, current: Iterable[LineData], rules: PsfRulesData
) -> PsfAnnual:
    """The annual PSF on the scheme's basis (R15+), from the pupil's protected historical amount
    and the lines the current scheme pays for the same pupil in the same days (`current`).

    £8,450.00 protected − £5,700.00 element 3 top-up = £2,750.00 a year; in full: £8,450.00.
    """
    head = f"protected historical amount {gbp(protected.annual)} a year"
    if protected.source:
        head += f" ({protected.source})"
    inputs: dict = {
        "basis": rules.basis,
        "protected_amount": protected.annual,
        "protected_source": protected.source,
    }
    if rules.basis == PROTECTED_AMOUNT:
        return PsfAnnual(
            protected.annual,
            f"{head}, paid in full on top of the current scheme = {gbp(protected.annual)} a year",
            inputs,
        )
    paid: dict[str, Decimal] = defaultdict(Decimal)
    for line in current:
        paid[line.element] += line.annual_amount
    total = sum(paid.values(), ZERO)
    amount = max(protected.annual - total, ZERO)
    if paid:
        parts = " + ".join(f"{gbp(v)} {element_label(k)}" for k, v in sorted(paid.items()))
        formula = f"{head} − {parts} the current scheme pays = {gbp(amount)} a year"
    else:
        formula = (
            f"{head} − £0.00 (the current scheme pays nothing else for the pupil) "
            f"= {gbp(amount)} a year"
        )
    if amount == 0:
        formula += " (the current scheme already pays the protected amount: no PSF)"
    inputs["current"] = {k: v for k, v in sorted(paid.items())}
    inputs["current_total"] = total
    return PsfAnnual(amount, formula, inputs)


def no_amount_message(pupil: PupilData, prot: Protection) -> str:
    return (
        f"Pupil {pupil.upn or pupil.id}: PSF-protected ({prot.protected_because}) but no "
        "protected historical amount is recorded: no PSF line (R15+). Record it under PSF "
        "protected amounts."
    )


# ---- periods and allocation lines ----------------------------------------------------------


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


# ---- the forecast (seed 001 FAQ 8: a transition over 7 years) -------------------------------

FORECAST_YEARS = 7


class YearDays:
    """School days in a range, from the LA's calendar where it has term dates for the year, else
    estimated as weekdays that are not bank holidays (future years have no term dates yet)."""

    def __init__(self, calendar: SchoolCalendar):
        self.calendar = calendar
        self._known: dict[FinancialYear, bool] = {}

    def is_known(self, fy: FinancialYear) -> bool:
        found = self._known.get(fy)
        if found is None:
            found = self._known[fy] = self.calendar.covers(
                fy.starts_on, dt.date(fy.start_year, 8, 31)
            ) and self.calendar.covers(dt.date(fy.start_year + 1, 1, 1), fy.ends_on)
        return found

    def days(self, fy: FinancialYear, start: dt.date, end: dt.date) -> int:
        if end < start:
            return 0
        if self.is_known(fy):
            return self.calendar.school_days(start, end)
        count = 0
        day = start
        while day <= end:
            if day.weekday() < 5 and day not in bank_holidays_england(day.year):
                count += 1
            day += ONE_DAY
        return count


@dataclass(frozen=True, slots=True)
class ProtectedPupil:
    """A pupil with PSF on the forecast's basis date: the annual amount then, and when it ends."""

    pupil_id: int
    school_id: int
    annual: Decimal
    ends_on: dt.date | None
    end_rule: str
    ends_text: str


@dataclass(frozen=True, slots=True)
class ForecastYear:
    fy: FinancialYear
    protected: Decimal
    released: Decimal
    released_in_year: Decimal
    estimated_days: bool


def forecast_pupil(
    pupil: ProtectedPupil, years: list[FinancialYear], year_days: YearDays
) -> list[tuple[Decimal, Decimal, bool]]:
    """(protected, released, estimated) for each year: the annual PSF pro rata by the school
    days of the year before it ends (R7); released = annual - protected.

    £6,000.00 a year ending 31 Aug 2026, FY 2026 with 78 of 190 days before then:
    protected £6,000.00 × 78/190 = £2,463.16, released £3,536.84; later years £0 and £6,000.
    """
    out = []
    for fy in years:
        total = year_days.days(fy, fy.starts_on, fy.ends_on)
        estimated = not year_days.is_known(fy)
        if pupil.ends_on is None or pupil.ends_on >= fy.ends_on:
            protected = pupil.annual
        elif pupil.ends_on < fy.starts_on or total == 0:
            protected = ZERO
        else:
            protected = pro_rata(
                pupil.annual, year_days.days(fy, fy.starts_on, pupil.ends_on), total
            ).amount
        out.append((protected, pupil.annual - protected, estimated))
    return out


@dataclass
class Forecast:
    years: list[FinancialYear]
    basis_date: dt.date
    baseline: Decimal
    pupils: int
    totals: list[ForecastYear]
    by_school: dict[int, list[ForecastYear]]
    baseline_by_school: dict[int, Decimal]
    pupils_by_school: dict[int, int]
    released_by_rule: dict[str, list[Decimal]]


def forecast(
    pupils: Iterable[ProtectedPupil],
    first_year: FinancialYear,
    year_days: YearDays,
    basis_date: dt.date,
    count: int = FORECAST_YEARS,
) -> Forecast:
    """PSF still protected and released for `count` financial years from `first_year`, per
    school (where each pupil is on the basis date) and in total, from today's pupils."""
    years = [FinancialYear(first_year.start_year + i) for i in range(count)]
    per_school: dict[int, list[list[Decimal]]] = defaultdict(lambda: [[ZERO, ZERO] for _ in years])
    totals = [[ZERO, ZERO] for _ in years]
    by_rule: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO for _ in years])
    estimated = [False for _ in years]
    baseline_by_school: dict[int, Decimal] = defaultdict(Decimal)
    pupils_by_school: dict[int, int] = defaultdict(int)
    baseline = ZERO
    n = 0
    for pupil in pupils:
        n += 1
        baseline += pupil.annual
        baseline_by_school[pupil.school_id] += pupil.annual
        pupils_by_school[pupil.school_id] += 1
        for i, (protected, released, est) in enumerate(forecast_pupil(pupil, years, year_days)):
            per_school[pupil.school_id][i][0] += protected
            per_school[pupil.school_id][i][1] += released
            totals[i][0] += protected
            totals[i][1] += released
            by_rule[pupil.end_rule][i] += released
            estimated[i] = est

    def rows(pairs: list[list[Decimal]]) -> list[ForecastYear]:
        out = []
        previous = ZERO
        for fy, (protected, released), est in zip(years, pairs, estimated, strict=True):
            out.append(ForecastYear(fy, protected, released, released - previous, est))
            previous = released
        return out

    return Forecast(
        years=years,
        basis_date=basis_date,
        baseline=baseline,
        pupils=n,
        totals=rows(totals),
        by_school={school: rows(pairs) for school, pairs in per_school.items()},
        baseline_by_school=dict(baseline_by_school),
        pupils_by_school=dict(pupils_by_school),
        released_by_rule=dict(by_rule),
    )
