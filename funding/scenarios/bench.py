"""`manage.py bench scenarios [--schools 600 --pupils 25000 --seed 1]` (a benchmark, not a test).

On `<DATABASE>_bench` it builds the engine's synthetic LA, copies the FY 2025-26 scheme into a
scenario with every hourly rate up 3% (a pay award) and times: a scenario run (the scenario and
the live scheme on the same data, results written) plus the comparison; then the cost-neutral
solve back to the live total (the data read once; the live run, which is the target and, the
scenario being the live scheme with the hourly rates × 1.03, also gives the components; the
bisection in memory; one confirming run on the same inputs, checked against the tolerance, and
the results written); and the same for a scenario with only the LSA rates up 3%, which is
run once more for its components. Each is timed `repeat` times (default 3), each time on a
fresh copy of the scenario, and the median is the figure; every time is printed, wall and CPU
(the machine may be shared: CPU time is the steadier figure). Targets: run + comparison ≤ 10 s,
the solve ≤ 5 s (the part before the confirming run is reported too).
"""

from __future__ import annotations

import statistics
import time
from decimal import Decimal

FY = 2025


def run(
    schools: int = 600,
    pupils: int = 25000,
    seed: int = 1,
    out=print,
    build: bool = True,
    repeat: int = 3,
) -> dict:
    from funding.bench.synthetic import build_synthetic_la, use_bench_database
    from funding.scenarios import calculations as calc
    from funding.scenarios import selectors, services
    from funding.scenarios.models import Scenario, ScenarioRun

    database = use_bench_database()
    if build:
        out(f"Database {database}: building a synthetic LA of {schools} schools, {pupils} pupils")
        summary = build_synthetic_la(schools=schools, pupils=pupils, seed=seed)
        out(f"  built in {summary.seconds:.1f} s")
    repeat = max(1, repeat)

    def fresh(name: str, roles=None) -> Scenario:
        """A new copy of the live scheme with the hourly rates (of `roles`, default all) up 3%."""
        # Its runs' baselines (runs of the live scheme, no scenario of their own) go with it.
        ScenarioRun.objects.filter(
            pk__in=ScenarioRun.objects.filter(scenario__name=name).values("baseline_id")
        ).delete()
        Scenario.objects.filter(name=name).delete()
        scenario = services.scenario_create_from_scheme(financial_year=FY, name=name)
        uplift = {
            (r["role"], r["phase"]): {"hourly_rate": Decimal(r["hourly_rate"]) * Decimal("1.03")}
            for r in scenario.values["hourly_rates"]
            if roles is None or r["role"] in roles
        }
        return services.scenario_update_rates(scenario=scenario, hourly_rates=uplift)

    def timed(name: str, roles, action) -> tuple[float, float, object]:
        """`action(scenario)` on `repeat` fresh scenarios: the wall and CPU seconds of the run
        with the median wall time, and the last result; every time printed."""
        walls, cpus, found = [], [], None
        for _ in range(repeat):
            scenario = fresh(name, roles)
            started, cpu = time.perf_counter(), time.process_time()
            found = action(scenario)
            walls.append(time.perf_counter() - started)
            cpus.append(time.process_time() - cpu)
        shown = ", ".join(f"{w:.2f} (CPU {c:.2f})" for w, c in zip(walls, cpus, strict=True))
        middle = walls.index(statistics.median_low(walls))
        out(f"  {name}: {shown} s; median {walls[middle]:.2f} s")
        return walls[middle], cpus[middle], found

    def run_and_compare(scenario):
        scenario_run = services.scenario_run(scenario=scenario)
        return scenario_run, selectors.comparison(scenario_run.baseline, scenario_run)

    run_seconds, run_cpu, (scenario_run, comparison) = timed(
        "Bench pay award", None, run_and_compare
    )
    out(
        f"Scenario run + comparison: {run_seconds:.2f} s (CPU {run_cpu:.2f} s; "
        f"{scenario_run.pupils:,} pupils, "
        f"{comparison.total.difference:+,.2f} on {comparison.total.before:,.2f}; "
        f"{comparison.schools_gaining} schools gain, {comparison.schools_losing} lose)"
    )

    def solve(scenario):
        return services.scenario_cost_neutral(scenario=scenario, rate_set=calc.HOURLY_RATES)

    solve_seconds, solve_cpu, found = timed("Bench pay award", None, solve)
    out(
        f"Cost-neutral solve: {solve_seconds:.2f} s in all (CPU {solve_cpu:.2f} s; the data read "
        f"once, the live run, components + bisection: "
        f"{found.seconds_to_solve:.2f} s; then one confirming run on the same inputs and the "
        f"results written): factor {found.factor}, "
        f"total {found.run.total:,.2f} against {found.target:,.2f} "
        f"(difference {found.difference:+.2f}, tolerance {found.tolerance}; "
        f"{found.confirming_runs} confirming run{'s' if found.confirming_runs > 1 else ''})"
    )
    # A scenario that is not the live scheme with all its hourly rates × one figure (LSA only
    # up 3%): the solve then runs the scenario once for its components.
    other_seconds, other_cpu, other = timed("Bench LSA award", {"lsa"}, solve)
    out(
        f"Cost-neutral solve, LSA rates only up 3% (the scenario run once for its components): "
        f"{other_seconds:.2f} s (CPU {other_cpu:.2f} s): factor {other.factor}, "
        f"difference {other.difference:+.2f}, {other.confirming_runs} confirming run"
        f"{'s' if other.confirming_runs > 1 else ''}"
    )
    return {
        "other_solve_seconds": other_seconds,
        "other_solve_cpu_seconds": other_cpu,
        "run_and_compare_seconds": run_seconds,
        "solve_seconds": solve_seconds,
        "run_cpu_seconds": run_cpu,
        "solve_cpu_seconds": solve_cpu,
        "factor": found.factor,
        "difference": found.difference,
        "figures": [
            {
                "figure": f"scenario run + comparison (median of {repeat})",
                "value": run_seconds,
                "unit": "s",
                "target": 10,
            },
            {
                "figure": f"cost-neutral solve (median of {repeat})",
                "value": solve_seconds,
                "unit": "s",
                "target": 5,
            },
            {
                "figure": f"cost-neutral solve, LSA rates only (median of {repeat})",
                "value": other_seconds,
                "unit": "s",
                "target": 5,
            },
        ],
    }
