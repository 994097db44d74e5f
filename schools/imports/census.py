"""School census figures: our template, or the DfE's school-level census layout.

Our template: one row per school and census date, numbers on roll by year group and the formula
factor counts (R1, R2, R4). The DfE layout (`england_census.csv`: URN, NOR, TSENELSE, TSENELK,
NUMFSM, NUMEAL; "NA" where the DfE suppressed a figure) has no date and no year groups: the page
asks for the census date, and the number on roll (NOR) is spread evenly over the year groups the
school's statutory ages cover (remainder to the youngest), which is what the key stage split
then reads. Rows for schools not in this system (the file covers all of England) and the
national total rows are skipped and counted; a school whose NOR is suppressed is skipped.
Re-importing the same file changes nothing.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from schools.importing import Cells, ImportRejected, ImportResult, RowError
from schools.imports.common import Upsert, missing, normalised_rows, school, schools_by_urn
from schools.models import YEAR_GROUP_FIELDS, School, SchoolCensus

FACTORS = ["fsm", "idaci", "low_prior_attainment", "mobility", "eal", "english_attainment_below",
           "sen_support", "ehc_plans"]  # fmt: skip
FIELDS = YEAR_GROUP_FIELDS + FACTORS
COLUMNS = ["urn", "census_date", *FIELDS]
ALLOWED = {
    "urn": "the school's URN (as in GIAS)",
    "census_date": "YYYY-MM-DD or DD/MM/YYYY, e.g. the October census day",
    "nursery … year_13": "pupils on roll in each year group (whole numbers, empty = 0)",
    "fsm, idaci, low_prior_attainment, mobility, eal, english_attainment_below": (
        "formula factor counts (pupils)"
    ),
    "sen_support, ehc_plans": "pupils on SEN support and with an EHC plan or statement",
    "DfE layout": "URN, NOR, TSENELSE, TSENELK, NUMFSM, NUMEAL ('NA' = suppressed); give the "
    "census date on the page",
}
EXAMPLES = [["100000", "2024-10-03", *(["0", "30", *["30"] * 6] + ["0"] * 7), "45", "60", "38",
             "5", "41", "20", "48", "6"]]  # fmt: skip
DFE_COLUMNS = {"nor": None, "tsenelse": "ehc_plans", "tsenelk": "sen_support", "numfsm": "fsm",
               "numeal": "eal"}  # fmt: skip
SUPPRESSED = {"na", "x", "c", "supp", ".."}
CENSUS_DATE_NEEDED = (
    "this is the DfE school-level census layout, which has no census date: give the census "
    "date on the page (or --census-date on the command)"
)
# Year group index: nursery 0 (ages 2-3), reception 1 (age 4), year n at n + 1 (age n + 4).
_AGE_OF_GROUP = {name: max(index + 3, 3) for index, name in enumerate(YEAR_GROUP_FIELDS)}


def spread_roll(roll: int, low_age: int | None, high_age: int | None) -> dict[str, int]:
    """NOR over the year groups the school's statutory ages cover; remainder to the youngest.

    e.g. 285 pupils aged 4-11 (Reception to Year 6, 7 groups): 285 = 7 x 40 + 5, so Reception
    to Year 4 get 41 and Years 5-6 get 40.
    """
    low = 4 if low_age is None else low_age
    high = 16 if high_age is None else high_age
    groups = [g for g in YEAR_GROUP_FIELDS if low <= _AGE_OF_GROUP[g] <= max(high - 1, low)]
    if not groups:
        groups = ["reception"]
    base, extra = divmod(roll, len(groups))
    counts = dict.fromkeys(YEAR_GROUP_FIELDS, 0)
    for i, g in enumerate(groups):
        counts[g] = base + (1 if i < extra else 0)
    return counts


@transaction.atomic
def census_import(
    *, content: bytes, filename: str, user=None, census_date: dt.date | None = None
) -> ImportResult:
    rows = normalised_rows(content, filename)
    dfe = "nor" in rows[0]
    errors: list[RowError] = missing(rows, ["urn", "nor"] if dfe else ["urn", "census_date"])
    if dfe and census_date is None:
        errors.append(RowError(0, "", CENSUS_DATE_NEEDED))
    if errors:
        raise ImportRejected(errors)
    result = ImportResult(rows=len(rows))
    known = schools_by_urn(rows)
    censuses = Upsert(SchoolCensus, ("school_id", "census_date"), FIELDS, "censuses")
    for number, row in enumerate(rows, start=2):
        cells = Cells(row, number, errors)
        if dfe:
            values = _dfe_row(cells, known, result)
            day = census_date
        else:
            found = school(cells, known)
            day = cells.date("census_date")
            values = {f: cells.integer(f, required=False) or 0 for f in FIELDS}
            values["school"] = found
        if values is None or values.get("school") is None or day is None:
            continue
        found = values.pop("school")
        censuses.add(cells, (found.pk, day), values, "urn")
    if errors:
        raise ImportRejected(errors)
    censuses.write(
        SchoolCensus.objects.filter(school_id__in={k[0] for k in censuses.items}),
        result,
        user=user,
        reason=f"Census import ({filename})",
    )
    return result


def _dfe_row(cells: Cells, known: dict[int, School], result: ImportResult) -> dict | None:
    urn = cells.row.get("urn", "").strip()
    if not urn.isdigit():
        result.count("unchanged", "national or regional total rows skipped")
        return None
    found = known.get(int(urn))
    if found is None:
        result.count("unchanged", "rows for schools not in this system skipped")
        return None
    if cells.row.get("nor", "").strip().lower() in SUPPRESSED:
        result.count("unchanged", "schools with a suppressed number on roll skipped")
        return None
    roll = cells.integer("nor")
    if roll is None:
        return None
    values: dict = {**spread_roll(roll, found.statutory_low_age, found.statutory_high_age)}
    values.update(dict.fromkeys(FACTORS, 0))
    for column, field_name in DFE_COLUMNS.items():
        if field_name is None:
            continue
        raw = cells.row.get(column, "").strip()
        if raw.lower() in SUPPRESSED or not raw:
            result.count("unchanged", "suppressed figures read as 0")
            continue
        count = cells.integer(column)
        values[field_name] = count or 0
    values["school"] = found
    return values
