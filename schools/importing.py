"""Reading import files (CSV or XLSX) into rows, and reporting every problem at once.

An import validates the whole file first; if any row is wrong it raises `ImportRejected` with
every error (row number as a spreadsheet shows it, column, reason) and writes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

FIRST_DATA_ROW = 2  # row 1 is the header, as in a spreadsheet
SHOWN_ERRORS = 200  # a page or a terminal lists this many problems, then a count


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


# --- Reading files safely -------------------------------------------------------------------
# A hostile or broken upload must cost bounded memory and time and end in a sentence the user can
# act on (issue 17, High 3). CSV is read with the csv module; XLSX with openpyxl in read-only mode,
# after the zip's declared sizes are checked (a zip bomb is refused before anything is inflated),
# with the sheet's declared dimension ignored (rows and columns are those actually present).
DEFAULT_MAX_BYTES = 40 * 1024 * 1024  # a 100,000-row pupil CSV is about 20 MB
DEFAULT_MAX_ROWS = 200_000
DEFAULT_MAX_COLUMNS = 200
DEFAULT_MAX_XLSX_UNCOMPRESSED = 256 * 1024 * 1024  # the sheet XML of 100,000 pupil rows: ~100 MB
MAX_XLSX_PART = 64 * 1024 * 1024  # shared strings, styles, ...: openpyxl holds these in memory
EXCEL_SAVE_AS = "save it from Excel as 'CSV UTF-8 (Comma delimited)' or as an .xlsx workbook"


def _limit(name: str, default: int) -> int:
    from django.conf import settings

    return int(getattr(settings, name, default))


def max_upload_bytes() -> int:
    return _limit("IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


def _refuse(message: str) -> ImportRejected:
    return ImportRejected([RowError(0, "", message)])


def _decode(raw: bytes) -> str:
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in raw[:4096]:
        raise _refuse(
            f"The file is UTF-16 (Unicode) text, which this import does not read: {EXCEL_SAVE_AS}."
        )
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def read_rows(content: bytes, filename: str) -> list[dict[str, str]]:
    """Rows as dicts of stripped strings keyed by header. CSV (UTF-8 or Windows-1252) or XLSX.

    Refuses, with one sentence saying why: a file over IMPORT_MAX_BYTES, more than
    IMPORT_MAX_ROWS data rows or IMPORT_MAX_COLUMNS columns, a header named twice, UTF-16 text,
    a CSV separated by semicolons or tabs, and an XLSX that would inflate beyond its limits.
    Empty rows are skipped.
    """
    suffix = Path(filename).suffix.lower()
    limit = max_upload_bytes()
    if len(content) > limit:
        raise _refuse(
            f"{filename} is {_size(len(content))}; the largest file this import accepts is "
            f"{_size(limit)}. Split it into smaller files."
        )
    if not content:
        raise _refuse(f"{filename} is empty.")
    try:
        if suffix in (".xlsx", ".xlsm"):
            table = _xlsx_table(content, filename)
        elif suffix in (".csv", ".txt", ""):
            table = _csv_table(content, filename)
        else:
            raise _refuse(f"{filename} is not a CSV or XLSX file: use a .csv or .xlsx file.")
        return _rows_from(table, filename)
    except ImportRejected:
        raise
    except MemoryError as exc:
        raise _refuse(f"{filename} is too large to read: split it into smaller files.") from exc
    except Exception as exc:  # noqa: BLE001 - any parser failure is a file the user must fix
        kind = "an XLSX workbook" if suffix in (".xlsx", ".xlsm") else "CSV"
        reason = str(exc).strip() or type(exc).__name__
        raise _refuse(
            f"{filename} could not be read as {kind} ({reason}): open it in Excel and "
            f"{EXCEL_SAVE_AS}."
        ) from exc


def _csv_table(content: bytes, filename: str):
    text = _decode(content)
    first_line = text.split("\n", 1)[0]
    if "," not in first_line:
        for separator, name in ((";", "semicolons (;)"), ("\t", "tabs")):
            if separator in first_line:
                raise _refuse(
                    f"{filename} separates its columns with {name}, not commas: {EXCEL_SAVE_AS}."
                )
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        yield from reader
    except csv.Error as exc:
        raise _refuse(
            f"{filename} is not valid CSV at line {reader.line_num} ({exc}): {EXCEL_SAVE_AS}."
        ) from exc


def _xlsx_table(content: bytes, filename: str):
    import openpyxl

    _check_zip(content, filename)
    workbook = openpyxl.load_workbook(
        io.BytesIO(content), read_only=True, data_only=True, keep_links=False
    )
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise _refuse(f"{filename} has no worksheet.")
        if not hasattr(sheet, "reset_dimensions"):
            raise _refuse(f"{filename}: the first sheet is a chart, not a worksheet.")
        # The declared dimension (A1:XFD1048576) is a claim, not the data: forget it, so only rows
        # present in the file are read and no row is padded to 16,384 columns.
        sheet.reset_dimensions()
        columns = _limit("IMPORT_MAX_COLUMNS", DEFAULT_MAX_COLUMNS)
        yield from sheet.iter_rows(max_col=columns + 1, values_only=True)
    finally:
        workbook.close()


def _check_zip(content: bytes, filename: str) -> None:
    """Refuse a workbook whose parts would inflate past the limits (a zip bomb) before reading."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile as exc:
        raise _refuse(
            f"{filename} is not an XLSX workbook (it is not a zip archive): {EXCEL_SAVE_AS}."
        ) from exc
    with archive:
        infos = archive.infolist()
    total_limit = _limit("IMPORT_MAX_XLSX_UNCOMPRESSED", DEFAULT_MAX_XLSX_UNCOMPRESSED)
    total = sum(info.file_size for info in infos)
    too_big_part = next(
        (
            info
            for info in infos
            if info.file_size > MAX_XLSX_PART and not info.filename.startswith("xl/worksheets/")
        ),
        None,
    )
    if total > total_limit or too_big_part is not None or len(infos) > 10_000:
        raise _refuse(
            f"{filename} would expand to {_size(total)} when opened; the most this import opens "
            f"is {_size(total_limit)}. Save only the data you need as CSV, or split the file."
        )


