"""Writing the demo's rows with their history, each dated as if recorded on its own day."""

from __future__ import annotations

from .constants import DEMO_REASON


def _create_with_history(model, objs: list, *, user, closed: dict | None = None) -> None:
    """bulk_create `objs` and their history, each record dated by the object's `_history_date`.

    `closed` maps id(obj) to (end field, datetime) for a row first recorded open-ended and
    ended later (a leaver, a move, a changed support level): its history has the open record,
    then the ending on that day, as the real services would have written them.
    """
    closed = closed or {}
    model.objects.bulk_create(objs, batch_size=1000)
    ended = [obj for obj in objs if id(obj) in closed]
    ends = [getattr(obj, closed[id(obj)][0]) for obj in ended]
    for obj in ended:
        setattr(obj, closed[id(obj)][0], None)
    model.history.bulk_history_create(
        objs, batch_size=1000, default_user=user, default_change_reason=DEMO_REASON
    )
    for obj, end in zip(ended, ends, strict=True):
        field_name, when = closed[id(obj)]
        setattr(obj, field_name, end)
        obj._history_date = when
    model.history.bulk_history_create(
        ended, batch_size=1000, update=True, default_user=user, default_change_reason=DEMO_REASON
    )
