"""Prompt hand-overs between the calculating thread and the thread that writes a run's lines.

While the engine calculates (it holds the interpreter), the writer thread waits on the
database; each time the database answers, the writer waits for the interpreter, by default up
to 5 ms (`sys.getswitchinterval`), several times for each batch of lines it sends. Over a run
that kept the database waiting for about half a second on the benchmark's LA. A run asks for
hand-overs every 0.5 ms instead, and restores the interval after. The interval is
process-wide, so overlapping requests (threads) are counted, as `funding.gc_pause` counts its
pauses, and the last one out restores the interval the first found.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: Seconds a thread holding the interpreter runs before another waiting thread gets it.
RUN_SWITCH_INTERVAL = 0.0005

_lock = threading.Lock()
_requests = 0
_interval_before = 0.005


@contextmanager
def prompt_thread_switches() -> Iterator[None]:
    global _requests, _interval_before
    with _lock:
        if _requests == 0:
            _interval_before = sys.getswitchinterval()
            sys.setswitchinterval(min(RUN_SWITCH_INTERVAL, _interval_before))
        _requests += 1
    try:
        yield
    finally:
        with _lock:
            _requests -= 1
            if _requests == 0:
                sys.setswitchinterval(_interval_before)
