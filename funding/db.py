"""A list of ids as one SQL parameter.

`field__in=[...]` sends one placeholder per id, and the driver quotes each in Python: for the
hundreds of pupil ids a batch of returns (or an engine over those pupils) reads, the quoting
cost more than the query. `ids_in("pupil_id", ids)` is `pupil_id = ANY(%s)` with the list as a
single array on PostgreSQL (the same rows), and `pupil_id__in` elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models import F, Lookup, Q


class AnyOf(Lookup):
    """`lhs = ANY(%s)`, the right-hand side a list of values passed as one array."""

    lookup_name = "any_of"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return "%s", [list(value)]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", (*lhs_params, *rhs_params)


def ids_in(field: str, ids: Iterable[int]):
    """A filter for rows whose `field` is one of `ids` (a Q, or a lookup expression)."""
    ids = list(ids)
    if connection.vendor != "postgresql":
        return Q(**{f"{field}__in": ids})
    return AnyOf(F(field), ids)
