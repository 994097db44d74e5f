"""Python's cyclic garbage collector paused while a large calculation builds its objects.

An allocation run reads and builds about half a million objects for 25,000 pupils (inputs,
working, lines); as they pile up the collector scans them again and again, about a quarter of
the run's Python CPU on the benchmark's LA. Reference counting still frees them; the next
collection after the pause runs as usual. The collector is process-wide, so overlapping pauses
(threads) are counted (`funding.process_wide`) and the last one out switches it back on, only
if it was on when the first came in. The budget forecast (`funding.reports.selectors.budget`)
pauses it the same way.
"""

from __future__ import annotations

import gc

from funding.process_wide import ProcessWide


def _enable_if(was_enabled: bool) -> None:
    if was_enabled:
        gc.enable()


_collector = ProcessWide(gc.isenabled, lambda _found: gc.disable(), _enable_if)
cyclic_gc_paused = _collector.held
