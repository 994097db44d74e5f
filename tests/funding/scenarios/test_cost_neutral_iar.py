"""Cost neutrality when the factor moves a pupil's top-up across zero (R26 with R4, R4+).

R4+ counts "pupils in receipt of an IAR" as those with a plan and a non-zero top-up, so a factor
on the hourly rates can change a school's IAR count, and with it its Additional SEN Support.

The small LA (tests/funding/builders.make_scheme: LSA £15.50 an hour, 39 weeks, threshold
£6,000 on additional provision; Additional SEN Support on: £6,000 for each IAR pupil above 3%
of the roll, counted from our records on 1 November 2025; FY 2025-26, every pupil placed all
year, no October census so no elements 1-2):
  Meadow Primary, roll 100 in Reception-Year 6 (November 2025 census): 3% = 3.
  P1, P2, P3 20 h LSA: 20 × £15.50 × 39 = £12,090 − £6,000 = £6,090.00 each
  P4         10 h LSA: 10 × £15.50 × 39 =  £6,045 − £6,000 =    £45.00
  4 IAR pupils − 3 = 1 above × £6,000 = £6,000.00 Additional SEN Support.
  Live total 3 × £6,090 + £45 + £6,000 = £24,315.00.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from funding.scenarios import calculations as calc
from funding.scenarios import selectors, services
from funding.scenarios.models import Scenario, ScenarioRun
from tests.funding import builders as b

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def iar_la(home_la, fy2025_terms):
    b.make_scheme(home_la, additional_sen_support=True)
    meadow = b.school(home_la, "Meadow Primary")
    roll = b.primary_roll(14) | {"year_6": 16}  # 6 × 14 + 16 = 100 in Reception-Year 6
    b.census(meadow, dt.date(2025, 11, 6), **roll)
    pupils = []
    for hours in (20, 20, 20, 10):
        p = b.pupil(home_la)  # born March 2016: Year 5 on 1 November 2025
        b.place(p, meadow)
        b.plan(p, lsa=hours)
        pupils.append(p)
    scenario = services.scenario_create_from_scheme(financial_year=2025, name="Forum 2025")
    return {"meadow": meadow, "pupils": pupils, "scenario": scenario}


def test_r26_r4_plus_cost_neutral_factor_that_takes_a_top_up_to_zero_holds_on_a_rerun(iar_la):
    found = services.scenario_cost_neutral(
        scenario=iar_la["scenario"], rate_set=calc.HOURLY_RATES, target=D("17000.00")
    )
    # Below f = 6,000/6,045 P4's top-up is nil, so the IAR count is 3, not above 3% of 100, and
    # the £6,000 Additional SEN Support goes too. The total is then 3 × (f × £12,090 − £6,000)
    # = £36,270f − £18,000 = £17,000 -> f = 35,000/36,270 = 0.96498484 (to 8 places).
    # (Treating the £6,000 as fixed would give f = 29,000/36,270 = 0.79955886, where a run comes
    # to 3 × (0.79955886 × £12,090 − £6,000) = £11,000.00: £6,000 short of the target.)
    assert found.factor == D("0.96498484")
    # LSA £15.50 × 0.96498484 = £14.95726502: P1-P3 20 × £14.95726502 × 39 = £11,666.6667...
    # − £6,000 = £5,666.67 each (£17,000.01); P4 10 h = £5,833.33 < £6,000: nothing.
    assert found.run.total == D("17000.01")
    assert found.tolerance == D("0.04")  # a penny for each of 4 pupils
    comparison = selectors.comparison(found.run.baseline, found.run)
    by_element = {c.key: c for c in comparison.by_element}
    assert (
        by_element["additional_sen_support"].before,
        by_element["additional_sen_support"].after,
    ) == (
        D("6000.00"),
        D("0"),
    )
    [p4] = [m for m in comparison.pupils if m.pupil_id == iar_la["pupils"][3].pk]
    assert (p4.before, p4.after) == (D("45.00"), D("0.00"))
    # Re-run at the saved factor, independently: within a penny per pupil of £17,000.
    again = services.scenario_run(scenario=Scenario.objects.get())
    assert abs(again.total - D("17000.00")) <= D("0.04")
    assert again.total == found.run.total


def test_r26_r4_plus_cost_neutral_factor_that_brings_a_pupil_into_the_count(iar_la):
    scenario = iar_la["scenario"]
    services.scenario_update_rates(
        scenario=scenario, hourly_rates={("lsa", "primary"): {"hourly_rate": D("15.00")}}
    )
    found = services.scenario_cost_neutral(scenario=scenario, rate_set=calc.HOURLY_RATES)
    # At £15.00: P1-P3 20 × £15 × 39 − £6,000 = £5,700 each; P4 10 × £15 × 39 = £5,850 <
    # £6,000, no IAR, so 3 IAR pupils and no Additional SEN Support: £17,100.00 in all.
    # Back to the live £24,315.00 needs P4 counted again (f × £5,850 ≥ £6,000.005, f ≥
    # 1.02564188): 3 × (f × £11,700 − £6,000) + (f × £5,850 − £6,000) + £6,000 = £24,315
    # -> £40,950f = £42,315 -> f = 1.03333333 (£15.00 × 1.03333333 = £15.49999995).
    assert found.factor == D("1.03333333")
    # P1-P3: 20 × £15.49999995 × 39 = £12,089.999961 − £6,000 = £6,090.00 each; P4:
    # £6,044.99998 − £6,000 = £45.00; Additional SEN Support £6,000: £24,315.00.
    assert found.run.total == D("24315.00")
    again = services.scenario_run(scenario=Scenario.objects.get())
    assert abs(again.total - D("24315.00")) <= D("0.04")


def test_r26_a_uniform_uplift_of_the_live_rates_is_recognised_so_the_live_run_prices_it():
    """A scenario that is the live scheme with every hourly rate × 1.03 (a pay award) is the live
    scheme at 1.03·f: the solve then prices it from the live run. Any other edit is not."""
    live = {
        "fields": {"threshold": "6000.00"},
        "hourly_rates": [
            {"role": "lsa", "phase": "primary", "hourly_rate": "15.50", "weeks_per_year": "39"},
            {"role": "lst", "phase": "primary", "hourly_rate": "30.00", "weeks_per_year": "39"},
        ],
        "band_rates": [{"school_id": 1, "band": 2, "rate": "12000.00"}],
    }
    award = calc.scale_values(live, calc.HOURLY_RATES, D("1.03"))  # £15.965 and £30.90
    assert calc.uniform_factor(live, award, calc.HOURLY_RATES) == D("1.03")
    assert calc.uniform_factor(live, live, calc.BAND_VALUES) == D("1")
    # The award is not a change of band values; a threshold or one rate edited is not uniform.
    assert calc.uniform_factor(live, award, calc.BAND_VALUES) is None
    edited = award | {"fields": {"threshold": "6500.00"}}
    assert calc.uniform_factor(live, edited, calc.HOURLY_RATES) is None
    one = calc.scale_values(live, calc.HOURLY_RATES, D("1")) | {
        "hourly_rates": [award["hourly_rates"][0], live["hourly_rates"][1]]
    }
    assert calc.uniform_factor(live, one, calc.HOURLY_RATES) is None


def test_r26_r4_plus_a_target_inside_the_step_is_refused_and_nothing_is_saved(iar_la):
    scenario = iar_la["scenario"]
    with pytest.raises(ValidationError) as refused:
        services.scenario_cost_neutral(
            scenario=scenario, rate_set=calc.HOURLY_RATES, target=D("20000.00")
        )
    # P4's top-up is non-zero from f × £6,045 − £6,000 = half a penny: f = 6,000.005/6,045 =
    # 0.99255666. Just below it: 3 × (f × £12,090 − £6,000) = 3 × (£12,000.01 − £6,000) =
    # £18,000.03; from it P4 counts, 4 IAR pupils > 3: + £0.005 + £6,000 = £24,000.03(5).
    # Nothing in between.
    [message] = refused.value.message_dict["target"]
    assert message.startswith(
        "No single factor meets the target within a penny per pupil (£0.04): the total jumps "
        "from £18,000.03 to £24,000.0"
    )
    assert "Additional SEN Support" in message
    assert Scenario.objects.get().values == scenario.values
    assert not ScenarioRun.objects.exists()
