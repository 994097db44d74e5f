"""Reading many rows for a run: each query's rows in one fetch, and, for a full run, the big
queries sent ahead on a second connection so the database answers the next while Python turns
the last one into the engine's inputs (two cores: one for each).

Used by `funding.selectors.allocation_inputs`.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

from django.core.exceptions import EmptyResultSet
from django.db import connection

#: Send a full run's big reads ahead on a second connection (PostgreSQL, outside a transaction).
READ_AHEAD = True


def all_rows(qs) -> list[tuple]:
    """Every row of a `values_list` queryset in one fetch on PostgreSQL (Django's iterator
    fetches 100 rows a round trip; a run reads tens of thousands)."""
    if connection.vendor != "postgresql":
        return list(qs)
    try:
        sql, params = qs.query.sql_with_params()
    except EmptyResultSet:  # e.g. an empty list of pupil ids
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def can_read_ahead() -> bool:
    # Inside a transaction (a test's, a caller's) a second connection would not see its rows.
    return READ_AHEAD and connection.vendor == "postgresql" and not connection.in_atomic_block


def _read_in_turn(querysets: list, futures: list[Future]) -> None:
    """The reading thread: each query in turn on the thread's own connection, then close it."""
    try:
        for qs, future in zip(querysets, futures, strict=True):
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(all_rows(qs))
                except BaseException as exc:  # handed to the caller by `rows`
                    future.set_exception(exc)
    finally:
        connection.close()


class RowsAhead:
    """`rows(qs)` for a list of querysets read in turn, in that order, on a second connection
    started now (each query as its own statement, as the caller's connection would run it:
    outside a transaction). Use as a context manager: on leaving, the reads not yet taken are
    cancelled and the thread is waited for."""

    def __init__(self, querysets: list):
        self._futures: dict[int, Future] = {}
        futures = [Future() for _ in querysets]
        for qs, future in zip(querysets, futures, strict=True):
            self._futures[id(qs)] = future
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="run-reads")
        self._pool.submit(_read_in_turn, list(querysets), futures)

    def rows(self, qs) -> list[tuple]:
        """The rows of `qs` (one of the querysets given), waiting for them if need be."""
        return self._futures.pop(id(qs)).result()

    def __enter__(self) -> RowsAhead:
        return self

    def __exit__(self, *exc) -> None:
        for future in self._futures.values():
            future.cancel()
        self._pool.shutdown(wait=True)


class RowsNow:
    """`RowsAhead`'s interface reading each queryset when asked, on the caller's connection."""

    def rows(self, qs) -> list[tuple]:
        return all_rows(qs)

    def __enter__(self) -> RowsNow:
        return self

    def __exit__(self, *exc) -> None:
        pass
