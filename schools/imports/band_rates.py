"""Special school band rates (R12): each school's own annual top-up rate per band, per FY.

One row per school, financial year and band (1 lowest need .. 5). A school need not offer every
band. Matched by those three; re-importing the same file changes nothing.
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
from schools.models import SpecialSchoolBand

COLUMNS = ["urn", "financial_year", "band", "annual_rate"]
ALLOWED = {
    "urn": "the special school's URN (as in GIAS)",
    "financial_year": "2025-26 (or 2025)",
    "band": "1, 2, 3, 4 or 5 (1 is the lowest need)",
    "annual_rate": "the top-up a year for a pupil in the band, in pounds and pence, e.g. 8450.00",
}
EXAMPLES = [["100000", "2025-26", "1", "4200.00"], ["100000", "2025-26", "2", "8450.00"]]


@transaction.atomic
def band_rates_import(*, content: bytes, filename: str, user=None) -> ImportResult:
    rows = normalised_rows(content, filename)
    errors: list[RowError] = missing(rows, COLUMNS)
    if errors:
        raise ImportRejected(errors)
    known = schools_by_urn(rows)
    bands = Upsert(
        SpecialSchoolBand, ("school_id", "financial_year", "band"), ["annual_rate"], "band rates"
    )
    for number, row in enumerate(rows, start=2):
        cells = Cells(row, number, errors)
        found = school(cells, known)
        year = financial_year(cells)
        band = cells.integer("band", minimum=1)
        if band is not None and band > 5:
            cells.error("band", f"{band} is not a band: bands run from 1 to 5")
            band = None
        rate = cells.decimal("annual_rate", required=True)
        if None in (found, year, band, rate):
            continue
        bands.add(cells, (found.pk, year, band), {"annual_rate": rate}, "band")
    if errors:
        raise ImportRejected(errors)
    result = ImportResult(rows=len(rows))
    bands.write(
        SpecialSchoolBand.objects.filter(school_id__in={k[0] for k in bands.items}),
        result,
        user=user,
        reason=f"Band rates import ({filename})",
    )
    return result
