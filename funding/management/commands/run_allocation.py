"""manage.py run_allocation --fy 2025 --kind initial: run the engine now and print the totals.

--as-at 2025-12-01T00:00 computes from the data as it stood at that moment (ISO date and time;
without a zone, local time), e.g. to reproduce an earlier run from its recorded "as at".
--user USERNAME names who started the run (required unless DEBUG is on): the run's approval
must then come from somebody else (segregation of duties).
"""

from __future__ import annotations

import argparse
import datetime as dt

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from funding import services
from funding.models import RunKind, RunStatus
from funding.selectors import recoupment, run_totals
from schools.importing import command_user


def _iso_datetime(value: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not an ISO date and time, e.g. 2025-12-01T00:00"
        ) from None


class Command(BaseCommand):
    help = "Run an allocation for a financial year and print the run id and totals by element."

    def add_arguments(self, parser):
        parser.add_argument("--fy", type=int, required=True, help="2025 means FY 2025-26.")
        parser.add_argument("--kind", choices=RunKind.values, default=RunKind.INITIAL)
        parser.add_argument("--note", default="")
        parser.add_argument(
            "--as-at",
            dest="as_at",
            type=_iso_datetime,
            default=None,
            help="Compute from the data as it stood at this moment (ISO, e.g. 2025-12-01T00:00).",
        )
        parser.add_argument(
            "--user",
            metavar="USERNAME",
            help="Who starts the run (required unless DEBUG is on); someone else approves it.",
        )

    def handle(self, *args, fy, kind, note="", as_at=None, user=None, **options):
        started_by = command_user(user)
        try:
            run = services.run_allocation(fy=fy, kind=kind, note=note, as_at=as_at, user=started_by)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        if run.status != RunStatus.DONE:
            raise CommandError(f"Run {run.pk} failed: {run.error}")
        totals = run_totals(run)
        out = self.stdout
        out.write(f"Run {run.pk}: FY {run.fy} {run.kind}, {run.line_count:,} lines")
        out.write(f"Data as at {timezone.localtime(run.as_at):%Y-%m-%dT%H:%M:%S%z}")
        if run.seconds is not None:
            out.write(f"Calculated in {run.seconds:.2f} s")
        out.write("")
        width = max([len(t.label) for t in totals.elements] + [20])
        for t in totals.elements:
            out.write(f"{t.label:<{width}}  £{t.amount:>16,.2f}  ({t.lines:,} lines)")
        out.write(f"{'Total':<{width}}  £{totals.total:>16,.2f}")
        for label, amount in totals.routes:
            out.write(f"{'  ' + label:<{width}}  £{amount:>16,.2f}")
        r = recoupment(run)
        out.write("")
        out.write(
            f"Recoupment (R8): other LAs owe us £{r.owed_to_us_total:,.2f}; "
            f"we owe other LAs £{r.we_owe_total:,.2f}"
        )
        for w in run.warnings[:20]:
            out.write(self.style.WARNING(f"Warning: {w}"))
        if len(run.warnings) > 20:
            out.write(self.style.WARNING(f"... and {len(run.warnings) - 20} more warnings"))
