"""Reads for the SEN Panel: pupil summaries for the clerk, decisions a user may see, and the
pupil's audit trail ("who changed this pupil's band, when, and on what decision?").
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Count, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from funding.calculations.periods import SUPPORT_FIELDS
from funding.models import FundingScheme
from funding.panel.enf import SCHEME_LIMIT_FIELD
from funding.panel.models import (
    CaseStatus,
    PanelCase,
    PanelDecision,
    PanelMeeting,
    change_reason_for,
)
from funding.selectors import scheme_for
from pupils.models import FundingItem, Placement, Plan, Pupil, SupportLevel
from schools.access import visible_schools
from schools.dates import FinancialYear
from schools.models import LocalAuthority, School
from schools.roles import PANEL_MEMBER, is_la_officer, is_panel_member, is_school_user

# --- R9+ exceptional needs funding ------------------------------------------------------------


def enf_limit_for(ground: str, starts_on: dt.date) -> str:
    """R9+: the `EnfLimit` for ENF on `ground` starting on `starts_on`, from the scheme of the
    financial year it starts in; with no scheme for that year, the scheme's default."""
    field_name = SCHEME_LIMIT_FIELD[ground]
    scheme = scheme_for(FinancialYear.of(starts_on))
    if scheme is None:
        return FundingScheme._meta.get_field(field_name).default
    return getattr(scheme, field_name)


# --- who may see what --------------------------------------------------------------------------


def can_read_panel_records(user) -> bool:
    """LA officers and SEN Panel members see every case, decision and pupil history."""
    return is_la_officer(user) or is_panel_member(user)


def decisions_visible_to(user) -> QuerySet[PanelDecision]:
    """Decisions whose letter the user may read: all for LA officers and panel members, their
    own school's for a school business manager, none for anyone else."""
    qs = PanelDecision.objects.select_related(
        "case__pupil",
        "case__school__la",
        "case__submitted_by",
        "meeting",
        "deferred_to",
        "decided_by",
        "support_level",
        "previous_support_level",
        "funding_item",
        "plan",
    )
    if can_read_panel_records(user):
        return qs
    if is_school_user(user):
        return qs.filter(case__school__in=visible_schools(user))
    return qs.none()


# --- the clerk's compact pupil summary --------------------------------------------------------


@dataclass
class PupilSummary:
    plan: Plan | None = None
    support: SupportLevel | None = None
    top_up: Any = None  # the engine's figure, when it is installed
    top_up_available: bool = False
    decisions: list[PanelDecision] = field(default_factory=list)

    @property
    def top_up_text(self) -> str:
        if not self.top_up_available:
            return "not yet calculated (the funding engine is not installed)"
        if self.top_up is None:
            return "none worked out (no support level, scheme or rate)"
        if isinstance(self.top_up, Decimal | int):
            return f"£{Decimal(self.top_up):,.2f} a year"
        return str(self.top_up)


def current_top_up(pupil: Pupil, on: dt.date | None = None) -> tuple[bool, Any]:
    """(available, figure): the engine's annual top-up for the support in force on `on`.

    The figure comes from funding.selectors.current_annual_top_up (a Decimal, or None when there
    is no support level, scheme or rate to work it out). Without the engine installed the clerk
    sees the support level only.
    """
    try:
        from funding.selectors import current_annual_top_up
    except ImportError:
        return False, None
    return True, current_annual_top_up(pupil, on=on)


