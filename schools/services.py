"""Writes for LAs and schools: the GIAS school import."""

from __future__ import annotations

from django.db import transaction
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from schools.gias import gias_rows, missing_columns
from schools.importing import Cells, ImportRejected, ImportResult, RowError
from schools.models import EstablishmentType, LocalAuthority, Phase, School, SchoolStatus

GIAS_REQUIRED = [
    "URN",
    "EstablishmentName",
    "LA (code)",
    "LA (name)",
    "TypeOfEstablishment (name)",
    "PhaseOfEducation (name)",
    "StatutoryLowAge",
    "StatutoryHighAge",
    "EstablishmentStatus (name)",
    "NumberOfPupils",
]

# GIAS "TypeOfEstablishment (name)" -> our establishment type.
GIAS_TYPES = {
    "community school": EstablishmentType.COMMUNITY,
    "foundation school": EstablishmentType.FOUNDATION,
    "voluntary aided school": EstablishmentType.VOLUNTARY_AIDED,
    "voluntary controlled school": EstablishmentType.VOLUNTARY_CONTROLLED,
    "academy converter": EstablishmentType.ACADEMY,
    "academy sponsor led": EstablishmentType.ACADEMY,
    "academy 16-19 converter": EstablishmentType.ACADEMY,
    "academy 16 to 19 sponsor led": EstablishmentType.ACADEMY,
    "university technical college": EstablishmentType.ACADEMY,
    "studio schools": EstablishmentType.ACADEMY,
    "city technology college": EstablishmentType.ACADEMY,
    "free schools": EstablishmentType.FREE_SCHOOL,
    "free schools 16 to 19": EstablishmentType.FREE_SCHOOL,
    "community special school": EstablishmentType.SPECIAL,
    "foundation special school": EstablishmentType.SPECIAL,
    "academy special converter": EstablishmentType.SPECIAL_ACADEMY,
    "academy special sponsor led": EstablishmentType.SPECIAL_ACADEMY,
    "free schools special": EstablishmentType.SPECIAL_ACADEMY,
    "pupil referral unit": EstablishmentType.AP_PRU,
    "academy alternative provision converter": EstablishmentType.AP_PRU,
    "academy alternative provision sponsor led": EstablishmentType.AP_PRU,
    "free schools alternative provision": EstablishmentType.AP_PRU,
    "further education": EstablishmentType.FE_COLLEGE,
    "sixth form centres": EstablishmentType.FE_COLLEGE,
    "special post 16 institution": EstablishmentType.FE_COLLEGE,
    "other independent special school": EstablishmentType.INDEPENDENT_SPECIAL,
    "non-maintained special school": EstablishmentType.INDEPENDENT_SPECIAL,
    "local authority nursery school": EstablishmentType.NURSERY,
}

GIAS_PHASES = {
    "nursery": Phase.NURSERY,
    "primary": Phase.PRIMARY,
    "middle deemed primary": Phase.MIDDLE_PRIMARY,
    "middle deemed secondary": Phase.MIDDLE_SECONDARY,
    "secondary": Phase.SECONDARY,
    "all-through": Phase.ALL_THROUGH,
    "16 plus": Phase.SIXTEEN_PLUS,
    "not applicable": Phase.NOT_APPLICABLE,
}

GIAS_STATUSES = {
    "open": SchoolStatus.OPEN,
    "closed": SchoolStatus.CLOSED,
    "open, but proposed to close": SchoolStatus.PROPOSED_TO_CLOSE,
    "proposed to open": SchoolStatus.PROPOSED_TO_OPEN,
}

_SCHOOL_FIELDS = [
    "name", "la_id", "establishment_number", "phase", "establishment_type", "statutory_low_age",
    "statutory_high_age", "status", "opened_on", "closed_on", "number_on_roll",
]  # fmt: skip


def _lookup(cells: Cells, column: str, table: dict, *, default=None):
    value = cells.text(column, required=default is None)
    if not value:
        return default
    found = table.get(value.strip().lower())
    if found is None:
        if default is not None:
            return default
        cells.error(column, f"'{value}' is not a known GIAS value")
    return found


