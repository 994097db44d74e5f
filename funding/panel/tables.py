"""Tables for the SEN Panel pages (django-tables2, GOV.UK template, CSV/XLSX export)."""

from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html, format_html_join


class PupilHistoryTable(tables.Table):
    """One row per historical change, newest first (the order comes from the selector).

    The page shows a compact set of columns; the export has one column per fact.
    """

    aria_label = "Panel decisions for the pupil"

    when = tables.DateTimeColumn(verbose_name="Date", format="d M Y H:i", orderable=False)
    user = tables.Column(verbose_name="Changed by", orderable=False)
    what = tables.Column(
        verbose_name="Record", orderable=False, empty_values=(), exclude_from_export=True
    )
    changes = tables.Column(verbose_name="Before → after", orderable=False, empty_values=())
    why = tables.Column(
        verbose_name="Decision or reason",
        orderable=False,
        empty_values=(),
        exclude_from_export=True,
    )
    # Export only.
    record_type = tables.Column(verbose_name="Record", visible=False)
    record = tables.Column(verbose_name="Which", visible=False)
    action = tables.Column(visible=False)
    decision = tables.Column(verbose_name="Panel decision", visible=False, empty_values=())
    reason = tables.Column(visible=False)

    class Meta:
        attrs = {"class": "govuk-table app-history"}
        empty_text = "No changes recorded."

    def render_what(self, record):
        return format_html(
            '<strong>{}</strong><br>{}<br><span class="govuk-body-s app-muted">{}</span>',
            record.record_type,
            record.record,
            record.action,
        )

    def render_changes(self, record):
        if not record.changes:
            return "—"
        return format_html(
            '<ul class="govuk-list govuk-body-s">{}</ul>',
            format_html_join(
                "",
                "<li><strong>{}</strong>: {}</li>",
                (
                    (c.name, c.after if c.before is None else f"{c.before} → {c.after}")
                    for c in record.changes
                ),
            ),
        )

    def value_changes(self, record):
        return record.changes_text

    def render_why(self, record):
        decision = record.decision
        if decision is None:
            return record.reason or "—"
        return format_html(
            '<a class="govuk-link" href="{}">{}</a><br><span class="govuk-body-s">{}</span>',
            reverse("panel:decision_letter", args=[decision.pk]),
            decision.reference,
            decision.get_outcome_display(),
        )

    def value_decision(self, record):
        decision = record.decision
        return f"{decision.reference} {decision.get_outcome_display()}" if decision else ""
