"""manage.py take_budget_snapshot [--fy 2025] [--on 2026-01-31]

Keeps the budget position (R22) as the snapshot of the month of --on (default today),
replacing an earlier snapshot of that month. Idempotent: schedule it daily or monthly (cron),
or use the Celery task funding.reports.tasks.take_budget_snapshot.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from funding.reports import services


class Command(BaseCommand):
    help = "Snapshot the high-needs budget position for the month (replaces that month's)."

    def add_arguments(self, parser):
        parser.add_argument("--fy", type=int, default=None, help="2025 means FY 2025-26.")
        parser.add_argument("--on", type=dt.date.fromisoformat, default=None)

    def handle(self, *args, fy, on, **options):
        try:
            snapshot = services.budget_snapshot_take(financial_year=fy, on=on)
        except ValidationError as exc:
            raise CommandError("\n".join(exc.messages)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Snapshot for {snapshot.month:%B %Y}: budget £{snapshot.budget:,.2f}, "
                f"commitment £{snapshot.commitment:,.2f}, variance £{snapshot.variance:,.2f}"
            )
        )