def pupil_summaries(
    pupils: list[Pupil], *, on: dt.date | None = None, with_top_up: bool = True
) -> dict[int, PupilSummary]:
    """Plan and support in force on `on` (default today) and earlier decisions, per pupil.

    Three queries for any number of pupils, plus one engine call per pupil for the top-up.
    """
    on = on or timezone.localdate()
    ids = [p.pk for p in pupils]
    summaries = {pk: PupilSummary() for pk in ids}
    plans = (
        Plan.objects.filter(pupil_id__in=ids, issued_on__lte=on)
        .exclude(ceased_on__lt=on)
        .prefetch_related(
            Prefetch(
                "support_levels",
                queryset=SupportLevel.objects.filter(effective_from__lte=on).exclude(
                    effective_to__lt=on
                ),
                to_attr="current_support",
            )
        )
    )
    for plan in plans:
        summary = summaries[plan.pupil_id]
        summary.plan = plan
        summary.support = plan.current_support[0] if plan.current_support else None
    decisions = (
        PanelDecision.objects.filter(case__pupil_id__in=ids)
        .select_related("case", "meeting")
        .order_by("-meeting__date", "-decided_at")
    )
    for decision in decisions:
        summaries[decision.case.pupil_id].decisions.append(decision)
    if with_top_up:
        for pupil in pupils:
            available, figure = current_top_up(pupil, on=on)
            summaries[pupil.pk].top_up_available = available
            summaries[pupil.pk].top_up = figure
    return summaries


def cases_for_meeting(meeting: PanelMeeting) -> QuerySet[PanelCase]:
    return (
        PanelCase.objects.filter(meeting=meeting)
        .select_related("pupil", "school", "submitted_by")
        .order_by("school__name", "pupil__family_name")
    )


# --- the pupil's audit trail -------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    """One field's change; `before` is None when the record was created with this value."""

    name: str
    before: str | None
    after: str

    @property
    def text(self) -> str:
        if self.before is None:
            return f"{self.name}: {self.after}"
        return f"{self.name}: {self.before} → {self.after}"


@dataclass
class HistoryEntry:
    when: dt.datetime
    user: str
    record_type: str
    record: str
    action: str
    changes: list[FieldChange]
    reason: str
    decision: PanelDecision | None
    sort_key: tuple = ()

    @property
    def changes_text(self) -> str:
        return "; ".join(c.text for c in self.changes)


RECORD_TYPES = {
    "pupil": "Pupil",
    "placement": "Placement",
    "plan": "Plan",
    "support": "Support level",
    "funding_item": "Funding item",
    "case": "Panel case",
    "decision": "Panel decision",
}

# Same for every row of this page (pupil) or shown in their own columns (who, when, reason).
_HIDDEN_FIELDS = {"id", "recorded_at", "recorded_by", "reason", "pupil"}
_ACTIONS = {"+": "Created", "~": "Changed", "-": "Deleted"}
_EMPTY = "—"


def pupil_history(pupil: Pupil) -> list[HistoryEntry]:
    """Every historical change to the pupil's record, placements, plans, support levels, funding
    items, panel cases and panel decisions, newest first: who, when, before → after of the
    fields that changed, and the panel decision that caused it.

    A constant number of queries: one per history table, one for the decisions, and one per
    kind of related record named in the changes.
    """
    plan_ids = set(Plan.history.filter(pupil_id=pupil.pk).values_list("id", flat=True))
    case_ids = set(PanelCase.history.filter(pupil_id=pupil.pk).values_list("id", flat=True))
    sources = [
        ("pupil", Pupil, Pupil.history.filter(id=pupil.pk)),
        ("placement", Placement, Placement.history.filter(pupil_id=pupil.pk)),
        ("plan", Plan, Plan.history.filter(id__in=plan_ids)),
        ("support", SupportLevel, SupportLevel.history.filter(plan_id__in=plan_ids)),
        ("funding_item", FundingItem, FundingItem.history.filter(pupil_id=pupil.pk)),
        ("case", PanelCase, PanelCase.history.filter(id__in=case_ids)),
        ("decision", PanelDecision, PanelDecision.history.filter(case_id__in=case_ids)),
    ]
    records = {
        key: list(qs.select_related("history_user").order_by("id", "history_date", "history_id"))
        for key, _, qs in sources
    }
    decisions = {
        d.pk: d
        for d in PanelDecision.objects.filter(case_id__in=case_ids).select_related(
            "case", "meeting"
        )
    }
    by_reason = {change_reason_for(d.case, d.meeting): d for d in decisions.values()}
    labels = _Labels()
    for key, model, _ in sources:
        for record in records[key]:
            labels.collect(model, record)
    labels.fetch()

    entries: list[HistoryEntry] = []
    for order, (key, model, _) in enumerate(sources):
        previous = None
        for record in records[key]:
            if previous is not None and previous.id != record.id:
                previous = None
            decision = (decisions.get(record.id) if key == "decision" else None) or by_reason.get(
                record.history_change_reason or ""
            )
            label = _record_label(key, record, labels)
            changes = _changes(model, previous, record, labels)
            replaced = _replaced_support(record, records[key]) if key == "support" else None
            if replaced is not None:
                # A new level that follows another: show the support before → after.
                label += f" (replaces support from {replaced.effective_from:%d %b %Y})"
                changes = [c for c in changes if c.name not in _support_value_names()] + _changes(
                    model, replaced, record, labels, only=SUPPORT_VALUE_FIELDS
                )
            entries.append(
                HistoryEntry(
                    when=record.history_date,
                    user=_user_label(record.history_user),
                    record_type=RECORD_TYPES[key],
                    record=label,
                    action=_ACTIONS.get(record.history_type, record.history_type),
                    changes=changes,
                    reason=record.history_change_reason or getattr(record, "reason", "") or "",
                    decision=decision,
                    sort_key=(record.history_date, order, record.history_id),
                )
            )
            previous = record
    entries.sort(key=lambda e: e.sort_key, reverse=True)
    return entries


