"""A list of ids as one SQL parameter (for every app: schools/, pupils/ and funding/).

`field__in=[...]` sends one placeholder per id, and the driver quotes each in Python: for the
hundreds or thousands of pupil ids a year's engine reads, the quoting cost more than the
query. `ids_in("pupil_id", ids)` is `pupil_id = ANY(%s::bigint[])` on PostgreSQL, the list sent
as ONE array literal (`'{1,2,3}'`), and `pupil_id__in` elsewhere: the same rows. It lives in the
lowest app so that every app can use it (schools/ and pupils/ never import funding/).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models import F, Lookup, Q


def array_literal(ids: Iterable[int]) -> str:
    """`{1,2,3}`: PostgreSQL's text form of an array of integers (each checked an integer)."""
    return "{" + ",".join(map(str, map(int, ids))) + "}"


class AnyOf(Lookup):
    """`lhs = ANY(%s::<type>[])`, the right-hand side a list of integers passed as one array
    literal cast to the column's own type (so an index on it is used)."""

    lookup_name = "any_of"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return "%s", [array_literal(value)]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        cast = self.lhs.output_field.cast_db_type(connection)
        return f"{lhs} = ANY({rhs}::{cast}[])", (*lhs_params, *rhs_params)


def ids_in(field: str, ids: Iterable[int]):
    """A filter for rows whose `field` is one of `ids` (a Q, or a lookup expression)."""
    ids = list(ids)
    if connection.vendor != "postgresql":
        return Q(**{f"{field}__in": ids})
    return AnyOf(F(field), ids)
