"""Template filters for money: {{ amount|gbp }} -> £12,090.00; {{ diff|gbp_signed }}."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return None


@register.filter
def gbp(value) -> str:
    amount = _decimal(value)
    if amount is None:
        return "–"
    if amount < 0:
        return f"−£{-amount:,.2f}"
    return f"£{amount:,.2f}"


@register.filter
def gbp_signed(value) -> str:
    amount = _decimal(value)
    if amount is None:
        return "–"
    if amount > 0:
        return f"+£{amount:,.2f}"
    if amount < 0:
        return f"−£{-amount:,.2f}"
    return "£0.00"
