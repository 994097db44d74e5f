"""Template tags for the reports.

{% load reports_tags %}
{{ amount|money }} -> £12,090.00     {{ diff|money_signed }} -> +£1,768.48
{% initial_vs_final school run %}    the initial vs final comparison with the reasons,
                                     for a school's funding statement page (R21)
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

from funding.models import RunKind

register = template.Library()


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return None


@register.filter
def money(value) -> str:
    amount = _decimal(value)
    if amount is None:
        return "–"
    if amount < 0:
        return f"−£{-amount:,.2f}"
    return f"£{amount:,.2f}"


@register.filter
def money_signed(value) -> str:
    amount = _decimal(value)
    if amount is None:
        return "–"
    if amount > 0:
        return f"+£{amount:,.2f}"
    if amount < 0:
        return f"−£{-amount:,.2f}"
    return "£0.00"


@register.inclusion_tag("reports/_initial_vs_final.html")
def initial_vs_final(school, run):
    """The school's initial allocation against `run` (a final or revised run) with the in-year
    events behind each difference; nothing when `run` is the initial run or there is none."""
    from funding.reports import selectors

    report = None
    if run is not None and run.kind != RunKind.INITIAL:
        initial, _ = selectors.two_runs(run.financial_year)
        if initial is not None and initial.pk != run.pk:
            report = selectors.school_final_report(school, initial, run)
    return {"report": report}


@register.filter
def money_abs(value) -> str:
    amount = _decimal(value)
    return "–" if amount is None else money(abs(amount))
