from pathlib import Path

from django.core.management.base import BaseCommand

from schools.importing import add_user_argument, import_file_for_command
from schools.services import schools_import


class Command(BaseCommand):
    help = "Import or update schools from a GIAS establishment CSV (matched by URN)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        add_user_argument(parser)

    def handle(self, *args, file: Path, user: str | None = None, **options):
        import_file_for_command(
            self, schools_import, file, username=user, verbosity=options["verbosity"]
        )