def _user_label(user) -> str:
    if user is None:
        return "System"
    return user.get_full_name() or user.get_username()


def _tracked_fields(model) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if f.name not in _HIDDEN_FIELDS]


#: What a support level is (the fields the engine prices), as the decisions list shows them.
SUPPORT_VALUE_FIELDS = SUPPORT_FIELDS


def _support_value_names() -> set[str]:
    return {str(SupportLevel._meta.get_field(name).verbose_name) for name in SUPPORT_VALUE_FIELDS}


def _replaced_support(record, support_records: list):
    """For a support level just created, the level of the same plan it followed (ended the day
    before it starts, as it stood then), or None."""
    if record.history_type != "+":
        return None
    day_before = record.effective_from - dt.timedelta(days=1)
    candidates = [
        r
        for r in support_records
        if r.plan_id == record.plan_id
        and r.id != record.id
        and r.effective_to == day_before
        and r.history_date <= record.history_date
    ]
    return max(candidates, key=lambda r: (r.history_date, r.history_id), default=None)


def _changes(model, previous, record, labels: _Labels, only=None) -> list[FieldChange]:
    if record.history_type == "-":
        return []
    changes = []
    for f in _tracked_fields(model):
        if only is not None and f.name not in only:
            continue
        after = getattr(record, f.attname)
        before = getattr(previous, f.attname) if previous is not None else None
        if previous is not None and before == after:
            continue
        if previous is None and (after in (None, "") or (isinstance(after, Decimal) and not after)):
            continue  # a new record: show what it was created with, not its empty fields
        changes.append(
            FieldChange(
                name=str(f.verbose_name),
                before=labels.value(f, before) if previous is not None else None,
                after=labels.value(f, after),
            )
        )
    return changes


def _record_label(key: str, record, labels: _Labels) -> str:
    if key == "pupil":
        return f"{record.given_name} {record.family_name} ({record.upn})"
    if key == "placement":
        school = labels.get(School, record.school_id)
        return f"Placement at {school} from {record.starts_on:%d %b %Y}"
    if key == "plan":
        kind = dict(Plan._meta.get_field("kind").flatchoices).get(record.kind, record.kind)
        return f"{kind} issued {record.issued_on:%d %b %Y}"
    if key == "support":
        return f"Support level from {record.effective_from:%d %b %Y}"
    if key == "funding_item":
        kind = dict(FundingItem._meta.get_field("kind").flatchoices).get(record.kind, record.kind)
        return f"{kind} from {record.starts_on:%d %b %Y}"
    if key == "case":
        return f"Panel case PC-{record.id:05d}"
    meeting = labels.get(PanelMeeting, record.meeting_id)
    return f"Decision on case PC-{record.case_id:05d} at {meeting}"


