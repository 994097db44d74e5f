"""Dated rate changes compose as percentages over the rates in force before their dates (R26
with R7, R7+), and a scenario run for the year counts them too.

The scheme (tests/funding/builders.make_scheme): LSA £15.50 an hour, 39 weeks, threshold
£6,000. Ada has 20 h LSA all year: 20 × 15.50 × 39 = £12,090 − £6,000 = £6,090.00 a year.
FY 2025-26 has 188 school days: 98 from 1 Apr to 31 Oct, 35 in Nov-Dec (20 + 15), 55 from
1 Jan to 31 Mar (20 + 15 + 20). Each rate is rounded half-up to the penny as the scheme holds it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Sum

from funding import services as run_services
from funding.calculations.allocation import allocate
from funding.models import HourlyRate, SchemeRateChange
from funding.scenarios import adoption as adopting
from funding.scenarios import calculations as calc
from funding.scenarios import services as scenario_services
from funding.selectors import allocation_inputs, current_annual_top_up
from tests.funding import builders as b

D = Decimal
pytestmark = pytest.mark.django_db
NOVEMBER = dt.date(2025, 11, 1)
JANUARY = dt.date(2026, 1, 1)


@pytest.fixture
def primary(home_la, scheme):
    return b.school(home_la, "Meadow Primary")


def _pupil(home_la, primary, hours, name="Ada"):
    pupil = b.pupil(home_la, given_name=name, family_name="Lovelace")
    b.place(pupil, primary)
    b.plan(pupil, lsa=hours)
    return pupil


@pytest.fixture
def ada(home_la, primary):
    return _pupil(home_la, primary, 20)


def _adopt(on, percent, rate_set=calc.HOURLY_RATES):
    return adopting.uplift_adopt(
        financial_year=2025,
        percent=D(percent),
        rate_set=rate_set,
        effective_from=on,
        reason="Pay award",
    )


def _top_ups(pupil):
    lines = allocate(allocation_inputs(2025)).lines
    return [x for x in lines if x.pupil_id == pupil.pk and x.element == "top_up"]


def _annual_on(pupil, on):
    return current_annual_top_up(pupil, on=on)


def test_r26_uplifts_compose_in_date_order_whatever_order_they_were_adopted(ada):
    _adopt(JANUARY, "10")  # adopted first, from the later date
    preview = adopting.uplift_preview(
        financial_year=2025, percent=D("5"), rate_set=calc.HOURLY_RATES, effective_from=NOVEMBER
    )
    before = run_services.run_allocation(fy=2025, kind="revised")
    _adopt(NOVEMBER, "5")
    after = run_services.run_allocation(fy=2025, kind="revised")
    # From 1 Nov: £15.50 × 1.05 = £16.275 → £16.28; 20 × 16.28 × 39 = £12,698.40 − £6,000.
    # From 1 Jan: £16.28 × 1.10 = £17.908 → £17.91 (both uplifts, not the 10% alone);
    # 20 × 17.91 × 39 = £13,969.80 − £6,000 = £7,969.80.
    assert _annual_on(ada, dt.date(2025, 10, 31)) == D("6090.00")
    assert _annual_on(ada, dt.date(2025, 12, 1)) == D("6698.40")
    assert _annual_on(ada, dt.date(2026, 2, 1)) == D("7969.80")
    # The lines: £6,090.00 × 98/188 = £3,174.574… → £3,174.57;
    # £6,698.40 × 35/188 = £1,247.042… → £1,247.04; £7,969.80 × 55/188 = £2,331.590… → £2,331.59.
    assert [x.amount for x in _top_ups(ada)] == [D("3174.57"), D("1247.04"), D("2331.59")]
    # Before the 5%: £6,090.00 × 133/188 = £4,308.351… → £4,308.35 and, from 1 Jan at
    # £15.50 × 1.10 = £17.05: 20 × 17.05 × 39 = £13,299 − £6,000 = £7,299.00 × 55/188 =
    # £2,135.345… → £2,135.35; £6,443.70. After: £3,174.57 + £1,247.04 + £2,331.59 = £6,753.20.
    # The preview costs what the run then adds: £6,753.20 − £6,443.70 = £309.50.
    total = lambda run: run.lines.aggregate(t=Sum("amount"))["t"]  # noqa: E731
    assert (total(before), total(after)) == (D("6443.70"), D("6753.20"))
    assert preview.cost == total(after) - total(before) == D("309.50")
    # The record of the November change is what it did on its date: £15.50 → £16.28.
    change = SchemeRateChange.objects.get(effective_from=NOVEMBER)
    lsa = lambda values: next(  # noqa: E731
        r["hourly_rate"]
        for r in values["hourly_rates"]
        if (r["role"], r["phase"]) == ("lsa", "primary")
    )
    assert (D(lsa(change.previous)), D(lsa(change.values))) == (D("15.50"), D("16.28"))


def test_r26_an_uplift_to_the_years_rates_carries_through_a_dated_change(ada):
    _adopt(NOVEMBER, "3.2258")
    _adopt(dt.date(2025, 4, 1), "2")  # written to the year's own rates
    # The year: £15.50 × 1.02 = £15.81; 20 × 15.81 × 39 = £12,331.80 − £6,000 = £6,331.80.
    # From 1 Nov: £15.81 × 1.032258 = £16.31999… → £16.32 (not the £16.00 stored at adoption);
    # 20 × 16.32 × 39 = £12,729.60 − £6,000 = £6,729.60.
    assert _annual_on(ada, dt.date(2025, 10, 31)) == D("6331.80")
    assert _annual_on(ada, dt.date(2025, 12, 1)) == D("6729.60")


def test_r26_a_correction_of_the_years_rates_carries_through_a_dated_change(ada):
    _adopt(NOVEMBER, "3.2258")
    lsa = HourlyRate.objects.get(role="lsa", phase="primary")
    lsa.hourly_rate = D("17.00")
    lsa.save()
    # The year: 20 × 17.00 × 39 = £13,260 − £6,000 = £7,260.00.
    # From 1 Nov: £17.00 × 1.032258 = £17.548… → £17.55; 20 × 17.55 × 39 = £13,689 − £6,000.
    assert _annual_on(ada, dt.date(2025, 10, 31)) == D("7260.00")
    assert _annual_on(ada, dt.date(2025, 12, 1)) == D("7689.00")


# Hours, the year's amount at £15.50 (h × 15.50 × 39 − 6,000) and its part to 31 Oct as paid
# before the change (× 98/188, half-up):
#   17.5 h: £4,578.75 × 98/188 = £2,386.795… → £2,386.80 (shared out with the part from 1 Nov
#           at £16.00, £4,920.00 × 90/188 = £2,355.319…, it became £2,386.79: a penny moved)
#   12.5 h: £1,556.25 × 98/188 = £811.236… → £811.24
#   22.5 h: £7,601.25 × 98/188 = £3,962.353… → £3,962.35
#   25.5 h: £9,414.75 × 98/188 = £4,907.688… → £4,907.69
@pytest.mark.parametrize(
    ("hours", "to_october"),
    [("17.5", "2386.80"), ("12.5", "811.24"), ("22.5", "3962.35"), ("25.5", "4907.69")],
)
def test_r26_r7plus_the_part_before_an_uplift_is_what_was_paid_for_it(
    home_la, primary, hours, to_october
):
    pupil = _pupil(home_la, primary, D(hours))
    _adopt(NOVEMBER, "3.2258")
    before, after = _top_ups(pupil)
    assert (before.period_to, before.amount) == (dt.date(2025, 10, 31), D(to_october))
    # The part from 1 Nov at £16.00 is rounded on its own: h × 16 × 39 − 6,000, × 90/188.
    annual = D(hours) * 16 * 39 - 6000
    assert after.amount == (annual * 90 / 188).quantize(D("0.01"), rounding="ROUND_HALF_UP")


def test_r26_a_line_split_only_at_a_second_date_says_that_date(ada, scheme):
    # From 1 Nov the band values change (Ada has none: her top-up is the same), from 1 Jan
    # the hourly rates: her year is split only at 1 Jan.
    SchemeRateChange.objects.create(
        scheme=scheme,
        financial_year=2025,
        effective_from=NOVEMBER,
        rate_set="bands",
        percent=D("5"),
        reason="Bands",
    )
    _adopt(JANUARY, "10")
    before, after = _top_ups(ada)
    # £6,090.00 × 133/188 = £4,308.351… → £4,308.35 to 31 Dec.
    assert (before.period_to, before.amount) == (dt.date(2025, 12, 31), D("4308.35"))
    assert before.explanation.startswith("At the rates before 1 Jan 2026: ")
    assert after.explanation.startswith("At the rates from 1 Jan 2026")


def test_r26_an_unedited_copy_of_the_live_scheme_runs_to_the_live_figures(ada):
    _adopt(NOVEMBER, "3.2258")
    scenario = scenario_services.scenario_create_from_scheme(financial_year=2025, name="Copy")
    run = scenario_services.scenario_run(scenario=scenario)
    # Live: £3,174.57 (to 31 Oct at £15.50) + £6,480.00 × 90/188 = £3,102.13 = £6,276.70;
    # the copy counts the uplift from 1 Nov over its own rates: the same, not £6,090.00.
    assert run.total == run.baseline.total == D("6276.70")


def test_r11_r26_the_initial_special_school_top_up_counts_a_band_uplift_from_its_date(
    home_la, scheme
):
    oak = b.special_school(home_la, "Oak Special")
    b.band_rates(oak, {2: "9000"})
    b.census(oak, dt.date(2025, 1, 16))
    for _ in range(2):
        p = b.pupil(home_la)
        b.place(p, oak, kind="special_school")
        b.plan(p, band=2)
    _adopt(NOVEMBER, "5", calc.BAND_VALUES)
    run = run_services.run_allocation(fy=2025, kind="initial")
    before, after = run.lines.filter(school=oak, element="top_up").order_by("period_from")
    # January occupancy 2 × £9,000 = £18,000.00 × 98/188 = £9,382.978… → £9,382.98 to 31 Oct;
    # from 1 Nov band 2 is £9,000 × 1.05 = £9,450.00: 2 × £9,450 = £18,900.00 × 90/188 =
    # £9,047.872… → £9,047.87.
    assert (before.period_to, before.amount) == (dt.date(2025, 10, 31), D("9382.98"))
    assert (after.period_from, after.amount) == (NOVEMBER, D("9047.87"))
    assert before.explanation.startswith("At the rates before 1 Nov 2025: ")


def test_r26_a_second_uplift_from_the_same_date_is_priced_as_it_is_then_run(ada):
    _adopt(NOVEMBER, "5")
    preview = adopting.uplift_preview(
        financial_year=2025, percent=D("10"), rate_set=calc.HOURLY_RATES, effective_from=NOVEMBER
    )
    first = run_services.run_allocation(fy=2025, kind="revised")
    _adopt(NOVEMBER, "10")
    second = run_services.run_allocation(fy=2025, kind="revised")
    # One change of 1.05 × 1.10 = 15.5% over £15.50: £17.9025 → £17.90 (not £16.28 × 1.10 =
    # £17.91); 20 × 17.90 × 39 = £13,962 − £6,000 = £7,962.00 a year from 1 Nov.
    assert SchemeRateChange.objects.get().percent == D("15.5")
    assert _annual_on(ada, dt.date(2025, 12, 1)) == D("7962.00")
    # First: £3,174.57 + £6,698.40 × 90/188 = £3,206.680… → £3,206.68; £6,381.25.
    # Second: £3,174.57 + £7,962.00 × 90/188 = £3,811.595… → £3,811.60; £6,986.17.
    # The preview: £6,986.17 − £6,381.25 = £604.92.
    total = lambda run: run.lines.aggregate(t=Sum("amount"))["t"]  # noqa: E731
    assert (total(first), total(second)) == (D("6381.25"), D("6986.17"))
    assert preview.cost == total(second) - total(first) == D("604.92")
