from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from schools.importing import ImportRejected
from schools.services import schools_import


class Command(BaseCommand):
    help = "Import or update schools from a GIAS establishment CSV (matched by URN)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        if not file.exists():
            raise CommandError(f"{file} does not exist")
        try:
            result = schools_import(content=file.read_bytes(), filename=file.name)
        except ImportRejected as rejected:
            for error in rejected.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{rejected}: {file}") from rejected
        self.stdout.write(self.style.SUCCESS(result.summary()))
