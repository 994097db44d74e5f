"""Reads comparing a return with the LA's record as it is now (R20).

A return is a snapshot taken when it was issued. By the time the school answers, or the LA
resolves a query, the record for the same month may have changed (the LA recorded a support
change, a leaving, a new plan). These reads show the record now for the return's month, list
the changes recorded since the return was issued (what, from when, by whom), flag the lines
whose record changed, and find the pupils who joined a school after its return was issued.

Changes are read from the pupils' history tables (every write through `pupils.services` leaves
a history row with its user and reason), so nothing new is stored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import DateField, Exists, F, Func, OuterRef, Q, QuerySet

from funding.returns.calculations import month_end, month_start
from funding.returns.models import MonthlyReturn, ReturnLine
from pupils.models import Placement, Plan, SupportLevel, describe_support

ONE_DAY = dt.timedelta(days=1)


# --- Which history rows are changes to a return's month ------------------------------------


def _overlaps(start: str, end: str, lo, hi) -> Q:
    return Q(**{f"{start}__lte": hi}) & (Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gte": lo}))


def _support_change(lo, hi) -> Q:
    """A support level created, ended within the month, corrected or withdrawn there."""
    overlapping = _overlaps("effective_from", "effective_to", lo, hi)
    changed = Q(effective_to__isnull=True) | Q(effective_to__lt=hi)
    if _has_superseded():
        changed |= Q(superseded_at__isnull=False)
    return overlapping & (Q(history_type__in=["+", "-"]) | (Q(history_type="~") & changed))


def _placement_change(lo, hi, school) -> Q:
    """A placement starting in (or covering) the month, or one at the return's school ended by
    the month's end (a leaving, or a move away)."""
    overlapping = _overlaps("starts_on", "ends_on", lo, hi)
    return (Q(history_type__in=["+", "-"]) & overlapping) | Q(
        history_type="~", school_id=school, ends_on__isnull=False, ends_on__lte=hi
    )


def _plan_change(lo, hi) -> Q:
    """A plan issued for (or deleted from) the month, or one ceased by the month's end."""
    overlapping = _overlaps("issued_on", "ceased_on", lo, hi)
    return (Q(history_type__in=["+", "-"]) & overlapping) | Q(
        history_type="~", ceased_on__isnull=False, ceased_on__lte=hi
    )


def _has_superseded() -> bool:
    return any(f.name == "superseded_at" for f in SupportLevel._meta.get_fields())


def with_record_changed(lines: QuerySet[ReturnLine]) -> QuerySet[ReturnLine]:
    """Annotate `record_changed`: the LA's record for the line's pupil and month changed after
    the return was issued (three EXISTS subqueries, so a list page stays constant queries)."""
    issued = OuterRef("monthly_return__issued_at")
    lo = OuterRef("monthly_return__month")
    hi = OuterRef("month_last_day")

    def recent(model, **pupil):
        return model.history.model.objects.filter(history_date__gt=issued, **pupil)

    support = recent(SupportLevel, plan__pupil=OuterRef("pupil")).filter(_support_change(lo, hi))
    placement = recent(Placement, pupil=OuterRef("pupil")).filter(
        _placement_change(lo, hi, OuterRef("monthly_return__school"))
    )
    plan = recent(Plan, pupil=OuterRef("pupil")).filter(_plan_change(lo, hi))
    return lines.annotate(month_last_day=_last_day_sql()).annotate(
        record_changed=Exists(support) | Exists(placement) | Exists(plan)
    )


def _last_day_sql():
    """The last day of the line's month, in SQL (so one queryset serves many months)."""
    return Func(
        F("monthly_return__month"),
        template="((%(expressions)s + interval '1 month' - interval '1 day')::date)",
        output_field=DateField(),
    )


# --- The changes, described --------------------------------------------------------------


@dataclass(frozen=True)
class RecordChange:
    """One change recorded after the return was issued."""

    pupil_id: int
    what: str
    effective_on: dt.date | None
    recorded_at: dt.datetime
    recorded_by: str
    reason: str = ""


