"""The one export layer: every table and report leaves the product as CSV or Excel through here.

A finance team opens these files in a spreadsheet, so each cell keeps its type: money is a number
rounded to the penny (`£#,##0.00` in Excel, `1234.50` in CSV), dates are dates, counts are whole
numbers. Headers are the words on the screen, a table with money columns ends with a total row,
and a CSV starts with a UTF-8 byte-order mark so Excel reads `£` and accents.

User-entered text can never become a live formula (OWASP "CSV injection", ASVS 1.2.10): a text
cell whose first character is `=`, `+`, `-`, `@`, tab, CR, LF or NUL is prefixed with an
apostrophe, in both formats. Numbers are written as numbers, so a negative amount stays -12.00.

It lives in `schools/` so every app may import it (schools/ and pupils/ never import funding/).
Views use `ExportMixin` (django-tables2's mixin with this layer behind it); reports that are not
one table build a `Sheet` and call `download`.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import capfirst
from django_tables2.columns.base import Column as Tables2Column
from django_tables2.columns.linkcolumn import BaseLinkColumn
from django_tables2.columns.manytomanycolumn import ManyToManyColumn
from django_tables2.export import ExportMixin as Tables2ExportMixin
from django_tables2.utils import Accessor, signature
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

EXPORT_FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
BOM = "\ufeff"
PENNY = Decimal("0.01")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")
MONEY_FORMAT = '"£"#,##0.00;-"£"#,##0.00'
DATE_FORMAT = "DD/MM/YYYY"
DATETIME_FORMAT = "DD/MM/YYYY HH:MM"

MONEY = "money"
AUTO = "auto"


def neutralise(text: str) -> str:
    """Text that a spreadsheet would read as a formula, prefixed with an apostrophe (OWASP)."""
    if text.startswith(FORMULA_PREFIXES) or text.lstrip().startswith(FORMULA_PREFIXES[:4]):
        return "'" + text
    return text


@dataclass(frozen=True)
class Col:
    """One column of a sheet: its header as on screen; `money` columns are pounds to the penny
    and are added up in the total row unless `total=False` (rates, per-pupil figures)."""

    header: str
    kind: str = AUTO
    total: bool = True

    @property
    def is_money(self) -> bool:
        return self.kind == MONEY


def money(header: str, *, total: bool = True) -> Col:
    return Col(header, MONEY, total)


@dataclass
class Sheet:
    """A table ready to export: typed Python values (Decimal, int, date, datetime, str, None).
    `total_label` puts a total row under the money columns that have `total` (None: no row,
    e.g. when the rows already end with the report's own total)."""

    title: str
    columns: Sequence[Col]
    rows: list[list] = field(default_factory=list)
    total_label: str | None = "Total"

    def __len__(self) -> int:
        return len(self.rows)

    def append(self, row: Sequence) -> None:
        if len(row) != len(self.columns):
            raise ValueError(f"Row has {len(row)} cells for {len(self.columns)} columns.")
        self.rows.append(list(row))

    @property
    def headers(self) -> list[str]:
        return [_header(c.header) for c in self.columns]

    def total_row(self) -> list | None:
        if self.total_label is None or not self.rows:
            return None
        summed = [c.is_money and c.total for c in self.columns]
        if not any(summed):
            return None
        row: list = [None] * len(self.columns)
        for i, add in enumerate(summed):
            if add:
                row[i] = sum(
                    (_penny(r[i]) for r in self.rows if isinstance(r[i], (Decimal, int, float))),
                    Decimal("0.00"),
                )
        label_at = next((i for i, add in enumerate(summed) if not add), None)
        if label_at is not None and label_at < summed.index(True):
            row[label_at] = self.total_label
        return row

    def all_rows(self) -> list[list]:
        total = self.total_row()
        return [*self.rows, total] if total else list(self.rows)


def _header(text) -> str:
    return capfirst(strip_tags(str(text)).replace("_", " ").strip())


def _penny(value) -> Decimal:
    return Decimal(str(value)).quantize(PENNY, rounding=ROUND_HALF_UP)


def _local(value: dt.datetime) -> dt.datetime:
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.replace(tzinfo=None, microsecond=0)


def cell_value(value, col: Col):
    """The value a spreadsheet cell holds: numbers, dates and neutralised text, nothing else."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, Decimal):
        return _penny(value) if col.is_money else value
    if isinstance(value, (int, float)):
        return _penny(value) if col.is_money else value
    if isinstance(value, dt.datetime):
        return _local(value)
    if isinstance(value, dt.date):
        return value
    text = str(value)
    if "<" in text:  # strip_tags leaves text without "<" as it is (and costs a lot per cell)
        text = strip_tags(text)
    text = html.unescape(text).strip()
    return neutralise(ILLEGAL_CHARACTERS_RE.sub("", text)) if text else None


# --- writers ---------------------------------------------------------------------------------


def _csv_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def to_csv(sheet: Sheet) -> bytes:
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out)
    writer.writerow([neutralise(h) for h in sheet.headers])
    for row in sheet.all_rows():
        writer.writerow(
            [_csv_text(cell_value(v, c)) for v, c in zip(row, sheet.columns, strict=True)]
        )
    return out.getvalue().encode("utf-8")


def _sheet_title(title: str, used: set[str]) -> str:
    clean = "".join(ch for ch in title if ch not in "[]:*?/\\").strip("' ")[:31] or "Sheet"
    name, n = clean, 2
    while name.lower() in used:
        name = f"{clean[:28]} {n}"
        n += 1
    used.add(name.lower())
    return name


def to_xlsx(sheets: Iterable[Sheet]) -> bytes:
    book = Workbook(write_only=True)
    used: set[str] = set()
    bold = Font(bold=True)
    for sheet in sheets:
        ws = book.create_sheet(_sheet_title(sheet.title, used))
        ws.freeze_panes = "A2"
        rows = [
            [cell_value(v, c) for v, c in zip(row, sheet.columns, strict=True)]
            for row in sheet.all_rows()
        ]
        for i, header in enumerate(sheet.headers, start=1):
            width = max([len(header)] + [len(_csv_text(r[i - 1])) for r in rows[:200]])
            ws.column_dimensions[get_column_letter(i)].width = min(max(width + 2, 8), 60)
        header_cells = []
        for header in sheet.headers:
            cell = WriteOnlyCell(ws, value=neutralise(header))
            cell.font = bold
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            header_cells.append(cell)
        ws.append(header_cells)
        total_at = len(sheet.rows) if len(rows) > len(sheet.rows) else None
        for r, row in enumerate(rows):
            cells = []
            for value, col in zip(row, sheet.columns, strict=True):
                cell = WriteOnlyCell(ws, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"  # never a formula, whatever the text
                elif col.is_money and isinstance(value, Decimal):
                    cell.number_format = MONEY_FORMAT
                elif isinstance(value, dt.datetime):
                    cell.number_format = DATETIME_FORMAT
                elif isinstance(value, dt.date):
                    cell.number_format = DATE_FORMAT
                if r == total_at:
                    cell.font = bold
                cells.append(cell)
            ws.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_bytes(sheets: Sheet | Sequence[Sheet], fmt: str) -> bytes:
    """The file's bytes; a CSV holds the first sheet only (a CSV has one table)."""
    sheets = [sheets] if isinstance(sheets, Sheet) else list(sheets)
    if fmt == "csv":
        return to_csv(sheets[0])
    if fmt == "xlsx":
        return to_xlsx(sheets)
    raise ValueError(f"Unknown format {fmt!r}: use csv or xlsx.")


def download(sheets: Sheet | Sequence[Sheet], fmt: str, filename: str) -> HttpResponse:
    """A file download; unknown formats are a 404. Exports may hold pupil data: never cached."""
    if fmt not in EXPORT_FORMATS:
        raise Http404("Unknown export format")
    if not filename.endswith(f".{fmt}"):
        filename = f"{filename}.{fmt}"
    response = HttpResponse(export_bytes(sheets, fmt), content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store, private"
    return response


# --- django-tables2 --------------------------------------------------------------------------


def _is_numeric_column(column) -> bool:
    if getattr(column, "export_kind", None) == MONEY:
        return True
    td = (getattr(column, "attrs", None) or {}).get("td", {})
    return "app-numeric" in str(td.get("class", ""))


_CELL_ARGUMENTS = frozenset({"value", "record", "column", "bound_column", "bound_row", "table"})
_FOUND, _EMPTY, _NO_VALUE = "found", "empty", "no value"


def _caller(fn):
    """`call_with_appropriate(fn, kwargs)` for the six cell arguments, with `fn`'s signature read
    once (tables2 reads it for every cell). The base `Column.value` only hands its arguments on
    to the column's `render`, so that is called directly."""
    if getattr(fn, "__func__", None) is Tables2Column.value:
        fn = fn.__self__.render
    args, catch_all = signature(fn)
    if catch_all:
        return lambda kwargs: fn(**kwargs)
    if not _CELL_ARGUMENTS.issuperset(args):
        return lambda kwargs: None  # tables2 does not call a method wanting something else
    return lambda kwargs: fn(**{name: kwargs[name] for name in args})


class _ColumnCells:
    """One column's export cells, worked out as tables2's `BoundRow.get_cell_value` does (the
    accessor, a `get_<field>_display`, the empty values, the `value_<name>`/`render_<name>`/
    column `value` method) with everything that does not depend on the row resolved once per
    column rather than once per cell."""

    def __init__(self, table, bound_column):
        self.table = table
        self.bound_column = bound_column
        self.column = column = bound_column.column
        self.accessor = Accessor(bound_column.accessor)
        path, _, self.remainder = self.accessor.rpartition(self.accessor.SEPARATOR)
        self.path = Accessor(path)
        self.link_text = isinstance(column, BaseLinkColumn) and column.text is not None
        self.many_to_many = isinstance(column, ManyToManyColumn)
        self.display = f"get_{self.remainder}_display"
        self.choices: dict[type, bool] = {}  # per model class: the field has choices
        name = bound_column.name
        self.has_value = hasattr(table, f"value_{name}")
        self.raw_numbers = _is_numeric_column(column) or not hasattr(table, f"render_{name}")
        self.call = _caller(bound_column.value)

    def _has_choices(self, record) -> bool:
        if not isinstance(record, models.Model):
            return bool(getattr(self.accessor.get_field(record), "choices", ()))
        kind = type(record)
        if kind not in self.choices:
            self.choices[kind] = bool(getattr(self.accessor.get_field(record), "choices", ()))
        return self.choices[kind]

    def read(self, record):
        """(value, how): the accessor's value (a choice's label) as tables2 reads it."""
        value = None
        remainder = self.remainder
        penultimate = self.path.resolve(record, quiet=True)
        if isinstance(penultimate, models.Model):
            try:
                has_choices = self._has_choices(record)
                display_fn = getattr(penultimate, self.display, None)
                if has_choices and display_fn:
                    value = display_fn()
                    remainder = None
            except FieldDoesNotExist:
                pass
        if remainder:
            try:
                value = self.accessor.resolve(record)
            except Exception:
                if self.link_text:
                    return None, _NO_VALUE
        if value in self.column.empty_values or (self.many_to_many and not value.exists()):
            return None, _EMPTY
        return value, _FOUND

    def cell(self, row):
        """The table's `value_<name>` if it has one; otherwise the raw value when it is a date,
        or a number in a numeric column (money, counts); otherwise the text on screen."""
        record = row.record
        value, how = self.read(record)
        if not self.has_value and (
            isinstance(value, dt.date)
            or (
                isinstance(value, (int, float, Decimal))
                and not isinstance(value, bool)
                and self.raw_numbers
            )
        ):
            return value
        if how is _EMPTY:
            return None
        return self.call(
            {
                "value": value,
                "record": record,
                "column": self.column,
                "bound_column": self.bound_column,
                "bound_row": row,
                "table": self.table,
            }
        )


def table_sheet(table, *, exclude_columns: Iterable[str] = (), title: str = "") -> Sheet:
    """A django-tables2 table as a sheet: the columns and rows the export shows.

    Each cell is the table's `value_<name>` if it has one; otherwise the raw value when it is a
    date, or a number in a numeric column (money, counts); otherwise the text on screen.
    """
    exclude = set(exclude_columns)
    bound = [
        c
        for c in table.columns.iterall()
        if not (c.column.exclude_from_export or c.name in exclude)
    ]
    columns = []
    for c in bound:
        kind = MONEY if getattr(c.column, "export_kind", None) == MONEY else AUTO
        total = getattr(c.column, "export_total", True) and getattr(table, "export_total", True)
        columns.append(Col(str(c.header), kind, total))
    sheet = Sheet(title=title or _table_title(table), columns=columns)
    readers = [_ColumnCells(table, c) for c in bound]
    sheet.rows = [[reader.cell(row) for reader in readers] for row in table.rows]
    return sheet


def _table_title(table) -> str:
    try:
        return str(table.Meta.model._meta.verbose_name_plural).capitalize()
    except AttributeError:
        return "Export"


class ExportMixin(Tables2ExportMixin):
    """django-tables2's ExportMixin with this layer behind it: `?_export=csv|xlsx` on any table
    page. `export_title` names the Excel sheet."""

    export_formats = EXPORT_FORMATS
    export_title = ""

    def create_export(self, export_format):
        table = self.get_table(**self.get_table_kwargs())
        sheet = table_sheet(table, exclude_columns=self.exclude_columns, title=self.export_title)
        return download(sheet, export_format, self.get_export_filename(export_format))

    def render_to_response(self, context, **kwargs):
        export_format = self.request.GET.get(self.export_trigger_param)
        if export_format:
            if export_format not in EXPORT_FORMATS:
                raise Http404("Unknown export format")
            return self.create_export(export_format)
        return super(Tables2ExportMixin, self).render_to_response(context, **kwargs)
