"""Python's cyclic garbage collector paused while a large calculation builds its objects.

An allocation run reads and builds about half a million objects for 25,000 pupils (inputs,
working, lines); as they pile up the collector scans them again and again, about a quarter of
the run's Python CPU on the benchmark's LA. Reference counting still frees them; the next
collection after the pause runs as usual. The collector is process-wide, so overlapping pauses
(threads) are counted and the last one out switches it back on, only if it was on when the
first came in. The budget forecast (`funding.reports.selectors.budget`) pauses it the same way.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_pauses = 0
_was_enabled = True


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    global _pauses, _was_enabled
    with _lock:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _was_enabled:
                gc.enable()