def _person(user) -> str:
    if user is None:
        return "the system"
    return user.get_full_name() or user.get_username()


def changes_since_issue(
    monthly_return: MonthlyReturn, pupil_ids=None
) -> dict[int, list[RecordChange]]:
    """pupil id -> the changes to the return's month recorded after it was issued, oldest
    first. Three queries whatever the number of pupils (all the return's pupils by default)."""
    lo, hi = month_start(monthly_return.month), month_end(monthly_return.month)
    issued = monthly_return.issued_at
    if pupil_ids is None:  # the return's pupils, as a subquery
        pupil_ids = ReturnLine.objects.filter(monthly_return=monthly_return).values("pupil_id")
    out: dict[int, list[RecordChange]] = {}
    support_rows = list(
        SupportLevel.history.model.objects.filter(
            _support_change(lo, hi), plan__pupil_id__in=pupil_ids, history_date__gt=issued
        )
        .select_related("history_user")
        .annotate(pupil_id=F("plan__pupil_id"))
        .order_by("history_date", "history_id")
    )
    placement_rows = list(
        Placement.history.model.objects.filter(
            _placement_change(lo, hi, monthly_return.school_id),
            pupil_id__in=pupil_ids,
            history_date__gt=issued,
        )
        .select_related("history_user", "school")
        .order_by("history_date", "history_id")
    )
    plan_rows = list(
        Plan.history.model.objects.filter(
            _plan_change(lo, hi), pupil_id__in=pupil_ids, history_date__gt=issued
        )
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    starts = {(row.plan_id, row.effective_from) for row in support_rows if row.history_type == "+"}
    changes: list[RecordChange] = []
    for row in support_rows:
        text = _describe_support_row(row, starts)
        if text:
            changes.append(_change(row, row.pupil_id, *text))
    for row in placement_rows:
        changes.append(_change(row, row.pupil_id, *_describe_placement_row(row)))
    for row in plan_rows:
        changes.append(_change(row, row.pupil_id, *_describe_plan_row(row)))
    changes.sort(key=lambda change: change.recorded_at)
    for change in changes:
        out.setdefault(change.pupil_id, []).append(change)
    return out


def _change(row, pupil_id, what, effective_on) -> RecordChange:
    return RecordChange(
        pupil_id=pupil_id,
        what=what,
        effective_on=effective_on,
        recorded_at=row.history_date,
        recorded_by=_person(row.history_user),
        reason=row.history_change_reason or getattr(row, "reason", "") or "",
    )


def _support_words(row) -> str:
    return describe_support(
        row.lsa_hours, row.lst_hours, row.ta_hours, row.band, row.resource_amount
    )


def _describe_support_row(row, starts) -> tuple[str, dt.date | None] | None:
    words = _support_words(row)
    if row.history_type == "+":
        return f"Support changed to {words}", row.effective_from
    if row.history_type == "-":
        return f"Support of {words} from {row.effective_from:%-d %B %Y} deleted", None
    if getattr(row, "superseded_at", None) is not None:
        return (
            f"Support of {words} from {row.effective_from:%-d %B %Y} withdrawn by a corrected "
            "record",
            row.effective_from,
        )
    if row.effective_to is not None:
        if (row.plan_id, row.effective_to + ONE_DAY) in starts:
            return None  # the new level's own change says it
        return f"Support of {words} ended", row.effective_to
    return f"Support corrected to {words}", row.effective_from


def _describe_placement_row(row) -> tuple[str, dt.date | None]:
    school = row.school.name if row.school_id and row.school else "a school"
    if row.history_type == "+":
        return f"Placed at {school}", row.starts_on
    if row.history_type == "-":
        return f"Placement at {school} from {row.starts_on:%-d %B %Y} deleted", None
    return f"Last day on roll at {school}", row.ends_on


def _describe_plan_row(row) -> tuple[str, dt.date | None]:
    if row.history_type == "+":
        return f"{row.get_kind_display()} issued", row.issued_on
    if row.history_type == "-":
        return f"{row.get_kind_display()} from {row.issued_on:%-d %B %Y} deleted", None
    return f"{row.get_kind_display()} ceased", row.ceased_on


# --- The record now, for the return's month ------------------------------------------------


@dataclass
class SupportPeriod:
    effective_from: dt.date
    effective_to: dt.date | None
    summary: str
    recorded_by: str
    recorded_at: dt.datetime


@dataclass
class LiveRecord:
    """The LA's record today for the pupil, the school and the return's month."""

    on_roll_from: dt.date | None = None
    on_roll_to: dt.date | None = None
    on_roll: bool = False  # on roll at this school at the month's end
    plan_kind: str = ""
    plan_ceased_on: dt.date | None = None
    support: list[SupportPeriod] = field(default_factory=list)
    support_summary: str = ""  # the last level in force in the month, as the return shows one
    changes: list[RecordChange] = field(default_factory=list)
    support_differs: bool = False
    on_roll_differs: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.changes) or self.support_differs or self.on_roll_differs


