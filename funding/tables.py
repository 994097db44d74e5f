"""django-tables2 tables for the funding pages (GOV.UK template set in settings)."""

from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from funding.templatetags.funding_money import gbp, gbp_signed

NUMERIC = {"td": {"class": "app-numeric"}, "th": {"class": "app-numeric"}}


class MoneyColumn(tables.Column):
    """£1,234.56 (−£12.00 below zero; +£5.00 with `signed`); exports the plain number so a
    spreadsheet can add it up. The one money column every table uses. Exports (schools.exports)
    write it as pounds to the penny and add it up in a total row unless `total=False`."""

    export_kind = "money"

    def __init__(self, *args, signed: bool = False, total: bool = True, **kwargs):
        kwargs.setdefault("attrs", NUMERIC)
        self.signed = signed
        self.export_total = total
        super().__init__(*args, **kwargs)

    def render(self, value):
        return gbp_signed(value) if self.signed else gbp(value)

    def value(self, value):
        return value


class RunTable(tables.Table):
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
