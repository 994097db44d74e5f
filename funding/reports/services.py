"""Writes for the reports: budget lines, monthly budget snapshots, publishing the per-school list.

One function per use case, keyword-only; errors a person can fix are `ValidationError`s whose
messages name the field or the row (module constants, so tests assert the exact text).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from funding.models import AllocationRun, RunStatus
from funding.reports import selectors
from funding.reports.models import (
    BudgetLine,
    BudgetLineKind,
    BudgetSnapshot,
    BudgetSnapshotLine,
    PublishedStatement,
)
from schools.dates import FinancialYear

UNKNOWN_LINE = "Row {row}: line {value!r} is not a budget line; use one of: {choices}."
BAD_AMOUNT = "Row {row}: {field} {value!r} is not an amount of money (e.g. 1250000.00)."
NEGATIVE_AMOUNT = "Row {row}: {field} cannot be negative."
DUPLICATE_LINE = "Row {row}: {line} appears twice."
MISSING_COLUMNS = (
    "The file needs the columns line and budget (and optionally other_commitment, note)."
)
RUN_NOT_DONE = "Only a completed run can be published."
SNAPSHOT_OUTSIDE_YEAR = "The snapshot date {on:%d %B %Y} is outside FY {fy}."


def _user(user):
    return user if getattr(user, "is_authenticated", False) else None


def _amount(raw, *, row: int, field: str) -> Decimal:
    text = str(raw if raw is not None else "").strip().replace(",", "").replace("£", "")
    if text == "":
        text = "0"
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValidationError(BAD_AMOUNT.format(row=row, field=field, value=raw)) from None
    if not value.is_finite():
        raise ValidationError(BAD_AMOUNT.format(row=row, field=field, value=raw))
    if value < 0:
        raise ValidationError(NEGATIVE_AMOUNT.format(row=row, field=field))
    return value.quantize(Decimal("0.01"))


@transaction.atomic
def budget_line_set(
    *,
    financial_year: int,
    line: str,
    budget: Decimal,
    other_commitment: Decimal | None = None,
    note: str | None = None,
    user=None,
) -> BudgetLine:
    """Create or update one line of the year's high-needs budget (kept with its history)."""
    obj = BudgetLine.objects.filter(financial_year=financial_year, line=line).first()
    if obj is None:
        obj = BudgetLine(financial_year=financial_year, line=line)
    obj.budget = budget
    if other_commitment is not None:
        obj.other_commitment = other_commitment
    if note is not None:
        obj.note = note
    obj._history_user = _user(user)
    obj.full_clean()
    obj.save()
    return obj


def parse_budget_csv(text: str) -> list[dict]:
    """Rows of a budget CSV (columns line, budget, other_commitment, note) as dicts."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    fields = {f.strip().lower() for f in reader.fieldnames or []}
    if not {"line", "budget"} <= fields:
        raise ValidationError(MISSING_COLUMNS)
    return [{(k or "").strip().lower(): v for k, v in row.items()} for row in reader]


@transaction.atomic
def budget_load(
    *, financial_year: int, rows: Iterable[dict], user=None, reason: str = ""
) -> list[BudgetLine]:
    """Set the year's budget lines from rows (line, budget, other_commitment, note): every row
    is checked first and nothing is saved if any is wrong; every error names its row. Lines not
    in the rows are left as they are."""
    choices = BudgetLineKind.values
    errors = []
    parsed = []
    seen: set[str] = set()
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        line = (row.get("line") or "").strip()
        try:
            if line not in choices:
                raise ValidationError(
                    UNKNOWN_LINE.format(row=number, value=line, choices=", ".join(choices))
                )
            if line in seen:
                raise ValidationError(DUPLICATE_LINE.format(row=number, line=line))
            seen.add(line)
            budget = _amount(row.get("budget"), row=number, field="budget")
            other = _amount(row.get("other_commitment"), row=number, field="other_commitment")
        except ValidationError as exc:
            errors.extend(exc.messages)
            continue
        parsed.append((line, budget, other, (row.get("note") or "").strip()[:300]))
    if errors:
        raise ValidationError(errors)
    saved = []
    for line, budget, other, note in parsed:
        obj = budget_line_set(
            financial_year=financial_year,
            line=line,
            budget=budget,
            other_commitment=other,
            note=note,
            user=user,
        )
        saved.append(obj)
    return saved


def snapshot_month(on: dt.date) -> dt.date:
    return on.replace(day=1)


def budget_snapshot_take(
    *, financial_year: int | None = None, on: dt.date | None = None, note: str = ""
) -> BudgetSnapshot:
    """Keep the budget position as of `on` (default today) as the snapshot of its month,
    replacing an earlier one for the same month: running it again is harmless."""
    on = on or timezone.localdate()
    fy = FinancialYear(financial_year) if financial_year is not None else FinancialYear.of(on)
    if not fy.contains(on):
        raise ValidationError({"on": SNAPSHOT_OUTSIDE_YEAR.format(on=on, fy=fy)})
    position = selectors.budget_position(fy, as_of=on)  # read first: the write stays short
    with transaction.atomic():
        return _snapshot_write(fy, on, position, note)


def _snapshot_write(fy: FinancialYear, on: dt.date, position, note: str) -> BudgetSnapshot:
    total = position.total
    snapshot, _ = BudgetSnapshot.objects.select_for_update().update_or_create(
        financial_year=fy.start_year,
        month=snapshot_month(on),
        defaults={
            "taken_on": on,
            "taken_at": timezone.now(),
            "run": position.run,
            "budget": total.budget,
            "commitment": total.commitment,
            "note": note[:300],
        },
    )
    snapshot.lines.all().delete()
    BudgetSnapshotLine.objects.bulk_create(
        [
            BudgetSnapshotLine(
                snapshot=snapshot,
                line=row.line,
                budget=row.budget,
                allocated=row.allocated,
                forecast=row.forecast,
                panel_pending=row.panel_pending,
                other=row.other,
                commitment=row.commitment,
            )
            for row in position.rows
        ]
    )
    return snapshot


@transaction.atomic
def statement_publish(*, run: AllocationRun, user=None) -> PublishedStatement:
    """Publish the run's per-school list (notional SEN, top-ups, place funding) as the year's
    public statement, replacing any earlier one for the year (its history is kept)."""
    if run.status != RunStatus.DONE:
        raise ValidationError({"run": RUN_NOT_DONE})
    published = (
        PublishedStatement.objects.select_for_update()
        .filter(financial_year=run.financial_year)
        .first()
    )
    if published is None:
        published = PublishedStatement(financial_year=run.financial_year)
    published.run = run
    published.published_at = timezone.now()
    published.published_by = _user(user)
    published._history_user = _user(user)
    published.full_clean()
    published.save()
    return published


@transaction.atomic
def statement_withdraw(*, financial_year: int, user=None) -> None:
    """Take the year's statement off the public page."""
    for published in PublishedStatement.objects.filter(financial_year=financial_year):
        published._history_user = _user(user)
        published.delete()