def live_record(line: ReturnLine) -> LiveRecord:
    """The record now for one line (a handful of queries, for the resolve page)."""
    monthly_return = line.monthly_return
    lo, hi = month_start(monthly_return.month), month_end(monthly_return.month)
    record = LiveRecord()
    placement = (
        Placement.objects.filter(pupil_id=line.pupil_id, school_id=monthly_return.school_id)
        .filter(_overlaps("starts_on", "ends_on", lo, hi))
        .order_by("-starts_on")
        .first()
    )
    if placement is not None:
        record.on_roll_from, record.on_roll_to = placement.starts_on, placement.ends_on
        record.on_roll = placement.ends_on is None or placement.ends_on >= hi
    plan = (
        Plan.objects.filter(pupil_id=line.pupil_id)
        .filter(_overlaps("issued_on", "ceased_on", lo, hi))
        .order_by("-issued_on")
        .first()
    )
    if plan is not None:
        record.plan_kind = plan.get_kind_display()
        record.plan_ceased_on = plan.ceased_on
        levels = list(
            SupportLevel.objects.filter(plan=plan)
            .filter(_overlaps("effective_from", "effective_to", lo, hi))
            .select_related("recorded_by")
            .order_by("effective_from")
        )
        record.support = [
            SupportPeriod(
                level.effective_from,
                level.effective_to,
                _support_words(level),
                _person(level.recorded_by),
                level.recorded_at,
            )
            for level in levels
        ]
        if levels:
            record.support_summary = record.support[-1].summary
    record.changes = changes_since_issue(monthly_return, [line.pupil_id]).get(line.pupil_id, [])
    record.support_differs = bool(record.support_summary) and (
        record.support_summary != line.support_summary
    )
    record.on_roll_differs = record.on_roll != line.expected_on_roll
    return record


# --- Pupils who joined after their school's return was issued -----------------------------


@dataclass(frozen=True)
class LateJoiner:
    school_name: str
    school_urn: int
    monthly_return_id: int
    pupil_name: str
    upn: str
    starts_on: dt.date
    recorded_at: dt.datetime


def joined_after_issue(month: dt.date) -> list[LateJoiner]:
    """Pupils placed at a school in `month`, with a plan in force then, who are not on the
    school's return for the month because they were recorded after it was issued. The next
    month's return carries them (as new). One query."""
    lo, hi = month_start(month), month_end(month)
    plan_in_month = Plan.objects.filter(pupil=OuterRef("pupil")).filter(
        _overlaps("issued_on", "ceased_on", lo, hi)
    )
    the_return = MonthlyReturn.objects.filter(school=OuterRef("school"), month=lo)
    on_it = ReturnLine.objects.filter(
        monthly_return__school=OuterRef("school"),
        monthly_return__month=lo,
        pupil=OuterRef("pupil"),
    )
    rows = (
        Placement.objects.filter(starts_on__gte=lo, starts_on__lte=hi)
        .filter(Exists(plan_in_month), Exists(the_return))
        .exclude(Exists(on_it))
        .annotate(
            return_id=the_return.values("pk")[:1],
            return_issued=the_return.values("issued_at")[:1],
        )
        .filter(recorded_at__gt=F("return_issued"))
        .select_related("pupil", "school")
        .order_by("school__name", "pupil__family_name", "pupil__given_name")
    )
    return [
        LateJoiner(
            school_name=row.school.name,
            school_urn=row.school.urn,
            monthly_return_id=row.return_id,
            pupil_name=row.pupil.full_name,
            upn=row.pupil.upn,
            starts_on=row.starts_on,
            recorded_at=row.recorded_at,
        )
        for row in rows
    ]


