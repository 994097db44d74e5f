"""django-tables2 tables for payments (GOV.UK template set in settings)."""

from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from funding.tables import MoneyColumn
from schools.dates import year_group, year_group_label


class PeriodTable(tables.Table):
    aria_label = "Payment periods"
    export_total = False

    label = tables.Column(verbose_name="Period", orderable=False, empty_values=())
    kind = tables.Column(verbose_name="Paid")
    cut_off = tables.DateColumn(verbose_name="Cut-off", format="j M Y")
    pay_on = tables.DateColumn(verbose_name="Pay on", format="j M Y")
    status = tables.Column()
    schools = tables.Column(verbose_name="Schools")
    total = MoneyColumn(verbose_name="Total", signed=True, default="–")

    class Meta:
        attrs = {"class": "govuk-table app-table--small"}
        empty_text = "No payment periods yet: create the year's periods."

    def render_label(self, record):
        url = reverse("payments:period", args=[record.pk])
        return format_html(
            '<a class="govuk-link" href="{}">FY {} {}</a>', url, record.fy, record.label
        )


class SchoolTotalTable(tables.Table):
    """Per school: what the period pays and how (regular, back-pay, recovery)."""

    aria_label = "Payments by school"

    name = tables.Column(verbose_name="School")
    urn = tables.Column(verbose_name="URN")
    pupils = tables.Column(verbose_name="Pupils")
    paid_as_label = tables.Column(verbose_name="Paid as", orderable=False)
    regular = MoneyColumn(verbose_name="This period")
    back_pay = MoneyColumn(verbose_name="Back-pay")
    recovery = MoneyColumn(verbose_name="Recovery", signed=True)
    total = MoneyColumn(verbose_name="Total", signed=True)

    class Meta:
        attrs = {"class": "govuk-table app-table--small"}
        empty_text = "No payments: generate the period."

    def __init__(self, *args, period, **kwargs):
        self.period = period
        super().__init__(*args, **kwargs)

    def render_name(self, record):
        url = reverse("payments:remittance", args=[self.period.pk, record.urn])
        return format_html('<a class="govuk-link" href="{}">{}</a>', url, record.name)

    def value_name(self, record):
        return record.name


class RemittanceTable(tables.Table):
    """A school's remittance advice: one row per pupil, element and reason."""

    aria_label = "Remittance lines"

    upn = tables.Column(verbose_name="UPN", accessor="pupil__upn", default="–")
    initials = tables.Column(verbose_name="Initials", empty_values=(), orderable=False)
    year = tables.Column(verbose_name="Year group", empty_values=(), orderable=False)
    element = tables.Column(verbose_name="Element", accessor="get_element_display")
    reason_kind = tables.Column(verbose_name="Type", accessor="get_reason_kind_display")
    school_days = tables.Column(verbose_name="Days")
    amount = MoneyColumn(verbose_name="Amount", signed=True)
    reason = tables.Column(verbose_name="Why", orderable=False)

    class Meta:
        attrs = {"class": "govuk-table app-table--small"}
        empty_text = "Nothing is paid to this school in this period."

    def __init__(self, *args, period, **kwargs):
        self.period = period
        super().__init__(*args, **kwargs)

    def render_initials(self, record):
        p = record.pupil
        return f"{p.given_name[:1]}{p.family_name[:1]}".upper() if p else "–"

    def value_initials(self, record):
        return self.render_initials(record)

    def render_year(self, record):
        p = record.pupil
        return year_group_label(year_group(p.date_of_birth, self.period.ends_on)) if p else "–"

    def value_year(self, record):
        return self.render_year(record)
