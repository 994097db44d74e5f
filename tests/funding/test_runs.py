"""Allocation runs on PostgreSQL: lines for each rule, periods from in-year changes (R7),
recoupment (R8), the R4 counting month, funding items (R9), place funding and band rates
(R11-R14), run bookkeeping (status, totals, warnings, idempotency, the Celery hand-off).

The scheme (tests/funding/builders.make_scheme): LSA and TA £15.50, LST £30.00, 39 weeks,
threshold £6,000, AWPU £3,000 / £4,000 / £4,500. FY 2025-26 has 188 school days:
1 Apr-31 Aug 60, Sep-Dec 73, Jan-Mar 55, Autumn 2 + Spring = 90, Apr-2 Nov 98.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from funding import services
from funding.models import AllocationLine, AllocationRun, RunStatus
from funding.selectors import allocation_inputs, recoupment, run_totals
from schools.models import TermDate
from tests.conftest import FY2025_TERMS
from tests.funding import builders as b

D = Decimal
pytestmark = pytest.mark.django_db


def run(kind="initial"):
    result = services.run_allocation(fy=2025, kind=kind)
    assert result.status == RunStatus.DONE, result.error
    return result


@pytest.fixture
def primary(home_la, scheme):
    return b.school(home_la, "Meadow Primary")


# ---- element 3: periods --------------------------------------------------------------------------


def test_r5_whole_year_top_up_line(home_la, primary):
    p = b.pupil(home_la)
    b.place(p, primary)
    b.plan(p, lsa=20)
    [line] = b.lines_of(run(), pupil=p)
    # 20 h × £15.50 × 39 wk = £12,090.00 − £6,000.00 = £6,090.00 for 188 of 188 days
    assert line.amount == D("6090.00")
    assert (line.period_from, line.period_to) == (b.FY_START, b.FY_END)
    assert (line.element, line.rule, line.school_days, line.year_days) == ("top_up", "R5", 188, 188)
    assert line.payer_la == home_la
    assert line.delegated
    assert line.explanation == (
        "LSA 20 h × £15.50 × 39 wk = £12,090.00 − £6,000.00 threshold = £6,090.00; "
        "1 Apr 2025 to 31 Mar 2026: whole year"
    )
    assert line.working["inputs"]["lsa_hours"] == "20.00"
    assert line.working["annual"] == "6090.00"


def test_r7_joining_in_year_funded_for_the_school_days_left(home_la, primary):
    p = b.pupil(home_la)
    b.place(p, primary, starts_on=dt.date(2025, 11, 3))
    b.plan(p, lsa=25)
    [line] = b.lines_of(run(), pupil=p)
    # 25 × 15.50 × 39 = 15,112.50 − 6,000 = £9,112.50 a year; 3 Nov-31 Mar = 90 of 188 days:
    # 9,112.50 × 90 = 820,125 / 188 = 4,362.367 -> £4,362.37
    assert line.amount == D("4362.37")
    assert (line.period_from, line.school_days) == (dt.date(2025, 11, 3), 90)
    assert "£9,112.50 × 90/188 school days = £4,362.37" in line.explanation


def test_r7_leaving_in_year_stops_the_top_up(home_la, primary):
    p = b.pupil(home_la)
    b.place(p, primary, ends_on=dt.date(2025, 12, 19))
    b.plan(p, lsa=20)
    [line] = b.lines_of(run(), pupil=p)
    # 1 Apr-19 Dec = 60 + 73 = 133 days: 6,090 × 133/188 = 4,308.351 -> £4,308.35
    assert (line.period_to, line.school_days, line.amount) == (
        dt.date(2025, 12, 19),
        133,
        D("4308.35"),
    )


def test_r7_support_change_splits_the_year(home_la, primary):
    p = b.pupil(home_la)
    b.place(p, primary)
    plan = b.plan(p, lsa=20)
    b.change_support(plan, dt.date(2026, 1, 1), lsa=25)
    first, second = b.lines_of(run(), pupil=p)
    # £6,090.00 × 133/188 = 4,308.351 -> £4,308.35; £9,112.50 × 55/188 = 2,665.891 -> £2,665.89
    assert (first.amount, first.period_to) == (D("4308.35"), dt.date(2025, 12, 31))
    assert (second.amount, second.period_from) == (D("2665.89"), dt.date(2026, 1, 1))


def test_r7_plan_issued_in_year(home_la, primary):
    p = b.pupil(home_la)
    b.place(p, primary)
    b.plan(p, issued_on=dt.date(2026, 1, 5), lsa=20)
    [line] = b.lines_of(run(), pupil=p)
    # 5 Jan-31 Mar = 55 days: 6,090 × 55/188 = 1,781.649 -> £1,781.65
    assert (line.period_from, line.amount) == (dt.date(2026, 1, 5), D("1781.65"))


def test_r7_plan_ceased_in_year(home_la, primary):
    p = b.pupil(home_la)
    b.place(p, primary)
    b.plan(p, ceased_on=dt.date(2025, 8, 31), lsa=20)
    [line] = b.lines_of(run(), pupil=p)
    # 1 Apr-31 Aug = 60 days: 6,090 × 60/188 = 1,943.617 -> £1,943.62
    assert (line.period_to, line.amount) == (dt.date(2025, 8, 31), D("1943.62"))


def test_r7_move_between_schools_periods_add_up_to_the_year(home_la, primary):
    other = b.school(home_la, "Dereham Primary")
    p = b.pupil(home_la)
    b.place(p, primary, ends_on=dt.date(2025, 11, 2))
    b.place(p, other, starts_on=dt.date(2025, 11, 3))
    b.plan(p, lsa=20)
    first, second = b.lines_of(run(), pupil=p)
    # £6,090 a year. Meadow 1 Apr-2 Nov = 98 days: 609,000p × 98/188 = 317,457.45p;
    # Dereham 3 Nov-31 Mar = 90 days: 609,000p × 90/188 = 291,542.55p. Floors 317,457 +
    # 291,542 = 608,999p, one penny short of the year: it goes to the larger remainder (.55)
    assert (first.school, first.school_days, first.amount) == (primary, 98, D("3174.57"))
    assert (second.school, second.school_days, second.amount) == (other, 90, D("2915.43"))
    assert first.amount + second.amount == D("6090.00")


def test_r7_zero_day_periods_write_no_line(home_la, primary):
    p = b.pupil(home_la)
    b.place(p, primary, starts_on=dt.date(2025, 7, 25), ends_on=dt.date(2025, 8, 31))
    b.plan(p, lsa=20)
    assert b.lines_of(run(), pupil=p) == []  # summer holiday only: no school days


def test_r6_retained_centrally_line_is_not_delegated(home_la, fy2025_terms):
    scheme = b.make_scheme(home_la, threshold=D("0"))
    scheme.hourly_rates.filter(role="lst", phase="primary").update(delegated=False)
    s = b.school(home_la, "Hackney Primary")
    p = b.pupil(home_la)
    b.place(p, s)
    b.plan(p, lsa=15, lst=5)
    delegated, retained = sorted(b.lines_of(run(), pupil=p), key=lambda x: not x.delegated)
    # LSA 15 × 15.50 × 39 = £9,067.50 paid; LST 5 × 30 × 39 = £5,850.00 provided in kind
    assert (delegated.amount, delegated.rule) == (D("9067.50"), "R5")
    assert (retained.amount, retained.rule, retained.delegated) == (D("5850.00"), "R6", False)


def test_r12_special_school_band_top_up(home_la, scheme):
    oak = b.special_school(home_la, "Oak Special")
    b.band_rates(oak, {2: "9000", 4: "15500"})
    p = b.pupil(home_la)
    b.place(p, oak, kind="special_school")
    plan = b.plan(p, band=2)
    b.change_support(plan, dt.date(2026, 1, 1), band=4)
    # In-year changes follow the child (R11+): a revised run; the initial run funds the
    # school's January occupancy (test_r11_initial_special_school_top_up_from_january_occupancy).
    first, second = b.lines_of(run("revised"), pupil=p)
    # £9,000 × 133/188 = 6,367.0213; £15,500 × 55/188 = 4,534.5745; total 10,901.5957 ->
    # £10,901.60: floors 6,367.02 + 4,534.57 = 10,901.59, the penny to the larger remainder
    assert (first.amount, second.amount) == (D("6367.02"), D("4534.58"))
    assert first.rule == "R12"
    assert "(rounded so the periods add up to the year)" in second.explanation


def test_r12_missing_band_rate_is_a_warning_not_a_failure(home_la, scheme):
    oak = b.special_school(home_la, "Oak Special")
    p = b.pupil(home_la)
    b.place(p, oak, kind="special_school")
    b.plan(p, band=5)
    result = run("revised")
    assert b.lines_of(result, pupil=p) == []
    assert any("has no band 5 top-up rate" in w for w in result.warnings)


def test_r11_initial_special_school_top_up_from_january_occupancy(home_la, scheme):
    """R11/R11+: the initial run sets a special school's top-up from the children occupying
    its places in January, by band (002); a child who joins after January is not in it."""
    oak = b.special_school(home_la, "Oak Special")
    b.band_rates(oak, {2: "9000", 4: "15500"})
    b.census(oak, dt.date(2025, 1, 16))
    for band in (2, 2, 4):
        p = b.pupil(home_la)
        b.place(p, oak, kind="special_school")
        b.plan(p, band=band)
    joiner = b.pupil(home_la)
    b.place(joiner, oak, starts_on=dt.date(2025, 2, 3), kind="special_school")
    b.plan(joiner, issued_on=dt.date(2025, 2, 3), band=4)
    result = run("initial")
    assert b.lines_of(result, school=oak, pupil__isnull=False) == []
    band_2, band_4 = b.lines_of(result, school=oak, element="top_up", pupil__isnull=True)
    # On the January census day (16 Jan 2025): band 2 × 2 pupils × £9,000 = £18,000.00;
    # band 4 × 1 pupil × £15,500 = £15,500.00 (the joiner of 3 Feb is not counted), whole year.
    assert (band_2.amount, band_4.amount) == (D("18000.00"), D("15500.00"))
    assert "2 pupils in band 2 on 16 Jan 2025" in band_2.explanation
    # A revised run follows each child, the joiner included: 2 × £9,000 + 2 × £15,500.
    revised = run("revised")
    assert sum(b.amounts(revised, school=oak, element="top_up")) == D("49000.00")


# ---- R8 recoupment -------------------------------------------------------------------------------


def test_r8_top_up_charged_to_the_home_la_and_recouped(home_la, other_la, primary):
    theirs = b.pupil(other_la)  # lives in 888, taught in our school
    b.place(theirs, primary)
    b.plan(theirs, lsa=20)
    away = b.school(other_la, "Neighbour Primary")
    ours = b.pupil(home_la)  # lives here, taught in 888's school
    b.place(ours, away)
    b.plan(ours, lsa=25)
    result = run()
    assert b.lines_of(result, pupil=theirs)[0].payer_la == other_la
    assert b.lines_of(result, pupil=ours)[0].payer_la == home_la
    r = recoupment(result)
    # They owe us £6,090.00; we owe them £9,112.50
    assert [(x.code, x.pupils, x.amount) for x in r.owed_to_us] == [("888", 1, D("6090.00"))]
    assert [(x.code, x.pupils, x.amount) for x in r.we_owe] == [("888", 1, D("9112.50"))]
    assert r.net == D("-3022.50")


def test_r8_other_las_pupils_in_other_las_schools_are_not_ours(home_la, other_la, scheme):
    away = b.school(other_la, "Neighbour Primary")
    p = b.pupil(other_la)
    b.place(p, away)
    b.plan(p, lsa=20)
    assert b.lines_of(run(), pupil=p) == []


# ---- R9 funding items ----------------------------------------------------------------------------


def test_r9_personal_supplement_pro_rata_as_its_own_element(home_la, primary):
    p = b.pupil(home_la)
    b.place(p, primary)
    b.funding_item(
        p, primary, "personal_supplement", "3000", dt.date(2026, 1, 1), dt.date(2026, 8, 31)
    )
    [line] = b.lines_of(run(), pupil=p)
    # £3,000 a year for 1 Jan-31 Mar = 55 of 188 days: 877.6596 -> £877.66
    assert (line.element, line.rule, line.amount) == ("personal_supplement", "R9", D("877.66"))


def test_r9_enf_stops_when_the_pupil_leaves_the_school(home_la, scheme):
    oak = b.special_school(home_la, "Oak Special")
    p = b.pupil(home_la)
    b.place(p, oak, kind="special_school", ends_on=dt.date(2025, 12, 19))
    b.funding_item(p, oak, "enf", "5000", dt.date(2025, 9, 1), dt.date(2026, 7, 31))
    [line] = b.lines_of(run(), pupil=p)
    # 1 Sep-19 Dec = 73 days: £5,000 × 73/188 = 1,941.489 -> £1,941.49
    assert (line.element, line.period_to, line.amount) == (
        "enf",
        dt.date(2025, 12, 19),
        D("1941.49"),
    )


# ---- school-level elements -----------------------------------------------------------------------


def test_r1_plus_r2_school_lines_from_the_october_census_before_the_year(home_la, primary):
    # R1+: the schools-block formula uses the October census before the FY, not January's.
    b.census(primary, dt.date(2024, 10, 3), **b.primary_roll(30), fsm=20, low_prior_attainment=10)
    b.census(primary, dt.date(2025, 1, 16), **b.primary_roll(10))  # January: not the formula's
    result = run()
    [e1] = b.lines_of(result, school=primary, element="element_1")
    [e2] = b.lines_of(result, school=primary, element="notional_sen")
    # 210 pupils (October 2024) × £3,000 = £630,000.00
    assert e1.amount == D("630000.00")
    assert "census 03 Oct 2024" in e1.explanation
    # 5% × 630,000 = 31,500 + 50% × 20 × £400 = 4,000 + 100% × 10 × £1,000 = 10,000 = £45,500.00
    assert e2.amount == D("45500.00")
    assert e1.pupil is None and e1.payer_la == home_la and e1.route == "la"


def test_r1_plus_without_an_october_census_the_latest_earlier_one_is_used_and_said(
    home_la, primary
):
    b.census(primary, dt.date(2025, 1, 16), **b.primary_roll(30))
    result = run()
    [e1] = b.lines_of(result, school=primary, element="element_1")
    # 210 × £3,000 = £630,000.00 from January's census, with the reason in the working
    assert e1.amount == D("630000.00")
    assert "latest earlier census" in e1.explanation
    assert any("Meadow Primary" in w and "no October census" in w for w in result.warnings)


def test_r4_counted_on_the_counting_month_census(home_la, fy2025_terms):
    # The census count of EHC plans is the scheme's explicit fallback (R4+).
    b.make_scheme(home_la, additional_sen_support=True, iar_count_source="census")
    s = b.school(home_la, "Meadow Primary")
    b.census(s, dt.date(2025, 1, 16), **b.primary_roll(50), ehc_plans=30)  # not November
    b.census(
        s,
        dt.date(2025, 11, 6),
        reception=60,
        year_1=60,
        year_2=60,
        year_3=60,
        year_4=60,
        year_5=55,
        year_6=55,
        ehc_plans=15,
    )
    [line] = b.lines_of(run(), school=s, element="additional_sen_support")
    # November roll 410: 3% = 12.3; 15 IAR pupils -> 2.7 above × £6,000 = £16,200.00
    assert (line.amount, line.rule) == (D("16200.00"), "R4")


def test_r4_before_november_uses_last_years_count_provisionally(home_la, fy2025_terms):
    b.make_scheme(home_la, additional_sen_support=True, iar_count_source="census")
    s = b.school(home_la, "Meadow Primary")
    roll = b.primary_roll(57) | {"year_6": 58}  # 6 × 57 + 58 = 400
    b.census(s, dt.date(2024, 11, 7), **roll, ehc_plans=15)
    [line] = b.lines_of(run(), school=s, element="additional_sen_support")
    # November 2024 (this year's count is not in yet): 3% of 400 = 12; 3 above × £6,000
    assert line.amount == D("18000.00")
    assert "provisional" in line.explanation


def test_r11_plus_special_school_places_five_twelfths_and_seven_twelfths(home_la, scheme):
    oak = b.special_school(home_la, "Oak Special")
    b.places(oak, "special_school", {2024: (100, 95), 2025: (110, 100)})
    first, second = b.lines_of(run(), school=oak, element="place")
    # R11+ (months, the maintained-school convention):
    # 2024/25: 100 × £10,000 = £1,000,000 × 5/12 = 416,666.666...
    # 2025/26: 110 × £10,000 = £1,100,000 × 7/12 = 641,666.666...
    # exact total 1,058,333.333... -> £1,058,333.33; floors .66 + .66 = 1,058,333.32: the
    # penny goes to the larger remainder, a tie, so to the earlier period
    assert (first.amount, first.period_to, first.rule) == (
        D("416666.67"),
        dt.date(2025, 8, 31),
        "R11",
    )
    assert (second.amount, second.period_from) == (D("641666.66"), dt.date(2025, 9, 1))
    assert "5/12 (April to August)" in first.explanation


def test_r11_plus_places_split_by_school_days_when_the_scheme_says_so(home_la, fy2025_terms):
    b.make_scheme(home_la, place_funding_split="school_days")
    oak = b.special_school(home_la, "Oak Special")
    b.places(oak, "special_school", {2024: (100, 95), 2025: (110, 100)})
    first, second = b.lines_of(run(), school=oak, element="place")
    # 2024/25: 100 × £10,000 = £1,000,000 × 60/188 = 319,148.936 -> £319,148.94
    # 2025/26: 110 × £10,000 = £1,100,000 × 128/188 = 748,936.170 -> £748,936.17
    assert (first.amount, second.amount) == (D("319148.94"), D("748936.17"))


def test_r13_ssc_places_occupied_and_unoccupied(home_la, scheme):
    host = b.school(home_la, "Brook Secondary", phase="secondary", kind="academy")
    b.places(host, "ssc", {2024: (10, 7), 2025: (10, 8)})
    first, second = b.lines_of(run(), school=host, element="place")
    # 2024/25: 7 × 6,000 + 3 × 10,000 = 72,000 × 5/12 = £30,000.00
    # 2025/26: 8 × 6,000 + 2 × 10,000 = 68,000 × 7/12 = 39,666.666... -> £39,666.67
    assert (first.amount, second.amount) == (D("30000.00"), D("39666.67"))
    assert first.rule == "R13"
    # R25: an academy's place funding is paid by the ESFA and recouped from the LA's DSG
    assert {first.route, second.route} == {"esfa"}


def test_r14_fe_places_paid_by_the_esfa(home_la, scheme):
    college = b.school(home_la, "Coast College", phase="16_plus", kind="fe_college")
    b.places(college, "fe", {2024: (50, 50), 2025: (50, 50)})
    lines = b.lines_of(run(), school=college)
    # 50 × (£4,000 + £6,000) = £500,000 a year in both academic years: £500,000.00 in all
    assert sum(x.amount for x in lines) == D("500000.00")
    assert all(x.payer_la is None and x.rule == "R14" for x in lines)


def test_r11_missing_planned_places_for_a_year_use_the_other_year_with_a_warning(home_la, scheme):
    oak = b.special_school(home_la, "Oak Special")
    b.places(oak, "special_school", {2025: (100, 90)})
    result = run()
    first, second = b.lines_of(result, school=oak, element="place")
    # 2024/25 not recorded: 2025/26's 100 places × £10,000 for both parts = £1,000,000.00
    assert first.amount + second.amount == D("1000000.00")
    assert first.explanation.startswith("2024/25 (places not recorded: 2025/26's used)")
    assert result.warnings == [
        f"Oak Special ({oak.urn}) has no special_school planned places for 2024/25: 2025/26's "
        "figures used for 1 Apr 2025 to 31 Aug 2025."
    ]


def test_extension_line_sources_add_lines_to_the_run(home_la, primary):
    from funding.calculations.allocation import LineData
    from funding.extensions import register_line_source, unregister_line_source

    def psf(inputs):
        line = LineData(
            school_id=primary.pk,
            pupil_id=None,
            element="psf",
            rule="R15",
            period_from=b.FY_START,
            period_to=b.FY_END,
            school_days=188,
            year_days=188,
            annual_amount=D("100.00"),
            amount=D("100.00"),
            payer_la_id=inputs.administering_la_id,
            delegated=True,
            working={"rule": "R15"},
            explanation="test PSF",
        )
        return [line], ["one pupil's PSF ends in August"]

    register_line_source("psf-test", psf)
    try:
        result = run()
    finally:
        unregister_line_source("psf-test")
    assert result.totals == {"psf": "100.00"}
    assert result.warnings[-1] == "psf-test: one pupil's PSF ends in August"


# ---- the run itself ------------------------------------------------------------------------------


def test_run_records_totals_by_element_and_status(home_la, primary):
    p = b.pupil(home_la)
    b.place(p, primary)
    b.plan(p, lsa=20)
    b.census(primary, dt.date(2025, 1, 16), **b.primary_roll(30))
    result = run()
    # element 1: 210 × £3,000 = 630,000; notional 5% × 630,000 = 31,500; top-up 6,090
    assert result.totals == {
        "element_1": "630000.00",
        "notional_sen": "31500.00",
        "top_up": "6090.00",
    }
    assert result.total_amount == D("667590.00")
    assert result.line_count == 3 == AllocationLine.objects.filter(run=result).count()
    assert (result.progress, result.started_at is not None) == (100, True)
    totals = run_totals(result)
    assert totals.total == D("667590.00") and totals.retained_centrally == 0


def test_run_history_is_kept(home_la, scheme):
    result = run()
    assert [h.status for h in result.history.order_by("history_id")] == ["queued", "done"]


def test_run_without_a_scheme_is_refused(home_la, fy2025_terms):
    with pytest.raises(ValidationError) as exc:
        services.run_allocation(fy=2025, kind="initial")
    # The readiness checklist's own words for its scheme line.
    assert exc.value.message_dict == {
        "financial_year": [
            "Demo Borough has no funding scheme for 2025-26: load a preset "
            "(manage.py load_scheme PRESET --fy 2025) or copy last year's."
        ]
    }


def test_run_without_term_dates_fails_with_the_reason(home_la):
    """R7: a year without term dates is refused up front in the readiness checklist's words;
    a queued run whose calendar is gone by the time it is calculated still fails with the
    engine's own reason."""
    b.make_scheme(home_la)
    with pytest.raises(ValidationError) as refused:
        services.run_allocation(fy=2025, kind="initial")
    assert refused.value.message_dict["financial_year"] == [
        "No term dates for 2024/25 or 2025/26: 2025-26 runs across both academic years, and "
        "school days (R7) are counted from them."
    ]
    assert not AllocationRun.objects.exists()

    terms = [
        TermDate.objects.create(
            la=home_la, academic_year=ay, name=name, starts_on=start, ends_on=end
        )
        for name, ay, start, end in FY2025_TERMS
    ]
    queued = services.allocation_run_create(financial_year=2025, kind="initial")
    TermDate.objects.filter(pk__in=[t.pk for t in terms]).delete()
    result = services.allocation_run_execute(run_id=queued.pk)
    assert result.status == RunStatus.FAILED
    assert result.error == (
        "FY 2025-26 has no school days: add the LA's term dates for the year before running it."
    )


