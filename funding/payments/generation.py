"""Writes that generate a period's payments (R24), several schools at a time.

`payment_schools_generate` takes a batch of schools (a worker task's share of a period) and
does for all of them at once what used to be done school by school: it reads what each school
is to be paid for and what it was paid before in a constant number of bulk queries; reads the
batch's pupils once (the year-wide scheme, rates and calendar as at the period's moment once a
worker process for the whole period: `funding.year_inputs`) and runs ONE engine over them
(`explain=False`: the same money, no explanation text, which payments do not keep); works
each school's due lines from those (`funding.payments.calculations`, pure); then replaces the
batch's lines in one DELETE and one COPY. Each school's lines are what generating
it alone gives (an engine's lines for a pupil depend only on that pupil's inputs), so
re-generating an unapproved period gives the same rows, batched or not.

Everything happens inside one transaction holding the period FOR SHARE (the schools of a period
generate side by side; prepare and approve, FOR UPDATE, wait for them), so a period that is no
longer a draft is never written. If the batch's engine fails, each school is worked alone; if
the batched write fails, each school is written alone in a savepoint. A school that fails is
reported with its error and the others are written; the task retries only the schools whose
error was the database's.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Hashable
from dataclasses import dataclass, field

from django.db import DatabaseError, connection, transaction

from funding.calculations.allocation import Engine
from funding.extensions import line_sources
from funding.models import Element
from funding.payments import selectors
from funding.payments.calculations import Due, due_for_school
from funding.payments.models import PaymentLine, PaymentPeriod
from funding.selectors import allocation_inputs, scheme_for
from funding.year_inputs import YearInputs, cached_year_inputs
from schools.db import ids_in
from schools.models import School
from schools.selectors import administering_la

logger = logging.getLogger(__name__)

BATCH = 20  # schools a task, unless settings.PAYMENTS_GENERATION_BATCH says otherwise
ELEMENT_LABELS = dict(Element.choices)

#: The columns a line is written with (COPY), in order.
COLUMNS = [
    "period_id",
    "school_id",
    "pupil_id",
    "element",
    "route",
    "payer_la_id",
    "reason_kind",
    "paid_as",
    "amount",
    "entitlement_to_date",
    "paid_before",
    "school_days",
    "reason",
    "working",
]


@dataclass(frozen=True)
class SchoolOutcome:
    school_id: int
    lines: int = 0
    error: BaseException | None = field(default=None, compare=False)


@dataclass
class _Reads:
    """What the batch's bulk reads found, per school."""

    pupils: dict[int, list[int]]
    paid: dict[int, tuple[dict, dict]]
    held: dict[int, dict[int, str]]
    released: dict[int, set]
    paid_as: dict[int, str]


def _read(period: PaymentPeriod, scheme, school_ids: list[int]) -> _Reads:
    holds = scheme is not None and scheme.hold_queried_return_lines
    empty: dict = {school_id: {} for school_id in school_ids}
    schools = School.objects.filter(ids_in("id", school_ids)).only("id", "establishment_type")
    return _Reads(
        pupils=selectors.pupils_to_pay_by_school(period, school_ids),
        paid=selectors.paid_to_date_by_school(period, school_ids),
        held=selectors.held_pupils_by_school(period, school_ids) if holds else empty,
        released=(
            selectors.released_keys_by_school(period, school_ids)
            if period.index > 1
            else {school_id: set() for school_id in school_ids}
        ),
        paid_as={school.pk: selectors.paid_as(scheme, school) for school in schools},
    )


def _engine_lines(period: PaymentPeriod, year: YearInputs, pupil_ids: list[int]):
    """One engine over `pupil_ids` as at the period's moment: (lines, days counter). `year`:
    the scheme, its rates and the calendar as at that moment, read once (`funding.year_inputs`)."""
    if not pupil_ids:
        return [], (lambda start, end: 0)
    inputs = allocation_inputs(
        period.fy,
        scheme=year.scheme,
        la=year.la,
        pupil_ids=pupil_ids,
        with_schools=False,
        as_at=period.as_at,
        rates=year.rates,
        calendar=year.calendar,
    )
    engine = Engine(inputs, explain=False)
    lines = []
    for pupil_id in pupil_ids:
        pupil = inputs.pupils.get(pupil_id)
        if pupil is not None:
            lines.extend(engine.pupil_lines(pupil))
    for _name, source in line_sources():
        extra, _warnings = source(inputs)
        lines.extend(extra)
    return lines, engine.days


def _dues(period: PaymentPeriod, reads: _Reads, school_ids: list[int], lines, days):
    """{school id: its due lines}, each school's worked from the batch's lines (pure)."""
    by_school: dict = {school_id: [] for school_id in school_ids}
    for line in lines:
        if line.school_id in by_school:
            by_school[line.school_id].append(line)
    out = {}
    for school_id in school_ids:
        paid, segments = reads.paid[school_id]
        try:
            out[school_id] = due_for_school(
                school_id=school_id,
                lines=by_school[school_id],
                starts_on=period.starts_on,
                ends_on=period.ends_on,
                paid=paid,
                days=days,
                period_label=period.label,
                earlier_periods=period.index > 1,
                paid_segments=segments,
                labels=ELEMENT_LABELS,
                held=reads.held[school_id],
                released=reads.released[school_id],
            )
        except Exception as exc:
            logger.exception("Payments for school %s (%s) failed", school_id, period.label)
            out[school_id] = exc
    return out


