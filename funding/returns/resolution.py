"""Resolving a queried return line as "already recorded" (R20).

The return is a snapshot: when the LA recorded the school's correction itself after the return
was issued (a support change, a leaving), accepting the query would record it a second time
(and the pupils service refuses). The officer instead closes the query as *already recorded*:
nothing in the pupil's record changes, the school is told what the record shows and who
recorded it, and who closed the query and when is kept like any other resolution.
"""

from __future__ import annotations

from django.db import transaction

from funding.returns import services
from funding.returns.live_record import changes_since_issue
from funding.returns.models import Resolution, ReturnLine

ALREADY_RECORDED_REASON = "Our record already shows this; no change was needed."


def _what_the_record_shows(line: ReturnLine) -> str:
    changes = changes_since_issue(line.monthly_return, [line.pupil_id]).get(line.pupil_id, [])
    parts = []
    for change in changes:
        when = f" from {change.effective_on:%-d %B %Y}" if change.effective_on else ""
        parts.append(
            f"{change.what}{when} (recorded by {change.recorded_by} on "
            f"{change.recorded_at:%-d %B %Y})"
        )
    return "; ".join(parts)


@transaction.atomic
def return_line_already_recorded(*, line: ReturnLine, user, note: str = "") -> ReturnLine:
    """Close a query whose correction the LA had already recorded: no change to the pupil's
    record, no call to the pupils service. The school sees what the record shows (the changes
    recorded since its return was issued) and the officer's note."""
    monthly_return, line = services._lock_query(line)
    line.monthly_return = monthly_return
    shows = _what_the_record_shows(line)
    reason = ALREADY_RECORDED_REASON
    if shows:
        reason = f"Our record already shows this: {shows}."
    note = (note or "").strip()
    if note:
        reason = f"{reason} {note}"
    return services._resolve(line, monthly_return, user, Resolution.ALREADY_RECORDED, reason)