class _Labels:
    """Bulk look-ups of the records that changed fields point at (one query per model)."""

    def __init__(self):
        self.wanted: dict[type, set] = defaultdict(set)
        self.found: dict[type, dict] = {}

    def collect(self, model, record) -> None:
        for f in _tracked_fields(model):
            if f.is_relation:
                value = getattr(record, f.attname)
                if value is not None:
                    self.wanted[f.related_model].add(value)

    def fetch(self) -> None:
        related = {
            Plan: ("pupil",),
            SupportLevel: (),
            FundingItem: (),
            PanelCase: (),
            PanelMeeting: (),
            School: (),
            LocalAuthority: (),
            Pupil: (),
        }
        for model, ids in self.wanted.items():
            qs = model._default_manager.filter(pk__in=ids)
            if related.get(model):
                qs = qs.select_related(*related[model])
            self.found[model] = {obj.pk: _object_label(obj) for obj in qs}

    def get(self, model, pk) -> str:
        if pk is None:
            return _EMPTY
        return self.found.get(model, {}).get(pk, f"#{pk} (deleted)")

    def value(self, f: models.Field, value) -> str:
        if value is None or value == "":
            return _EMPTY
        if f.is_relation:
            return self.get(f.related_model, value)
        if f.choices:
            return str(dict(f.flatchoices).get(value, value))
        if isinstance(value, dt.datetime):
            return f"{timezone.localtime(value):%d %b %Y %H:%M}"
        if isinstance(value, dt.date):
            return f"{value:%d %b %Y}"
        if isinstance(value, Decimal):
            if "amount" in f.name:
                return f"£{value:,.2f}"
            return f"{value.normalize():f}"
        return str(value)


def _object_label(obj) -> str:
    user_model = get_user_model()
    if isinstance(obj, user_model):
        return obj.get_full_name() or obj.get_username()
    if isinstance(obj, School):
        return obj.name
    if isinstance(obj, Plan):
        return f"{obj.get_kind_display()} issued {obj.issued_on:%d %b %Y}"
    if isinstance(obj, SupportLevel):
        return f"support from {obj.effective_from:%d %b %Y} ({obj.summary})"
    if isinstance(obj, FundingItem):
        return f"{obj.get_kind_display()} £{obj.annual_amount:,.2f} a year"
    if isinstance(obj, PanelCase):
        return obj.reference
    return str(obj)


# --- the panel's own pages: meetings, agenda, case packs, the home page count -------------------


