"""Writes for pupils, placements, plans and support levels (one function per use case).

History is never overwritten: a change closes the current row the day before its effective
date and opens a new one. Every write runs in a transaction, checks with `full_clean()` for a
friendly message, and records who made it (`recorded_by`, and django-simple-history's
`history_user`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from pupils.models import (
    AdmissionKind,
    Placement,
    PlacementKind,
    Plan,
    PlanKind,
    Pupil,
    SupportLevel,
)
from schools.models import LocalAuthority, School

ONE_DAY = dt.timedelta(days=1)

NO_CURRENT_PLACEMENT = "This pupil has no placement on {date:%d %B %Y}."
MOVE_BEFORE_PLACEMENT = (
    "The move date must be after the current placement started ({start:%d %B %Y})."
)
SAME_SCHOOL = "The pupil is already at {school} on that date."
LEAVE_BEFORE_START = "The leaving date cannot be before the placement started ({start:%d %B %Y})."
PLAN_ALREADY_IN_FORCE = "This pupil already has a plan in force from {date:%d %B %Y}."
SUPPORT_BEFORE_PLAN = "Support cannot start before the plan was issued ({date:%d %B %Y})."
SUPPORT_AFTER_PLAN_CEASED = "Support cannot start after the plan ceased ({date:%d %B %Y})."
SUPPORT_BEFORE_CURRENT = (
    "Support can only change from a date after the current level started ({date:%d %B %Y}); "
    "to correct an earlier period, end the plan's support there first."
)
CEASE_BEFORE_ISSUE = "A plan cannot cease before it was issued ({date:%d %B %Y})."
NOTHING_TO_CHANGE = (
    "Enter hours, a band or a resource amount that differs from the current support."
)


def _stamp(instance, user, reason: str = "") -> None:
    instance.recorded_by = user if getattr(user, "is_authenticated", False) else None
    instance.reason = reason or instance.reason
    instance._history_user = instance.recorded_by
    if reason:
        instance._change_reason = reason


def _save(instance, user, reason: str = "") -> None:
    _stamp(instance, user, reason)
    instance.full_clean()
    instance.save()


@dataclass(frozen=True)
class SupportHours:
    lsa_hours: Decimal = Decimal("0")
    lst_hours: Decimal = Decimal("0")
    ta_hours: Decimal = Decimal("0")
    band: int | None = None
    resource_amount: Decimal | None = None


@transaction.atomic
def pupil_create(
    *,
    upn: str,
    given_name: str,
    family_name: str,
    date_of_birth: dt.date,
    home_la: LocalAuthority,
    user=None,
) -> Pupil:
    pupil = Pupil(
        upn=upn.strip().upper(),
        given_name=given_name.strip(),
        family_name=family_name.strip(),
        date_of_birth=date_of_birth,
        home_la=home_la,
    )
    pupil._history_user = user if getattr(user, "is_authenticated", False) else None
    pupil.full_clean()
    pupil.save()
    return pupil


@transaction.atomic
def placement_start(
    *,
    pupil: Pupil,
    school: School,
    starts_on: dt.date,
    kind: str = PlacementKind.MAINSTREAM,
    admission_kind: str = AdmissionKind.FIRST_ADMISSION,
    ends_on: dt.date | None = None,
    user=None,
    reason: str = "",
) -> Placement:
    """Place a pupil at a school from a date (no other placement may overlap)."""
    placement = Placement(
        pupil=pupil,
        school=school,
        starts_on=starts_on,
        ends_on=ends_on,
        kind=kind,
        admission_kind=admission_kind,
    )
    _save(placement, user, reason)
    return placement


def current_placement(pupil: Pupil, on: dt.date, *, for_update: bool = False) -> Placement | None:
    qs = Placement.objects.filter(pupil=pupil, starts_on__lte=on).exclude(ends_on__lt=on)
    if for_update:
        qs = qs.select_for_update()
    return qs.select_related("school").first()


@transaction.atomic
def pupil_move(
    *,
    pupil: Pupil,
    to_school: School,
    moves_on: dt.date,
    admission_kind: str,
    kind: str | None = None,
    user=None,
    reason: str = "",
) -> Placement:
    """R16: move a pupil to another school from `moves_on` (their first day there).

    The current placement ends the day before; the new one records the admission kind
    (phase transfer, casual admission or managed move), which decides whether PSF follows.
    """
    current = current_placement(pupil, moves_on, for_update=True)
    if current is None:
        raise ValidationError({"moves_on": NO_CURRENT_PLACEMENT.format(date=moves_on)})
    if current.school_id == to_school.pk:
        raise ValidationError({"to_school": SAME_SCHOOL.format(school=to_school.name)})
    if moves_on <= current.starts_on:
        raise ValidationError({"moves_on": MOVE_BEFORE_PLACEMENT.format(start=current.starts_on)})
    later_end = current.ends_on
    current.ends_on = moves_on - ONE_DAY
    _save(current, user, reason or f"Moved to {to_school.name}")
    return placement_start(
        pupil=pupil,
        school=to_school,
        starts_on=moves_on,
        kind=kind or current.kind,
        admission_kind=admission_kind,
        ends_on=later_end,
        user=user,
        reason=reason,
    )


@transaction.atomic
def pupil_leave(*, pupil: Pupil, last_day: dt.date, user=None, reason: str = "") -> Placement:
    """Record that a pupil left their school: the placement ends on their last day on roll."""
    current = current_placement(pupil, last_day, for_update=True)
    if current is None:
        raise ValidationError({"last_day": NO_CURRENT_PLACEMENT.format(date=last_day)})
    if last_day < current.starts_on:
        raise ValidationError({"last_day": LEAVE_BEFORE_START.format(start=current.starts_on)})
    current.ends_on = last_day
    _save(current, user, reason or "Left the school")
    return current


@transaction.atomic
def plan_issue(
    *,
    pupil: Pupil,
    kind: str = PlanKind.EHCP,
    issued_on: dt.date,
    primary_need: str = "",
    annual_review_due: dt.date | None = None,
    support: SupportHours | None = None,
    caseworker=None,
    user=None,
    reason: str = "",
) -> Plan:
    """Issue a statement or EHCP, with its first support level from the issue date."""
    clash = (
        Plan.objects.filter(pupil=pupil)
        .exclude(ceased_on__lt=issued_on)
        .order_by("issued_on")
        .first()
    )
    if clash is not None:
        raise ValidationError({"issued_on": PLAN_ALREADY_IN_FORCE.format(date=clash.issued_on)})
    if annual_review_due is None:
        annual_review_due = _one_year_on(issued_on)
    plan = Plan(
        pupil=pupil,
        kind=kind,
        issued_on=issued_on,
        primary_need=primary_need,
        annual_review_due=annual_review_due,
        caseworker=caseworker,
    )
    _save(plan, user, reason or "Plan issued")
    if support is not None:
        _support_create(
            plan, issued_on, None, support, user, reason or "Support set when plan issued"
        )
    return plan


def _one_year_on(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def _support_create(plan, effective_from, effective_to, support: SupportHours, user, reason):
    level = SupportLevel(
        plan=plan,
        effective_from=effective_from,
        effective_to=effective_to,
        lsa_hours=support.lsa_hours,
        lst_hours=support.lst_hours,
        ta_hours=support.ta_hours,
        band=support.band,
        resource_amount=support.resource_amount,
    )
    _save(level, user, reason)
    return level


@transaction.atomic
def support_change(
    *,
    plan: Plan,
    effective_from: dt.date,
    support: SupportHours,
    user=None,
    reason: str = "",
) -> SupportLevel:
    """R5/R6: change a plan's support from a date. The current row ends the day before.

    Backdated changes are allowed (the new row's `is_backdated` is then true and the next
    allocation run funds the new level from its effective date).
    """
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    if effective_from < plan.issued_on:
        raise ValidationError({"effective_from": SUPPORT_BEFORE_PLAN.format(date=plan.issued_on)})
    if plan.ceased_on is not None and effective_from > plan.ceased_on:
        raise ValidationError(
            {"effective_from": SUPPORT_AFTER_PLAN_CEASED.format(date=plan.ceased_on)}
        )
    current = (
        SupportLevel.objects.select_for_update()
        .filter(plan=plan, effective_from__lte=effective_from)
        .exclude(effective_to__lt=effective_from)
        .first()
    )
    later = (
        SupportLevel.objects.filter(plan=plan, effective_from__gt=effective_from)
        .order_by("effective_from")
        .first()
    )
    new_end = later.effective_from - ONE_DAY if later else plan.ceased_on
    if current is not None:
        if current.effective_from == effective_from:
            raise ValidationError(
                {"effective_from": SUPPORT_BEFORE_CURRENT.format(date=current.effective_from)}
            )
        if _same_support(current, support):
            raise ValidationError(NOTHING_TO_CHANGE)
        new_end = current.effective_to if current.effective_to is not None else new_end
        current.effective_to = effective_from - ONE_DAY
        _save(current, user, reason or "Support changed")
    return _support_create(
        plan, effective_from, new_end, support, user, reason or "Support changed"
    )


def _same_support(level: SupportLevel, support: SupportHours) -> bool:
    return (
        level.lsa_hours == support.lsa_hours
        and level.lst_hours == support.lst_hours
        and level.ta_hours == support.ta_hours
        and level.band == support.band
        and level.resource_amount == support.resource_amount
    )


@transaction.atomic
def plan_cease(*, plan: Plan, ceased_on: dt.date, user=None, reason: str = "") -> Plan:
    """Cease a plan: its support ends on the same day; later support rows are closed off."""
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    if ceased_on < plan.issued_on:
        raise ValidationError({"ceased_on": CEASE_BEFORE_ISSUE.format(date=plan.issued_on)})
    for level in (
        SupportLevel.objects.select_for_update()
        .filter(plan=plan)
        .exclude(effective_to__lt=ceased_on)
    ):
        if level.effective_from > ceased_on:
            raise ValidationError(
                {"ceased_on": f"Support starts on {level.effective_from:%d %B %Y}, after that."}
            )
        level.effective_to = ceased_on
        _save(level, user, reason or "Plan ceased")
    plan.ceased_on = ceased_on
    _save(plan, user, reason or "Plan ceased")
    return plan
