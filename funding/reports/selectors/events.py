"""In-year events of a pupil at a school (joining, leaving, plans, support, items, panel
decisions, records corrected after a run): what the comparison explains differences with."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone

from funding.panel.models import Outcome, PanelDecision
from funding.reports import calculations as calc
from funding.reports.selectors.common import (
    ADMISSION_LABELS,
    ITEM_LABELS,
    PLACEMENT_LABELS,
    PLAN_LABELS,
    any_of,
)
from pupils.models import (
    FundingItem,
    Placement,
    Plan,
    SupportLevel,
)
from schools.dates import FinancialYear


@dataclass
class _Rows:
    placements: dict[int, list] = field(default_factory=lambda: defaultdict(list))
    plans: dict[int, list] = field(default_factory=lambda: defaultdict(list))
    supports: dict[int, list] = field(default_factory=lambda: defaultdict(list))
    items: dict[int, list] = field(default_factory=lambda: defaultdict(list))
    decisions: dict[tuple[str, int], str] = field(default_factory=dict)
    corrections: dict[int, list[calc.Event]] = field(default_factory=lambda: defaultdict(list))


def _d(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


def _support_summary(level) -> str:
    return level.summary


def _load_rows(pupil_ids: list[int], since: dt.datetime | None) -> _Rows:
    """Placements, plans, support levels, funding items, the panel decisions that created them,
    and the changes recorded since `since` (history), for the pupils: seven queries."""
    rows = _Rows()
    for p in (
        Placement.objects.filter(any_of("pupil_id", pupil_ids))
        .select_related("school")
        .order_by("pupil_id", "starts_on")
    ):
        rows.placements[p.pupil_id].append(p)
    plans = list(
        Plan.objects.filter(any_of("pupil_id", pupil_ids)).order_by("pupil_id", "issued_on")
    )
    for plan in plans:
        rows.plans[plan.pupil_id].append(plan)
    plan_pupil = {plan.pk: plan.pupil_id for plan in plans}
    for level in SupportLevel.objects.filter(any_of("plan_id", plan_pupil)).order_by(
        "plan_id", "effective_from"
    ):
        rows.supports[level.plan_id].append(level)
    for item in FundingItem.objects.filter(any_of("pupil_id", pupil_ids)).order_by("starts_on"):
        rows.items[item.pupil_id].append(item)
    for pk, meeting, support_id, item_id, plan_id in PanelDecision.objects.filter(
        any_of("case__pupil_id", pupil_ids), outcome__in=Outcome.approvals()
    ).values_list("case_id", "meeting__date", "support_level_id", "funding_item_id", "plan_id"):
        text = f"PC-{pk:05d} at the {_d(meeting)} meeting"
        for kind, obj_id in (("support", support_id), ("item", item_id), ("plan", plan_id)):
            if obj_id:
                rows.decisions[(kind, obj_id)] = text
    if since is not None:
        _load_corrections(rows, pupil_ids, plan_pupil, since)
    return rows


_DATE_FIELDS = {
    "placement": (("starts_on", "start date"), ("ends_on", "leaving date")),
    "plan": (("issued_on", "issue date"), ("ceased_on", "ceasing date")),
    "support": (("effective_from", "start date"), ("effective_to", "end date")),
    "item": (("starts_on", "start date"), ("ends_on", "end date")),
}
_RECORD_NAMES = {
    "placement": "Placement",
    "plan": "Plan",
    "support": "Support level",
    "item": "Funding item",
}


def _load_corrections(rows: _Rows, pupil_ids, plan_pupil: dict[int, int], since) -> None:
    """Records changed or deleted after the initial run started: the dates they used to have
    are where the initial run's money changed, so they become events too (history)."""
    sources = (
        ("placement", Placement.history.filter(any_of("pupil_id", pupil_ids)), "pupil_id"),
        ("plan", Plan.history.filter(any_of("pupil_id", pupil_ids)), "pupil_id"),
        ("support", SupportLevel.history.filter(any_of("plan_id", plan_pupil)), "plan_id"),
        ("item", FundingItem.history.filter(any_of("pupil_id", pupil_ids)), "pupil_id"),
    )
    for kind, qs, owner in sources:
        fields = [f for f, _ in _DATE_FIELDS[kind]]
        previous: dict[int, dict] = {}
        for h in qs.order_by("id", "history_date", "history_id").values(
            "id", "history_type", "history_date", owner, *fields
        ):
            before = previous.get(h["id"])
            previous[h["id"]] = h
            if before is None or h["history_date"] <= since:
                continue
            pupil_id = h[owner] if owner == "pupil_id" else plan_pupil.get(h[owner])
            if pupil_id is None:
                continue
            recorded = timezone.localdate(h["history_date"])
            for name, label in _DATE_FIELDS[kind]:
                old = before[name]
                new = h[name] if h["history_type"] != "-" else None
                if old == new and h["history_type"] != "-":
                    continue
                if old is None:
                    continue
                ends = name in ("ends_on", "ceased_on", "effective_to")
                boundary = old + calc.ONE_DAY if ends else old
                if h["history_type"] == "-":
                    text = f"{_RECORD_NAMES[kind]} with {label} {_d(old)} deleted"
                else:
                    text = (
                        f"{_RECORD_NAMES[kind]} {label} changed from {_d(old)} to "
                        f"{_d(new) if new else 'none'}"
                    )
                rows.corrections[pupil_id].append(
                    calc.Event(
                        boundary,
                        old,
                        "record_changed",
                        f"{text} (recorded {_d(recorded)}, after the initial allocation)",
                    )
                )


