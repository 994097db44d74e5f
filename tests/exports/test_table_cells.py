"""A django-tables2 table's export reads each cell as tables2 does (issue 18).

`schools.exports.table_sheet` works out per column, once, what tables2's `BoundRow` works out
per cell (the accessor, a choice's label, the `value_*`/`render_*`/column method and its
arguments), so a 25,000-row export no longer inspects a signature per cell. These tests pin the
cells a finance officer gets: the same as tables2 gives, with dates and numbers kept typed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import django_tables2 as tables
from django.utils.html import format_html

from pupils.models import Plan
from schools.exports import table_sheet, to_csv


class _ReviewsLike(tables.Table):
    pupil = tables.Column(accessor="pupil_name", verbose_name="Pupil")
    kind = tables.Column(verbose_name="Plan")  # a field with choices: its label
    annual_review_due = tables.Column(verbose_name="Review due")  # a date stays a date
    hours = tables.Column(attrs={"td": {"class": "app-numeric"}})  # a number stays a number
    status = tables.Column(empty_values=(), verbose_name="Status")  # the text on screen
    note = tables.Column(verbose_name="Note")  # nothing recorded: an empty cell
    caseworker = tables.BooleanColumn(accessor="has_caseworker")  # tables2's own value()

    def render_status(self, record):
        return format_html("<strong>Overdue by {} days</strong>", record.days)

    def render_pupil(self, value):
        return format_html('<a href="/p/">{}</a>', value)

    def value_pupil(self, value):
        return value


def _plan(kind, due, hours, days, name, note, caseworker):
    plan = Plan(kind=kind, issued_on=dt.date(2024, 9, 1), annual_review_due=due)
    plan.hours, plan.days, plan.pupil_name, plan.note = hours, days, name, note
    plan.has_caseworker = caseworker
    return plan


def _table():
    return _ReviewsLike(
        [
            _plan("ehcp", dt.date(2025, 11, 3), Decimal("12.5"), 33, "Ann Lee", "", True),
            _plan("ehcp", dt.date(2025, 12, 1), 0, 5, "=Bob Hill", None, False),
        ]
    )


def test_export_cells_are_typed_as_on_screen_without_markup():
    sheet = table_sheet(_table(), title="Reviews")
    label = dict(Plan._meta.get_field("kind").choices)["ehcp"]
    assert sheet.headers == ["Pupil", "Plan", "Review due", "Hours", "Status", "Note", "Caseworker"]
    assert sheet.rows == [
        ["Ann Lee", label, dt.date(2025, 11, 3), Decimal("12.5"),
         format_html("<strong>Overdue by {} days</strong>", 33), None, "True"],
        ["=Bob Hill", label, dt.date(2025, 12, 1), 0,
         format_html("<strong>Overdue by {} days</strong>", 5), None, "False"],
    ]  # fmt: skip
    # The file: no markup, the user's "=..." neutralised, a date as ISO, a number as a number.
    text = to_csv(sheet).decode("utf-8-sig").splitlines()
    assert text[1] == f"Ann Lee,{label},2025-11-03,12.5,Overdue by 33 days,,True"
    assert text[2] == f"'=Bob Hill,{label},2025-12-01,0,Overdue by 5 days,,False"


def test_export_cells_match_django_tables2s_own_cell_values():
    """Every cell that is not kept as a raw date or number is what tables2's
    `BoundRow.get_cell_value` returns for it."""
    table = _table()
    sheet = table_sheet(table)
    names = [c.name for c in table.columns.iterall()]
    for row, cells in zip(table.rows, sheet.rows, strict=True):
        for name, cell in zip(names, cells, strict=True):
            if isinstance(cell, (dt.date, Decimal, int)) and not isinstance(cell, bool):
                continue
            assert cell == row.get_cell_value(name), name
