"""Who has PSF and until when (R15-R17), from a pupil's whole history of placements and
plans: `protection` gives a `Protection` (the plans that carry it, from when, at which
placements, until when, why) or a `NoProtection` (why not). Pure: no ORM.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from clusters.psf.rules import (
    ADMISSION_LABELS,
    MANAGED_MOVE,
    MAX_MOVE_GAP,
    ONE_DAY,
    PHASE_END_LABELS,
    PHASE_TRANSFER,
    PsfRulesData,
    PupilData,
    d,
)
from funding.calculations.periods import PlacementSpan, PlanSpan, clip
from schools.dates import (
    phase_end_date,
    phase_of,
    year_group,
)


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