def panel_members() -> QuerySet:
    """Everyone in the SEN Panel member group, by name (the attendance choices)."""
    return (
        get_user_model()
        .objects.filter(groups__name=PANEL_MEMBER, is_active=True)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def meetings_list() -> QuerySet[PanelMeeting]:
    """Every meeting, newest first, with its agenda size, open cases and members present."""
    return PanelMeeting.objects.annotate(
        case_count=Count("cases", distinct=True),
        open_count=Count("cases", filter=Q(cases__status__in=CaseStatus.open()), distinct=True),
        decision_count=Count("decisions", distinct=True),
        member_count=Count("members_present", distinct=True),
    ).order_by("-date")


def decisions_at_meeting(meeting: PanelMeeting) -> QuerySet[PanelDecision]:
    return (
        PanelDecision.objects.filter(meeting=meeting)
        .select_related("case__pupil", "case__school", "decided_by", "deferred_to")
        .order_by("case__school__name", "case__pupil__family_name")
    )


def open_cases() -> QuerySet[PanelCase]:
    """Cases waiting for the panel (submitted or deferred): what the home page counts."""
    return PanelCase.objects.filter(status__in=CaseStatus.open())


CASE_FILTERS = {
    "open": ("Waiting for a decision", Q(status__in=CaseStatus.open())),
    "decided": ("Decided", ~Q(status__in=CaseStatus.open())),
}


def case_list(status: str = "") -> QuerySet[PanelCase]:
    """Cases for the list page: all, or those of one `CASE_FILTERS` key ("open" is exactly the
    home page's count)."""
    qs = PanelCase.objects.select_related("pupil", "school", "meeting")
    if status in CASE_FILTERS:
        qs = qs.filter(CASE_FILTERS[status][1])
    return qs.order_by("meeting__date", "school__name", "pupil__family_name", "pk")


@dataclass
class CasePack:
    """What the panel reads before deciding a case."""

    case: PanelCase
    summary: PupilSummary
    placements: list = field(default_factory=list)
    funding_items: list = field(default_factory=list)
    previous_decisions: list = field(default_factory=list)
    decisions_on_case: list = field(default_factory=list)


def case_pack(case: PanelCase, *, on: dt.date | None = None) -> CasePack:
    """The pupil, their plan and support in force, the money (the engine's top-up and the
    personal supplements / ENF in force), the panel's earlier decisions and the evidence."""
    on = on or (case.meeting.date if case.meeting_id else timezone.localdate())
    pupil = case.pupil
    summary = pupil_summaries([pupil], on=on)[pupil.pk]
    placements = list(
        Placement.objects.filter(pupil=pupil, starts_on__lte=on)
        .exclude(ends_on__lt=on)
        .select_related("school")
    )
    items = list(
        FundingItem.objects.filter(pupil=pupil, starts_on__lte=on)
        .exclude(ends_on__lt=on)
        .select_related("school")
    )
    return CasePack(
        case=case,
        summary=summary,
        placements=placements,
        funding_items=items,
        previous_decisions=[d for d in summary.decisions if d.case_id != case.pk],
        decisions_on_case=[d for d in summary.decisions if d.case_id == case.pk],
    )


def start_page_items(user) -> list[dict]:
    """The home page count of cases waiting for the panel; its link opens exactly those cases."""
    if not can_read_panel_records(user):
        return []
    return [
        {
            "title": "SEN Panel cases waiting for a decision",
            "count": open_cases().count(),
            "url": reverse("panel:cases") + "?status=open",
            "description": "Cases submitted to the panel or deferred to a later meeting.",
        }
    ]


def decision_timeline(pupil: Pupil, school_ids: set[int] | None) -> list:
    """The SEN Panel's decisions on the pupil's cases for the pupil's timeline (one query).

    A school business manager sees only decisions on their own schools' cases.
    """
    from pupils.selectors import TimelineEntry

    decisions = PanelDecision.objects.filter(case__pupil=pupil).select_related(
        "case__school", "meeting", "decided_by"
    )
    if school_ids is not None:
        decisions = decisions.filter(case__school_id__in=school_ids)
    entries = []
    for decision in decisions:
        case = decision.case
        granted = []
        for label, hours in (
            ("LSA", decision.granted_lsa_hours),
            ("LST", decision.granted_lst_hours),
            ("TA", decision.granted_ta_hours),
        ):
            if hours:
                granted.append(f"{hours.normalize():f} h {label}")
        if decision.granted_band:
            granted.append(f"band {decision.granted_band}")
        detail = f"Panel of {decision.meeting.date:%-d %B %Y} for {case.school.name}"
        if granted:
            detail += f": {', '.join(granted)}"
        starts_on = decision.effective_from or decision.meeting.date
        decided_by = decision.decided_by
        entries.append(
            TimelineEntry(
                kind="Panel decision",
                starts_on=starts_on,
                ends_on=decision.end_date,
                title=f"{case.get_kind_display()}: {decision.get_outcome_display().lower()}",
                detail=detail,
                school_name=case.school.name,
                recorded_by=decided_by.get_full_name() or decided_by.get_username(),
                recorded_at=decision.decided_at,
                reason=decision.reasons,
                backdated=starts_on < timezone.localdate(decision.decided_at),
                amount=decision.granted_amount,
                order=5,
                url=reverse("panel:decision_letter", kwargs={"pk": decision.pk}),
            )
        )
    return entries


def register_extensions() -> None:
    """The panel's parts of the home page and the pupil timeline (schools.extensions)."""
    from schools import extensions

    extensions.register(extensions.START_PAGE_ITEMS, "panel", start_page_items, order=30)
    extensions.register(extensions.PUPIL_TIMELINE, "panel", decision_timeline, order=10)
