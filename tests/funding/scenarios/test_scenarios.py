"""Scenarios for the Schools Forum (R26): a copy of the scheme run on the live data, compared
with the live scheme, made cost neutral, never touching anything live.

The small LA (tests/funding/builders.make_scheme: LSA £15.50 an hour, 39 weeks, threshold
£6,000 on additional provision; FY 2025-26, every pupil placed all year):
  Meadow Primary: pupil P1 20 h LSA: 20 × £15.50 × 39 = £12,090 − £6,000 = £6,090.00
                  pupil P2 10 h LSA: 10 × £15.50 × 39 =  £6,045 − £6,000 =    £45.00
  Oak Special:    pupil P3 band 2 at £12,000 a year                        = £12,000.00
  Live top-up total £18,135.00 (no census or places: no school-level lines).
"""

from __future__ import annotations

import gc
import sys
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from funding import services as live_services
from funding.extensions import register_line_source, unregister_line_source
from funding.models import AllocationLine, AllocationRun, HourlyRate, RunStatus
from funding.scenarios import calculations as calc
from funding.scenarios import selectors, services
from funding.scenarios.models import Scenario, ScenarioRun
from schools.models import SpecialSchoolBand
from tests import factories

D = Decimal
pytestmark = pytest.mark.django_db


def _compare(run: ScenarioRun) -> calc.Comparison:
    return selectors.comparison(run.baseline, run)


def _pupil(comparison, pupil) -> calc.PupilMove:
    [move] = [m for m in comparison.pupils if m.pupil_id == pupil.pk]
    return move


def test_r26_a_scenario_copies_every_value_of_the_live_scheme_and_runs_to_the_same_money(
    scenario, small_la
):
    run = services.scenario_run(scenario=scenario)
    comparison = _compare(run)
    # An unedited copy: the live £18,135.00 and not a penny of difference anywhere.
    assert (run.baseline.total, run.total) == (D("18135.00"), D("18135.00"))
    assert comparison.pupils == []
    assert comparison.schools_unchanged == 2
    assert scenario.values["fields"]["threshold"] == "6000.00"
    assert {(r["school_id"], r["band"]): r["rate"] for r in scenario.values["band_rates"]} == {
        (small_la["special"].pk, 1): "8000.00",
        (small_la["special"].pk, 2): "12000.00",
    }


def test_r26_r12_band_rate_change_moves_only_the_special_school(scenario, small_la):
    special = small_la["special"]
    services.scenario_update_rates(scenario=scenario, band_rates={(special.pk, 2): D("13000")})
    comparison = _compare(services.scenario_run(scenario=scenario))
    # P3 band 2: £12,000 -> £13,000: Oak Special gains £1,000 (+8.3%); Meadow unchanged.
    assert comparison.total.difference == D("1000.00")
    [oak] = [c for c in comparison.by_school if c.key == special.pk]
    assert (oak.before, oak.after, oak.difference, oak.percent) == (
        D("12000.00"),
        D("13000.00"),
        D("1000.00"),
        D("8.3"),
    )
    assert (comparison.schools_gaining, comparison.schools_losing) == (1, 0)
    assert _pupil(comparison, small_la["p3"]).detail_after == "band 2"
    # The live band rate is untouched.
    assert SpecialSchoolBand.objects.get(school=special, band=2).annual_rate == D("12000.00")


def test_r26_r3_threshold_rise_is_a_loss_at_meadow_biggest_pupil_loss_first(scenario, small_la):
    services.scenario_update_rates(scenario=scenario, fields={"threshold": D("6500")})
    comparison = _compare(services.scenario_run(scenario=scenario))
    # P1 £12,090 − £6,500 = £5,590 (−£500); P2 £6,045 − £6,500 < 0 -> £0 (−£45).
    # Meadow £6,135 -> £5,590: −£545, −545/6,135 = −8.9%.
    [meadow, oak] = comparison.by_school
    assert meadow.key == small_la["primary"].pk
    assert (meadow.difference, meadow.percent) == (D("-545.00"), D("-8.9"))
    assert oak.difference == D("0")
    assert [(m.pupil_id, m.difference) for m in comparison.pupils] == [
        (small_la["p1"].pk, D("-500.00")),
        (small_la["p2"].pk, D("-45.00")),
    ]
    assert (comparison.schools_gaining, comparison.schools_losing) == (0, 1)
    by_element = {c.key: c for c in comparison.by_element}
    assert by_element["top_up"].difference == D("-545.00")
    assert {c.key: c.difference for c in comparison.by_route} == {"la": D("-545.00")}


