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
import json
import logging
import statistics
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from funding import selectors as funding_selectors
from funding.returns import selectors
from funding.returns.calculations import (
    ONE_DAY,
    LineDraft,
    PlacementRow,
    PlanRow,
    Snapshot,
    Support,
    SupportRow,
    baseline_snapshots,
    build_lines,
    month_end,
    month_start,
)
from funding.returns.models import (
    MonthlyReturn,
    Resolution,
    ReturnGeneration,
    ReturnLine,
    ReturnStatus,
)
from pupils import services as pupil_services
from pupils.models import AdmissionKind, Placement, PlacementKind, Plan, SupportLevel
from pupils.services import SupportHours
from schools.models import School

logger = logging.getLogger(__name__)

CREATED = "created"
REBUILT = "rebuilt"
LEFT_ALONE = "left_alone"
FAILED = "failed"

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

# The LA's record on a line, as attribute names; a rebuild compares and rewrites only these.
RECORD_FIELDS = [
    "placement_id",
    "plan_id",
    "support_level_id",
    "year_group",
    "plan_kind",
    "on_roll_from",
    "on_roll_to",
    "expected_on_roll",
    "lsa_hours",
    "lst_hours",
    "ta_hours",
    "band",
    "resource_amount",
    "monthly_amount",
    "plan_ceased_on",
    "annual_review_due",
    "changes",
]


def _actor(user):
    return user if getattr(user, "is_authenticated", False) else None


def _person(user) -> str:
    if user is None:
        return "Someone"
    return user.get_full_name() or user.get_username()


# --- Generation -------------------------------------------------------------------------------


@dataclass(frozen=True)
class GenerationOutcome:
    school_id: int
    outcome: str  # created / rebuilt / left_alone
    lines: int = 0
    monthly_return_id: int | None = None


def _rebuildable(status: str, opened_at) -> bool:
    return status == ReturnStatus.ISSUED and opened_at is None


def monthly_return_generate(
    *,
    school_id: int,
    month: dt.date,
    generation_id: int | None = None,
    amounts: dict[str, str] | None = None,
    _again: bool = False,
) -> GenerationOutcome:
    """Create (or, while unopened, rebuild) one school's return for `month`.

    A constant number of queries whatever the school's size: one for this month's and the last
    return, four bulk reads, the engine's amounts, then in one transaction the return row
    (inserted, or locked with SELECT ... FOR UPDATE and checked again) and its lines. A return
    the school has opened, started or submitted is left alone.

    `amounts` ({pupil id: amount} as strings) are the month's money already read for the whole
    generation (`selectors.monthly_amounts_by_school`); without them the engine is run for this
    school's pupils alone.
    """
    start = month_start(month)
    recent = list(
        MonthlyReturn.objects.filter(school_id=school_id, month__lte=start)
        .order_by("-month")
        .values_list("pk", "month", "status", "opened_at")[:2]
    )
    existing = recent[0] if recent and recent[0][1] == start else None
    previous = next((row[:2] for row in recent if row[1] < start), None)
    if existing is not None and not _rebuildable(existing[2], existing[3]):
        return GenerationOutcome(school_id, LEFT_ALONE, monthly_return_id=existing[0])
    drafts = _draft_lines(school_id, start, previous)
    line_amounts = (
        _monthly_amounts(drafts, school_id, start)
        if amounts is None
        else _given_amounts(drafts, amounts)
    )
    now = timezone.now()
    created = existing is None
    try:
        with transaction.atomic():
            if created:
                # bulk_create: no history row for the generator's own insert (the run is
                # recorded in ReturnGeneration; history keeps what people change).
                (monthly_return,) = MonthlyReturn.objects.bulk_create(
                    [
                        MonthlyReturn(
                            school_id=school_id,
                            month=start,
                            issued_at=now,
                            generation_id=generation_id,
                        )
                    ]
                )
            else:
                monthly_return = MonthlyReturn.objects.select_for_update().get(pk=existing[0])
                if not _rebuildable(monthly_return.status, monthly_return.opened_at):
                    return GenerationOutcome(
                        school_id, LEFT_ALONE, monthly_return_id=monthly_return.pk
                    )
            _write_lines(monthly_return, drafts, line_amounts, created)
            if not created:
                MonthlyReturn.objects.filter(pk=monthly_return.pk).update(
                    issued_at=now, generation_id=generation_id
                )
    except IntegrityError:
        if not created or _again:
            raise
        # Another run created this return meanwhile: start again, as a rebuild (or leave it).
        return monthly_return_generate(
            school_id=school_id,
            month=start,
            generation_id=generation_id,
            amounts=amounts,
            _again=True,
        )
    return GenerationOutcome(
        school_id, CREATED if created else REBUILT, len(drafts), monthly_return.pk
    )