def test_only_one_run_of_a_year_at_a_time(home_la, scheme):
    services.allocation_run_create(financial_year=2025, kind="initial")
    with pytest.raises(ValidationError, match="already in progress"):
        services.allocation_run_create(financial_year=2025, kind="revised")


def test_executing_a_run_twice_writes_its_lines_once(home_la, primary):
    p = b.pupil(home_la)
    b.place(p, primary)
    b.plan(p, lsa=20)
    queued = services.allocation_run_create(financial_year=2025, kind="initial")
    services.allocation_run_execute(run_id=queued.pk)
    services.allocation_run_execute(run_id=queued.pk)
    assert AllocationLine.objects.filter(run=queued).count() == 1


def test_web_runs_are_queued_for_the_worker_on_commit(
    home_la, primary, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        queued = services.allocation_run_create(financial_year=2025, kind="initial", queue=True)
    assert len(callbacks) == 1
    queued.refresh_from_db()
    assert queued.status == RunStatus.DONE  # CELERY_TASK_ALWAYS_EAGER in tests


def test_abandoning_a_stuck_run_frees_the_year(home_la, scheme):
    stuck = services.allocation_run_create(financial_year=2025, kind="initial")
    services.allocation_run_abandon(run=stuck, reason="worker died")
    assert AllocationRun.objects.get(pk=stuck.pk).status == RunStatus.FAILED
    assert services.allocation_run_create(financial_year=2025, kind="initial").pk


def test_reads_for_a_run_take_a_constant_number_of_queries(
    home_la, primary, django_assert_max_num_queries
):
    for n in range(20):
        p = b.pupil(home_la)
        b.place(p, primary)
        plan = b.plan(p, lsa=20)
        if n % 2:
            b.change_support(plan, dt.date(2026, 1, 1), lsa=22)
    # 17: the dated home LAs (R8+) are one more read; 18: the LA's notional SEN amounts (R2);
    # 19: the scheme's dated rate changes (R26)
    with django_assert_max_num_queries(19):
        inputs = allocation_inputs(2025)
    assert len(inputs.pupils) == 20


def test_celery_task_takes_the_run_id_and_is_idempotent(home_la, primary):
    from funding.tasks import run_allocation_task

    queued = services.allocation_run_create(financial_year=2025, kind="initial")
    assert run_allocation_task.delay(queued.pk).get() == "done"
    assert run_allocation_task.delay(queued.pk).get() == "done"  # already done: left alone


def test_bench_command_explains_a_missing_benchmark(monkeypatch):
    from django.core.management import CommandError, call_command

    from funding.management.commands import bench

    monkeypatch.setitem(bench.BENCHMARKS, "missing", "funding.bench.not_written_yet")
    with pytest.raises(CommandError, match="The 'missing' benchmark is not installed yet"):
        call_command("bench", "missing")


def test_r5_all_through_school_rates_follow_the_pupil_into_secondary(home_la, fy2025_terms):
    scheme = b.make_scheme(home_la)
    scheme.hourly_rates.filter(role="lsa", phase="secondary").update(hourly_rate=D("20.00"))
    through = b.school(home_la, "Hill All-through", phase="all_through", kind="academy")
    # Born 14 Mar 2014: Year 6 in 2024/25, Year 7 from 1 September 2025
    p = b.pupil(home_la, dob=dt.date(2014, 3, 14))
    b.place(p, through)
    b.plan(p, lsa=20)
    primary_part, secondary_part = b.lines_of(run(), pupil=p)
    # Primary rate to 31 Aug: £6,090 × 60/188 = 1,943.617 -> £1,943.62
    # Secondary from 1 Sep: 20 × £20 × 39 = 15,600 − 6,000 = £9,600 × 128/188 = 6,536.170 ->
    # £6,536.17
    assert (primary_part.period_to, primary_part.amount) == (dt.date(2025, 8, 31), D("1943.62"))
    assert (secondary_part.period_from, secondary_part.amount) == (
        dt.date(2025, 9, 1),
        D("6536.17"),
    )
