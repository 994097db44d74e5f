"""Reading a GIAS establishment download as it comes from the DfE (or from Excel after a re-save).

Real downloads have rows with more fields than the header (the `Linked establishments` values
spill over into unnamed columns), quoted and unquoted fields, a byte-order mark or none, and
Windows-1252 when Excel re-saved them. Some extracts give `(code)` columns instead of, or as
well as, `(name)` columns. Extra trailing fields never stop an import: they are dropped. What
cannot be read is named by row with the reason, and no error message is ever empty.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from schools.importing import ImportRejected, RowError, read_rows

#: GIAS codes for the columns whose `(name)` the importer maps; used when only `(code)` is given.
GIAS_TYPE_CODES = {
    "1": "Community school",
    "2": "Voluntary aided school",
    "3": "Voluntary controlled school",
    "5": "Foundation school",
    "6": "City technology college",
    "7": "Community special school",
    "8": "Non-maintained special school",
    "10": "Other independent special school",
    "11": "Other independent school",
    "12": "Foundation special school",
    "14": "Pupil referral unit",
    "15": "Local authority nursery school",
    "18": "Further education",
    "28": "Academy sponsor led",
    "31": "Sixth form centres",
    "32": "Special post 16 institution",
    "33": "Academy special sponsor led",
    "34": "Academy converter",
    "35": "Free schools",
    "36": "Free schools special",
    "38": "Free schools alternative provision",
    "39": "Free schools 16 to 19",
    "40": "University technical college",
    "41": "Studio schools",
    "42": "Academy alternative provision converter",
    "43": "Academy alternative provision sponsor led",
    "44": "Academy special converter",
    "45": "Academy 16-19 converter",
    "46": "Academy 16 to 19 sponsor led",
}
GIAS_PHASE_CODES = {
    "0": "Not applicable",
    "1": "Nursery",
    "2": "Primary",
    "3": "Middle deemed primary",
    "4": "Secondary",
    "5": "Middle deemed secondary",
    "6": "16 plus",
    "7": "All-through",
}
GIAS_STATUS_CODES = {
    "1": "Open",
    "2": "Closed",
    "3": "Open, but proposed to close",
    "4": "Proposed to open",
}
CODED_COLUMNS = {
    "TypeOfEstablishment": GIAS_TYPE_CODES,
    "PhaseOfEducation": GIAS_PHASE_CODES,
    "EstablishmentStatus": GIAS_STATUS_CODES,
}

UNREADABLE = (
    "the file could not be read as a CSV or XLSX file; download it from GIAS again, or open it "
    "in Excel and save it as CSV"
)


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def fit_rows_to_header(content: bytes) -> tuple[bytes, int]:
    """The CSV with every row cut to the header's width, and how many rows had extra fields.

    GIAS puts each linked establishment in its own trailing field, past the last header.
    """
    text = _decode(content)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    reader = csv.reader(io.StringIO(text, newline=""))
    trimmed = 0
    width = None
    try:
        for fields in reader:
            if width is None:
                while fields and not fields[-1].strip():
                    fields = fields[:-1]  # a trailing empty header is not a column
                width = len(fields)
            elif len(fields) > width:
                if any(f.strip() for f in fields[width:]):
                    trimmed += 1
                fields = fields[:width]
            writer.writerow(fields)
    except csv.Error as exc:
        raise ImportRejected(
            [RowError(reader.line_num, "", f"this line is not valid CSV ({exc or 'bad quoting'})")]
        ) from exc
    return out.getvalue().encode("utf-8"), trimmed


def explained(errors: list[RowError]) -> list[RowError]:
    """Every error with a sentence: a parser that fails silently still says what to do."""
    fixed = []
    for error in errors:
        message = (error.message or "").strip()
        if not message or message.endswith(":"):
            message = f"{message} {UNREADABLE}".strip() if message else UNREADABLE
        fixed.append(RowError(error.row, error.column, message))
    return fixed


def _names_from_codes(row: dict[str, str]) -> dict[str, str]:
    for stem, codes in CODED_COLUMNS.items():
        name_column, code_column = f"{stem} (name)", f"{stem} (code)"
        if not row.get(name_column) and row.get(code_column):
            code = row[code_column].strip()
            # An unknown code is passed through so the row error names the value given.
            row[name_column] = codes.get(code, f"code {code}")
    if not row.get("LA (name)") and row.get("LA (code)"):
        row["LA (name)"] = f"LA {row['LA (code)'].strip()}"
    return row


def gias_rows(content: bytes, filename: str) -> tuple[list[dict[str, str]], int]:
    """The download's rows (names filled in from codes where only codes are given).

    Returns the rows and the number of rows whose extra trailing fields were dropped.
    """
    trimmed = 0
    try:
        if Path(filename).suffix.lower() in (".csv", ".txt", ""):
            content, trimmed = fit_rows_to_header(content)
        rows = read_rows(content, filename)
    except ImportRejected as rejected:
        raise ImportRejected(explained(rejected.errors)) from rejected
    return [_names_from_codes(row) for row in rows], trimmed


def missing_columns(headers: set[str], required: list[str]) -> list[RowError]:
    """Required columns not in the header; a `(name)` column may be given as its `(code)`."""
    errors = []
    for column in required:
        if column in headers:
            continue
        if column.endswith(" (name)") and column.replace(" (name)", " (code)") in headers:
            continue
        if column == "LA (name)" and "LA (code)" in headers:
            continue
        errors.append(RowError(1, column, "this column is missing from the header row"))
    return errors
