"""manage.py load_budget FY (--file budget.csv | --demo [--total 50000000])

Sets the year's high-needs budget lines (R22). The CSV has the columns line, budget and
optionally other_commitment and note; line is one of the budget line codes (special_places,
special_top_ups, mainstream_top_ups, ssc_resourced, alternative_provision, post_16,
independent, supplements_enf, clusters, central). Every row is checked before anything is
saved; errors name the row. --demo splits a plausible borough high needs block across the
lines instead.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from funding.reports import services


class Command(BaseCommand):
    help = "Load a financial year's high-needs budget lines from a CSV file (or --demo figures)."

    def add_arguments(self, parser):
        parser.add_argument("financial_year", type=int, help="2025 means FY 2025-26.")
        parser.add_argument("--file", type=Path)
        parser.add_argument("--demo", action="store_true")
        parser.add_argument("--total", type=Decimal, default=Decimal("50000000"))

    def handle(self, *args, financial_year, file, demo, total, **options):
        if bool(file) == bool(demo):
            raise CommandError("Give either --file budget.csv or --demo.")
        try:
            if demo:
                from funding.reports.demo import demo_budget_rows

                rows = demo_budget_rows(total)
            else:
                rows = services.parse_budget_csv(file.read_text(encoding="utf-8"))
            lines = services.budget_load(financial_year=financial_year, rows=rows)
        except ValidationError as exc:
            raise CommandError("\n".join(exc.messages)) from exc
        budget = sum((line.budget for line in lines), Decimal("0"))
        self.stdout.write(
            self.style.SUCCESS(f"{len(lines)} budget lines for FY {financial_year}: £{budget:,.2f}")
        )
