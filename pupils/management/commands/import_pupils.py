from pathlib import Path

from django.core.management.base import BaseCommand

from pupils.imports import pupils_import, pupils_import_replacing_periods
from schools.importing import add_user_argument, import_file_for_command


class Command(BaseCommand):
    help = "Import pupils, placements, plans and support periods from a CSV or XLSX file."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--replace-periods",
            action="store_true",
            help="A corrected file: for each plan in the file, its support periods replace the "
            "stored ones (a stored period the file no longer gives is superseded, not deleted).",
        )
        add_user_argument(parser)

    def handle(self, *args, file: Path, user: str | None = None, **options):
        importer = pupils_import_replacing_periods if options["replace_periods"] else pupils_import
        import_file_for_command(self, importer, file, username=user, verbosity=options["verbosity"])
