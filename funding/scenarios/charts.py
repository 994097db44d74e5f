"""Bar charts for the comparison page as plain geometry, drawn by the template as SVG (no
script; each chart has a title and description and the page shows the same figures in a
table). Pure: no ORM. Horizontal bars; the value axis starts at zero."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

LABEL_WIDTH = 190
PLOT_WIDTH = 420
ROW = 26
BAR = 18
TOP = 8
AXIS = 26
FILLS = ("#1d70b8", "#505a5f")


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str
    x: int
    y: int
    width: int
    height: int
    fill: str
    text_x: int
    text_y: int


@dataclass(frozen=True)
class Chart:
    title: str
    description: str
    bars: list[Bar]
    ticks: list[tuple[int, str]]
    width: int
    height: int
    axis_y: int
    x0: int
    legend: list[tuple[str, str]]


def _ticks(top: float, fmt) -> list[tuple[int, str]]:
    return [(LABEL_WIDTH + round(PLOT_WIDTH * i / 4), fmt(top * i / 4)) for i in range(5)]


def _nice(top: float) -> float:
    """A round axis maximum at or above `top` (1, 2, 2.5 or 5 × a power of ten)."""
    if top <= 0:
        return 1.0
    power = 10 ** (len(str(int(top))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= top:
            return step * power
    return 10.0 * power


def bar_chart(
    title: str,
    description: str,
    rows: list[tuple[str, list[tuple[float, str]]]],
    *,
    series: list[str],
    fmt,
    whole: bool = False,
) -> Chart:
    """`rows`: (label, [(value, text) per series]); negative values are drawn at zero (the
    table beside the chart has them). `whole`: counts, so the axis ticks are whole numbers."""
    per_row = len(series)
    largest = max([v for _label, values in rows for v, _t in values] + [0])
    top = max(4, math.ceil(largest / 4) * 4) if whole else _nice(largest)
    bars = []
    y = TOP
    for label, values in rows:
        for i, (value, text) in enumerate(values):
            width = round(PLOT_WIDTH * max(value, 0) / top)
            bar_y = y + i * BAR
            bars.append(
                Bar(
                    label if i == 0 else "",
                    value,
                    text,
                    LABEL_WIDTH,
                    bar_y,
                    width,
                    BAR - 2,
                    FILLS[i % len(FILLS)],
                    LABEL_WIDTH + width + 4,
                    bar_y + BAR - 5,
                )
            )
        y += per_row * BAR + (ROW - BAR)
    axis_y = y
    return Chart(
        title,
        description,
        bars,
        _ticks(top, fmt),
        LABEL_WIDTH + PLOT_WIDTH + 110,
        axis_y + AXIS,
        axis_y,
        LABEL_WIDTH,
        [(FILLS[i % len(FILLS)], name) for i, name in enumerate(series)] if per_row > 1 else [],
    )


DISTRIBUTION = [
    ("Lose 10% or more", lambda p: p <= -10),
    ("Lose 5% to 10%", lambda p: -10 < p <= -5),
    ("Lose 1% to 5%", lambda p: -5 < p <= -1),
    ("Lose under 1%", lambda p: -1 < p < 0),
    ("Unchanged", lambda p: p == 0),
    ("Gain under 1%", lambda p: 0 < p < 1),
    ("Gain 1% to 5%", lambda p: 1 <= p < 5),
    ("Gain 5% to 10%", lambda p: 5 <= p < 10),
    ("Gain 10% or more", lambda p: p >= 10),
]


def change_distribution(by_school) -> list[tuple[str, int]]:
    """How many schools fall in each band of % change (a school with nothing before that
    gains counts as gaining 10% or more)."""
    counts = [0] * len(DISTRIBUTION)
    for c in by_school:
        if c.difference == 0:
            p = Decimal(0)
        elif c.percent is None:
            p = Decimal(100) if c.difference > 0 else Decimal(-100)
        else:
            p = c.percent
            if p == 0:  # a change under 0.05%: still a gain or a loss
                p = Decimal("0.01") if c.difference > 0 else Decimal("-0.01")
        for i, (_label, test) in enumerate(DISTRIBUTION):
            if test(p):
                counts[i] += 1
                break
    return [(label, n) for (label, _t), n in zip(DISTRIBUTION, counts, strict=True)]


def distribution_chart(by_school) -> tuple[Chart, list[tuple[str, int]]]:
    rows = change_distribution(by_school)
    chart = bar_chart(
        "Change per school",
        "Number of schools in each band of percentage change in their total: "
        + "; ".join(f"{label}: {n}" for label, n in rows)
        + ".",
        [(label, [(float(n), str(n))]) for label, n in rows],
        series=["Schools"],
        fmt=lambda v: f"{v:g}",
        whole=True,
    )
    return chart, rows


def _gbp(value: float) -> str:
    return f"£{value:,.0f}"


def element_chart(by_element, before_label: str, after_label: str) -> Chart:
    """Totals by element before and after; the axis starts at zero."""
    rows = [
        (label, [(float(c.before), _gbp(float(c.before))), (float(c.after), _gbp(float(c.after)))])
        for label, c in by_element
    ]
    return bar_chart(
        "Totals by element",
        f"Each element's total, {before_label} then {after_label}: "
        + "; ".join(f"{label}: {b[1]} then {a[1]}" for label, (b, a) in rows)
        + ".",
        rows,
        series=[before_label, after_label],
        fmt=_gbp,
    )
