"""django-tables2 tables for scenario comparisons; each exports to CSV and Excel with plain
Decimal pounds (funding.tables.MoneyColumn)."""

from __future__ import annotations

import django_tables2 as tables

from funding.tables import MoneyColumn

NUMERIC = {"td": {"class": "app-numeric"}, "th": {"class": "app-numeric"}}


class SchoolChangeTable(tables.Table):
    """Each school's total before and after, biggest loss first."""

    aria_label = "Scenario change by school"

    urn = tables.Column(verbose_name="URN")
    name = tables.Column(verbose_name="School")
    before = MoneyColumn(verbose_name="Before")
    after = MoneyColumn(verbose_name="After")
    difference = MoneyColumn(verbose_name="Gain or loss", signed=True)
    percent = tables.Column(verbose_name="Change %", attrs=NUMERIC, default="—")

    class Meta:
        attrs = {"class": "govuk-table app-table--small"}
        order_by = ("difference",)
        empty_text = "No school has money in either run."


class PupilMoveTable(tables.Table):
    """Pupils whose money moves, with what their support is under each."""

    aria_label = "Pupils whose money moves"

    upn = tables.Column(verbose_name="UPN")
    school = tables.Column(verbose_name="School")
    detail_before = tables.Column(verbose_name="Support before")
    before = MoneyColumn(verbose_name="Before")
    detail_after = tables.Column(verbose_name="Support after")
    after = MoneyColumn(verbose_name="After")
    difference = MoneyColumn(verbose_name="Change", signed=True)

    class Meta:
        attrs = {"class": "govuk-table app-table--small"}
        order_by = ("difference",)
        empty_text = "No pupil's money moves."