# --- Is what the school asks for already in the record? ------------------------------------

ALREADY_HAS_SUPPORT = (
    "Our record already shows {support} from {start:%-d %B %Y} (recorded by {who} on "
    "{recorded:%-d %B %Y}), so there is nothing to change. Choose “Already recorded — no change "
    "needed” to close the query."
)
SUPPORT_ALREADY_CHANGED_THEN = (
    "Our record already has a support change from {start:%-d %B %Y}: {support} (recorded by {who} "
    "on {recorded:%-d %B %Y}). If that is what the school asks for, choose “Already recorded — no "
    "change needed”; otherwise enter a later date, or correct the support on the pupil's page."
)
ALREADY_LEFT = (
    "Our record already shows {pupil}'s last day at {school} as {last_day:%-d %B %Y}. If that is "
    "what the school says, choose “Already recorded — no change needed”."
)
ALREADY_ON_ROLL = (
    "Our record already shows {pupil} on roll at {school} from {start:%-d %B %Y}. If that is what "
    "the school says, choose “Already recorded — no change needed”."
)


def already_recorded_problem(
    line: ReturnLine, *, effective_on: dt.date, support=None
) -> dict[str, str] | None:
    """Why accepting the school's correction from `effective_on` would record nothing new (the
    LA already recorded it), as {field: message}; None when the correction can be recorded."""
    school = line.monthly_return.school
    pupil = line.pupil
    if line.on_roll is False and line.expected_on_roll:
        latest = (
            Placement.objects.filter(pupil=pupil, school=school, starts_on__lte=effective_on)
            .order_by("-starts_on")
            .first()
        )
        if latest is not None and latest.ends_on is not None and latest.ends_on <= effective_on:
            return {
                "effective_on": ALREADY_LEFT.format(
                    pupil=pupil.full_name, school=school.name, last_day=latest.ends_on
                )
            }
    elif line.on_roll is True and not line.expected_on_roll:
        placed = (
            Placement.objects.filter(pupil=pupil, school=school, starts_on__lte=effective_on)
            .exclude(ends_on__lt=effective_on)
            .first()
        )
        if placed is not None:
            return {
                "effective_on": ALREADY_ON_ROLL.format(
                    pupil=pupil.full_name, school=school.name, start=placed.starts_on
                )
            }
    if line.support_correct is False and line.plan_id is not None and support is not None:
        level = (
            SupportLevel.objects.filter(plan_id=line.plan_id, effective_from__lte=effective_on)
            .exclude(effective_to__lt=effective_on)
            .select_related("recorded_by")
            .order_by("-effective_from")
            .first()
        )
        if level is not None:
            same = (
                level.lsa_hours == support.lsa_hours
                and level.lst_hours == support.lst_hours
                and level.ta_hours == support.ta_hours
                and level.band == support.band
                and level.resource_amount == support.resource_amount
            )
            words = dict(
                support=_support_words(level),
                start=level.effective_from,
                who=_person(level.recorded_by),
                recorded=level.recorded_at,
            )
            if same:
                return {"effective_on": ALREADY_HAS_SUPPORT.format(**words)}
            if level.effective_from == effective_on:
                return {"effective_on": SUPPORT_ALREADY_CHANGED_THEN.format(**words)}
    return None
