"""R7, R7+, R8+ properties (hypothesis) over the pure engine: for any calendar and any set of
in-year changes, a pupil's lines of one kind add up to what the year gives, to the penny.

Random term dates covering both academic years of FY 2025-26; a pupil whose year is cut by
support changes (hours with three decimals), moves between two schools with the same rates,
house moves between our LA (1) and another (2), and perhaps a join and a leave date. With one
rate all year the lines add up to round_half_up(annual × days on roll / year days), the annual
amount taken unrounded (R7+), and each line is within a penny of its exact share.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from funding.calculations.allocation import (
    AllocationInputs,
    Engine,
    HomeLaSpan,
    PupilInfo,
    SchoolInfo,
)
from funding.calculations.periods import PlacementSpan, PlanSpan, SupportSpan
from funding.calculations.scheme import HourlyRateData, SchemeRates
from funding.calculations.top_up import Support
from schools.calendar import SchoolCalendar
from schools.dates import FinancialYear

D = Decimal
FY = FinancialYear(2025)
OURS, THEIRS = 1, 2
PENNY = D("0.01")
SCHOOLS = {
    1: SchoolInfo(1, 100001, "First Primary", OURS, "primary", "community"),
    2: SchoolInfo(2, 100002, "Second Academy", OURS, "primary", "academy"),
}
LSA, LST, WEEKS, THRESHOLD = D("15.50"), D("30.25"), D("39"), D("6000")
#: LSA delegated; LST retained centrally in primary (R6, Hackney's way) so a pupil has two
#: kinds of top-up line, each adding up on its own.
RATES = SchemeRates(
    2025,
    threshold=THRESHOLD,
    hourly_rates=(
        HourlyRateData("lsa", "primary", LSA, WEEKS),
        HourlyRateData("lst", "primary", LST, WEEKS, delegated=False),
        HourlyRateData("ta", "primary", LSA, WEEKS),
        *(HourlyRateData(r, "secondary", LSA, WEEKS) for r in ("lsa", "lst", "ta")),
    ),
)
ACADEMIC_PARTS = [
    (FY.starts_on, dt.date(2025, 8, 31)),
    (dt.date(2025, 9, 1), FY.ends_on),
]


def half_up(amount: Decimal) -> Decimal:
    return amount.quantize(PENNY, rounding=ROUND_HALF_UP)


@st.composite
def calendars(draw) -> SchoolCalendar:
    """1-3 terms in each academic year's part of the FY, each with at least one school day."""
    terms = []
    for start, end in ACADEMIC_PARTS:
        span = (end - start).days
        cuts = sorted(draw(st.sets(st.integers(0, span), min_size=2, max_size=6)))
        pairs = list(zip(cuts[::2], cuts[1::2], strict=False))
        terms += [(start + dt.timedelta(a), start + dt.timedelta(b)) for a, b in pairs]
    calendar = SchoolCalendar.build(terms)
    for start, end in ACADEMIC_PARTS:
        assume(calendar.school_days(start, end) > 0)
    return calendar


year_days_offsets = st.integers(1, 364)
hours_3dp = st.integers(0, 45_000).map(lambda n: D(n) / 1000)  # 0.000 .. 45.000 h


def _day(offset: int) -> dt.date:
    return FY.starts_on + dt.timedelta(days=offset)


def _spans(starts: list[dt.date], last_end: dt.date | None):
    """(start, end) pairs: each ends the day before the next starts."""
    return [
        (start, starts[i + 1] - dt.timedelta(days=1) if i + 1 < len(starts) else last_end)
        for i, start in enumerate(starts)
    ]


