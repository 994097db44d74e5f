"""Generate the monthly returns for a month by hand: `manage.py generate_returns --month 2025-05`.

Does what the beat schedule does on the 1st: starts a generation run whose per-school tasks go
through Celery (in-process when CELERY_BROKER_URL is unset). With a broker, `--wait SECONDS`
waits for the workers to finish and prints the tally.
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from funding.returns import tasks
from funding.returns.calculations import coming_month, parse_month
from funding.returns.models import ReturnGeneration


class Command(BaseCommand):
    help = "Generate monthly statemented-pupil returns for a month (default: the coming month)."

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM, e.g. 2025-05 (default: the coming month)")
        parser.add_argument(
            "--wait",
            type=float,
            default=0,
            help="Seconds to wait for the workers when a broker is configured.",
        )

    def handle(self, *args, month=None, wait=0, **options):
        try:
            first_day = parse_month(month) if month else coming_month(timezone.localdate())
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        generation_id = tasks.generate_returns_for_month(first_day.isoformat())
        deadline = time.monotonic() + wait
        generation = ReturnGeneration.objects.get(pk=generation_id)
        while not generation.is_finished and time.monotonic() < deadline:
            time.sleep(0.5)
            generation.refresh_from_db()
        if not generation.is_finished:
            self.stdout.write(
                f"Generation {generation.pk} for {first_day:%B %Y} queued for "
                f"{generation.schools} schools; the workers will finish it."
            )
            return
        self.stdout.write(
            f"Returns for {first_day:%B %Y}: {generation.schools} schools, "
            f"{generation.created} created, {generation.rebuilt} rebuilt, "
            f"{generation.left_alone} left alone, {generation.failed} failed."
        )
        for failure in generation.failures:
            self.stderr.write(
                f"  failed: {failure['school']} (id {failure['school_id']}): {failure['error']}"
            )
