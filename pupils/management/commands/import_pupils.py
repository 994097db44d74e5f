from pathlib import Path

from django.core.management.base import BaseCommand

from pupils.imports import pupils_import
from schools.importing import add_user_argument, import_file_for_command


class Command(BaseCommand):
    help = "Import pupils, placements, plans and support periods from a CSV or XLSX file."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        add_user_argument(parser)

    def handle(self, *args, file: Path, user: str | None = None, **options):
        import_file_for_command(
            self, pupils_import, file, username=user, verbosity=options["verbosity"]
        )
