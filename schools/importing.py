"""Reading import files (CSV or XLSX) into rows, and reporting every problem at once.

An import validates the whole file first; if any row is wrong it raises `ImportRejected` with
every error (row number as a spreadsheet shows it, column, reason) and writes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import tablib

FIRST_DATA_ROW = 2  # row 1 is the header, as in a spreadsheet


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row else "file"
        return (
            f"{where}, {self.column}: {self.message}" if self.column else f"{where}: {self.message}"
        )


class ImportRejected(Exception):
    """The file was refused; nothing was written."""

    def __init__(self, errors: list[RowError]):
        self.errors = sorted(errors, key=lambda e: (e.row, e.column))
        super().__init__(f"{len(self.errors)} problem(s); nothing was imported")


@dataclass
class ImportResult:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    rows: int = 0

    def count(self, bucket: str, kind: str, n: int = 1) -> None:
        counter = getattr(self, bucket)
        counter[kind] = counter.get(kind, 0) + n

    def summary(self) -> str:
        def fmt(counter):
            return ", ".join(f"{n} {kind}" for kind, n in sorted(counter.items()) if n) or "none"

        return (
            f"{self.rows} rows read. Created: {fmt(self.created)}. Updated: {fmt(self.updated)}. "
            f"Unchanged: {fmt(self.unchanged)}."
        )


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def read_rows(content: bytes, filename: str) -> list[dict[str, str]]:
    """Rows as dicts of stripped strings keyed by header. CSV (UTF-8 or Windows-1252) or XLSX."""
    suffix = Path(filename).suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            dataset = tablib.Dataset().load(content, format="xlsx")
        elif suffix in (".csv", ".txt", ""):
            dataset = tablib.Dataset().load(_decode(content), format="csv")
        else:
            raise ImportRejected([RowError(0, "", f"{filename}: use a .csv or .xlsx file")])
    except ImportRejected:
        raise
    except Exception as exc:  # noqa: BLE001 - any parser failure is a file the user must fix
        raise ImportRejected([RowError(0, "", f"{filename} could not be read: {exc}")]) from exc
    headers = [str(h or "").strip() for h in (dataset.headers or [])]
    rows = []
    for values in dataset:
        row = {h: _cell(v) for h, v in zip(headers, values, strict=False) if h}
        if any(row.values()):
            rows.append(row)
    return rows


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def require_columns(rows_headers: set[str], required: list[str]) -> list[RowError]:
    return [
        RowError(1, column, "this column is missing from the header row")
        for column in required
        if column not in rows_headers
    ]


class Cells:
    """Parses one row's cells, collecting errors instead of raising."""

    def __init__(self, row: dict[str, str], number: int, errors: list[RowError]):
        self.row, self.number, self.errors = row, number, errors

    def error(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.number, column, message))

    def text(self, column: str, *, required: bool = True) -> str:
        value = self.row.get(column, "").strip()
        if required and not value:
            self.error(column, "is empty")
        return value

    def date(self, column: str, *, required: bool = True) -> dt.date | None:
        value = self.row.get(column, "").strip()
        if not value:
            if required:
                self.error(column, "is empty")
            return None
        for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
            try:
                return dt.datetime.strptime(value, fmt).date()
            except ValueError:
                continue
        self.error(column, f"'{value}' is not a date (use YYYY-MM-DD or DD/MM/YYYY)")
        return None

    def integer(self, column: str, *, required: bool = True, minimum: int | None = 0) -> int | None:
        value = self.row.get(column, "").strip()
        if not value:
            if required:
                self.error(column, "is empty")
            return None
        try:
            number = int(value)
        except ValueError:
            self.error(column, f"'{value}' is not a whole number")
            return None
        if minimum is not None and number < minimum:
            self.error(column, f"{number} is below {minimum}")
            return None
        return number

    def decimal(self, column: str, *, places: int = 2, required: bool = False) -> Decimal | None:
        value = self.row.get(column, "").strip().replace(",", "").lstrip("£")
        if not value:
            if required:
                self.error(column, "is empty")
            return None
        try:
            number = Decimal(value)
        except InvalidOperation:
            self.error(column, f"'{value}' is not a number")
            return None
        if not number.is_finite():
            self.error(column, f"'{value}' is not a number")
            return None
        if number < 0:
            self.error(column, f"{value} is negative")
            return None
        if -number.as_tuple().exponent > places:
            self.error(column, f"{value} has more than {places} decimal places")
            return None
        return number

    def choice(self, column: str, choices: dict[str, str], *, default: str | None = None) -> str:
        value = self.row.get(column, "").strip()
        if not value and default is not None:
            return default
        key = value.lower().replace("-", "_").replace(" ", "_")
        if key in choices:
            return choices[key]
        self.error(column, f"'{value}' is not one of: {', '.join(sorted(set(choices)))}")
        return default or ""


def import_file_for_command(command, importer, file) -> None:
    """What `import_schools` and `import_pupils` do: run the import, print each problem."""
    from django.core.management.base import CommandError

    if not file.exists():
        raise CommandError(f"{file} does not exist")
    try:
        result = importer(content=file.read_bytes(), filename=file.name)
    except ImportRejected as rejected:
        for error in rejected.errors:
            command.stderr.write(str(error))
        raise CommandError(f"{rejected}: {file}") from rejected
    command.stdout.write(command.style.SUCCESS(result.summary()))
