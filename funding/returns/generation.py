"""Writes that generate monthly returns (R20), several schools at a time.

Generation is idempotent per (school, month): a return is created once (a unique constraint),
rebuilt only while nobody at the school has opened it, and otherwise left alone.

`monthly_returns_generate` takes a batch of schools (a worker task's share of a generation) and
does for all of them at once what used to be done school by school: it reads this month's and the
last returns, the last return's lines, the placements, plans and support levels in a constant
number of bulk queries (`funding.returns.generation_reads`); runs the engine once over the batch's
pupils for the month's money (`funding.selectors.monthly_top_ups_by_school`, the entitlement to
date read in bulk); then creates every new return and its lines in one transaction (one INSERT ...
ON CONFLICT DO NOTHING, one COPY) and rebuilds every unopened one in another (one locking SELECT,
one read of their lines, one upsert, one DELETE, one UPDATE). Any school a batched write could not
take is written school by school, each in its own transaction. A school that fails is reported as
failed, with its error, and the others are unaffected; the task retries only the schools whose
error was the database's.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from funding import selectors as funding_selectors
from funding.returns.calculations import LineDraft, baseline_snapshots, build_lines, month_start
from funding.returns.generation_reads import (
    _PlansAndSupports,
    _read_schools,
    _rebuildable,
    _School,
)
from funding.returns.models import MonthlyReturn, ReturnLine
from funding.year_inputs import cached_year_inputs
from schools.dates import FinancialYear
from schools.db import ids_in

logger = logging.getLogger(__name__)

CREATED = "created"
REBUILT = "rebuilt"
LEFT_ALONE = "left_alone"
FAILED = "failed"
PENNY = Decimal("0.01")

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

# A new line's answers and resolution start empty; the columns without a database default are
# written as COPY_EMPTY says.
COPY_EMPTY = {
    "correction": "",
    "queried": False,
    "resolution": "",
    "resolution_reason": "",
    "version": 0,  # a new line has not been answered (see the line's version)
}


@dataclass(frozen=True)
class GenerationOutcome:
    school_id: int
    outcome: str  # created / rebuilt / left_alone / failed
    lines: int = 0
    monthly_return_id: int | None = None
    error: BaseException | None = field(default=None, compare=False)


def monthly_return_generate(
    *, school_id: int, month: dt.date, generation_id: int | None = None
) -> GenerationOutcome:
    """Create (or, while unopened, rebuild) one school's return for `month`: the batch of one.

    A constant number of queries whatever the school's size. Raises the school's error, if any.
    """
    (outcome,) = monthly_returns_generate(
        school_ids=[school_id], month=month, generation_id=generation_id
    )
    if outcome.error is not None:
        raise outcome.error
    return outcome


def monthly_returns_generate(
    *,
    school_ids: list[int],
    month: dt.date,
    generation_id: int | None = None,
    year_key: Hashable | None = None,
) -> list[GenerationOutcome]:
    """Create (or rebuild while unopened) the returns of several schools for `month`.

    Answers one outcome per school, in `school_ids` order; a school whose drafting or write
    failed has the outcome FAILED and its exception as `error` (the others are written). An
    error in the bulk reads, which no school's write has yet followed, is raised.

    The month's money comes from one engine over the batch's pupils; `year_key` names the
    generation's send-out, whose year-wide inputs (scheme, rates, calendar) this worker process
    then reads once for all its batches (`funding.year_inputs`).
    """
    start = month_start(month)
    schools, batch = _read_schools(list(dict.fromkeys(school_ids)), start)
    outcomes: dict[int, GenerationOutcome] = {}
    to_write: list[_School] = []
    for school in schools.values():
        if school.existing is not None and not _rebuildable(*school.existing[1:]):
            outcomes[school.school_id] = GenerationOutcome(
                school.school_id, LEFT_ALONE, monthly_return_id=school.existing[0]
            )
            continue
        try:
            school.drafts = _draft_school(school, start, batch)
        except DatabaseError as exc:
            outcomes[school.school_id] = GenerationOutcome(school.school_id, FAILED, error=exc)
            continue
        except Exception as exc:
            logger.exception("Return for school %s (%s) failed", school.school_id, start)
            outcomes[school.school_id] = GenerationOutcome(school.school_id, FAILED, error=exc)
            continue
        to_write.append(school)
    _set_amounts(to_write, start, year_key)
    now = timezone.now()
    new = [school for school in to_write if school.existing is None]
    outcomes.update(_create_together(new, start, generation_id, now))
    again = [school for school in to_write if school.existing is not None]
    outcomes.update(_rebuild_together(again, start, generation_id, now))
    for school in to_write:
        if school.school_id not in outcomes:
            outcomes[school.school_id] = _write_one(school, start, generation_id, now)
    return [outcomes[school_id] for school_id in dict.fromkeys(school_ids)]


# --- Drafting ------------------------------------------------------------------------------


def _draft_school(school: _School, start: dt.date, batch: _PlansAndSupports) -> list[LineDraft]:
    """Decide one school's lines from the batch's reads (pure: no queries)."""
    if not school.placements:
        return []
    previous = school.snapshots
    first_return = previous is None
    if first_return:
        previous = baseline_snapshots(
            month=start,
            placements=school.placements,
            plans_by_pupil=batch.plans,
            supports_by_plan=batch.supports,
        )
    return build_lines(
        month=start,
        dates_of_birth=school.dates_of_birth,
        placements=school.placements,
        plans_by_pupil=batch.plans,
        supports_by_plan=batch.supports,
        previous=previous,
        closing_lines=not first_return,
    )


# --- The month's money ---------------------------------------------------------------------


def _set_amounts(schools: list[_School], start: dt.date, year_key: Hashable | None) -> None:
    """Each school's money for the month per pupil in the month (R7+), as `monthly_top_ups`
    answers for one school, from one engine over the batch's pupils. An engine that cannot
    price them (no rate, say) leaves every amount blank rather than failing the returns; no
    scheme or calendar for the year leaves them blank."""
    wanted = {d.pupil_id for school in schools for d in school.drafts if d.in_month}
    if not wanted or not getattr(settings, "RETURNS_MONTHLY_AMOUNTS", True):
        return
    try:
        year = cached_year_inputs(FinancialYear.of(start), year_key)
        by_school = funding_selectors.monthly_top_ups_by_school(
            start,
            school_ids=[school.school_id for school in schools],
            pupil_ids=sorted(wanted),
            year=year,
        )
    except DatabaseError:
        raise
    except Exception:
        logger.warning("No monthly top-ups for %s", start, exc_info=True)
        return
    for school in schools:
        top_ups = by_school.get(school.school_id, {})
        for draft in school.drafts:
            top_up = top_ups.get(draft.pupil_id) if draft.in_month else None
            if top_up is not None:
                school.amounts[draft.pupil_id] = top_up.amount.quantize(PENNY)


# --- Writes --------------------------------------------------------------------------------


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


def _records(school: _School) -> dict[int, tuple]:
    return {draft.pupil_id: _record(draft, school.amounts) for draft in school.drafts}


def _create_together(
    schools: list[_School], start: dt.date, generation_id: int | None, now
) -> dict[int, GenerationOutcome]:
    """The new returns and all their lines in one transaction: one INSERT ... ON CONFLICT DO
    NOTHING (a return another run created meanwhile is skipped, to be rebuilt or left alone
    school by school) and one COPY. If it fails, nothing is written and every school is left
    to `_write_one`, so only a school that fails alone is reported failed."""
    if not schools or connection.vendor != "postgresql":
        return {}
    try:
        with transaction.atomic():
            created = _insert_returns(schools, start, generation_id, now)
            _insert_lines(
                (created[school.school_id], _records(school))
                for school in schools
                if school.school_id in created
            )
    except Exception:
        logger.warning("Writing %s returns together failed", len(schools), exc_info=True)
        return {}
    return {
        school.school_id: GenerationOutcome(
            school.school_id, CREATED, len(school.drafts), created[school.school_id]
        )
        for school in schools
        if school.school_id in created
    }


def _rebuild_together(
    schools: list[_School], start: dt.date, generation_id: int | None, now
) -> dict[int, GenerationOutcome]:
    """Rebuild the unopened returns and their lines in one transaction: the returns locked in
    one SELECT ... FOR UPDATE (in id order) and checked again (one opened meanwhile is left
    alone), their lines read in one query, the changed lines upserted and the stale deleted in
    one statement each (as `_write_lines` does for one), the returns re-stamped in one UPDATE.
    If it fails, nothing is written and every school is left to `_write_one`."""
    if not schools:
        return {}
    by_return = {school.existing[0]: school for school in schools}
    try:
        with transaction.atomic():
            locked = (
                MonthlyReturn.objects.select_for_update()
                .filter(ids_in("pk", by_return))
                .order_by("pk")
                .values_list("pk", "status", "opened_at")
            )
            out, rebuilt = {}, []
            for pk, status, opened_at in locked:
                school = by_return[pk]
                if _rebuildable(status, opened_at):
                    rebuilt.append(pk)
                else:
                    out[school.school_id] = GenerationOutcome(
                        school.school_id, LEFT_ALONE, monthly_return_id=pk
                    )
            _rewrite_lines({pk: _records(by_return[pk]) for pk in rebuilt})
            if rebuilt:
                MonthlyReturn.objects.filter(ids_in("pk", rebuilt)).update(
                    issued_at=now, generation_id=generation_id
                )
    except Exception:
        logger.warning("Rebuilding %s returns together failed", len(schools), exc_info=True)
        return {}
    for pk in rebuilt:
        school = by_return[pk]
        out[school.school_id] = GenerationOutcome(school.school_id, REBUILT, len(school.drafts), pk)
    return out


def _rewrite_lines(records_by_return: dict[int, dict[int, tuple]]) -> None:
    """Several returns' lines against what each should record ({return id: {pupil id:
    record}}): the lines whose record changed (or that are new) upserted, those of pupils no
    longer on a return deleted, unchanged lines left with their rows (and ids)."""
    if not records_by_return:
        return
    current: dict[int, dict[int, tuple]] = defaultdict(dict)
    for return_id, pupil_id, pk, *record in (
        ReturnLine.objects.filter(ids_in("monthly_return_id", records_by_return))
        .order_by()
        .values_list("monthly_return_id", "pupil_id", "pk", *RECORD_FIELDS)
    ):
        current[return_id][pupil_id] = (pk, tuple(record))
    changed, stale = [], []
    for return_id, records in records_by_return.items():
        there = current.get(return_id, {})
        changed.extend(
            _line(return_id, pupil_id, record)
            for pupil_id, record in records.items()
            if pupil_id not in there or there[pupil_id][1] != record
        )
        stale.extend(pk for pupil_id, (pk, _) in there.items() if pupil_id not in records)
    if changed:
        ReturnLine.objects.bulk_create(
            changed,
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["monthly_return", "pupil"],
            update_fields=[name.removesuffix("_id") for name in RECORD_FIELDS],
        )
    if stale:
        ReturnLine.objects.filter(ids_in("pk", stale)).delete()


def _insert_returns(schools: list[_School], start: dt.date, generation_id, now) -> dict[int, int]:
    """INSERT the returns, skipping any that exists; answers {school id: new return id}."""
    # No history row for the generator's own insert (the run is recorded in ReturnGeneration;
    # history keeps what people change).
    fields = [f for f in MonthlyReturn._meta.concrete_fields if not f.primary_key]
    rows = []
    for school in schools:
        instance = MonthlyReturn(
            school_id=school.school_id, month=start, issued_at=now, generation_id=generation_id
        )
        rows.append([f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields])
    quote = connection.ops.quote_name
    table = MonthlyReturn._meta.db_table
    school_column = MonthlyReturn._meta.get_field("school").column
    month_column = MonthlyReturn._meta.get_field("month").column
    placeholders = ", ".join(["(" + ", ".join(["%s"] * len(fields)) + ")"] * len(rows))
    sql = (
        f"INSERT INTO {quote(table)} ({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES {placeholders} ON CONFLICT ({quote(school_column)}, {quote(month_column)}) "
        f"DO NOTHING RETURNING {quote(school_column)}, {quote(MonthlyReturn._meta.pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for row in rows for value in row])
        return dict(cursor.fetchall())


def _write_one(
    school: _School, start: dt.date, generation_id: int | None, now
) -> GenerationOutcome:
    """One school's return on its own: created, or rebuilt under a row lock (checked again)."""
    try:
        return _write_one_or_raise(school, start, generation_id, now)
    except IntegrityError as exc:
        if school.existing is not None:
            return _failed(school, start, exc)
        # Another run created this return meanwhile: once more, as a rebuild (or leave it).
        row = (
            MonthlyReturn.objects.filter(school_id=school.school_id, month=start)
            .values_list("pk", "status", "opened_at")
            .first()
        )
        school.existing = row
        try:
            return _write_one_or_raise(school, start, generation_id, now)
        except Exception as exc:
            return _failed(school, start, exc)
    except Exception as exc:
        return _failed(school, start, exc)