def schools_due(
    period: PaymentPeriod, scheme, school_ids: list[int], *, year_key: Hashable | None = None
) -> tuple[dict, _Reads]:
    """({school id: its due lines, or the error that stopped it}, the batch's reads). One
    engine for the batch; if that fails (one pupil's data, say), one engine a school, so only
    that school fails. `year_key` names the period's send-out, whose year-wide inputs this
    worker process reads once for all its batches (`funding.year_inputs`)."""
    reads = _read(period, scheme, school_ids)
    pupils = sorted({p for school_id in school_ids for p in reads.pupils[school_id]})
    year = _year(period, scheme, year_key) if pupils else None
    try:
        lines, days = _engine_lines(period, year, pupils)
    except DatabaseError:
        raise
    except Exception:
        if len(school_ids) == 1:
            raise
        logger.warning("Payments for %s schools together failed", len(school_ids), exc_info=True)
        out = {}
        for school_id in school_ids:
            try:
                lines, days = _engine_lines(period, year, reads.pupils[school_id])
            except DatabaseError:
                raise
            except Exception as exc:
                out[school_id] = exc
                continue
            out.update(_dues(period, reads, [school_id], lines, days))
        return out, reads
    return _dues(period, reads, school_ids, lines, days), reads


def _year(period: PaymentPeriod, scheme, year_key: Hashable | None) -> YearInputs:
    """The year-wide inputs as at the period's moment (no scheme: `allocation_inputs` refuses,
    as before)."""
    if scheme is None:
        la = administering_la()
        return YearInputs(period.fy, la, None, None, None, period.as_at)
    return cached_year_inputs(period.fy, year_key, scheme=scheme, as_at=period.as_at)


def _row(period: PaymentPeriod, due: Due, paid_as: str, as_at: str) -> tuple:
    key = due.key
    return (
        period.pk,
        due.school_id,
        key.pupil_id,
        key.element,
        key.route,
        key.payer_la_id,
        due.reason_kind,
        paid_as,
        due.amount,
        due.entitlement_to_date,
        due.paid_before,
        due.school_days,
        due.reason,
        {**due.working, "as_at": as_at},
    )


def _write(period: PaymentPeriod, school_ids: list[int], rows: list[tuple]) -> None:
    """Replace the schools' lines of the period: one DELETE, one COPY (PostgreSQL)."""
    PaymentLine.objects.filter(ids_in("school_id", school_ids), period=period).delete()
    if not rows:
        return
    if connection.vendor != "postgresql":
        PaymentLine.objects.bulk_create(
            [PaymentLine(**dict(zip(COLUMNS, row, strict=True))) for row in rows],
            batch_size=1000,
        )
        return
    quote = connection.ops.quote_name
    columns = ", ".join(quote(PaymentLine._meta.get_field(name).column) for name in COLUMNS)
    sql = f"COPY {quote(PaymentLine._meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row((*row[:-1], json.dumps(row[-1])))


def _period_for_share(period_id: int) -> PaymentPeriod:
    return next(
        iter(
            PaymentPeriod.objects.raw(
                f"SELECT * FROM {PaymentPeriod._meta.db_table} WHERE id = %s FOR SHARE",
                [period_id],
            )
        )
    )


@transaction.atomic
def payment_schools_generate(
    *, period_id: int, school_ids: list[int], year_key: Hashable | None = None
) -> list[SchoolOutcome]:
    """Replace the lines of several schools in a draft period with what is due (idempotent).

    Answers one outcome per school, in `school_ids` order; a school whose working or write
    failed has its exception as `error` (the others are written). A period that is not a draft
    (prepared, approved) is refused with a ValidationError, and an error in the bulk reads is
    raised: nothing is written.
    """
    from funding.payments import services

    school_ids = list(dict.fromkeys(school_ids))
    period = _period_for_share(period_id)
    services._refuse_unless_draft(period)
    scheme = scheme_for(period.fy)
    worked, reads = schools_due(period, scheme, school_ids, year_key=year_key)
    as_at = period.as_at.isoformat()
    rows: dict[int, list[tuple]] = {}
    outcomes: dict[int, SchoolOutcome] = {}
    for school_id in school_ids:
        due = worked[school_id]
        if isinstance(due, Exception):
            outcomes[school_id] = SchoolOutcome(school_id, error=due)
            continue
        paid_as = reads.paid_as.get(school_id)
        if paid_as is None:
            outcomes[school_id] = SchoolOutcome(school_id, error=School.DoesNotExist(school_id))
            continue
        rows[school_id] = [_row(period, d, paid_as, as_at) for d in due]
    try:
        with transaction.atomic():
            _write(period, list(rows), [row for these in rows.values() for row in these])
    except Exception:
        logger.warning("Writing payments for %s schools together failed", len(rows), exc_info=True)
        for school_id, these in rows.items():
            try:
                with transaction.atomic():
                    _write(period, [school_id], these)
            except Exception as exc:
                logger.exception("Payments for school %s (%s) failed", school_id, period.label)
                outcomes[school_id] = SchoolOutcome(school_id, error=exc)
    for school_id, these in rows.items():
        outcomes.setdefault(school_id, SchoolOutcome(school_id, len(these)))
    return [outcomes[school_id] for school_id in school_ids]
