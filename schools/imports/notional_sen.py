"""Notional SEN budgets as amounts per school (R2), as an LA's Authority Proforma Tool gives them.

One row per school and financial year: the amount, and optionally where it comes from. When a
school has an amount for the year, the allocation run's notional SEN line is that amount (pro
rata to the days the school is open) instead of factor x rate. Matched by school and year;
re-importing the same file changes nothing.
"""

from __future__ import annotations

from django.db import transaction

from schools.importing import Cells, ImportRejected, ImportResult, RowError
from schools.imports.common import (
    Upsert,
    financial_year,
    missing,
    normalised_rows,
    school,
    schools_by_urn,
)
from schools.models import NotionalSenBudget

COLUMNS = ["urn", "financial_year", "amount", "source"]
REQUIRED = ["urn", "financial_year", "amount"]
ALLOWED = {
    "urn": "the school's URN (as in GIAS)",
    "financial_year": "2025-26 (or 2025)",
    "amount": "the school's notional SEN budget for the year in pounds and pence, e.g. 84210.50",
    "source": "optional: where the figure comes from, e.g. APT 2025-26 (up to 200 characters)",
}
EXAMPLES = [["100000", "2025-26", "84210.50", "APT 2025-26"]]


@transaction.atomic
def notional_sen_import(*, content: bytes, filename: str, user=None) -> ImportResult:
    rows = normalised_rows(content, filename)
    errors: list[RowError] = missing(rows, REQUIRED)
    if errors:
        raise ImportRejected(errors)
    known = schools_by_urn(rows)
    budgets = Upsert(
        NotionalSenBudget,
        ("school_id", "financial_year"),
        ["amount", "source"],
        "notional SEN budgets",
    )
    for number, row in enumerate(rows, start=2):
        cells = Cells(row, number, errors)
        found = school(cells, known)
        year = financial_year(cells)
        amount = cells.decimal("amount", required=True)
        source = cells.text("source", required=False)
        if len(source) > 200:
            cells.error("source", f"is {len(source)} characters long: keep it to 200")
            continue
        if None in (found, year, amount):
            continue
        budgets.add(cells, (found.pk, year), {"amount": amount, "source": source}, "urn")
    if errors:
        raise ImportRejected(errors)
    result = ImportResult(rows=len(rows))
    budgets.write(
        NotionalSenBudget.objects.filter(school_id__in={k[0] for k in budgets.items}),
        result,
        user=user,
        reason=f"Notional SEN budgets import ({filename})",
    )
    return result