def _previous_snapshots(previous_id: int, previous_month: dt.date) -> dict[int, Snapshot]:
    """What the school's last return told it about each pupil."""
    previous_end = month_end(previous_month)
    rows = (
        ReturnLine.objects.filter(monthly_return_id=previous_id)
        .order_by()
        .values_list(
            "pupil_id",
            "plan_id",
            "lsa_hours",
            "lst_hours",
            "ta_hours",
            "band",
            "resource_amount",
            "on_roll_from",
            "expected_on_roll",
            "plan_ceased_on",
        )
    )
    out = {}
    for pupil_id, plan_id, lsa, lst, ta, band, resource, from_, on_roll, ceased in rows:
        gone = not on_roll or (ceased is not None and ceased <= previous_end)
        out[pupil_id] = Snapshot(
            pupil_id, plan_id, Support(lsa, lst, ta, band, resource), from_, gone
        )
    return out


def _draft_lines(school_id: int, start: dt.date, previous_return=None) -> list[LineDraft]:
    """Read the school's records in bulk (four queries) and decide the return's lines.

    `previous_return` is (id, month) of the school's last return before `start`, if any.
    """
    end = month_end(start)
    baseline_day = start - ONE_DAY
    previous = _previous_snapshots(*previous_return) if previous_return else None
    placements, dates_of_birth = _placements(school_id, baseline_day, end, previous or {})
    if not placements:
        return []
    plans = _plans(list(dates_of_birth), end)
    supports = _supports([plan.id for plan in plans], baseline_day, end) if plans else []
    first_return = previous is None
    if first_return:
        previous = baseline_snapshots(
            month=start, placements=placements, plans=plans, supports=supports
        )
    return build_lines(
        month=start,
        dates_of_birth=dates_of_birth,
        placements=placements,
        plans=plans,
        supports=supports,
        previous=previous,
        closing_lines=not first_return,
    )


# The bulk reads clear the models' default ordering: ordering by a foreign key would join the
# pupil (or plan) table only to sort rows the calculation does not need sorted.


def _placements(school_id, baseline_day, end, previous: dict[int, Snapshot]):
    """Placements at the school from the day before the month, plus those of the pupils on the
    last return (who may have left since), with each pupil's date of birth."""
    in_period = Q(school_id=school_id, starts_on__lte=end) & (
        Q(ends_on__isnull=True) | Q(ends_on__gte=baseline_day)
    )
    if previous:
        in_period |= Q(school_id=school_id, pupil_id__in=list(previous))
    placements, dates_of_birth = [], {}
    for pk, pupil_id, starts_on, ends_on, dob in (
        Placement.objects.filter(in_period)
        .order_by()
        .values_list("pk", "pupil_id", "starts_on", "ends_on", "pupil__date_of_birth")
    ):
        placements.append(PlacementRow(pk, pupil_id, starts_on, ends_on))
        dates_of_birth[pupil_id] = dob
    return placements, dates_of_birth


def _plans(pupil_ids: list[int], end: dt.date) -> list[PlanRow]:
    return [
        PlanRow(*row)
        for row in Plan.objects.filter(pupil_id__in=pupil_ids, issued_on__lte=end)
        .order_by()
        .values_list("pk", "pupil_id", "kind", "issued_on", "ceased_on", "annual_review_due")
    ]


def _supports(plan_ids: list[int], baseline_day: dt.date, end: dt.date) -> list[SupportRow]:
    return [
        SupportRow(*row)
        for row in SupportLevel.objects.filter(plan_id__in=plan_ids, effective_from__lte=end)
        .exclude(effective_to__lt=baseline_day)
        .order_by()
        .values_list(
            "pk",
            "plan_id",
            "effective_from",
            "effective_to",
            "lsa_hours",
            "lst_hours",
            "ta_hours",
            "band",
            "resource_amount",
        )
    ]


def _monthly_amounts(drafts: list[LineDraft], school_id: int, start: dt.date) -> dict:
    """The engine's money for the month per pupil on the return (R7+), in constant queries.

    Each amount is the pupil's entitlement to the month's end less that to the month's start
    (`funding.selectors.monthly_top_ups`), so a pupil's returns over the year add up to the
    year's lines. An engine that cannot price the school (no rate, say) leaves every amount
    blank rather than failing the return; no scheme or calendar for the year leaves them blank.
    """
    pupil_ids = [draft.pupil_id for draft in drafts if draft.in_month]
    if not pupil_ids or not getattr(settings, "RETURNS_MONTHLY_AMOUNTS", True):
        return {}
    try:
        return dict(funding_selectors.monthly_top_ups(school_id, start, pupil_ids))
    except DatabaseError:
        raise
    except Exception:
        logger.warning("No monthly top-ups for school %s", school_id, exc_info=True)
        return {}


