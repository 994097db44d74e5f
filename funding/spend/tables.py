"""django-tables2 tables for SEN spend (GOV.UK template set in settings)."""

from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from funding.tables import MoneyColumn
from funding.templatetags.funding_money import gbp, gbp_signed


class SpendSchoolTable(tables.Table):
    """Each school and what it recorded as SEN spend for the year, with a link to record it."""

    aria_label = "SEN spend by school"

    name = tables.Column(verbose_name="School")
    urn = tables.Column(verbose_name="URN")
    spend_amount = MoneyColumn(verbose_name="SEN spend", default="Not recorded")
    spend_staffing = MoneyColumn(verbose_name="Staffing", default="–")
    spend_resources = MoneyColumn(verbose_name="Resources", default="–")
    spend_other = MoneyColumn(verbose_name="Other", default="–")
    spend_recorded_by = tables.Column(verbose_name="Recorded by", default="–")
    spend_recorded_at = tables.DateTimeColumn(verbose_name="Recorded", format="j M Y", default="–")
    record = tables.Column(
        verbose_name="", empty_values=(), orderable=False, exclude_from_export=True
    )

    class Meta:
        attrs = {"class": "govuk-table app-table--small"}
        empty_text = "No schools match."

    def __init__(self, *args, fy: int, **kwargs):
        self.fy = fy
        super().__init__(*args, **kwargs)

    def render_record(self, record):
        url = reverse("spend:record", args=[self.fy, record.urn])
        verb = "Change" if record.spend_amount is not None else "Record"
        return format_html(
            '<a class="govuk-link" href="{}">{}<span class="govuk-visually-hidden"> SEN spend '
            "for {}</span></a>",
            url,
            verb,
            record.name,
        )


class AllocationSpendTable(tables.Table):
    """R21: per school the initial and final allocation, the SEN spend and final − spend."""

    aria_label = "SEN allocation against SEN spend"

    school_name = tables.Column(verbose_name="School", footer="Total")
    urn = tables.Column(verbose_name="URN")
    initial = MoneyColumn(
        verbose_name="Initial SEN allocation", footer=lambda table: gbp(table.totals.initial)
    )
    final = MoneyColumn(
        verbose_name="Final SEN allocation", footer=lambda table: gbp(table.totals.final)
    )
    spend = MoneyColumn(
        verbose_name="SEN spend",
        default="Not recorded",
        orderable=False,
        footer=lambda table: gbp(table.totals.spend),
    )
    difference = MoneyColumn(
        verbose_name="Final SEN allocation − spend",
        signed=True,
        default="–",
        orderable=False,
        footer=lambda table: gbp_signed(table.totals.difference),
    )

    class Meta:
        attrs = {"class": "govuk-table app-table--small"}
        empty_text = "No school has money in these runs or spend recorded for the year."

    def __init__(self, *args, totals, fy: int, query: str = "", **kwargs):
        self.totals, self.fy, self.query = totals, fy, query
        super().__init__(*args, **kwargs)

    def render_school_name(self, record):
        url = reverse("reports:final_school", args=[self.fy, record.urn]) + self.query
        return format_html('<a class="govuk-link" href="{}">{}</a>', url, record.school_name)