def test_r26_r5_hourly_rate_uplift_costs_39_weeks_of_the_extra_per_hour(scenario, small_la):
    services.scenario_update_rates(
        scenario=scenario, hourly_rates={("lsa", "primary"): {"hourly_rate": D("16.00")}}
    )
    comparison = _compare(services.scenario_run(scenario=scenario))
    # +50p an hour: P1 20 × £16 × 39 = £12,480 − £6,000 = £6,480 (+£390);
    # P2 10 × £16 × 39 = £6,240 − £6,000 = £240 (+£195). Total +£585.
    assert comparison.total.difference == D("585.00")
    assert [(m.pupil_id, m.after) for m in comparison.pupils] == [
        (small_la["p2"].pk, D("240.00")),
        (small_la["p1"].pk, D("6480.00")),
    ]
    assert HourlyRate.objects.get(role="lsa", phase="primary").hourly_rate == D("15.50")


def test_r26_cost_neutral_hourly_factor_confirmed_by_a_real_run(scenario, small_la):
    services.scenario_update_rates(
        scenario=scenario, hourly_rates={("lsa", "primary"): {"hourly_rate": D("16.00")}}
    )
    found = services.scenario_cost_neutral(scenario=scenario, rate_set=calc.HOURLY_RATES)
    # Target: the live £18,135. Both pupils above the threshold at the answer, so
    # f × (£12,480 + £6,240) − £12,000 + £12,000 band = £18,135 -> f = 18,135/18,720 = 0.96875:
    # LSA £16.00 × 0.96875 = £15.50, back to the live rate.
    assert found.factor == D("0.96875000")
    assert found.target == D("18135.00")
    assert abs(found.run.total - found.target) <= found.tolerance == D("0.03")
    rates = {
        (r["role"], r["phase"]): D(r["hourly_rate"]) for r in found.scenario.values["hourly_rates"]
    }
    assert rates[("lsa", "primary")] == D("15.5")


def test_r26_cost_neutral_to_a_budget_across_the_threshold_kink(scenario, small_la):
    services.scenario_update_rates(
        scenario=scenario, hourly_rates={("lsa", "primary"): {"hourly_rate": D("16.00")}}
    )
    found = services.scenario_cost_neutral(
        scenario=scenario, rate_set=calc.HOURLY_RATES, target=D("17000.00")
    )
    # Hourly top-ups must come to £17,000 − £12,000 band = £5,000. With P2 below the threshold
    # (f × £6,240 < £6,000), f × £12,480 − £6,000 = £5,000 -> f = 11,000/12,480 = 0.88141026
    # (P2: 0.88141026 × £6,240 = £5,500 < £6,000, so P2 gets nothing: the kink).
    assert found.factor == D("0.88141026")
    assert abs(found.run.total - D("17000.00")) <= D("0.03")
    comparison = _compare(found.run)
    assert _pupil(comparison, small_la["p2"]).after == D("0.00")


def test_r26_cost_neutral_band_factor_to_a_budget(scenario, small_la):
    found = services.scenario_cost_neutral(
        scenario=scenario, rate_set=calc.BAND_VALUES, target=D("17135.00")
    )
    # £6,135 hourly top-ups are fixed; bands f × £12,000 = £11,000 -> f = 0.91666667;
    # band 2 £12,000 × 0.91666667 = £11,000.00004 -> £11,000.00 at the line.
    assert found.factor == D("0.91666667")
    assert found.run.total == D("17135.00")


def test_r26_the_cheap_sum_at_factor_one_is_the_run_total(scenario, small_la):
    """The components re-price every line: at f = 1 they give the run's own total."""
    services.scenario_update_rates(scenario=scenario, fields={"threshold": D("6100")})
    rates, band_rates = selectors.rates_of(scenario)
    from dataclasses import replace

    from funding.calculations.allocation import allocate
    from funding.selectors import allocation_inputs

    inputs = replace(allocation_inputs(2025), rates=rates, band_rates=band_rates)
    lines = allocate(inputs).lines
    total = sum((line.amount for line in lines), D("0"))
    for rate_set in calc.RATE_SETS:
        comps = calc.components(lines, rate_set)
        assert abs(D(repr(comps.total(1.0))) - total) < D("0.01")


def test_r26_a_scenario_never_appears_in_live_runs_or_totals(scenario, small_la):
    before = live_services.run_allocation(fy=2025, kind="initial")
    assert before.status == RunStatus.DONE
    runs, lines = AllocationRun.objects.count(), AllocationLine.objects.count()
    services.scenario_update_rates(scenario=scenario, fields={"threshold": D("9000")})
    services.scenario_run(scenario=scenario)
    services.scenario_cost_neutral(scenario=scenario, rate_set=calc.BAND_VALUES)
    # No live run or line was written, and the live scheme still says £6,000.
    assert (AllocationRun.objects.count(), AllocationLine.objects.count()) == (runs, lines)
    assert scenario.source_scheme.__class__.objects.get().threshold == D("6000.00")
    after = live_services.run_allocation(fy=2025, kind="revised")
    assert sum(after.lines.values_list("amount", flat=True)) == D("18135.00")


