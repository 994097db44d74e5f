"""The pupil file's format: its columns, the coded columns' values, and the downloadable template
(CSV, or a workbook that also explains each column and lists the allowed values)."""

from __future__ import annotations

import csv
import datetime as dt
import io

from pupils.models import AdmissionKind, PlacementKind, PlanKind
from schools.models import LocalAuthority

COLUMNS = [
    "UPN", "given_name", "family_name", "date_of_birth", "home_la_code", "home_la_from",
    "school_urn",
    "placement_start", "placement_end", "placement_kind", "admission_kind", "plan_kind",
    "plan_issued", "annual_review_due", "support_from", "support_to", "lsa_hours", "lst_hours",
    "ta_hours", "band", "resource_amount",
]  # fmt: skip

PLACEMENT_KINDS = {c.value: c.value for c in PlacementKind} | {
    "special": PlacementKind.SPECIAL_SCHOOL,
    "special_school_place": PlacementKind.SPECIAL_SCHOOL,
    "resourced_provision": PlacementKind.RESOURCED,
    "alternative_provision": PlacementKind.AP,
}
ADMISSION_KINDS = {c.value: c.value for c in AdmissionKind} | {
    "casual": AdmissionKind.CASUAL_ADMISSION,
    "managed": AdmissionKind.MANAGED_MOVE,
    "transfer": AdmissionKind.PHASE_TRANSFER,
    "first": AdmissionKind.FIRST_ADMISSION,
}
PLAN_KINDS = {"statement": PlanKind.STATEMENT, "ehcp": PlanKind.EHCP, "ehc_plan": PlanKind.EHCP}
ONE_DAY = dt.timedelta(days=1)
REASON = "Pupil import"  # the change reason of what an import writes

_DATE = "a date, YYYY-MM-DD or DD/MM/YYYY"
_HOURS = "hours a week, 0 to 60, up to 2 decimal places; empty means 0"


def _choices(kind, default: str, aliases: dict) -> list[tuple[str, str]]:
    """(value, meaning) of a coded column: each value, then the other spellings taken."""
    values = [
        (c.value, c.label + (" (the default when empty)" if c.value == default else ""))
        for c in kind
    ]
    values += [(alias, f"the same as {target}") for alias, target in aliases.items()]
    return values


def allowed_values() -> dict[str, list[tuple[str, str]]]:
    """The values every coded column takes, with what each means: shown on the import page and
    in the template's "Allowed values" sheet. Home LA codes are the LAs in the system."""
    return {
        "placement_kind": _choices(
            PlacementKind,
            PlacementKind.MAINSTREAM,
            {
                "special": "special_school",
                "special_school_place": "special_school",
                "resourced_provision": "resourced",
                "alternative_provision": "ap",
            },
        ),  # fmt: skip
        "admission_kind": _choices(
            AdmissionKind,
            AdmissionKind.FIRST_ADMISSION,
            {
                "casual": "casual_admission",
                "managed": "managed_move",
                "transfer": "phase_transfer",
                "first": "first_admission",
            },
        ),  # fmt: skip
        "plan_kind": _choices(PlanKind, PlanKind.EHCP, {"ehc_plan": "ehcp"}),
        "band": [(str(b), f"band {b}" + (" (lowest need)" if b == 1 else "")) for b in range(1, 6)]
        + [("", "no band (hours or a resource amount instead)")],
        "home_la_code": [
            (code, name)
            for code, name in LocalAuthority.objects.order_by("code").values_list("code", "name")
        ],
    }


#: What each column holds (the coded columns' values are in `allowed_values`).
COLUMN_HELP = {
    "UPN": "the pupil's 13-character unique pupil number, e.g. A123456789012",
    "given_name": "required", "family_name": "required",
    "date_of_birth": _DATE,
    "home_la_code": "the DfE code of the LA the pupil lives in (see the allowed values)",
    "home_la_from": f"optional: {_DATE}; the day the pupil started living in that LA",
    "school_urn": "the URN of the school (as in GIAS)",
    "placement_start": _DATE, "placement_end": f"optional: {_DATE}",
    "placement_kind": "see the allowed values; empty means mainstream",
    "admission_kind": "see the allowed values; empty means first_admission",
    "plan_kind": "see the allowed values; empty means ehcp",
    "plan_issued": _DATE, "annual_review_due": f"optional: {_DATE}",
    "support_from": f"{_DATE}; on or after plan_issued",
    "support_to": f"optional: {_DATE}; empty means the support carries on",
    "lsa_hours": _HOURS, "lst_hours": _HOURS, "ta_hours": _HOURS,
    "band": "1 to 5 for a special school place (see the allowed values), or empty",
    "resource_amount": "optional: an annual amount in pounds and pence, e.g. 6500.00",
}  # fmt: skip
EXAMPLE_ROW = [
    "A123456789012", "Sam", "Jones", "2015-03-14", "999", "", "100000", "2024-09-04", "",
    "mainstream", "first_admission", "ehcp", "2024-06-01", "2025-06-01", "2024-09-04", "",
    "20.00", "0", "0", "", "",
]  # fmt: skip


def template_csv() -> bytes:
    """The pupil file's header row and one example row, as CSV (UTF-8 with a BOM for Excel)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerow(EXAMPLE_ROW)
    return out.getvalue().encode("utf-8-sig")


def template_xlsx() -> bytes:
    """A workbook: "Pupils" (the header and an example row; the import reads the first sheet),
    "Columns" (what each column holds) and "Allowed values" (every coded column's values)."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Pupils"
    sheet.append(COLUMNS)
    sheet.append(EXAMPLE_ROW)
    columns = book.create_sheet("Columns")
    columns.append(["Column", "What it holds"])
    for column in COLUMNS:
        columns.append([column, COLUMN_HELP.get(column, "")])
    allowed = book.create_sheet("Allowed values")
    allowed.append(["Column", "Value", "Meaning"])
    for column, values in allowed_values().items():
        for value, meaning in values:
            allowed.append([column, value, meaning])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
