"""manage.py setup_la CODE: make an imported LA the administering LA of this installation."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from schools.setup import administering_la_set


class Command(BaseCommand):
    help = "Make the LA with this DfE code (imported from GIAS) the administering LA."

    def add_arguments(self, parser):
        parser.add_argument("code", help="DfE LA code, e.g. 936")

    def handle(self, *args, code, **options):
        try:
            la = administering_la_set(code=code)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"{la} is now the administering LA."))
