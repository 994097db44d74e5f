"""Rows as they stood at a moment ("as at"), for runs that can be reproduced.

`as_at(Model, when)` is the live table when `when` is None; otherwise the model's history table
(django-simple-history) narrowed to the latest record of each row with ``history_date <= when``,
rows whose latest record then was a deletion left out. Both answer the same filters and
``values_list`` on the model's own field names, with two cautions:

- use ``"id"``, not ``"pk"``: on a history table ``pk`` is ``history_id``;
- do not join across relations (``school__la_id``): on a history table a relation leads to the
  *live* row. Filter on ids read as at the same moment instead
  (``school_id__in=as_at(School, when).filter(la_id=...).values("id")``).

Iterating the historical queryset (not ``.iterator()``) yields model instances, so properties
of the model work; ``instance_of(row)`` does the same for one row from anywhere.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, Model, OuterRef, Q, QuerySet


def as_at(model: type[Model], when: dt.datetime | None = None) -> QuerySet:
    """The model's rows as they stood at `when` (the live rows when None)."""
    if when is None:
        return model._default_manager.all()
    history = model.history.all().filter(history_date__lte=when)
    # A later record of the same row up to `when`; ties on the date go to the higher history_id
    # (bulk writes stamp many records with one moment).
    later = history.filter(id=OuterRef("id")).filter(
        Q(history_date__gt=OuterRef("history_date"))
        | Q(history_date=OuterRef("history_date"), history_id__gt=OuterRef("history_id"))
    )
    qs = history.filter(~Exists(later)).order_by()
    qs._as_of = when
    # as_instances() drops deletion records and makes iteration yield model instances.
    return qs.as_instances()


def instance_of(row: Model) -> Model:
    """The model instance for a row read through `as_at` (a history record or a live row)."""
    return getattr(row, "instance", row) if hasattr(row, "history_id") else row
