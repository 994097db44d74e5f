"""Celery tasks for the funding engine: thin, take ids, call one service.

Also what the generation tasks of monthly returns and payments share: a batch of schools is
one task (`BATCH_TASK`) that calls its service through `run_batch`, which turns each school's
outcome into a result for the chord's tally, retries (with backoff) only the schools whose
error was the database's, carrying the others' results into the retry, and reports a school
"failed" once the retries are spent (or on any other error) rather than raising, so one school
never stops the others and the chord always completes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.db import InterfaceError, OperationalError, connections
from django.utils import timezone

from funding import services

logger = logging.getLogger(__name__)

DB_ERRORS = (OperationalError, InterfaceError)
FAILED = "failed"

#: The options of a batch task (`shared_task(**BATCH_TASK)`): database errors retried with
#: exponential backoff, acknowledged once done (a worker lost mid-batch leaves it queued).
BATCH_TASK: dict[str, Any] = {
    "bind": True,
    "autoretry_for": DB_ERRORS,
    "retry_backoff": True,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 5,
    "acks_late": True,
}


class Outcome(Protocol):
    school_id: int
    error: BaseException | None


@shared_task(name="funding.run_allocation")
def run_allocation_task(run_id: int) -> str:
    """Calculate a queued allocation run (idempotent: a claimed or finished run is left alone)."""
    run = services.allocation_run_execute(run_id=run_id)
    return run.status


def send_out_key(*parts) -> str:
    """A key naming one send-out of a generation (its id and this moment): the batches' cache
    key for the year-wide inputs (`funding.year_inputs`)."""
    return ":".join([*(str(p) for p in parts), timezone.now().isoformat()])


def run_batch(
    task,
    school_ids: list[int],
    work: Callable[[list[int]], Iterable[Outcome]],
    *,
    result: Callable[[Any], dict],
    retry_args: Callable[[list[int]], tuple],
    done: list[dict] | None,
    what: str,
) -> list[dict]:
    """Run `work(school_ids)` for a bound batch task and answer a result for each school.

    `result(outcome)` is a written school's result (the seconds and the moment it finished are
    added); `retry_args(school_ids)` the task's positional arguments for a retry of those
    schools; `done` the results of the schools already written when this is a retry. An error
    of `work` itself (its bulk reads: nothing written) retries every school of the batch.
    """
    started = time.perf_counter()
    results = list(done or [])
    try:
        outcomes = list(work(school_ids))
    except DB_ERRORS as exc:
        drop_broken_connections()
        if task.request.retries < task.max_retries:
            raise  # autoretry_for retries it with backoff
        return results + [failed(school_id, exc, started) for school_id in school_ids]
    except Exception as exc:
        logger.exception("%s for schools %s failed", what, school_ids)
        return results + [failed(school_id, exc, started) for school_id in school_ids]
    seconds = (time.perf_counter() - started) / max(len(school_ids), 1)
    again = []
    for outcome in outcomes:
        if outcome.error is None:
            results.append(
                {
                    "school_id": outcome.school_id,
                    **result(outcome),
                    "seconds": seconds,
                    "finished": time.time(),
                }
            )
        elif isinstance(outcome.error, DB_ERRORS) and task.request.retries < task.max_retries:
            again.append(outcome.school_id)
        else:
            results.append(failed(outcome.school_id, outcome.error, started))
    if again:
        drop_broken_connections()
        raise task.retry(
            args=retry_args(again),
            kwargs={"done": results},
            countdown=get_exponential_backoff_interval(
                factor=1, retries=task.request.retries, maximum=60, full_jitter=True
            ),
        )
    return results


def failed(school_id: int, exc: BaseException, started: float) -> dict:
    """A school's result when it failed: its error for the generation's record. A database
    error's text can name the server and its user, so the record says only which error and
    "database unavailable"; the log keeps the detail."""
    if isinstance(exc, DB_ERRORS):
        logger.warning("school %s: database error: %s", school_id, exc)
        error = f"{type(exc).__name__}: database unavailable"
    else:
        error = f"{type(exc).__name__}: {exc}"[:500]
    return {
        "school_id": school_id,
        "outcome": FAILED,
        "error": error,
        "seconds": time.perf_counter() - started,
        "finished": time.time(),
    }


def flatten(results: list) -> list[dict]:
    """A chord's results (a list of school results per batch task) as one list."""
    return [
        result
        for item in results
        for result in (item if isinstance(item, list) else [item])
        if isinstance(result, dict)
    ]


def drop_broken_connections() -> None:
    """So the retry does not reuse a broken connection (workers keep theirs between tasks)."""
    for conn in connections.all(initialized_only=True):
        if not conn.in_atomic_block:
            conn.close_if_unusable_or_obsolete()