def _rows_from(table, filename: str) -> list[dict[str, str]]:
    max_columns = _limit("IMPORT_MAX_COLUMNS", DEFAULT_MAX_COLUMNS)
    max_rows = _limit("IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS)
    table = iter(table)
    headers: list[str] | None = None
    rows: list[dict[str, str]] = []
    for number, values in enumerate(table, start=1):
        cells = [_cell(v) for v in values[: max_columns + 1]]
        if len(values) > max_columns and any(_cell(v) for v in values[max_columns:]):
            raise _refuse(
                f"Row {number} of {filename} has more than {max_columns} columns; the most this "
                "import reads is that many. Delete the extra columns."
            )
        if headers is None:
            if not any(cells):
                continue  # blank lines above the header
            headers = [c.strip() for c in cells]
            _check_headers(headers, filename)
            continue
        row = {h: v for h, v in zip(headers, cells, strict=False) if h}
        if any(row.values()):
            if len(rows) >= max_rows:
                raise _refuse(
                    f"{filename} has more than {max_rows:,} rows; the most one import takes is "
                    f"{max_rows:,}. Split it into smaller files."
                )
            rows.append(row)
    return rows


def _check_headers(headers: list[str], filename: str) -> None:
    seen: dict[str, list[int]] = {}
    for index, header in enumerate(headers):
        if header:
            seen.setdefault(header, []).append(index)
    repeated = {h: where for h, where in seen.items() if len(where) > 1}
    if repeated:
        named = "; ".join(
            f"'{h}' (columns {', '.join(get_column_letter(i + 1) for i in where)})"
            for h, where in repeated.items()
        )
        raise _refuse(
            f"The header row of {filename} names a column more than once: {named}. "
            "Each column name may appear once; delete or rename the copies."
        )


def get_column_letter(n: int) -> str:
    letters = ""
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


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
        if len(value) == 10 and value[4] == "-":
            try:
                return dt.date.fromisoformat(value)  # YYYY-MM-DD, fast (most files)
            except ValueError:
                pass
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


def add_user_argument(parser) -> None:
    """`--user USERNAME` for an import command: who the history records as making the changes."""
    parser.add_argument(
        "--user",
        metavar="USERNAME",
        help="The person importing the file; the history names them. Required unless DEBUG is on.",
    )


def command_user(username: str | None):
    """The active user named by `--user`; without one, nobody (DEBUG only)."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management.base import CommandError

    if not username:
        if settings.DEBUG:
            return None
        raise CommandError(
            "Give --user USERNAME: the history records who imported the file, so an import "
            "from the command line must name the person running it."
        )
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"There is no active user called '{username}'.")
    return user


def import_file_for_command(
    command, importer, file, username: str | None = None, verbosity: int = 1
) -> None:
    """What `import_schools` and `import_pupils` do: run the import as `--user`, print each
    problem (the first 200 and a count; every one with -v 2)."""
    from django.core.management.base import CommandError

    user = command_user(username)
    if not file.exists():
        raise CommandError(f"{file} does not exist.")
    try:
        result = importer(content=file.read_bytes(), filename=file.name, user=user)
    except ImportRejected as rejected:
        shown = rejected.errors if verbosity > 1 else rejected.errors[:SHOWN_ERRORS]
        for error in shown:
            command.stderr.write(str(error))
        if len(shown) < len(rejected.errors):
            command.stderr.write(
                f"... and {len(rejected.errors) - len(shown):,} more (run with -v 2 to see all)."
            )
        raise CommandError(f"{rejected}: {file}") from rejected
    command.stdout.write(command.style.SUCCESS(result.summary()))
