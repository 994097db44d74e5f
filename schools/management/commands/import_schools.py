from pathlib import Path

from django.core.management.base import BaseCommand

from schools.importing import import_file_for_command
from schools.services import schools_import


class Command(BaseCommand):
    help = "Import or update schools from a GIAS establishment CSV (matched by URN)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        import_file_for_command(self, schools_import, file)
