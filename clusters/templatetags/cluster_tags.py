"""Money and status display for cluster pages."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.html import format_html

from clusters.tables import STATUS_COLOURS

register = template.Library()


@register.filter
def gbp(value) -> str:
    """£1,234.56 (— for nothing)."""
    if value is None or value == "":
        return "—"
    return f"£{Decimal(value):,.2f}"


@register.filter
def status_tag(req) -> str:
    label = req.get_status_display()
    if req.status == "approved" and req.decision == "approved_different_amount":
        label = "Approved (different amount)"
    return format_html(
        '<strong class="govuk-tag {}">{}</strong>', STATUS_COLOURS.get(req.status, ""), label
    )
