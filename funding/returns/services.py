"""Writes for monthly returns (R20): generate, answer, submit, resolve, remind.

Generation is idempotent per (school, month): a return is created once (a unique constraint),
rebuilt only while nobody at the school has opened it, and otherwise left alone. Schools answer
line by line under row locks (the return row, then the line), so two people answering different
lines at once lose nothing, and submitting twice is harmless. Accepting a school's correction
changes the pupil's placement or support through `pupils.services`, with the effective date the
officer gives, so the next allocation run picks it up.
"""

from __future__ import annotations

import datetime as dt
import logging
import statistics

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, mailers
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from funding.returns import selectors
from funding.returns.calculations import month_start
from funding.returns.generation import (  # noqa: F401 - the generation's API, here as before
    CREATED,
    FAILED,
    LEFT_ALONE,
    REBUILT,
    GenerationOutcome,
    monthly_return_generate,
    monthly_returns_generate,
)
from funding.returns.models import (
    MonthlyReturn,
    Resolution,
    ReturnGeneration,
    ReturnLine,
    ReturnStatus,
)
from pupils import services as pupil_services
from pupils.models import AdmissionKind, PlacementKind
from pupils.services import SupportHours
from schools.models import School

logger = logging.getLogger(__name__)


RETURN_CLOSED = "This return was submitted on {date:%d %B %Y}; it can no longer be changed."
CORRECTION_NEEDED = (
    "Say what is wrong with this line, for example the date the pupil left or the support "
    "they actually receive."
)
UNANSWERED_LINES = "Answer every line before you submit the return: {count} still to answer."
LINE_CHANGED = (
    "{user} answered this line at {time:%H:%M on %d %B %Y}, after you opened it. Their answer is "
    "shown below: check it, then save again if it needs changing."
)
NOT_A_QUERY = "The school agreed with this line; there is nothing to resolve."
ALREADY_RESOLVED = "This line was already {resolution} on {date:%d %B %Y}."
NOT_SUBMITTED = "The school has not submitted this return yet."
REASON_NEEDED = "Give the school a reason for rejecting its correction."
EFFECTIVE_DATE_NEEDED = "Enter the date the change takes effect."
SUPPORT_NEEDED = "Enter the support the pupil receives from the effective date."
NO_PLAN = "This line has no plan to change; change the pupil's plan in the pupils admin."
NOT_AT_SCHOOL = "On {date:%d %B %Y} the pupil is not recorded at {school}."


def _actor(user):
    return user if getattr(user, "is_authenticated", False) else None


def _person(user) -> str:
    if user is None:
        return "Someone"
    return user.get_full_name() or user.get_username()


# --- Generation -------------------------------------------------------------------------------
# Drafting and writing the returns is `funding.returns.generation` (batches of schools); a
# generation run is recorded and tallied here.


def return_generation_start(
    *, month: dt.date, requested_by_id: int | None = None
) -> tuple[ReturnGeneration, list[int]]:
    """Record a generation run for `month` and decide which schools get a return."""
    school_ids = selectors.schools_due_a_return(month)
    now = timezone.now()
    generation = ReturnGeneration.objects.create(
        month=month_start(month),
        requested_by_id=requested_by_id,
        started_at=now,
        last_attempt_at=now,
        schools=len(school_ids),
    )
    return generation, school_ids


def return_generation_claim_resume(
    *, generation_id: int, stale_before: dt.datetime, max_attempts: int
) -> list[int] | None:
    """Claim an unfinished generation whose last attempt began before `stale_before` (its
    worker was killed, or its tally never ran) for one more attempt: the schools due a return
    for its month, or None if it finished, was claimed by someone else meanwhile, or has had
    `max_attempts`. One conditional UPDATE, so two beats never resume it twice."""
    claimed = ReturnGeneration.objects.filter(
        Q(last_attempt_at__lt=stale_before)
        | Q(last_attempt_at__isnull=True, started_at__lt=stale_before),
        pk=generation_id,
        finished_at__isnull=True,
        attempts__lt=max_attempts,
    ).update(attempts=F("attempts") + 1, last_attempt_at=timezone.now())
    if not claimed:
        return None
    generation = ReturnGeneration.objects.get(pk=generation_id)
    school_ids = selectors.schools_due_a_return(generation.month)
    ReturnGeneration.objects.filter(pk=generation_id).update(schools=len(school_ids))
    return school_ids