def _failed(school: _School, start: dt.date, exc: Exception) -> GenerationOutcome:
    if not isinstance(exc, DatabaseError):
        logger.exception("Return for school %s (%s) failed", school.school_id, start)
    return GenerationOutcome(school.school_id, FAILED, error=exc)


def _write_one_or_raise(
    school: _School, start: dt.date, generation_id: int | None, now
) -> GenerationOutcome:
    created = school.existing is None
    with transaction.atomic():
        if created:
            (monthly_return,) = MonthlyReturn.objects.bulk_create(
                [
                    MonthlyReturn(
                        school_id=school.school_id,
                        month=start,
                        issued_at=now,
                        generation_id=generation_id,
                    )
                ]
            )
        else:
            monthly_return = MonthlyReturn.objects.select_for_update().get(pk=school.existing[0])
            if not _rebuildable(monthly_return.status, monthly_return.opened_at):
                return GenerationOutcome(
                    school.school_id, LEFT_ALONE, monthly_return_id=monthly_return.pk
                )
        if created:  # COPY on PostgreSQL
            _insert_lines([(monthly_return.pk, _records(school))])
        else:  # only the lines whose record changed (unchanged lines keep their rows and ids)
            _rewrite_lines({monthly_return.pk: _records(school)})
        if not created:
            MonthlyReturn.objects.filter(pk=monthly_return.pk).update(
                issued_at=now, generation_id=generation_id
            )
    return GenerationOutcome(
        school.school_id, CREATED if created else REBUILT, len(school.drafts), monthly_return.pk
    )


