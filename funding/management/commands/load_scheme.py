"""manage.py load_scheme PRESET --fy YEAR: a seed authority's scheme as the LA's scheme."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from funding import services
from funding.presets import preset_names
from schools.models import LocalAuthority


class Command(BaseCommand):
    help = "Load a funding scheme preset (hackney, west-sussex, torbay, surrey, norfolk)."

    def add_arguments(self, parser):
        parser.add_argument("preset", choices=preset_names())
        parser.add_argument("--fy", type=int, required=True, help="2025 means FY 2025-26.")
        parser.add_argument("--la", help="LA code (default: the administering LA).")
        parser.add_argument(
            "--replace", action="store_true", help="Overwrite the LA's scheme for the year."
        )

    def handle(self, *args, preset, fy, la=None, replace=False, **options):
        authority = None
        if la:
            authority = LocalAuthority.objects.filter(code=la).first()
            if authority is None:
                raise CommandError(f"No LA with code {la}.")
        elif not LocalAuthority.objects.filter(is_administering=True).exists():
            raise CommandError("There is no administering LA: create one or pass --la CODE.")
        try:
            scheme = services.scheme_load_preset(
                preset=preset, financial_year=fy, la=authority, replace=replace
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"Loaded {scheme} (id {scheme.pk})."))
        self.stdout.write(scheme.notes)