@transaction.atomic
def return_generation_finish(*, generation_id: int, results: list[dict]) -> ReturnGeneration:
    """Tally the per-school results: created / rebuilt / left alone, and which schools failed."""
    generation = ReturnGeneration.objects.select_for_update().get(pk=generation_id)
    counts = {CREATED: 0, REBUILT: 0, LEFT_ALONE: 0, FAILED: 0}
    for result in results:
        counts[result.get("outcome", FAILED)] = counts.get(result.get("outcome", FAILED), 0) + 1
    failed = [r for r in results if r.get("outcome") == FAILED]
    names = dict(
        School.objects.filter(pk__in=[r["school_id"] for r in failed]).values_list("pk", "name")
    )
    generation.created = counts[CREATED]
    generation.rebuilt = counts[REBUILT]
    generation.left_alone = counts[LEFT_ALONE]
    generation.failed = counts[FAILED]
    generation.failures = [
        {
            "school_id": r["school_id"],
            "school": names.get(r["school_id"], ""),
            "error": r.get("error", ""),
        }
        for r in failed
    ]
    generation.timings = _timings(results, generation.started_at.timestamp())
    generation.finished_at = timezone.now()
    generation.save()
    return generation


def _timings(results: list[dict], started: float) -> dict:
    """Per-school service seconds and latency from the run's start, as p50 / p95 / max."""
    out = {}
    for key, values in (
        ("service", [r["seconds"] for r in results if r.get("seconds") is not None]),
        ("latency", [r["finished"] - started for r in results if r.get("finished")]),
    ):
        if values:
            out[key] = {
                "p50": round(statistics.median(values), 4),
                "p95": round(_percentile(values, 95), 4),
                "max": round(max(values), 4),
            }
    return out


def _percentile(values: list[float], pct: int) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


# --- The school's answers -----------------------------------------------------------------


def monthly_return_mark_opened(*, monthly_return: MonthlyReturn, user) -> bool:
    """A school user opened the return: from now on the generator leaves it alone."""
    return bool(
        MonthlyReturn.objects.filter(pk=monthly_return.pk, opened_at__isnull=True).update(
            opened_at=timezone.now(), opened_by=_actor(user)
        )
    )


def _lock_return(monthly_return_id: int) -> MonthlyReturn:
    return MonthlyReturn.objects.select_for_update().get(pk=monthly_return_id)


def _require_open(monthly_return: MonthlyReturn) -> None:
    if not monthly_return.is_open_to_school:
        raise ValidationError(
            RETURN_CLOSED.format(date=timezone.localtime(monthly_return.submitted_at))
        )


def _start(monthly_return: MonthlyReturn, user, now) -> None:
    if monthly_return.status == ReturnStatus.ISSUED:
        monthly_return.status = ReturnStatus.IN_PROGRESS
        monthly_return.started_at = now
        monthly_return.opened_at = monthly_return.opened_at or now
        monthly_return.opened_by = monthly_return.opened_by or _actor(user)
        monthly_return._history_user = _actor(user)
        monthly_return.save(update_fields=["status", "started_at", "opened_at", "opened_by"])


@transaction.atomic
def return_line_answer(
    *,
    line: ReturnLine,
    user,
    on_roll: bool,
    support_correct: bool,
    correction: str = "",
    version: int | None = None,
) -> ReturnLine:
    """The school's answer for one line. Locks the return row, then just this line.

    `version` is the line's version the person saw: if someone answered the line since, the
    answer is refused (LINE_CHANGED) instead of silently replacing theirs."""
    monthly_return = _lock_return(line.monthly_return_id)
    _require_open(monthly_return)
    line = (
        ReturnLine.objects.select_for_update(of=("self",))
        .select_related("answered_by")
        .get(pk=line.pk)
    )
    if version is not None and version != line.version:
        raise ValidationError(
            LINE_CHANGED.format(
                user=_person(line.answered_by),
                time=timezone.localtime(line.answered_at or line.resolved_at or timezone.now()),
            ),
            code="line_changed",
        )
    correction = (correction or "").strip()
    queried = on_roll != line.expected_on_roll or not support_correct
    if queried and not correction:
        raise ValidationError({"correction": CORRECTION_NEEDED})
    now = timezone.now()
    line.on_roll = on_roll
    line.support_correct = support_correct
    line.correction = correction
    line.queried = queried
    line.answered_by = _actor(user)
    line.answered_at = now
    line.version += 1
    line._history_user = _actor(user)
    line.save(
        update_fields=[
            "on_roll",
            "support_correct",
            "correction",
            "queried",
            "answered_by",
            "answered_at",
            "version",
        ]
    )
    _start(monthly_return, user, now)
    return line


