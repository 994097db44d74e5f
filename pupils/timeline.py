"""The pupil timeline: placements, plans, support levels (superseded ones too, marked), funding
items, and what funding/ adds (panel decisions, money) through `schools.extensions`, each with
who recorded it and its history. A fixed number of queries.

`pupils.selectors` re-exports `TimelineEntry` and `pupil_timeline` for existing callers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from pupils.models import FundingItem, Placement, Plan, Pupil, SupportLevel
from schools import extensions


@dataclass
class HistoryNote:
    action: str
    by: str
    at: dt.datetime
    reason: str = ""


@dataclass
class Supersession:
    """When, by whom and why a support period was superseded (a corrected file replaced the
    plan's periods), and what is in force on its dates instead. It is kept, never deleted."""

    at: dt.datetime
    by: str
    reason: str = ""
    replaced_by: str = ""


@dataclass
class TimelineEntry:
    """One row of a pupil's timeline: what applied from when to when, and who recorded it."""

    kind: str
    starts_on: dt.date
    ends_on: dt.date | None
    title: str
    detail: str = ""
    school_name: str = ""
    recorded_by: str = ""
    recorded_at: dt.datetime | None = None
    reason: str = ""
    backdated: bool = False
    amount: Decimal | None = None
    history: list[HistoryNote] = field(default_factory=list)
    order: int = 0
    url: str = ""
    superseded: Supersession | None = None

    @property
    def tag_class(self) -> str:
        return {
            "Placement": "govuk-tag--blue",
            "Plan": "govuk-tag--purple",
            "Support": "govuk-tag--turquoise",
            "Panel decision": "govuk-tag--orange",
            "Panel funding": "govuk-tag--yellow",
            "Funding": "govuk-tag--green",
        }.get(self.kind, "govuk-tag--grey")


def _user_label(user) -> str:
    if user is None:
        return "the system"
    return user.get_full_name() or user.get_username()


def history_by_id(model, ids) -> dict[int, list]:
    """Every historical record of these rows, oldest first (one query)."""
    notes: dict[int, list] = {}
    if not ids:
        return notes
    for record in (
        model.history.filter(id__in=ids)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    ):
        notes.setdefault(record.id, []).append(record)
    return notes


def stamp_entry(entry: TimelineEntry, row, records: list) -> None:
    """Fill who/when from the row and its history: the first record is who added it."""
    created = records[0] if records else None
    entry.recorded_by = _user_label(
        created.history_user if created is not None else getattr(row, "recorded_by", None)
    )
    entry.recorded_at = getattr(row, "recorded_at", None) or (created and created.history_date)
    if created is not None:
        entry.reason = created.history_change_reason or getattr(created, "reason", "") or ""
    else:
        entry.reason = getattr(row, "reason", "") or ""
    for previous, record in zip(records, records[1:], strict=False):
        entry.history.append(
            HistoryNote(
                action=_history_action(record, previous),
                by=_user_label(record.history_user),
                at=record.history_date,
                reason=record.history_change_reason or getattr(record, "reason", "") or "",
            )
        )


def _history_action(record, previous) -> str:
    """How a history record changed the row: a support period's first record with
    `superseded_at` is its superseding."""
    if record.history_type != "~":
        return "Deleted"
    if getattr(record, "superseded_at", None) and not getattr(previous, "superseded_at", None):
        return "Superseded"
    return "Changed"


def _supersession(level: SupportLevel, records: list, levels: list[SupportLevel]) -> Supersession:
    """Who superseded a support period and when (its first history record with
    `superseded_at`), and the periods of its plan in force on its dates now."""
    record = next((r for r in records if getattr(r, "superseded_at", None) is not None), None)
    far = dt.date.max
    instead = [
        other
        for other in levels
        if other.superseded_at is None
        and other.plan_id == level.plan_id
        and other.effective_from <= (level.effective_to or far)
        and level.effective_from <= (other.effective_to or far)
    ]
    replaced_by = "; ".join(f"{o.summary} from {o.effective_from:%-d %B %Y}" for o in instead)
    return Supersession(
        at=level.superseded_at,
        by=_user_label(record.history_user) if record is not None else "the system",
        reason=(record.history_change_reason or "") if record is not None else "",
        replaced_by=replaced_by or "no support period in force on these dates",
    )


def pupil_timeline(pupil: Pupil, *, school_ids: set[int] | None = None) -> list[TimelineEntry]:
    """One timeline for a pupil: placements, plans, support levels, panel decisions and money.

    Newest first. `school_ids` limits school-bound rows (placements, funding, money) to those
    schools, for a school business manager. A fixed number of queries.
    """
    placements = list(pupil.placements.select_related("school", "recorded_by"))
    if school_ids is not None:
        placements = [p for p in placements if p.school_id in school_ids]
    plans = list(pupil.plans.select_related("caseworker", "recorded_by"))
    # Superseded support periods too (money history is never deleted, only superseded).
    levels = list(
        SupportLevel.with_superseded.filter(plan__pupil=pupil).select_related("plan", "recorded_by")
    )
    items = list(pupil.funding_items.select_related("school", "recorded_by"))
    if school_ids is not None:
        items = [i for i in items if i.school_id in school_ids]

    placement_history = history_by_id(Placement, [p.pk for p in placements])
    plan_history = history_by_id(Plan, [p.pk for p in plans])
    level_history = history_by_id(SupportLevel, [s.pk for s in levels])
    item_history = history_by_id(FundingItem, [i.pk for i in items])

    entries: list[TimelineEntry] = []
    for p in placements:
        entry = TimelineEntry(
            kind="Placement",
            starts_on=p.starts_on,
            ends_on=p.ends_on,
            title=f"{p.school.name} ({p.school.urn})",
            detail=f"{p.get_kind_display()}, {p.get_admission_kind_display().lower()}",
            school_name=p.school.name,
            backdated=p.is_backdated,
            order=1,
        )
        stamp_entry(entry, p, placement_history.get(p.pk, []))
        entries.append(entry)
    for plan in plans:
        detail = [plan.get_primary_need_display() or "Primary need not recorded"]
        if plan.annual_review_due:
            detail.append(f"annual review due {plan.annual_review_due:%-d %B %Y}")
        if plan.caseworker:
            detail.append(f"caseworker {_user_label(plan.caseworker)}")
        entry = TimelineEntry(
            kind="Plan",
            starts_on=plan.issued_on,
            ends_on=plan.ceased_on,
            title=plan.get_kind_display(),
            detail="; ".join(detail),
            backdated=plan.issued_on < timezone.localdate(plan.recorded_at),
            order=2,
        )
        stamp_entry(entry, plan, plan_history.get(plan.pk, []))
        entries.append(entry)
    for level in levels:
        entry = TimelineEntry(
            kind="Support",
            starts_on=level.effective_from,
            ends_on=level.effective_to,
            title=level.summary,
            detail=f"{level.plan.get_kind_display()} issued {level.plan.issued_on:%-d %B %Y}",
            backdated=level.is_backdated,
            order=3,
        )
        stamp_entry(entry, level, level_history.get(level.pk, []))
        if level.superseded_at is not None:
            entry.superseded = _supersession(level, level_history.get(level.pk, []), levels)
        entries.append(entry)
    for item in items:
        entry = TimelineEntry(
            kind="Panel funding",
            starts_on=item.starts_on,
            ends_on=item.ends_on,
            title=item.get_kind_display(),
            detail=f"£{item.annual_amount:,.2f} a year at {item.school.name}",
            school_name=item.school.name,
            amount=item.annual_amount,
            backdated=item.starts_on < timezone.localdate(item.recorded_at),
            order=4,
        )
        stamp_entry(entry, item, item_history.get(item.pk, []))
        entries.append(entry)

    # The SEN Panel's decisions and the money each period attracted come from funding/
    # (schools/ and pupils/ never import it): see schools.extensions.PUPIL_TIMELINE.
    entries.extend(extensions.collect(extensions.PUPIL_TIMELINE, pupil, school_ids))
    entries.sort(key=lambda e: (e.starts_on, -e.order), reverse=True)
    return entries
