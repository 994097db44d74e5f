"""Extension point: other parts of the product add their own lines to every allocation run.

A line source is a function `source(inputs: AllocationInputs) -> (lines, warnings)` returning
`funding.calculations.allocation.LineData` objects (e.g. Pupil Specific Funding, element "psf",
from the clusters app: R15-R17) and warning texts. Register it once, from the app's
`AppConfig.ready()`:

    from funding.extensions import register_line_source
    register_line_source("psf", clusters.psf_source.run_lines)

Sources run after the engine, inside the run, in registration order; their lines are written,
totalled and exported like the engine's own. A source that raises fails the run (a run is
complete or it is nothing).
"""

from __future__ import annotations

from collections.abc import Callable

LineSource = Callable[..., tuple[list, list[str]]]

_SOURCES: dict[str, LineSource] = {}


def register_line_source(name: str, source: LineSource) -> None:
    """Add (or replace) a named source of extra lines for every run."""
    _SOURCES[name] = source


def unregister_line_source(name: str) -> None:
    _SOURCES.pop(name, None)


def line_sources() -> list[tuple[str, LineSource]]:
    return list(_SOURCES.items())
