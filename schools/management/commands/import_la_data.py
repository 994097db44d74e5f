"""manage.py import_la_data KIND FILE: term dates, census, planned places or band rates."""

import datetime as dt
from functools import partial
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from schools.importing import add_user_argument, import_file_for_command
from schools.imports import KINDS


class Command(BaseCommand):
    help = "Import an LA data file: " + ", ".join(KINDS) + " (CSV or XLSX; all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(KINDS))
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--census-date", help="YYYY-MM-DD: the census day of a DfE school-level census file"
        )
        add_user_argument(parser)

    def handle(self, *args, kind, file, census_date=None, **options):
        importer = KINDS[kind].importer
        if census_date:
            if kind != "census":
                raise CommandError("--census-date is only for the census import.")
            try:
                day = dt.date.fromisoformat(census_date)
            except ValueError as exc:
                raise CommandError(f"{census_date!r} is not a date (YYYY-MM-DD).") from exc
            importer = partial(importer, census_date=day)
        import_file_for_command(
            self, importer, file, username=options.get("user"), verbosity=options["verbosity"]
        )
