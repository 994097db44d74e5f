"""What the LA data imports share: header names, academic years, idempotent upserts, templates.

Each kind (term dates, census, planned places, band rates) is one small module that reads its
file with `schools.importing.read_rows`, checks every row (collecting every problem with its row,
column and reason), and only then writes, all in one transaction. Re-importing the same file
changes nothing.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from schools.importing import Cells, ImportRejected, ImportResult, RowError, read_rows
from schools.models import LocalAuthority, School

NO_ADMINISTERING_LA = (
    "there is no administering LA yet: choose one on the first-run page (or run "
    "manage.py setup_la CODE), or give la_code in the file"
)


def header_key(name: str) -> str:
    """`Census date`, `census_date` and `CENSUS DATE` are the same column."""
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


def normalised_rows(content: bytes, filename: str) -> list[dict[str, str]]:
    rows = read_rows(content, filename)
    if not rows:
        raise ImportRejected([RowError(0, "", "the file has no data rows")])
    return [{header_key(k): v for k, v in row.items()} for row in rows]


def missing(rows: list[dict[str, str]], required: list[str]) -> list[RowError]:
    headers = set(rows[0])
    return [
        RowError(1, column, "this column is missing from the header row")
        for column in required
        if column not in headers
    ]


def academic_year(cells: Cells, column: str = "academic_year") -> int | None:
    """`2025`, `2025/26`, `2025-26` or `2025-2026` all mean the academic year 2025/26."""
    value = cells.text(column)
    if not value:
        return None
    match = re.fullmatch(r"(\d{4})(?:\s*[/-]\s*(\d{2}|\d{4}))?", value)
    if match:
        start = int(match.group(1))
        end = match.group(2)
        if end is None or int(end) % 100 == (start + 1) % 100:
            if 2000 <= start <= 2100:
                return start
    cells.error(column, f"'{value}' is not an academic year (write it as 2025/26)")
    return None


def financial_year(cells: Cells, column: str = "financial_year") -> int | None:
    """`2025`, `2025-26` or `2025/26` all mean the financial year 1 April 2025 - 31 March 2026."""
    value = cells.text(column)
    if not value:
        return None
    match = re.fullmatch(r"(?:FY\s*)?(\d{4})(?:\s*[/-]\s*(\d{2}|\d{4}))?", value, re.I)
    if match:
        start = int(match.group(1))
        end = match.group(2)
        if (end is None or int(end) % 100 == (start + 1) % 100) and 2000 <= start <= 2100:
            return start
    cells.error(column, f"'{value}' is not a financial year (write it as 2025-26)")
    return None


def schools_by_urn(rows: list[dict[str, str]], column: str = "urn") -> dict[int, School]:
    urns = {int(r[column]) for r in rows if r.get(column, "").strip().isdigit()}
    return School.objects.in_bulk(list(urns), field_name="urn")


def school(cells: Cells, known: dict[int, School], column: str = "urn") -> School | None:
    urn = cells.integer(column, minimum=1)
    if urn is None:
        return None
    found = known.get(urn)
    if found is None:
        cells.error(column, f"no school with URN {urn}: import the GIAS file that lists it first")
    return found


def la_for(cells: Cells, las: dict[str, LocalAuthority], column: str = "la_code"):
    code = cells.row.get(column, "").strip()
    if not code:
        la = next((la for la in las.values() if la.is_administering), None)
        if la is None:
            cells.error(column, NO_ADMINISTERING_LA)
        return la
    if code not in las:
        cells.error(column, f"no LA with code {code}: import the GIAS file that lists it first")
        return None
    return las[code]


def _singular(label: str) -> str:
    """ "censuses" -> "census", "band rates" -> "band rate"."""
    return label[:-2] if label.endswith("uses") else label[:-1]


@dataclass
class Upsert:
    """Rows matched to what is stored by a natural key: created, updated or left unchanged."""

    model: type
    key: tuple[str, ...]
    fields: list[str]
    label: str
    items: dict[tuple, dict] = field(default_factory=dict)

    def add(self, cells: Cells, key: tuple, values: dict, column: str) -> None:
        if key in self.items:
            first = self.items[key]["_row"]
            cells.error(column, f"the same {_singular(self.label)} is also in row {first}")
            return
        self.items[key] = {**values, "_row": cells.number}

    def write(self, existing_qs, result: ImportResult, *, user=None, reason: str) -> list:
        stored = {tuple(getattr(o, k) for k in self.key): o for o in existing_qs}
        to_create, to_update = [], []
        for key, values in self.items.items():
            values = {k: v for k, v in values.items() if k != "_row"}
            instance = stored.get(key)
            if instance is None:
                to_create.append(self.model(**dict(zip(self.key, key, strict=True)), **values))
            elif any(getattr(instance, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(instance, k, v)
                to_update.append(instance)
            else:
                result.count("unchanged", self.label)
        acting = user if getattr(user, "is_authenticated", False) else None
        if to_create:
            bulk_create_with_history(
                to_create, self.model, batch_size=1000, default_user=acting,
                default_change_reason=reason,
            )  # fmt: skip
        if to_update:
            bulk_update_with_history(
                to_update, self.model, self.fields, batch_size=1000, default_user=acting,
                default_change_reason=reason,
            )  # fmt: skip
        result.count("created", self.label, len(to_create))
        result.count("updated", self.label, len(to_update))
        return to_create + to_update


def template_csv(columns: list[str], examples: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows(examples)
    return out.getvalue().encode("utf-8-sig")