def test_r26_editing_a_scenario_is_checked_like_a_live_scheme_and_kept_in_history(scenario):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        services.scenario_update_rates(scenario=scenario, fields={"awpu_primary": D("1500")})
    assert "below the national floor" in str(exc.value)
    services.scenario_update_rates(
        scenario=scenario, fields={"threshold": D("6500")}, reason="Forum option B"
    )
    assert [h.history_change_reason for h in Scenario.objects.get().history.all()][:2] == [
        "Forum option B",
        "Copied from the live scheme Test scheme 2025",
    ]


# ---- pages -----------------------------------------------------------------------------------


def test_r26_schools_and_panel_members_cannot_reach_scenarios(scenario, small_la, client):
    run = services.scenario_run(scenario=scenario)
    urls = [
        reverse("scenarios:list"),
        reverse("scenarios:detail", args=[scenario.pk]),
        reverse("scenarios:edit", args=[scenario.pk]),
        reverse("scenarios:run", args=[scenario.pk]),
        reverse("scenarios:cost_neutral", args=[scenario.pk]),
        reverse("scenarios:compare", args=[run.pk]),
        reverse("scenarios:pack", args=[run.pk]),
    ]
    for user in (
        factories.school_manager(small_la["primary"]),
        factories.panel_member(),
        factories.cluster_host(),
    ):
        client.force_login(user)
        assert {u: client.get(u).status_code for u in urls} == {u: 403 for u in urls}


def test_r26_officer_compares_and_exports_the_forum_pack(scenario, small_la, client, la_officer):
    import io

    from openpyxl import load_workbook

    services.scenario_update_rates(scenario=scenario, fields={"threshold": D("6500")})
    run = services.scenario_run(scenario=scenario)
    client.force_login(la_officer)
    for name, args in (("list", []), ("detail", [scenario.pk]), ("edit", [scenario.pk])):
        assert client.get(reverse(f"scenarios:{name}", args=args)).status_code == 200
    page = client.get(reverse("scenarios:compare", args=[run.pk]))
    assert page.status_code == 200
    assert page.context["comparison"].schools_losing == 1
    csv = client.get(reverse("scenarios:compare", args=[run.pk]), {"_export": "csv"})
    assert "Meadow Primary" in csv.content.decode()
    pack = client.get(reverse("scenarios:pack", args=[run.pk]))
    wb = load_workbook(io.BytesIO(pack.content))
    assert wb.sheetnames == ["Summary", "By element", "By route", "By school", "By pupil"]
    summary = {row[0]: row[1] for row in wb["Summary"].iter_rows(min_row=3, values_only=True)}
    assert summary["Difference"] == -545
    assert summary["Schools losing"] == 1


def test_r26_a_cost_neutral_solve_pauses_the_collector_and_puts_the_process_back(
    scenario, small_la
):
    """A solve runs the engine up to three times on one read of the data: like a live run it
    pauses the cyclic collector and asks for prompt thread hand-overs while it calculates
    (`funding.gc_pause`, `funding.thread_switches`), and puts both back after, also when it
    refuses a target. A scenario run pauses the collector too, but reads inside its
    transaction (no reading thread), so it leaves the switch interval alone."""
    seen = []

    def source(inputs):
        seen.append((gc.isenabled(), sys.getswitchinterval()))
        return [], []

    before = (gc.isenabled(), sys.getswitchinterval())
    services.scenario_update_rates(
        scenario=scenario, hourly_rates={("lsa", "primary"): {"hourly_rate": D("16.00")}}
    )
    register_line_source("collector-test", source)
    try:
        found = services.scenario_cost_neutral(scenario=scenario, rate_set=calc.HOURLY_RATES)
        with pytest.raises(ValidationError, match="target"):
            # £1 cannot be met: P3's £12,000 band does not move with the hourly rates.
            services.scenario_cost_neutral(
                scenario=scenario, rate_set=calc.HOURLY_RATES, target=D("1.00")
            )
        solving = list(seen)
        seen.clear()
        services.scenario_run(scenario=scenario)
    finally:
        unregister_line_source("collector-test")
    assert found.factor == D("0.96875000")  # as in the test above: back to £15.50
    # The live run, the scenario's run for its components, the confirming run; then the
    # refused solve's live and scenario runs.
    assert solving and set(solving) == {(False, 0.0005)}
    # The scenario run's two engine runs (the scenario and its live baseline).
    assert seen == [(False, before[1])] * 2
    assert (gc.isenabled(), sys.getswitchinterval()) == before