def _parse_gias_row(cells: Cells) -> dict | None:
    before = len(cells.errors)
    urn = cells.integer("URN", minimum=10000)
    la_code = cells.text("LA (code)")
    if la_code and not (la_code.isdigit() and len(la_code) == 3):
        cells.error("LA (code)", f"'{la_code}' is not a three-digit LA code")
    parsed = {
        "urn": urn,
        "name": cells.text("EstablishmentName"),
        "la_code": la_code,
        "la_name": cells.text("LA (name)"),
        "establishment_number": cells.row.get("EstablishmentNumber", "").strip()[:4],
        "establishment_type": _lookup(
            cells, "TypeOfEstablishment (name)", GIAS_TYPES, default=EstablishmentType.OTHER
        ),
        "phase": _lookup(cells, "PhaseOfEducation (name)", GIAS_PHASES),
        "status": _lookup(cells, "EstablishmentStatus (name)", GIAS_STATUSES),
        "statutory_low_age": cells.integer("StatutoryLowAge", required=False),
        "statutory_high_age": cells.integer("StatutoryHighAge", required=False),
        "number_on_roll": cells.integer("NumberOfPupils", required=False),
        "opened_on": cells.date("OpenDate", required=False),
        "closed_on": cells.date("CloseDate", required=False),
    }
    low, high = parsed["statutory_low_age"], parsed["statutory_high_age"]
    if low is not None and high is not None and low > high:
        cells.error("StatutoryLowAge", f"{low} is above the high age {high}")
    return parsed if len(cells.errors) == before else None


@transaction.atomic
def schools_import(*, content: bytes, filename: str, user=None) -> ImportResult:
    """Import or update schools from a GIAS establishment download (matched by URN).

    Validates every row first; any error rejects the whole file and nothing is written.
    """
    rows, trimmed = gias_rows(content, filename)
    errors: list[RowError] = []
    if not rows:
        raise ImportRejected([RowError(0, "", "the file has no data rows")])
    errors += missing_columns(set(rows[0]), GIAS_REQUIRED)
    if errors:
        raise ImportRejected(errors)
    parsed: list[dict] = []
    first_row_of_urn: dict[int, int] = {}
    for number, row in enumerate(rows, start=2):
        cells = Cells(row, number, errors)
        item = _parse_gias_row(cells)
        if item is None:
            continue
        if item["urn"] in first_row_of_urn:
            cells.error("URN", f"{item['urn']} also appears in row {first_row_of_urn[item['urn']]}")
            continue
        first_row_of_urn[item["urn"]] = number
        parsed.append(item)
    if errors:
        raise ImportRejected(errors)

    result = ImportResult(rows=len(rows))
    if trimmed:
        result.count("unchanged", "rows with extra trailing fields (ignored)", trimmed)
    las = {la.code: la for la in LocalAuthority.objects.all()}
    for item in parsed:
        if item["la_code"] not in las:
            las[item["la_code"]] = LocalAuthority.objects.create(
                code=item["la_code"], name=item["la_name"]
            )
            result.count("created", "local authorities")
    existing = School.objects.in_bulk([item["urn"] for item in parsed], field_name="urn")
    to_create, to_update = [], []
    for item in parsed:
        values = {k: item[k] for k in _SCHOOL_FIELDS if k != "la_id"}
        values["la_id"] = las[item["la_code"]].pk
        school = existing.get(item["urn"])
        if school is None:
            to_create.append(School(urn=item["urn"], **values))
        elif any(getattr(school, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(school, k, v)
            to_update.append(school)
        else:
            result.count("unchanged", "schools")
    for school in to_create + to_update:
        school.full_clean(validate_unique=False, validate_constraints=False)
    acting_user = user if getattr(user, "is_authenticated", False) else None
    bulk_create_with_history(
        to_create,
        School,
        batch_size=500,
        default_user=acting_user,
        default_change_reason="GIAS import",
    )
    bulk_update_with_history(
        to_update,
        School,
        _SCHOOL_FIELDS,
        batch_size=500,
        default_user=acting_user,
        default_change_reason="GIAS import",
    )
    result.count("created", "schools", len(to_create))
    result.count("updated", "schools", len(to_update))
    return result
