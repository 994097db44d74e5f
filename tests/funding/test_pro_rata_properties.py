"""R7 properties (hypothesis): periods of a year add up to the whole-year amount to the penny.

Pure: the apportionment on its own, and the whole engine on a pupil whose year is cut into
periods by support changes and moves between schools with the same rates.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from funding.calculations.allocation import AllocationInputs, Engine, PupilInfo, SchoolInfo
from funding.calculations.periods import PlacementSpan, PlanSpan, SupportSpan
from funding.calculations.pro_rata import apportion
from funding.calculations.scheme import HourlyRateData, SchemeRates
from funding.calculations.top_up import Support
from schools.calendar import SchoolCalendar
from schools.dates import FinancialYear
from tests.conftest import FY2025_TERMS

D = Decimal
FY = FinancialYear(2025)
CALENDAR = SchoolCalendar.build([(s, e) for _, _, s, e in FY2025_TERMS])
YEAR_DAYS = CALENDAR.school_days(FY.starts_on, FY.ends_on)  # 188

pennies = st.integers(min_value=0, max_value=50_000_000)  # up to £500,000.00


def money(p: int) -> Decimal:
    return (D(p) / 100).quantize(D("0.01"))


@st.composite
def split_days(draw, total: int):
    """`total` school days cut into 1..12 parts (some may be zero-day periods)."""
    cuts = sorted(draw(st.lists(st.integers(0, total), min_size=0, max_size=11)))
    bounds = [0, *cuts, total]
    return [b - a for a, b in zip(bounds, bounds[1:], strict=False)]


@given(
    annual=pennies,
    parts=st.integers(1, 260).flatmap(lambda d: st.tuples(st.just(d), split_days(d))),
)
def test_r7_periods_of_a_whole_year_add_up_to_the_annual_amount(annual, parts):
    year_days, days = parts
    amounts = apportion([(money(annual), d) for d in days], year_days)
    assert sum(amounts, D("0")) == money(annual)


@given(
    rows=st.lists(st.tuples(pennies, st.integers(0, 200)), min_size=1, max_size=10),
    year_days=st.integers(200, 260),
)
def test_r7_each_period_within_a_penny_and_total_is_the_rounded_exact_total(rows, year_days):
    amounts = apportion([(money(a), d) for a, d in rows], year_days)
    exact = [D(a) * d / year_days / 100 for a, d in rows]
    for amount, share in zip(amounts, exact, strict=True):
        assert abs(amount - share) < D("0.01")
    total_pennies = (2 * sum(a * d for a, d in rows) + year_days) // (2 * year_days)
    assert sum(amounts, D("0")) == money(total_pennies)


# ---- the engine: one pupil's year cut by in-year changes -----------------------------------------

SCHOOLS = {
    1: SchoolInfo(1, 100001, "First Primary", 1, "primary", "community"),
    2: SchoolInfo(2, 100002, "Second Primary", 1, "primary", "community"),
}
RATES = SchemeRates(
    2025,
    threshold=D("6000"),
    hourly_rates=tuple(
        HourlyRateData(role, phase, D("15.50"), D("39"))
        for role in ("lsa", "lst", "ta")
        for phase in ("primary", "secondary")
    ),
)
year_dates = st.integers(1, 364).map(lambda n: FY.starts_on + dt.timedelta(days=n))


def _engine(placements, supports) -> Engine:
    pupil = PupilInfo(1, "A000000000000", dt.date(2016, 3, 14), 1)
    inputs = AllocationInputs(
        fy=FY,
        rates=RATES,
        calendar=CALENDAR,
        administering_la_id=1,
        schools=SCHOOLS,
        pupils={1: pupil},
        placements={1: placements},
        plans={1: [PlanSpan(1, 1, dt.date(2024, 9, 1))]},
        supports={1: supports},
    )
    return Engine(inputs)


@settings(max_examples=60, deadline=None)
@given(
    hours=st.integers(20, 60).map(lambda h: D(h) / 2),
    support_changes=st.lists(year_dates, max_size=5, unique=True),
    moves=st.lists(year_dates, max_size=4, unique=True),
)
def test_r7_in_year_changes_at_one_rate_add_up_to_the_whole_year(hours, support_changes, moves):
    # The same support re-recorded on several dates, and moves between two schools with the
    # same rates: every period is funded by its school days and the year adds up exactly to
    # hours × £15.50 × 39 − £6,000.
    starts = [dt.date(2024, 9, 1), *sorted(support_changes)]
    supports = [
        SupportSpan(
            i + 1,
            1,
            start,
            (starts[i + 1] - dt.timedelta(days=1)) if i + 1 < len(starts) else None,
            Support(lsa_hours=hours),
        )
        for i, start in enumerate(starts)
    ]
    move_dates = [dt.date(2024, 9, 1), *sorted(moves)]
    placements = [
        PlacementSpan(
            i + 1,
            1,
            1 + i % 2,
            "mainstream",
            start,
            (move_dates[i + 1] - dt.timedelta(days=1)) if i + 1 < len(move_dates) else None,
        )
        for i, start in enumerate(move_dates)
    ]
    engine = _engine(placements, supports)
    lines = engine.pupil_lines(engine.inputs.pupils[1])
    annual = (hours * D("15.50") * 39 - 6000).quantize(D("0.01"))
    assert sum((line.amount for line in lines), D("0")) == annual
    assert sum(line.school_days for line in lines) == YEAR_DAYS
    for line in lines:
        assert line.year_days == YEAR_DAYS
        assert line.period_from <= line.period_to
