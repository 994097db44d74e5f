"""Stored support periods a pupil file does not give (by support_from), for the plans it gives.

An ordinary import refuses a file whose periods overlap such a stored period (it would be left in
place beside them). A corrected spreadsheet (`pupils_import_replacing_periods`) replaces the
plan's periods: the stored periods it does not give are superseded, kept with who, when and why
in their history and never deleted (money history is only ever superseded), so they neither
block the file's periods nor count for money any more.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from pupils.imports.bulk_writes import validate_fields
from pupils.imports.rows import PupilGroup, overlaps
from pupils.models import Pupil, SupportLevel
from schools.importing import RowError

if TYPE_CHECKING:
    from pupils.imports.writer import ImportWriter


def refuse_overlapping_stored_supports(
    writer: ImportWriter, pupil: Pupil, g: PupilGroup, errors: list[RowError]
) -> None:
    """A stored support period of one of the file's plans, with a start the file does not
    give, must not overlap the file's periods (it would be left in place beside them)."""
    for issued in g.plans:
        plan = writer.plans.get((pupil.pk, issued))
        if plan is None:
            continue
        for start, stored in writer.stored_of["supports"].get(plan.pk, ()):
            if (issued, start) in g.supports:
                continue
            for (p_issued, _), r in g.supports.items():
                if p_issued == issued and overlaps(
                    stored.effective_from, stored.effective_to, r.support_from, r.support_to
                ):
                    end = f"{stored.effective_to:%d/%m/%Y}" if stored.effective_to else "open"
                    errors.append(RowError(
                        r.number, "support_from",
                        f"overlaps the stored support period {stored.effective_from:%d/%m/%Y}"
                        f" to {end}; give that period's support_from to update it",
                    ))  # fmt: skip


def supersede_supports_not_in_file(writer: ImportWriter) -> None:
    """Replace mode: the stored periods of the file's plans that the file does not give are
    superseded (kept with who, when and why), before the file's periods are written."""
    now = timezone.now()
    superseded = []
    for upn, g in writer.groups.items():
        pupil = writer.pupils.get(upn)
        if pupil is None:
            continue
        for issued in g.plans:
            plan = writer.plans.get((pupil.pk, issued))
            if plan is None:
                continue
            for start, stored in writer.stored_of["supports"].get(plan.pk, ()):
                if (issued, start) not in g.supports:
                    stored.superseded_at = now
                    superseded.append(stored)
                    del writer.supports[(plan.pk, start)]
    if superseded:
        validate_fields(SupportLevel, superseded)
        bulk_update_with_history(
            superseded,
            SupportLevel,
            ["superseded_at"],
            batch_size=500,
            default_user=writer.user,
            default_change_reason=f"Superseded: {writer.reason}, replacing the plan's periods",
        )
        writer.result.count("updated", "support levels superseded", len(superseded))