@st.composite
def pupil_years(draw, *, constant: bool):
    """(inputs, join, leave, support by level id) for one pupil with random in-year changes."""
    calendar = draw(calendars())
    joins = draw(st.booleans())
    leaves = draw(st.booleans())
    join = _day(draw(st.integers(1, 200))) if joins else dt.date(2024, 9, 1)
    leave = _day(draw(st.integers(201, 364))) if leaves else None
    # Moves between the two schools (same rates), inside the time on roll.
    moves = sorted({_day(o) for o in draw(st.lists(year_days_offsets, max_size=4))})
    moves = [m for m in moves if join < m and (leave is None or m <= leave)]
    placements = [
        PlacementSpan(i + 1, 1, 1 + i % 2, "mainstream", start, end)
        for i, (start, end) in enumerate(_spans([join, *moves], leave))
    ]
    # Support changes: the same hours re-recorded (constant) or new hours each time.
    changes = sorted({_day(o) for o in draw(st.lists(year_days_offsets, max_size=5))})
    first = Support(lsa_hours=draw(hours_3dp), lst_hours=draw(hours_3dp))
    levels = []
    for i, (start, end) in enumerate(_spans([dt.date(2024, 9, 1), *changes], None)):
        support = (
            first
            if constant or i == 0
            else Support(lsa_hours=draw(hours_3dp), lst_hours=draw(hours_3dp))
        )
        levels.append(SupportSpan(i + 1, 1, start, end, support))
    # House moves: our LA and the other in turn, from a random start.
    home_moves = sorted({_day(o) for o in draw(st.lists(year_days_offsets, max_size=3))})
    first_la = draw(st.sampled_from([OURS, THEIRS]))
    home_las = [
        HomeLaSpan(start, end, first_la if i % 2 == 0 else 3 - first_la)
        for i, (start, end) in enumerate(_spans([dt.date(2016, 3, 14), *home_moves], None))
    ]
    inputs = AllocationInputs(
        fy=FY,
        rates=RATES,
        calendar=calendar,
        administering_la_id=OURS,
        schools=SCHOOLS,
        pupils={1: PupilInfo(1, "A000000000000", dt.date(2016, 3, 14), first_la)},
        placements={1: placements},
        plans={1: [PlanSpan(1, 1, dt.date(2024, 9, 1))]},
        supports={1: levels},
        home_las={1: home_las},
        kind="revised",
    )
    return inputs, join, leave, {level.id: level.support for level in levels}, home_las


def annual_parts(support: Support) -> dict[bool, Decimal]:
    """The unrounded annual top-up by delegated (LSA) / retained (LST), worked independently:
    the £6,000 threshold is met from the delegated cost first (R3, R6)."""
    lsa = support.lsa_hours * LSA * WEEKS
    lst = support.lst_hours * LST * WEEKS
    parts = {}
    if lsa:
        parts[True] = max(lsa - THRESHOLD, D(0))
    if lst:
        parts[False] = max(lst - max(THRESHOLD - lsa, D(0)), D(0))
    return parts


def home_la_on(home_las, day: dt.date) -> int:
    return next(
        s.la_id for s in home_las if s.starts_on <= day and (s.ends_on is None or day <= s.ends_on)
    )


@settings(max_examples=150, deadline=None)
@given(year=pupil_years(constant=True))
def test_r7_plus_one_rate_all_year_lines_add_up_to_the_unrounded_year_to_the_penny(year):
    inputs, join, leave, supports, home_las = year
    engine = Engine(inputs)
    lines = engine.pupil_lines(inputs.pupils[1])
    year_days = engine.year_days
    on_roll = engine.days(max(join, FY.starts_on), leave or FY.ends_on)
    [support] = set(supports.values())
    for delegated, annual in annual_parts(support).items():
        kind = [line for line in lines if line.delegated is delegated]
        # The year's amount from the unrounded annual amount (R7+), for the days on roll
        whole = half_up(annual * on_roll / year_days)
        assert sum((line.amount for line in kind), D(0)) == whole
        assert sum(line.school_days for line in kind) == on_roll
        for line in kind:
            exact = annual * line.school_days / year_days
            assert abs(line.amount - exact) < PENNY, (line.explanation, exact)
            # R8+: the payer is the home LA of the line's days, the route says so (R25)
            payer = home_la_on(home_las, line.period_from)
            assert payer == home_la_on(home_las, line.period_to)
            assert line.payer_la_id == payer
            expected_route = (
                "retained" if not delegated else ("la" if payer == OURS else "other_la")
            )
            assert line.route == expected_route


@settings(max_examples=150, deadline=None)
@given(year=pupil_years(constant=False))
def test_r7_plus_changing_hours_each_line_within_a_penny_and_the_total_rounded_once(year):
    inputs, _join, _leave, supports, _home_las = year
    engine = Engine(inputs)
    lines = engine.pupil_lines(inputs.pupils[1])
    year_days = engine.year_days
    for delegated in (True, False):
        kind = [line for line in lines if line.delegated is delegated]
        exact_total = D(0)
        for line in kind:
            # Which level funded the line: the one in force on its first day
            support = next(
                supports[lvl.id]
                for lvl in inputs.supports[1]
                if lvl.effective_from <= line.period_from
                and (lvl.effective_to is None or line.period_to <= lvl.effective_to)
            )
            exact = annual_parts(support)[delegated] * line.school_days / year_days
            exact_total += exact
            assert abs(line.amount - exact) < PENNY, (line.explanation, exact)
        # The periods of one kind add up to the rounded exact total, rounded once
        assert sum((line.amount for line in kind), D(0)) == half_up(exact_total)
