"""Template tags for the reports.

{% load reports_tags %}
{{ amount|money }} -> £12,090.00     {{ diff|money_signed }} -> +£1,768.48
{% initial_vs_final school run %}    the initial vs final comparison with the reasons,
                                     for a school's funding statement page (R21)
{{ rows|total_of:"initial" }}        the rows' figures added up (a table's total row)
"""

from __future__ import annotations

from decimal import Decimal

from django import template

from funding.models import RunKind
from funding.templatetags.funding_money import _decimal, gbp, gbp_signed

register = template.Library()


# The same formatting as the engine's statement pages, under the names these templates use.
register.filter("money", gbp)
register.filter("money_signed", gbp_signed)


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
    return "–" if amount is None else gbp(abs(amount))


@register.filter
def total_of(rows, name: str) -> Decimal:
    """The sum of one money figure over rows (objects or dicts), for a table's total row."""
    total = Decimal("0.00")
    for row in rows or ():
        value = row.get(name) if isinstance(row, dict) else getattr(row, name, None)
        amount = _decimal(value)
        if amount is not None:
            total += amount
    return total
