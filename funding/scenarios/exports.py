"""The Schools Forum pack: the comparison as an XLSX workbook (summary, by element, by route,
by school, by pupil) with formatted numbers."""

from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font

from funding.scenarios.calculations import Comparison

MONEY = "£#,##0.00;[Red]-£#,##0.00"
PERCENT = '0.0"%"'


def _sheet(wb, title: str, header: list[str], rows, money_cols=(), pct_cols=()):
    ws = wb.create_sheet(title)
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([float(v) if isinstance(v, Decimal) else v for v in row])
    for col in money_cols:
        for cell in ws.iter_cols(min_col=col, max_col=col, min_row=2).__next__():
            cell.number_format = MONEY
    for col in pct_cols:
        for cell in ws.iter_cols(min_col=col, max_col=col, min_row=2).__next__():
            cell.number_format = PERCENT
    for i, _ in enumerate(header, 1):
        ws.column_dimensions[ws.cell(1, i).column_letter].width = 22
    return ws


def forum_pack(
    comparison: Comparison,
    *,
    title: str,
    before_label: str,
    after_label: str,
    schools: dict,
    upns: dict,
    element_label,
) -> bytes:
    """Numbers are written as numbers (pounds) with a money format, so the Forum's finance
    people can add them up."""
    c = comparison
    wb = Workbook()
    ws = wb.active
    ws.title = "Summary"
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([])
    rows = [
        ("Compared", f"{after_label} against {before_label}"),
        ("Total before", c.total.before),
        ("Total after", c.total.after),
        ("Difference", c.total.difference),
        ("Difference %", c.total.percent),
        ("Schools gaining", c.schools_gaining),
        ("Schools losing", c.schools_losing),
        ("Schools unchanged", c.schools_unchanged),
        ("Pupils whose money moves", len(c.pupils)),
    ]
    for label, value in rows:
        ws.append([label, float(value) if isinstance(value, Decimal) else value])
    for r in (4, 5, 6):
        ws.cell(r, 2).number_format = MONEY
    ws.cell(7, 2).number_format = PERCENT
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 40
    head = ["Before", "After", "Difference", "Change %"]
    _sheet(
        wb,
        "By element",
        ["Element", *head],
        [
            (element_label(ch.key), ch.before, ch.after, ch.difference, ch.percent)
            for ch in c.by_element
        ],
        money_cols=(2, 3, 4),
        pct_cols=(5,),
    )
    _sheet(
        wb,
        "By route",
        ["Route", *head],
        [(ch.key, ch.before, ch.after, ch.difference, ch.percent) for ch in c.by_route],
        money_cols=(2, 3, 4),
        pct_cols=(5,),
    )
    _sheet(
        wb,
        "By school",
        ["URN", "School", *head],
        [
            (*schools.get(ch.key, ("", ch.key)), ch.before, ch.after, ch.difference, ch.percent)
            for ch in c.by_school
        ],
        money_cols=(3, 4, 5),
        pct_cols=(6,),
    )
    _sheet(
        wb,
        "By pupil",
        ["UPN", "School", "Support before", "Before", "Support after", "After", "Change"],
        [
            (
                upns.get(m.pupil_id, ""),
                schools.get(m.school_id, ("", ""))[1],
                m.detail_before,
                m.before,
                m.detail_after,
                m.after,
                m.difference,
            )
            for m in c.pupils
        ],
        money_cols=(4, 6, 7),
    )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
