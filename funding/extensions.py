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


# ---- scheme resets: other apps' rows tied to a funding scheme ------------------------------
#
# Loading a preset over a scheme (`scheme_load_preset(..., replace=True)`) makes every field and
# every row tied to the scheme what the preset says. Funding resets its own rate tables; an app
# whose rows hang off `FundingScheme` registers a reset from its `AppConfig.ready()`:
#
#     register_scheme_reset("clusters", reset, models=("clusters.PsfRules", ...))
#
# `reset(*, scheme, preset, user, reason)` runs inside the load's transaction: it deletes the
# app's rows for the scheme that the preset does not name and sets the rest to the model
# defaults plus what the preset says (`preset.related`), each write with history and `reason`.

SchemeReset = Callable[..., None]

_SCHEME_RESETS: dict[str, tuple[SchemeReset, tuple[str, ...]]] = {}


def register_scheme_reset(name: str, reset: SchemeReset, *, models: tuple[str, ...] = ()) -> None:
    """Add (or replace) a named reset; `models` are the "app.Model" labels it looks after."""
    _SCHEME_RESETS[name] = (reset, tuple(models))


def unregister_scheme_reset(name: str) -> None:
    _SCHEME_RESETS.pop(name, None)


def scheme_resets() -> list[tuple[str, SchemeReset]]:
    return [(name, reset) for name, (reset, _models) in _SCHEME_RESETS.items()]


def scheme_reset_models() -> set[str]:
    """Every model label a registered reset looks after."""
    return {label for _reset, models in _SCHEME_RESETS.values() for label in models}