def _line(monthly_return_id: int, pupil_id: int, record: tuple) -> ReturnLine:
    return ReturnLine(
        monthly_return_id=monthly_return_id,
        pupil_id=pupil_id,
        **dict(zip(RECORD_FIELDS, record, strict=True)),
    )


def _insert_lines(returns) -> None:
    """[(return id, {pupil id: record})] -> new lines, in one COPY on PostgreSQL (no conflicts
    are possible on a new return)."""
    if connection.vendor != "postgresql":
        ReturnLine.objects.bulk_create(
            [
                _line(return_id, pupil_id, record)
                for return_id, records in returns
                for pupil_id, record in records.items()
            ],
            batch_size=1000,
        )
        return
    quote = connection.ops.quote_name
    names = ["monthly_return_id", "pupil_id", *RECORD_FIELDS, *COPY_EMPTY]
    columns = ", ".join(quote(ReturnLine._meta.get_field(name).column) for name in names)
    sql = f"COPY {quote(ReturnLine._meta.db_table)} ({columns}) FROM STDIN"
    empty = tuple(COPY_EMPTY.values())
    copy_rows = [
        (return_id, pupil_id, *record[:-1], json.dumps(record[-1]), *empty)
        for return_id, records in returns
        for pupil_id, record in records.items()
    ]
    if not copy_rows:
        return
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in copy_rows:
            copy.write_row(row)
