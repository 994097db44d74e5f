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
from simple_history.utils import bulk_create_with_history

from pupils.models import (
    AdmissionKind,
    Placement,
    PlacementKind,
    Plan,
    PlanKind,
    Pupil,
    PupilHomeLa,
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
HOME_LA_FROM_BIRTH = "Home LA from date of birth"
#: SEN funding follows a child from birth to 25, so a plausible date of birth is at most this many
#: years ago (with room for late corrections) and never in the future.
OLDEST_PUPIL_YEARS = 30
DOB_IMPLAUSIBLE = (
    "Enter a date of birth between {earliest:%-d %B %Y} and today (a pupil is 0 to 25 years old)."
)
HOME_LA_SAME = "{la} is already the pupil's home LA from {start:%-d %B %Y}."
HOME_LA_BEFORE_CURRENT = (
    "The date of the move must be after the current home LA period started "
    "({start:%-d %B %Y}). To fix an earlier period, correct it instead."
)
HOME_LA_IN_CLOSED_PERIOD = (
    "That date is inside an earlier home LA period ({la}, {start:%-d %B %Y} to "
    "{end:%-d %B %Y}). To fix an earlier period, correct it instead."
)
HOME_LA_CORRECT_BEFORE_PREVIOUS = (
    "The period must start after the previous one started ({start:%-d %B %Y})."
)
HOME_LA_CORRECT_AFTER_END = "The period must start on or before it ends ({end:%-d %B %Y})."
HOME_LA_CORRECT_NOTHING = "Enter a home LA or a start date that differs from the recorded one."
HOME_LA_REASON_REQUIRED = "Enter the reason for this correction."


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


def date_of_birth_problem(date_of_birth: dt.date, *, today: dt.date | None = None) -> str | None:
    """Why `date_of_birth` cannot be a pupil's (0001-01-01, next year), or None when plausible."""
    today = today or dt.date.today()
    earliest = today.replace(year=today.year - OLDEST_PUPIL_YEARS, day=1)
    if not earliest <= date_of_birth <= today:
        return DOB_IMPLAUSIBLE.format(earliest=earliest)
    return None


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
    problem = date_of_birth_problem(date_of_birth)
    if problem:
        raise ValidationError({"date_of_birth": problem})
    pupil.full_clean()
    pupil.save()
    _save(PupilHomeLa(pupil=pupil, la=home_la, starts_on=date_of_birth), user, HOME_LA_FROM_BIRTH)
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


# --- home LA (R8+) ------------------------------------------------------------------------------


def _home_la_periods(pupil: Pupil, user) -> list[PupilHomeLa]:
    """The pupil's home-LA periods, oldest first, locked. A pupil recorded before home LAs were
    dated (or created without one) gets its open period from date of birth first."""
    periods = list(
        PupilHomeLa.objects.select_for_update().filter(pupil=pupil).order_by("starts_on")
    )
    if not periods:
        first = PupilHomeLa(pupil=pupil, la_id=pupil.home_la_id, starts_on=pupil.date_of_birth)
        _save(first, user, HOME_LA_FROM_BIRTH)
        periods = [first]
    return periods


def _sync_current_home_la(pupil: Pupil, user, reason: str) -> None:
    """`Pupil.home_la` is the LA of the pupil's latest period."""
    latest = PupilHomeLa.objects.filter(pupil=pupil).order_by("-starts_on").first()
    if latest is not None and latest.la_id != pupil.home_la_id:
        pupil.home_la_id = latest.la_id
        pupil._history_user = user if getattr(user, "is_authenticated", False) else None
        pupil._change_reason = reason
        pupil.save(update_fields=["home_la"])


@transaction.atomic
def home_la_periods_from_birth(*, pupil_ids=None, user=None) -> int:
    """R8+: give every pupil without a dated home LA (bulk-created by a seed, a benchmark or
    before home LAs were dated) one open period from date of birth in `Pupil.home_la`, with
    history. Returns how many were created. Idempotent."""
    pupils = Pupil.objects.filter(home_la_periods__isnull=True)
    if pupil_ids is not None:
        pupils = pupils.filter(pk__in=pupil_ids)
    recorded_by = user if getattr(user, "is_authenticated", False) else None
    periods = [
        PupilHomeLa(
            pupil_id=pk,
            la_id=la_id,
            starts_on=dob,
            recorded_by=recorded_by,
            reason=HOME_LA_FROM_BIRTH,
        )
        for pk, dob, la_id in pupils.values_list("pk", "date_of_birth", "home_la_id")
    ]
    bulk_create_with_history(
        periods,
        PupilHomeLa,
        batch_size=2000,
        default_user=recorded_by,
        default_change_reason=HOME_LA_FROM_BIRTH,
    )
    return len(periods)


@transaction.atomic
def pupil_home_la_change(
    *, pupil: Pupil, la: LocalAuthority, from_date: dt.date, user=None, reason: str = ""
) -> PupilHomeLa:
    """R8+: the pupil lives in `la` from `from_date` (a house move): the LA paying their top-up
    changes that day. The current period ends the day before; nothing earlier is rewritten.

    A date on or before the start of the current period, or inside an earlier one, is refused:
    that is a correction of the history (`pupil_home_la_correct`), not a move.
    """
    pupil = Pupil.objects.select_for_update().get(pk=pupil.pk)
    periods = _home_la_periods(pupil, user)
    current = periods[-1]
    for period in periods[:-1]:
        if period.starts_on <= from_date <= period.ends_on:
            raise ValidationError(
                {
                    "from_date": HOME_LA_IN_CLOSED_PERIOD.format(
                        la=period.la.name, start=period.starts_on, end=period.ends_on
                    )
                }
            )
    if from_date <= current.starts_on:
        raise ValidationError({"from_date": HOME_LA_BEFORE_CURRENT.format(start=current.starts_on)})
    later_end = current.ends_on
    if later_end is None or later_end >= from_date:
        if current.la_id == la.pk:
            raise ValidationError({"la": HOME_LA_SAME.format(la=la.name, start=current.starts_on)})
        current.ends_on = from_date - ONE_DAY
        _save(current, user, reason or f"Moved to {la.name}")
    else:  # the last period had ended: the new one starts after a gap, open-ended
        later_end = None
    period = PupilHomeLa(pupil=pupil, la=la, starts_on=from_date, ends_on=later_end)
    _save(period, user, reason or f"Moved to {la.name}")
    _sync_current_home_la(pupil, user, reason or f"Moved to {la.name}")
    return period


@transaction.atomic
def pupil_home_la_correct(
    *,
    period: PupilHomeLa,
    la: LocalAuthority | None = None,
    starts_on: dt.date | None = None,
    user=None,
    reason: str,
) -> PupilHomeLa:
    """Correct a home-LA period entered wrongly: its LA, or the day it starts (the previous
    period then ends the day before, so the history stays without gaps). The correction is kept
    in the history with who, when and why; a reason is required.
    """
    if not reason.strip():
        raise ValidationError({"reason": HOME_LA_REASON_REQUIRED})
    pupil = Pupil.objects.select_for_update().get(pk=period.pupil_id)
    periods = _home_la_periods(pupil, user)
    index = next(i for i, p in enumerate(periods) if p.pk == period.pk)
    period = periods[index]
    previous = periods[index - 1] if index > 0 else None
    new_la_id = la.pk if la is not None else period.la_id
    new_start = starts_on or period.starts_on
    if new_la_id == period.la_id and new_start == period.starts_on:
        raise ValidationError(HOME_LA_CORRECT_NOTHING)
    if period.ends_on is not None and new_start > period.ends_on:
        raise ValidationError({"starts_on": HOME_LA_CORRECT_AFTER_END.format(end=period.ends_on)})
    if previous is not None and new_start <= previous.starts_on:
        raise ValidationError(
            {"starts_on": HOME_LA_CORRECT_BEFORE_PREVIOUS.format(start=previous.starts_on)}
        )
    moved_earlier = new_start < period.starts_on
    if previous is not None and moved_earlier:  # shrink the previous period first (no overlap)
        previous.ends_on = new_start - ONE_DAY
        _save(previous, user, reason)
    period.la_id = new_la_id
    period.starts_on = new_start
    _save(period, user, reason)
    if previous is not None and not moved_earlier and previous.ends_on != new_start - ONE_DAY:
        previous.ends_on = new_start - ONE_DAY
        _save(previous, user, reason)
    _sync_current_home_la(pupil, user, reason)
    return period