@transaction.atomic
def return_lines_confirm_remaining(*, monthly_return: MonthlyReturn, user) -> int:
    """Answer every still-unanswered line "as the LA records it"; answered lines are untouched."""
    monthly_return = _lock_return(monthly_return.pk)
    _require_open(monthly_return)
    now = timezone.now()
    lines = list(
        ReturnLine.objects.select_for_update().filter(
            monthly_return=monthly_return, answered_at__isnull=True
        )
    )
    for line in lines:
        line.on_roll = line.expected_on_roll
        line.support_correct = True
        line.correction = ""
        line.queried = False
        line.answered_by = _actor(user)
        line.answered_at = now
        line.version += 1
    if lines:
        bulk_update_with_history(
            lines,
            ReturnLine,
            [
                "on_roll",
                "support_correct",
                "correction",
                "queried",
                "answered_by",
                "answered_at",
                "version",
            ],
            default_user=_actor(user),
            default_change_reason="Confirmed as recorded",
        )
        _start(monthly_return, user, now)
    return len(lines)


@transaction.atomic
def monthly_return_submit(*, monthly_return: MonthlyReturn, user) -> MonthlyReturn:
    """Submit a fully answered return: *submitted*, or *queried* if any line disagrees.

    Submitting again is harmless: a return already submitted is returned unchanged.
    """
    monthly_return = _lock_return(monthly_return.pk)
    if not monthly_return.is_open_to_school:
        return monthly_return
    counts = ReturnLine.objects.filter(monthly_return=monthly_return).aggregate(
        unanswered=Count("pk", filter=Q(answered_at__isnull=True)),
        queried=Count("pk", filter=Q(queried=True)),
    )
    if counts["unanswered"]:
        raise ValidationError(UNANSWERED_LINES.format(count=counts["unanswered"]))
    now = timezone.now()
    monthly_return.status = ReturnStatus.QUERIED if counts["queried"] else ReturnStatus.SUBMITTED
    monthly_return.submitted_at = now
    monthly_return.submitted_by = _actor(user)
    monthly_return.opened_at = monthly_return.opened_at or now
    monthly_return._history_user = _actor(user)
    monthly_return.save(update_fields=["status", "submitted_at", "submitted_by", "opened_at"])
    return monthly_return


# --- The LA's resolution ------------------------------------------------------------------


def _lock_query(line: ReturnLine) -> tuple[MonthlyReturn, ReturnLine]:
    monthly_return = _lock_return(line.monthly_return_id)
    line = (
        ReturnLine.objects.select_for_update(of=("self",))
        .select_related("pupil", "plan", "placement")
        .get(pk=line.pk)
    )
    if not line.queried:
        raise ValidationError(NOT_A_QUERY)
    if line.resolution:
        raise ValidationError(
            ALREADY_RESOLVED.format(
                resolution=(
                    "closed as already recorded"
                    if line.resolution == Resolution.ALREADY_RECORDED
                    else line.get_resolution_display().lower()
                ),
                date=timezone.localtime(line.resolved_at),
            )
        )
    if monthly_return.status != ReturnStatus.QUERIED:
        raise ValidationError(NOT_SUBMITTED)
    return monthly_return, line


def _close_if_done(monthly_return: MonthlyReturn, user, now) -> None:
    if not ReturnLine.objects.filter(selectors.OPEN_QUERY, monthly_return=monthly_return).exists():
        monthly_return.status = ReturnStatus.RESOLVED
        monthly_return.resolved_at = now
        monthly_return._history_user = _actor(user)
        monthly_return.save(update_fields=["status", "resolved_at"])


def _resolve(line, monthly_return, user, resolution, reason, effective_on=None) -> ReturnLine:
    now = timezone.now()
    line.resolution = resolution
    line.resolution_reason = reason
    line.resolution_effective_on = effective_on
    line.resolved_by = _actor(user)
    line.resolved_at = now
    line.version += 1
    line._history_user = _actor(user)
    line.save(
        update_fields=[
            "resolution",
            "resolution_reason",
            "resolution_effective_on",
            "resolved_by",
            "resolved_at",
            "version",
        ]
    )
    _close_if_done(monthly_return, user, now)
    return line