def _covers(placements, school_id: int, day: dt.date) -> bool:
    """The pupil was at the school on `day` or the day before (a change on a move's date
    belongs to both schools' stretches only if the pupil was there)."""
    before = day - calc.ONE_DAY
    for p in placements:
        if p.school_id != school_id:
            continue
        for d in (day, before):
            if p.starts_on <= d and (p.ends_on is None or p.ends_on >= d):
                return True
    return False


def _recorded(obj, since) -> str:
    recorded_at = getattr(obj, "recorded_at", None)
    if since is not None and recorded_at is not None and recorded_at > since:
        return f" (recorded {_d(timezone.localdate(recorded_at))})"
    return ""


def pupil_events(
    pupil_id: int, school_id: int, rows: _Rows, fy: FinancialYear, since=None
) -> list[calc.Event]:
    """The in-year events of one pupil that can change their money at one school: joining or
    leaving (or moving), a plan issued or ceased, support changed or ended, a personal
    supplement or ENF starting or ending, each marked with the SEN Panel decision that made it,
    and records changed after the initial run (history)."""
    placements = rows.placements.get(pupil_id, [])
    events: list[calc.Event] = []
    in_year = fy.contains

    def add(boundary, on, kind, text, decision=""):
        if in_year(boundary):
            if decision:
                kind = "panel_decision"
                text = f"{text}: SEN Panel decision {decision}"
            events.append(calc.Event(boundary, on, kind, text, decision))

    ordered = sorted(placements, key=lambda p: p.starts_on)
    for i, p in enumerate(ordered):
        if p.school_id != school_id:
            continue
        prev = ordered[i - 1] if i else None
        nxt = ordered[i + 1] if i + 1 < len(ordered) else None
        if in_year(p.starts_on):
            if prev is not None and prev.ends_on == p.starts_on - calc.ONE_DAY:
                if prev.school_id == school_id:
                    text = (
                        f"Placement changed from {PLACEMENT_LABELS.get(prev.kind, prev.kind)} "
                        f"to {PLACEMENT_LABELS.get(p.kind, p.kind)}"
                    )
                    add(p.starts_on, p.starts_on, "moved_in", text + _recorded(p, since))
                else:
                    text = f"Moved in from {prev.school.name}"
                    add(p.starts_on, p.starts_on, "moved_in", text + _recorded(p, since))
            else:
                text = f"Joined ({ADMISSION_LABELS.get(p.admission_kind, p.admission_kind)})"
                add(p.starts_on, p.starts_on, "joined", text + _recorded(p, since))
        if p.ends_on is not None and p.ends_on < fy.ends_on:
            boundary = p.ends_on + calc.ONE_DAY
            if nxt is not None and nxt.starts_on == boundary:
                if nxt.school_id != school_id:
                    add(boundary, p.ends_on, "moved_out", f"Moved to {nxt.school.name}")
            else:
                add(boundary, p.ends_on, "left", "Left: last day on roll" + _recorded(p, since))
    for plan in rows.plans.get(pupil_id, []):
        levels = rows.supports.get(plan.pk, [])
        decision = rows.decisions.get(("plan", plan.pk), "")
        if _covers(placements, school_id, plan.issued_on):
            first = levels[0] if levels and levels[0].effective_from == plan.issued_on else None
            text = f"{PLAN_LABELS.get(plan.kind, plan.kind)} issued"
            if first is not None:
                text += f": {first.summary}"
            text += _recorded(plan, since)
            add(plan.issued_on, plan.issued_on, "plan_issued", text, decision)
        if plan.ceased_on is not None and _covers(placements, school_id, plan.ceased_on):
            add(
                plan.ceased_on + calc.ONE_DAY,
                plan.ceased_on,
                "plan_ceased",
                f"{PLAN_LABELS.get(plan.kind, plan.kind)} ceased" + _recorded(plan, since),
            )
        for j, level in enumerate(levels):
            decision = rows.decisions.get(("support", level.pk), "")
            prev = levels[j - 1] if j else None
            if level.effective_from != plan.issued_on and _covers(
                placements, school_id, level.effective_from
            ):
                if prev is not None and prev.effective_to == level.effective_from - calc.ONE_DAY:
                    text = f"Support changed from {prev.summary} to {level.summary}"
                else:
                    text = f"Support started: {level.summary}"
                add(
                    level.effective_from,
                    level.effective_from,
                    "support_changed",
                    text + _recorded(level, since),
                    decision,
                )
            nxt = levels[j + 1] if j + 1 < len(levels) else None
            if (
                level.effective_to is not None
                and (nxt is None or nxt.effective_from != level.effective_to + calc.ONE_DAY)
                and (plan.ceased_on is None or plan.ceased_on != level.effective_to)
                and _covers(placements, school_id, level.effective_to)
            ):
                add(
                    level.effective_to + calc.ONE_DAY,
                    level.effective_to,
                    "support_ended",
                    f"Support ended: {level.summary}",
                )
    for item in rows.items.get(pupil_id, []):
        if item.school_id != school_id:
            continue
        label = ITEM_LABELS.get(item.kind, item.kind).split(" (")[0]
        decision = rows.decisions.get(("item", item.pk), "")
        add(
            item.starts_on,
            item.starts_on,
            "item_started",
            f"{label} of £{item.annual_amount:,.2f} a year from {_d(item.starts_on)} to "
            f"{_d(item.ends_on)}" + _recorded(item, since),
            decision,
        )
        if item.ends_on < fy.ends_on:
            add(item.ends_on + calc.ONE_DAY, item.ends_on, "item_ended", f"{label} ended")
    for event in rows.corrections.get(pupil_id, []):
        if _covers(placements, school_id, event.boundary) or _covers(
            placements, school_id, event.boundary - calc.ONE_DAY
        ):
            events.append(event)
    return events
