"""Prompt hand-overs between the calculating thread and the thread that writes a run's lines.

While the engine calculates (it holds the interpreter), the writer thread waits on the
database; each time the database answers, the writer waits for the interpreter, by default up
to 5 ms (`sys.getswitchinterval`), several times for each batch of lines it sends. Over a run
that kept the database waiting for about half a second on the benchmark's LA. A run asks for
hand-overs every 0.5 ms instead, and restores the interval after. The interval is
process-wide, so overlapping requests (threads) are counted (`funding.process_wide`), and the
last one out restores the interval the first found.
"""

from __future__ import annotations

import sys

from funding.process_wide import ProcessWide

#: Seconds a thread holding the interpreter runs before another waiting thread gets it.
RUN_SWITCH_INTERVAL = 0.0005

_interval = ProcessWide(
    sys.getswitchinterval,
    lambda found: sys.setswitchinterval(min(RUN_SWITCH_INTERVAL, found)),
    sys.setswitchinterval,
)
prompt_thread_switches = _interval.held
