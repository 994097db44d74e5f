"""Email the business managers of schools whose monthly return is overdue (once a day at most)."""

from django.core.management.base import BaseCommand

from funding.returns import services


class Command(BaseCommand):
    help = "Send reminder emails for overdue monthly returns."

    def handle(self, *args, **options):
        sent = services.overdue_return_reminders_send()
        self.stdout.write(f"Sent {sent} reminder email(s).")
