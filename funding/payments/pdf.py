"""A school's remittance advice as a PDF (R24), drawn with fpdf2 in a core font.

The table is drawn cell by cell, wrapping the last column ("why") by measured word widths:
fpdf2's own `table()` lays out every cell with its full line breaker, many times slower.

Core fonts (Helvetica) carry Windows-1252, which has the pound sign; characters outside it (the
minus sign − and the arrow → of the working) are written as their nearest plain equivalents, so
nothing is lost and no font file is needed. Pure: takes the rows the page shows, returns bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from fpdf import FPDF

from funding.calculations.money import gbp

#: Characters the core font cannot carry, and what they become.
PLAIN = str.maketrans({"−": "-", "→": "->", "≤": "<=", "≥": ">=", "×": "x", "÷": "/"})
HEADINGS = ("UPN", "Initials", "Year", "Element", "Type", "Days", "Amount", "Why")
#: Fractions of the page width per column (landscape A4).
WIDTHS = (13, 6, 7, 12, 8, 5, 9, 40)
RIGHT = {5, 6}
LINE = 4.0


def plain(text: object) -> str:
    """`text` in the core font's Windows-1252 (unknown characters become "?")."""
    return str(text).translate(PLAIN).encode("cp1252", "replace").decode("cp1252")


def money(amount: Decimal) -> str:
    return f"-{gbp(-amount)}" if amount < 0 else gbp(amount)


def remittance_pdf(
    *,
    title: str,
    facts: Sequence[tuple[str, str]],
    changes: Sequence[str],
    rows: Iterable[Sequence[object]],
    total: Decimal,
) -> bytes:
    """A landscape A4 remittance: title, key facts, what changed since last period, the pupil
    lines (the last column, amount, as money) and the total."""
    pdf = FPDF(orientation="L", format="A4")
    pdf.set_title(plain(title))
    pdf.set_author("SEN funding")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_font("Helvetica", style="B", size=14)
    pdf.multi_cell(0, 8, plain(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=9)
    for label, value in facts:
        pdf.multi_cell(0, 5, plain(f"{label}: {value}"), new_x="LMARGIN", new_y="NEXT")
    if changes:
        pdf.ln(2)
        pdf.set_font("Helvetica", style="B", size=10)
        pdf.cell(0, 6, "What changed since the last period", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=9)
        for change in changes:
            for line in _wrap(pdf, plain(f"- {change}"), pdf.epw):
                pdf.cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    _table(pdf, [[plain(v) for v in (*text, money(amount), why)] for *text, amount, why in rows])
    pdf.ln(3)
    pdf.set_font("Helvetica", style="B", size=10)
    pdf.cell(0, 6, plain(f"Total for the period: {money(total)}"), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _wrap(pdf: FPDF, text: str, width: float) -> list[str]:
    """`text` broken into lines no wider than `width` (a word longer than a line stands alone)."""
    lines, line = [], ""
    for word in text.split():
        trial = f"{line} {word}" if line else word
        if line and pdf.get_string_width(trial) > width:
            lines.append(line)
            line = word
        else:
            line = trial
    return [*lines, line] if line or not lines else lines


def _table(pdf: FPDF, rows: list[list[str]]) -> None:
    total = sum(WIDTHS)
    widths = [pdf.epw * w / total for w in WIDTHS]
    pad = 1.0

    def heading():
        pdf.set_font("Helvetica", style="B", size=7)
        for i, (label, width) in enumerate(zip(HEADINGS, widths, strict=True)):
            pdf.cell(width, LINE + 1, label, border="B", align="R" if i in RIGHT else "L")
        pdf.ln(LINE + 1)
        pdf.set_font("Helvetica", size=7)

    heading()
    for row in rows:
        why = _wrap(pdf, row[-1], widths[-1] - 2 * pad)
        height = LINE * max(1, len(why))
        if pdf.get_y() + height > pdf.page_break_trigger:
            pdf.add_page()
            heading()
        x, y = pdf.get_x(), pdf.get_y()
        for i, (value, width) in enumerate(zip(row[:-1], widths, strict=False)):
            pdf.cell(width, LINE, value, align="R" if i in RIGHT else "L")
        left = pdf.get_x()
        for n, text in enumerate(why):
            pdf.set_xy(left, y + n * LINE)
            pdf.cell(widths[-1], LINE, text)
        pdf.line(x, y + height, x + sum(widths), y + height)
        pdf.set_xy(x, y + height)