def _given_amounts(drafts: list[LineDraft], amounts: dict[str, str]) -> dict[int, Decimal]:
    """The generation's amounts for the pupils in the month (as `_monthly_amounts` answers)."""
    out = {}
    for draft in drafts:
        amount = amounts.get(str(draft.pupil_id)) if draft.in_month else None
        if amount is not None:
            out[draft.pupil_id] = Decimal(amount)
    return out


def _record(draft: LineDraft, amounts: dict) -> tuple:
    """The LA's record for one line, in RECORD_FIELDS order."""
    support = draft.support
    return (
        draft.placement_id,
        draft.plan_id,
        draft.support_level_id,
        draft.year_group,
        draft.plan_kind,
        draft.on_roll_from,
        draft.on_roll_to,
        draft.expected_on_roll,
        support.lsa_hours,
        support.lst_hours,
        support.ta_hours,
        support.band,
        support.resource_amount,
        amounts.get(draft.pupil_id),
        draft.plan_ceased_on,
        draft.annual_review_due,
        draft.changes,
    )


def _write_lines(monthly_return, drafts, amounts, created: bool) -> None:
    """A new return's lines are inserted (COPY on PostgreSQL). A rebuild compares with the
    lines already there and upserts only the lines whose record changed, deleting those of
    pupils no longer on it, so unchanged lines keep their rows (and ids)."""
    records = {draft.pupil_id: _record(draft, amounts) for draft in drafts}
    if created:
        _insert_lines(monthly_return.pk, records)
        return
    current = {
        row[0]: (row[1], row[2:])
        for row in ReturnLine.objects.filter(monthly_return=monthly_return)
        .order_by()
        .values_list("pupil_id", "pk", *RECORD_FIELDS)
    }
    changed = {
        pupil_id: record
        for pupil_id, record in records.items()
        if pupil_id not in current or current[pupil_id][1] != record
    }
    stale = [pk for pupil_id, (pk, _) in current.items() if pupil_id not in records]
    if changed:
        ReturnLine.objects.bulk_create(
            [_line(monthly_return.pk, pupil_id, record) for pupil_id, record in changed.items()],
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["monthly_return", "pupil"],
            update_fields=[name.removesuffix("_id") for name in RECORD_FIELDS],
        )
    if stale:
        ReturnLine.objects.filter(pk__in=stale).delete()


def _line(monthly_return_id: int, pupil_id: int, record: tuple) -> ReturnLine:
    return ReturnLine(
        monthly_return_id=monthly_return_id,
        pupil_id=pupil_id,
        **dict(zip(RECORD_FIELDS, record, strict=True)),
    )


def _insert_lines(monthly_return_id: int, records: dict[int, tuple]) -> None:
    if not records:
        return
    if connection.vendor != "postgresql":
        ReturnLine.objects.bulk_create(
            [_line(monthly_return_id, pupil_id, record) for pupil_id, record in records.items()],
            batch_size=1000,
        )
        return
    # PostgreSQL's COPY: no conflicts are possible on a new return. Answers and resolutions
    # start empty; the columns without a database default are written as COPY_EMPTY says.
    quote = connection.ops.quote_name
    names = ["monthly_return_id", "pupil_id", *RECORD_FIELDS, *COPY_EMPTY]
    columns = ", ".join(quote(ReturnLine._meta.get_field(name).column) for name in names)
    sql = f"COPY {quote(ReturnLine._meta.db_table)} ({columns}) FROM STDIN"
    empty = tuple(COPY_EMPTY.values())
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for pupil_id, record in records.items():
            copy.write_row(
                (monthly_return_id, pupil_id, *record[:-1], json.dumps(record[-1]), *empty)
            )


COPY_EMPTY = {
    "correction": "",
    "queried": False,
    "resolution": "",
    "resolution_reason": "",
    "version": 0,  # a new line has not been answered (see the line's version)
}


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
                resolution=line.get_resolution_display().lower(),
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
    sent = get_connection().send_messages(messages) if messages else 0
    reminded = [r.pk for school_id, rs in by_school.items() if school_id in recipients for r in rs]
    if reminded:
        MonthlyReturn.objects.filter(pk__in=reminded).update(last_reminded_at=timezone.now())
    return sent or 0
