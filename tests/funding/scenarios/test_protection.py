"""Transitional protection (R26): a scenario rule capping each school's loss (and optionally
gain) against the year before, funded by the LA or by the schools still gaining."""

from __future__ import annotations

from decimal import Decimal

import pytest

from funding.scenarios import calculations as calc
from funding.scenarios import selectors, services

D = Decimal


def _change(key, before, after):
    return calc.Change(key, D(before), D(after))


def test_r26_loss_capped_at_5_percent_funded_by_the_la():
    changes = [
        _change("A", "10000.00", "9400.00"),  # −6%
        _change("B", "20000.00", "19200.00"),  # −4%: within the cap
        _change("C", "5000.00", "6000.00"),  # +20%
        _change("N", "0.00", "3000.00"),  # new: nothing to protect
    ]
    result = calc.transitional_protection(changes, calc.Protection(D("5")))
    # A: floor 10,000 × 95% = £9,500; it gets £9,500 − £9,400 = £100 of protection.
    # B loses 4% < 5%: unprotected. The LA pays £100.
    assert [(s.key, s.adjustment, s.protected) for s in result.schools] == [
        ("A", D("100.00"), D("9500.00"))
    ]
    assert (result.protection, result.cost) == (D("100.00"), D("100.00"))


def test_r26_gain_cap_pays_for_part_of_the_protection():
    changes = [_change("A", "10000.00", "9400.00"), _change("C", "5000.00", "6000.00")]
    result = calc.transitional_protection(changes, calc.Protection(D("5"), D("18.5")))
    # A: +£100 as above. C: ceiling 5,000 × 118.5% = £5,925; £6,000 − £5,925 = £75 held back.
    # Cost to the LA: £100 − £75 = £25.
    assert {s.key: s.adjustment for s in result.schools} == {"A": D("100.00"), "C": D("-75.00")}
    assert (result.gains_capped, result.cost) == (D("75.00"), D("25.00"))
    assert [s.key for s in result.protected_schools] == ["A"]
    assert [s.key for s in result.capped_schools] == ["C"]


def test_r26_unfunded_protection_shared_by_gainers_to_the_penny():
    changes = [
        _change("A", "10000.00", "9400.00"),
        _change("B", "1000.00", "2000.00"),
        _change("C", "1000.00", "2000.00"),
        _change("D", "1000.00", "2000.00"),
    ]
    result = calc.transitional_protection(changes, calc.Protection(D("5"), funded=False))
    # A's £100 is taken from the three equal gains: £100 / 3 = £33.333 -> £33.33 each, £99.99;
    # the last penny goes to the biggest gainer (a tie: the last by key, D): £33.34.
    adjustments = {s.key: s.adjustment for s in result.schools}
    assert adjustments == {
        "A": D("100.00"),
        "B": D("-33.33"),
        "C": D("-33.33"),
        "D": D("-33.34"),
    }
    assert (result.recovered, result.cost) == (D("100.00"), D("0.00"))


def test_r26_floor_rounded_once_half_up():
    result = calc.transitional_protection(
        [_change("A", "10000.05", "9000.00")], calc.Protection(D("2.5"))
    )
    # Floor 10,000.05 × 97.5% = 9,750.04875 -> £9,750.05; protection £750.05.
    assert result.schools[0].adjustment == D("750.05")


@pytest.mark.django_db
def test_r26_comparison_shows_protection_cost_and_the_school_it_protects(scenario, small_la):
    # Threshold £6,500 (Meadow £6,135 -> £5,590, −8.9%) and Oak's band 2 £12,000 -> £13,000.
    special = small_la["special"]
    services.scenario_update_rates(
        scenario=scenario,
        fields={"threshold": D("6500")},
        band_rates={(special.pk, 2): D("13000")},
    )
    services.scenario_set_protection(scenario=scenario, loss_cap_percent=D("5"))
    run = services.scenario_run(scenario=scenario)
    protection = selectors.comparison(run.baseline, run).protection
    # Meadow's floor: 6,135 × 95% = £5,828.25; protection £5,828.25 − £5,590 = £238.25.
    [meadow] = protection.protected_schools
    assert (meadow.key, meadow.adjustment) == (small_la["primary"].pk, D("238.25"))
    assert protection.cost == D("238.25")
    # Not funded: Oak's £1,000 gain pays it: Oak £13,000 − £238.25 = £12,761.75; LA cost £0.
    services.scenario_set_protection(scenario=scenario, loss_cap_percent=D("5"), funded=False)
    run.scenario.refresh_from_db()
    protection = selectors.comparison(run.baseline, run).protection
    oak = {s.key: s for s in protection.schools}[special.pk]
    assert (oak.adjustment, oak.protected, protection.cost) == (
        D("-238.25"),
        D("12761.75"),
        D("0.00"),
    )
    # The engine's run is untouched: protection is shown beside it.
    assert run.total - run.baseline.total == D("455.00")


@pytest.mark.django_db
def test_r26_a_cap_outside_0_to_100_is_refused(scenario):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.scenario_set_protection(scenario=scenario, loss_cap_percent=D("120"))
