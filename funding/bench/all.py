"""`manage.py bench all`: every registered benchmark on one synthetic LA, then one table.

The benchmarks are whatever `funding.management.commands.bench.BENCHMARKS` registers, so a new
one joins by registering there. The synthetic LA (`funding.bench.synthetic`, deterministic for
a seed) is built once; a benchmark whose `run()` takes `build` is told not to build it again,
and one that builds its own gets the same LA for the same seed.

A benchmark reports its figures in its result as `"figures": [{"figure", "value", "unit",
"target"}, ...]` (lower is better; "met" when value <= target). For benchmarks that do not
(yet), `ADAPTERS` below reads the figures from the dict their `run()` returns. A benchmark that
fails is a row saying so; the others still run.
"""

from __future__ import annotations

import importlib
import inspect
import os
import time
import traceback
from collections.abc import Callable


def machine() -> str:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{cores} cores, load average {load} (1, 5, 15 min)"


def _allocations(result: dict) -> list[dict]:
    return [
        {"figure": "allocations: full run", "value": result["seconds"], "unit": "s", "target": 5},
        {"figure": "allocations: run / set-based floor", "value": result["ratio"], "unit": "x",
         "target": 2},
    ]  # fmt: skip


def _reports(result: dict) -> list[dict]:
    return [
        {"figure": f"reports: {label}", "value": row["seconds"], "unit": "s", "target": 2}
        for label, row in result.items()
        if isinstance(row, dict) and "seconds" in row
    ]


def _imports(result: dict) -> list[dict]:
    figures = [
        {
            "figure": f"imports: {rows:,} pupil rows",
            "value": row["import_s"],
            "unit": "s",
            "target": 60 if rows >= 100_000 else (30 if rows == 25_000 else None),
        }
        for rows, row in result.items()
        if isinstance(rows, int) and isinstance(row, dict) and "import_s" in row
    ]
    census = result.get("census")
    if isinstance(census, dict) and "import_s" in census:
        figures.append(
            {
                "figure": f"imports: {census['rows']:,} census rows (DfE layout)",
                "value": census["import_s"],
                "unit": "s",
                "target": 30,
            }
        )
    return figures


ADAPTERS: dict[str, Callable[[dict], list[dict]]] = {
    "allocations": _allocations,
    "reports": _reports,
    "imports": _imports,
}


def figures_of(name: str, result) -> list[dict]:
    if isinstance(result, dict) and isinstance(result.get("figures"), list):
        return result["figures"]
    if isinstance(result, dict) and name in ADAPTERS:
        try:
            return ADAPTERS[name](result)
        except (KeyError, TypeError, AttributeError):
            pass
    return [{"figure": f"{name}: ran (no figures reported)", "value": None, "target": None}]


def _call(runner, **given):
    parameters = inspect.signature(runner).parameters
    takes_any = any(p.kind == p.VAR_KEYWORD for p in parameters.values())
    return runner(**{k: v for k, v in given.items() if takes_any or k in parameters})


def run_all(benchmarks: dict[str, str], *, schools, pupils, seed, out=print) -> list[dict]:
    from funding.bench.synthetic import build_synthetic_la, use_bench_database

    schools = schools or 600
    pupils = pupils or 25000
    out(f"bench all: {', '.join(benchmarks)}")
    at_start = machine()
    out(f"Machine at start: {at_start}")
    database = use_bench_database()
    summary = build_synthetic_la(schools=schools, pupils=pupils, seed=seed)
    out(
        f"One synthetic LA in {database} (seed {seed}): {summary.schools} schools, "
        f"{summary.pupils:,} pupils, built in {summary.seconds:.1f} s"
    )
    rows: list[dict] = []
    for name, module_name in benchmarks.items():
        out("")
        out(f"=== {name} ({module_name}); {machine()}")
        started = time.perf_counter()
        try:
            runner = importlib.import_module(module_name).run
            # A benchmark may change the LA (runs, returns, leavers, an import): the first one
            # uses the LA just built, each later one builds it afresh (the same LA: same seed).
            result = _call(
                runner, schools=schools, pupils=pupils, seed=seed, build=bool(rows), out=out
            )
            found = figures_of(name, result)
        except Exception as exc:  # one benchmark's failure is a row, not the end
            out(traceback.format_exc())
            found = [{"figure": f"{name}: FAILED ({type(exc).__name__}: {exc})"[:90]}]
        out(f"=== {name}: {time.perf_counter() - started:.0f} s")
        rows.extend(found)
    out("")
    out(f"Machine at the start of bench all: {at_start}")
    out(f"Machine at the end: {machine()}")
    _table(rows, out)
    return rows


def _table(rows: list[dict], out) -> None:
    out(f"{'figure':<58}{'value':>12}{'target':>12}  verdict")
    met = over = 0
    for row in rows:
        value, target, unit = row.get("value"), row.get("target"), row.get("unit", "")
        shown = f"{value:,.2f} {unit}".strip() if value is not None else "-"
        aim = f"<= {target:g} {unit}".strip() if target is not None else "-"
        if value is None or target is None:
            verdict = "-" if "FAILED" not in row["figure"] else "FAILED"
        elif value <= target:
            verdict, met = "met", met + 1
        else:
            verdict, over = "OVER", over + 1
        out(f"{row['figure'][:57]:<58}{shown:>12}{aim:>12}  {verdict}")
    out(f"{met} met, {over} over")
