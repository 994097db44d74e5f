"""The money field every amount of a scheme uses: Decimal to the penny, never negative."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models

not_negative = MinValueValidator(Decimal("0"), "Enter an amount of £0 or more.")


def money(verbose_name: str, *, default=None, null: bool = False, help_text: str = ""):
    """A money field: Decimal to the penny, never negative."""
    kwargs = {"null": null, "blank": null} if null else {}
    if default is not None:
        kwargs["default"] = Decimal(default)
    return models.DecimalField(
        verbose_name,
        max_digits=12,
        decimal_places=2,
        validators=[not_negative],
        help_text=help_text,
        **kwargs,
    )
