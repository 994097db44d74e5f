"""`manage.py bench all`: one table of every registered benchmark's figures against its target."""

from __future__ import annotations

from funding.bench.all import _table, figures_of


def test_a_benchmarks_own_figures_are_shown_met_or_over_its_target():
    result = {
        "figures": [
            {"figure": "returns: first run", "value": 4.2, "unit": "s", "target": 5},
            {"figure": "returns: CPU a school", "value": 13.7, "unit": "ms", "target": 10},
        ]
    }
    lines: list[str] = []

    _table(figures_of("returns", result), lines.append)

    assert [line.split()[-1] for line in lines[1:3]] == ["met", "OVER"]
    assert lines[-1] == "1 met, 1 over"


def test_a_benchmark_without_figures_still_has_a_row():
    # A benchmark another engineer registers joins the table before it reports figures.
    (row,) = figures_of("scenarios", {"seconds": 3})

    assert row["figure"] == "scenarios: ran (no figures reported)"


def test_the_allocations_figures_are_read_from_its_result():
    rows = figures_of("allocations", {"seconds": 4.0, "ratio": 2.5})

    assert [(r["value"], r["target"]) for r in rows] == [(4.0, 5), (2.5, 2)]
