"""manage.py export_allocations --run ID --format csv|xlsx --out FILE"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from funding.exports import export_bytes, run_lines_dataset
from funding.models import AllocationRun


class Command(BaseCommand):
    help = "Write a run's allocation lines to a CSV or Excel file, one row per line."

    def add_arguments(self, parser):
        parser.add_argument("--run", type=int, required=True, dest="run_id")
        parser.add_argument("--format", choices=["csv", "xlsx"], default="csv", dest="fmt")
        parser.add_argument("--out", required=True, help="File to write.")

    def handle(self, *args, run_id, fmt, out, **options):
        run = AllocationRun.objects.filter(pk=run_id).first()
        if run is None:
            raise CommandError(f"There is no allocation run {run_id}.")
        data = run_lines_dataset(run)
        path = Path(out)
        path.write_bytes(export_bytes(data, fmt))
        self.stdout.write(f"Wrote {len(data):,} lines of run {run.pk} to {path} ({fmt}).")
