"""Writes for SEN spend (R21): record one school's spend for a year, or import a file of them.

Each write keeps who made it (`recorded_by`, and simple-history's `history_user`) in the same
transaction. The import checks the whole file first: any bad row rejects the file, every
problem is named with its row and column, and nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from funding.spend.models import PARTS, PARTS_DO_NOT_ADD_UP, ZERO, SenSpend
from schools.importing import (
    Cells,
    ImportRejected,
    ImportResult,
    RowError,
    read_rows,
    require_columns,
)
from schools.models import School

COLUMNS = ["URN", "FY", "amount", "staffing", "resources", "other", "note"]
REQUIRED_COLUMNS = ["URN", "FY", "amount"]
UNKNOWN_URN = "no school has URN {urn}"
BAD_FY = "'{value}' is not a financial year (use 2025 or 2025-26)"
DUPLICATE_ROW = "URN {urn} FY {fy} is also on row {row}: give each school's year once"
NO_ROWS = "the file has no data rows"


def _actor(user):
    return user if getattr(user, "is_authenticated", False) else None


@dataclass(frozen=True)
class SpendFigures:
    amount: Decimal
    staffing: Decimal | None = None
    resources: Decimal | None = None
    other: Decimal | None = None
    note: str = ""


def _write(*, school: School, financial_year: int, figures: SpendFigures, user) -> tuple:
    """Create or change the school's row for the year; (spend, "created"|"updated"|"unchanged")."""
    spend = (
        SenSpend.objects.select_for_update()
        .filter(school=school, financial_year=financial_year)
        .first()
    )
    outcome = "updated"
    if spend is None:
        spend = SenSpend(school=school, financial_year=financial_year)
        outcome = "created"
    new = {
        "amount": figures.amount,
        "staffing": figures.staffing,
        "resources": figures.resources,
        "other": figures.other,
        "note": figures.note.strip(),
    }
    if outcome == "updated" and all(getattr(spend, k) == v for k, v in new.items()):
        return spend, "unchanged"
    for key, value in new.items():
        setattr(spend, key, value)
    spend.recorded_by = _actor(user)
    spend.recorded_at = timezone.now()
    spend._history_user = _actor(user)
    spend.full_clean()
    spend.save()
    return spend, outcome


@transaction.atomic
def sen_spend_record(
    *,
    school: School,
    financial_year: int,
    amount: Decimal,
    staffing: Decimal | None = None,
    resources: Decimal | None = None,
    other: Decimal | None = None,
    note: str = "",
    user=None,
) -> SenSpend:
    """Record (or change) what `school` spent on SEN in FY `financial_year` (R21).

    Refused with a ValidationError for a negative amount or parts that do not add up to it.
    """
    spend, _ = _write(
        school=school,
        financial_year=financial_year,
        figures=SpendFigures(amount, staffing, resources, other, note),
        user=user,
    )
    return spend


def _financial_year(cells: Cells, column: str) -> int | None:
    """2025, "2025-26" or "2025/26" (the year must follow on) -> 2025."""
    value = cells.text(column)
    if not value:
        return None
    head, sep, tail = value.replace("/", "-").partition("-")
    if head.isdigit() and len(head) == 4 and 2000 <= int(head) <= 2099:
        start = int(head)
        if not sep or tail in (str(start + 1)[-2:], str(start + 1)):
            return start
    cells.error(column, BAD_FY.format(value=value))
    return None


@dataclass
class _Row:
    number: int
    school: School
    financial_year: int
    figures: SpendFigures


def _parse(row: dict, number: int, errors: list[RowError], schools: dict) -> _Row | None:
    cells = Cells(row, number, errors)
    before = len(errors)
    urn = cells.integer("URN", minimum=1)
    school = schools.get(urn) if urn is not None else None
    if urn is not None and school is None:
        cells.error("URN", UNKNOWN_URN.format(urn=urn))
    fy = _financial_year(cells, "FY")
    amount = cells.decimal("amount", required=True)
    parts = {part: cells.decimal(part) for part in PARTS}
    note = cells.text("note", required=False)
    if len(note) > 2000:
        cells.error("note", "is longer than 2,000 characters")
    if amount is not None and any(v is not None for v in parts.values()):
        total = sum((v or ZERO for v in parts.values()), ZERO)
        if total != amount:
            cells.error(
                "amount", PARTS_DO_NOT_ADD_UP.format(parts=f"{total:,.2f}", amount=f"{amount:,.2f}")
            )
    if len(errors) > before:
        return None
    return _Row(number, school, fy, SpendFigures(amount, note=note, **parts))


@transaction.atomic
def sen_spend_import(*, content: bytes, filename: str, user=None) -> ImportResult:
    """Import SEN spend, one row per school and year (URN, FY, amount, staffing, resources,
    other, note): all or nothing, idempotent. A school's existing figure for the year is
    replaced; re-importing the same file changes nothing."""
    raw_rows = read_rows(content, filename)
    if not raw_rows:
        raise ImportRejected([RowError(0, "", NO_ROWS)])
    errors = require_columns(set(raw_rows[0]), REQUIRED_COLUMNS)
    if errors:
        raise ImportRejected(errors)
    urns = {int(r["URN"]) for r in raw_rows if r.get("URN", "").strip().isdigit()}
    schools = School.objects.in_bulk(list(urns), field_name="urn")
    parsed = []
    seen: dict[tuple[int, int], int] = {}
    for number, raw in enumerate(raw_rows, start=2):
        row = _parse(raw, number, errors, schools)
        if row is None:
            continue
        key = (row.school.urn, row.financial_year)
        if key in seen:
            errors.append(
                RowError(number, "URN", DUPLICATE_ROW.format(urn=key[0], fy=key[1], row=seen[key]))
            )
            continue
        seen[key] = number
        parsed.append(row)
    if errors:
        raise ImportRejected(errors)
    result = ImportResult(rows=len(raw_rows))
    try:
        with transaction.atomic():
            for row in parsed:
                try:
                    _, outcome = _write(
                        school=row.school,
                        financial_year=row.financial_year,
                        figures=row.figures,
                        user=user,
                    )
                except ValidationError as exc:
                    for field, messages in exc.message_dict.items():
                        column = field if field in COLUMNS else ""
                        errors.extend(RowError(row.number, column, m) for m in messages)
                    continue
                result.count(outcome, "SEN spend")
            if errors:
                raise ImportRejected(errors)  # rolls back every row written above
    except IntegrityError as exc:
        raise ImportRejected([RowError(0, "", f"the database refused the import: {exc}")]) from exc
    return result
