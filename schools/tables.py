"""Tables for schools (django-tables2 with the GOV.UK template; CSV/XLSX export)."""

from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from schools.models import School, SchoolStatus


class SchoolTable(tables.Table):
    aria_label = "Schools"
    name = tables.Column(verbose_name="School")
    urn = tables.Column(verbose_name="URN")
    la = tables.Column(accessor="la__name", verbose_name="LA", order_by=("la__name", "name"))
    phase = tables.Column(verbose_name="Phase")
    establishment_type = tables.Column(verbose_name="Type")
    cluster = tables.Column(accessor="cluster_name", verbose_name="Cluster", default="—")
    number_on_roll = tables.Column(
        verbose_name="On roll", attrs={"td": {"class": "app-numeric"}}, default="—"
    )
    status = tables.Column(verbose_name="Status")

    class Meta:
        model = School
        fields = (
            "name",
            "urn",
            "la",
            "phase",
            "establishment_type",
            "cluster",
            "number_on_roll",
            "status",
        )
        attrs = {"class": "govuk-table app-table--small"}
        empty_text = "No schools match these filters."
        per_page = 25

    def render_name(self, record):
        url = reverse("schools:detail", kwargs={"urn": record.urn})
        return format_html('<a class="govuk-link" href="{}">{}</a>', url, record.name)

    def value_name(self, record):
        return record.name

    def render_status(self, record):
        if record.status == SchoolStatus.CLOSED:
            return format_html(
                '<strong class="govuk-tag govuk-tag--grey">{}</strong>', record.get_status_display()
            )
        return record.get_status_display()

    def value_status(self, record):
        return record.get_status_display()
