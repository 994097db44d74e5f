"""Planned places per academic year by school and provision, with occupancy (R11, R13, R14).

One row per school, academic year and provision (special school, SSC, resourced provision, AP,
FE). Matched by those three; re-importing the same file changes nothing.
"""

from __future__ import annotations

from django.db import transaction

from schools.importing import Cells, ImportRejected, ImportResult, RowError
from schools.imports.common import (
    Upsert,
    academic_year,
    missing,
    normalised_rows,
    school,
    schools_by_urn,
)
from schools.models import PlannedPlaces, ProvisionKind

COLUMNS = ["urn", "academic_year", "provision", "places", "occupied", "occupancy_counted_on"]
PROVISIONS = {c.value: c.value for c in ProvisionKind} | {
    "special": ProvisionKind.SPECIAL_SCHOOL,
    "resourced_provision": ProvisionKind.RESOURCED_PROVISION,
    "alternative_provision": ProvisionKind.AP,
    "further_education": ProvisionKind.FE,
}
ALLOWED = {
    "urn": "the school's URN (as in GIAS)",
    "academic_year": "2025/26 (or 2025)",
    "provision": ", ".join(f"{c.value} ({c.label})" for c in ProvisionKind),
    "places": "planned places (whole number)",
    "occupied": "occupied places on the occupancy count (January for special schools); empty = 0",
    "occupancy_counted_on": "the date occupancy was counted (optional)",
}
EXAMPLES = [["100000", "2025/26", "special_school", "120", "114", "2026-01-15"]]


@transaction.atomic
def planned_places_import(*, content: bytes, filename: str, user=None) -> ImportResult:
    rows = normalised_rows(content, filename)
    errors: list[RowError] = missing(rows, ["urn", "academic_year", "provision", "places"])
    if errors:
        raise ImportRejected(errors)
    known = schools_by_urn(rows)
    places = Upsert(
        PlannedPlaces,
        ("school_id", "academic_year", "provision"),
        ["places", "occupied", "occupancy_counted_on"],
        "planned places",
    )
    for number, row in enumerate(rows, start=2):
        cells = Cells(row, number, errors)
        found = school(cells, known)
        year = academic_year(cells)
        provision = cells.choice("provision", PROVISIONS)
        count = cells.integer("places")
        occupied = cells.integer("occupied", required=False) or 0
        counted_on = cells.date("occupancy_counted_on", required=False)
        if None in (found, year, count) or not provision:
            continue
        places.add(
            cells,
            (found.pk, year, provision),
            {"places": count, "occupied": occupied, "occupancy_counted_on": counted_on},
            "urn",
        )
    if errors:
        raise ImportRejected(errors)
    result = ImportResult(rows=len(rows))
    places.write(
        PlannedPlaces.objects.filter(school_id__in={k[0] for k in places.items}),
        result,
        user=user,
        reason=f"Planned places import ({filename})",
    )
    return result
