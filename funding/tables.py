"""django-tables2 tables for the funding pages (GOV.UK template set in settings)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import django_tables2 as tables
from django.core.exceptions import FieldError
from django.db.models import QuerySet, Sum
from django.urls import reverse
from django.utils.html import format_html

from funding.templatetags.funding_money import gbp, gbp_signed

NUMERIC = {"td": {"class": "app-numeric"}, "th": {"class": "app-numeric"}}


PENNY = Decimal("0.01")


def column_total(table, bound_column) -> Decimal:
    """The sum of a money column over every row of the table (not only the page shown), each
    row to the penny as the export's total row adds them: a database sum for a queryset of a
    field, else the rows added up. Kept on the table, so a page asks once per column."""
    cache = table.__dict__.setdefault("_money_totals", {})
    name = bound_column.name
    if name in cache:
        return cache[name]
    total = None
    data = getattr(table.data, "data", None)
    if isinstance(data, QuerySet):
        path = str(bound_column.accessor).replace(".", "__")
        try:
            total = data.order_by().aggregate(total=Sum(path))["total"]
            total = (
                Decimal("0.00") if total is None else Decimal(total).quantize(PENNY, ROUND_HALF_UP)
            )
        except (FieldError, TypeError, ValueError):
            total = None
    if total is None:
        total = Decimal("0.00")
        for record in table.data:
            value = bound_column.accessor.resolve(record, quiet=True)
            if isinstance(value, (Decimal, int, float)) and not isinstance(value, bool):
                total += Decimal(str(value)).quantize(PENNY, ROUND_HALF_UP)
    cache[name] = total
    return total


def _money_footer(table, bound_column):
    """A money column's total row (templates/tables/govuk_table.html): what the export's total
    row shows, unless the table or the column has none (`export_total`, `total=False`)."""
    if not getattr(table, "export_total", True) or not bound_column.column.export_total:
        return ""
    total = column_total(table, bound_column)
    return gbp_signed(total) if bound_column.column.signed else gbp(total)


class MoneyColumn(tables.Column):
    """£1,234.56 (−£12.00 below zero; +£5.00 with `signed`); exports the plain number so a
    spreadsheet can add it up. The one money column every table uses. Exports (schools.exports)
    write it as pounds to the penny and add it up in a total row unless `total=False`; the page
    shows the same total row under the table (a footer over every row, not only the page)."""

    export_kind = "money"

    def __init__(self, *args, signed: bool = False, total: bool = True, **kwargs):
        kwargs.setdefault("attrs", NUMERIC)
        if total:
            kwargs.setdefault("footer", _money_footer)
        self.signed = signed
        self.export_total = total
        super().__init__(*args, **kwargs)

    def render(self, value):
        return gbp_signed(value) if self.signed else gbp(value)

    def value(self, value):
        return value


class RunTable(tables.Table):
    aria_label = "Allocation runs"
    export_total = False  # runs of different years and kinds: their sum means nothing

    pk = tables.Column(verbose_name="Run", linkify=("funding:run_detail", [tables.A("pk")]))
    financial_year = tables.Column(verbose_name="Financial year")
    kind = tables.Column()
    status = tables.Column()
    line_count = tables.Column(verbose_name="Lines", attrs=NUMERIC)
    total_amount = MoneyColumn(verbose_name="Total")
    created_by = tables.Column(verbose_name="Started by", default="command line")
    created_at = tables.DateTimeColumn(verbose_name="Started", format="j M Y H:i")
    note = tables.Column(visible=False)

    class Meta:
        attrs = {"class": "govuk-table"}
        order_by = ("-created_at",)
        empty_text = "No allocation runs yet."

    def render_financial_year(self, record):
        return str(record.fy)

    def value_financial_year(self, record):
        return record.financial_year

    def render_status(self, record):
        colour = {
            "done": "govuk-tag--green",
            "failed": "govuk-tag--red",
            "running": "govuk-tag--blue",
            "queued": "govuk-tag--grey",
        }.get(record.status, "")
        return format_html(
            '<strong class="govuk-tag {}">{}</strong>', colour, record.get_status_display()
        )

    def value_status(self, record):
        return record.status


class LineTable(tables.Table):
    aria_label = "Allocation lines"
    school = tables.Column(
        accessor="school__name",
        verbose_name="School",
        order_by=("school__name",),
    )
    urn = tables.Column(accessor="school__urn", verbose_name="URN")
    upn = tables.Column(accessor="pupil__upn", verbose_name="UPN", default="–")
    element = tables.Column()
    rule = tables.Column()
    period_from = tables.DateColumn(verbose_name="From", format="j M Y")
    period_to = tables.DateColumn(verbose_name="To", format="j M Y")
    school_days = tables.Column(verbose_name="Days", attrs=NUMERIC)
    amount = MoneyColumn()
    payer_la = tables.Column(accessor="payer_la__code", verbose_name="Payer", default="ESFA")
    delegated = tables.BooleanColumn(yesno="Yes,No (retained)")
    explanation = tables.Column(visible=False)

    class Meta:
        attrs = {"class": "govuk-table"}
        empty_text = "No lines match."

    def render_element(self, record):
        return record.get_element_display()

    def value_element(self, record):
        return record.element

    def render_school(self, record):
        run = record.run_id
        url = reverse("funding:statement", args=[record.school.urn, self.financial_year])
        return format_html('<a class="govuk-link" href="{}?run={}">{}</a>', url, run, record.school)

    def value_school(self, record):
        return record.school.name

    def __init__(self, *args, financial_year: int = 0, **kwargs):
        self.financial_year = financial_year
        super().__init__(*args, **kwargs)


class SchoolTotalsTable(tables.Table):
    """A run's total per school (rows are dicts from selectors.school_totals)."""

    aria_label = "Totals by school"

    school_name = tables.Column(verbose_name="School")
    urn = tables.Column(verbose_name="URN")
    la_code = tables.Column(verbose_name="LA")
    lines = tables.Column(attrs=NUMERIC)
    pupils = tables.Column(verbose_name="Pupils", attrs=NUMERIC)
    amount = MoneyColumn(verbose_name="Total")

    class Meta:
        attrs = {"class": "govuk-table"}
        empty_text = "No lines in this run."

    def __init__(self, *args, financial_year: int = 0, run_id: int = 0, **kwargs):
        self.financial_year = financial_year
        self.run_id = run_id
        super().__init__(*args, **kwargs)

    def render_school_name(self, record):
        url = reverse("funding:statement", args=[record["urn"], self.financial_year])
        return format_html(
            '<a class="govuk-link" href="{}?run={}">{}</a>', url, self.run_id, record["school_name"]
        )

    def value_school_name(self, record):
        return record["school_name"]


class ComparisonTable(tables.Table):
    """R21: initial vs final per school and element (rows are selectors.ComparisonRow)."""

    aria_label = "Runs compared by school"

    school_name = tables.Column(verbose_name="School")
    urn = tables.Column(verbose_name="URN")
    label = tables.Column(verbose_name="Element")
    initial = MoneyColumn()
    final = MoneyColumn()
    difference = MoneyColumn(orderable=True)

    class Meta:
        attrs = {"class": "govuk-table"}
        empty_text = "Nothing to compare."

    def render_difference(self, value):
        if value > 0:
            return f"+£{value:,.2f}"
        if value < 0:
            return f"−£{-value:,.2f}"
        return "£0.00"