@transaction.atomic
def return_line_accept(
    *,
    line: ReturnLine,
    user,
    effective_on: dt.date | None,
    support: SupportHours | None = None,
    note: str = "",
) -> ReturnLine:
    """Accept the school's correction and record it from `effective_on`.

    Not on roll (the LA had the pupil on roll) -> `pupil_leave` with that last day; on roll
    (the LA had them leaving) -> `placement_start` at the school from that day; support wrong ->
    `support_change` to `support` from that day. All in one transaction with the resolution.
    """
    monthly_return, line = _lock_query(line)
    if effective_on is None:
        raise ValidationError({"effective_on": EFFECTIVE_DATE_NEEDED})
    month = f"{monthly_return.month:%B %Y}"
    reason = f"Monthly return {month}: school's correction accepted"
    school = monthly_return.school
    line.monthly_return = monthly_return
    # The LA may have recorded the change itself since the return was issued: say so, and
    # point to "already recorded", rather than the pupils service's date rules.
    from funding.returns.live_record import already_recorded_problem

    problem = already_recorded_problem(line, effective_on=effective_on, support=support)
    if problem:
        raise ValidationError(problem, code="already_recorded")
    try:
        if line.on_roll is False and line.expected_on_roll:
            current = pupil_services.current_placement(line.pupil, effective_on)
            if current is None or current.school_id != school.pk:
                raise ValidationError(
                    {"effective_on": NOT_AT_SCHOOL.format(date=effective_on, school=school.name)}
                )
            pupil_services.pupil_leave(
                pupil=line.pupil, last_day=effective_on, user=user, reason=reason
            )
        elif line.on_roll is True and not line.expected_on_roll:
            previous = line.placement
            pupil_services.placement_start(
                pupil=line.pupil,
                school=school,
                starts_on=effective_on,
                kind=previous.kind if previous else PlacementKind.MAINSTREAM,
                admission_kind=(
                    previous.admission_kind if previous else AdmissionKind.FIRST_ADMISSION
                ),
                user=user,
                reason=reason,
            )
        if line.support_correct is False:
            if line.plan is None:
                raise ValidationError(NO_PLAN)
            if support is None:
                raise ValidationError({"support": SUPPORT_NEEDED})
            pupil_services.support_change(
                plan=line.plan,
                effective_from=effective_on,
                support=support,
                user=user,
                reason=reason,
            )
    except ValidationError as exc:
        raise _on_effective_date(exc) from None
    return _resolve(line, monthly_return, user, Resolution.ACCEPTED, note.strip(), effective_on)


_DATE_FIELDS = {"last_day", "starts_on", "ends_on", "effective_from", "__all__"}


def _on_effective_date(exc: ValidationError) -> ValidationError:
    """Show the pupils service's date messages against the form's effective date."""
    if not hasattr(exc, "error_dict"):
        return exc
    errors: dict[str, list] = {}
    for field, messages in exc.message_dict.items():
        key = "effective_on" if field in _DATE_FIELDS else field
        errors.setdefault(key, []).extend(messages)
    return ValidationError(errors)


@transaction.atomic
def return_line_reject(*, line: ReturnLine, user, reason: str) -> ReturnLine:
    """Reject the school's correction with a reason the school sees on its return."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": REASON_NEEDED})
    monthly_return, line = _lock_query(line)
    return _resolve(line, monthly_return, user, Resolution.REJECTED, reason)


# --- Reminders ----------------------------------------------------------------------------


REMINDER_SUBJECT = "Monthly SEN return overdue: {school}"
REMINDER_BODY = """Dear colleague,

The monthly return of pupils with a statement or EHC plan for {school} is overdue:

{returns}

Please sign in to SEN funding administration, open Returns, confirm for each pupil that they
are still on roll and that their support level is correct, and submit the return.

Thank you,
The SEN funding team
"""


def overdue_return_reminders_send(*, today: dt.date | None = None) -> int:
    """Email each overdue school's business managers once (one email per manager per school).

    Returns reminded earlier today are skipped, so running it twice a day sends nothing twice.
    Answers how many emails were sent.
    """
    today = today or timezone.localdate()
    start_of_today = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    overdue = list(selectors.overdue_returns(today).exclude(last_reminded_at__gte=start_of_today))
    by_school: dict[int, list[MonthlyReturn]] = {}
    for monthly_return in overdue:
        by_school.setdefault(monthly_return.school_id, []).append(monthly_return)
    recipients = selectors.business_manager_emails(by_school)
    messages = []
    for school_id, returns in by_school.items():
        school = returns[0].school
        listing = "\n".join(
            f"- {r.month:%B %Y}, issued {timezone.localtime(r.issued_at):%d %B %Y}" for r in returns
        )
        for email in recipients.get(school_id, []):
            messages.append(
                EmailMessage(
                    subject=REMINDER_SUBJECT.format(school=school.name),
                    body=REMINDER_BODY.format(school=school.name, returns=listing),
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    to=[email],
                )
            )
    sent = mailers.default.send_messages(messages) if messages else 0
    reminded = [r.pk for school_id, rs in by_school.items() if school_id in recipients for r in rs]
    if reminded:
        MonthlyReturn.objects.filter(pk__in=reminded).update(last_reminded_at=timezone.now())
    return sent or 0
