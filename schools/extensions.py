"""Extension points: the higher apps add their parts to the schools' and pupils' pages.

`schools/` and `pupils/` never import `funding/` or `clusters/` (tests/test_import_direction.py).
A page here that shows something those apps own asks this registry instead; each app registers
its providers once, from its `AppConfig.ready()`:

    from schools import extensions
    extensions.register(extensions.START_PAGE_ITEMS, "returns", returns_items)

Hooks (each provider is called with the arguments shown; results are combined by `order`, then
registration order):

- `START_PAGE_ITEMS(user) -> list[dict]`: home page tasks (title, count, url, description).
- `PUPIL_TIMELINE(pupil, school_ids) -> list[TimelineEntry]`: entries on a pupil's timeline
  (`school_ids` None for every school, else only rows of those schools).
- `SCHOOL_QUERYSET(qs, on) -> qs`: annotate the schools list (e.g. `cluster_name`).
- `SCHOOL_FILTERS() -> dict[str, Filter]`: extra filters on the schools list.
- `SCHOOL_DETAIL_CONTEXT(school, user, on) -> dict`: extra context for a school's page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)

START_PAGE_ITEMS = "start_page_items"
PUPIL_TIMELINE = "pupil_timeline"
SCHOOL_QUERYSET = "school_queryset"
SCHOOL_FILTERS = "school_filters"
SCHOOL_DETAIL_CONTEXT = "school_detail_context"

_HOOKS: dict[str, dict[str, tuple[int, Callable]]] = {}


def register(hook: str, name: str, provider: Callable, *, order: int = 100) -> None:
    """Add (or replace) the provider called `name` for `hook`; lower `order` comes first."""
    _HOOKS.setdefault(hook, {})[name] = (order, provider)


def unregister(hook: str, name: str) -> None:
    _HOOKS.get(hook, {}).pop(name, None)


def providers(hook: str) -> list[tuple[str, Callable]]:
    """The hook's providers, by `order` then registration."""
    entries = sorted(_HOOKS.get(hook, {}).items(), key=lambda item: item[1][0])
    return [(name, provider) for name, (_order, provider) in entries]


def collect(hook: str, *args, guarded: bool = False) -> list:
    """Every provider's list for `hook`, concatenated. With `guarded`, a provider that raises is
    logged and skipped (a half-built neighbour must not take a page down)."""
    items: list = []
    for name, provider in providers(hook):
        if not guarded:
            items.extend(provider(*args))
            continue
        try:
            items.extend(provider(*args))
        except Exception:
            logger.exception("%s provider %r failed", hook, name)
    return items


def merged(hook: str, *args) -> dict:
    """Every provider's dict for `hook`, merged in registration order."""
    result: dict = {}
    for _name, provider in providers(hook):
        result.update(provider(*args))
    return result


def piped(hook: str, value, *args):
    """`value` passed through every provider of `hook` in turn."""
    for _name, provider in providers(hook):
        value = provider(value, *args)
    return value
