"""A process-wide interpreter setting changed while a large calculation runs, and put back.

Threads may overlap (a Celery worker with threads, a test server), so the changes are counted:
the first caller in reads the setting and changes it, the last one out restores what the first
found. Used by `funding.gc_pause` (the cyclic garbage collector) and `funding.thread_switches`
(the interpreter's switch interval).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


class ProcessWide:
    """`held()` changes the setting with `change(found)` while any caller holds it and, when
    the last lets go, calls `restore(found)` with what `read()` gave the first."""

    def __init__(
        self,
        read: Callable[[], Any],
        change: Callable[[Any], None],
        restore: Callable[[Any], None],
    ):
        self._read, self._change, self._restore = read, change, restore
        self._lock = threading.Lock()
        self._holders = 0
        self._found: Any = None

    @contextmanager
    def held(self) -> Iterator[None]:
        with self._lock:
            if self._holders == 0:
                self._found = self._read()
                self._change(self._found)
            self._holders += 1
        try:
            yield
        finally:
            with self._lock:
                self._holders -= 1
                if self._holders == 0:
                    self._restore(self._found)
