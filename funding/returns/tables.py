"""Tables for returns (django-tables2, GOV.UK template); HTML cells have plain export values."""

from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from funding.returns.models import ReturnStatus
from funding.tables import MoneyColumn

STATUS_TAG = {
    ReturnStatus.ISSUED: "govuk-tag--grey",
    ReturnStatus.IN_PROGRESS: "govuk-tag--blue",
    ReturnStatus.SUBMITTED: "govuk-tag--green",
    ReturnStatus.QUERIED: "govuk-tag--orange",
    ReturnStatus.RESOLVED: "govuk-tag--turquoise",
}
NUMERIC = {"td": {"class": "app-numeric"}}
OVERDUE_TAG = mark_safe('<strong class="govuk-tag govuk-tag--red">Overdue</strong>')  # noqa: S308
CHANGED_TAG = mark_safe(  # noqa: S308
    '<strong class="govuk-tag govuk-tag--yellow">Record changed since issue</strong>'
)
NOT_YET_SENT = "Queried — not yet sent"
WAITING = "Waiting for the LA"


def status_tag(status: str, label: str):
    return format_html(
        '<strong class="govuk-tag {}">{}</strong>', STATUS_TAG.get(status, ""), label
    )


def yes_no(value: bool | None) -> str:
    return "" if value is None else ("Yes" if value else "No")


def _local(value):
    return f"{timezone.localtime(value):%d %b %Y %H:%M}" if value else ""


class StatusMixin:
    def render_status(self, record):
        return status_tag(record.status, record.get_status_display())

    def value_status(self, record):
        return record.get_status_display()


class SchoolReturnsTable(StatusMixin, tables.Table):
    """A school business manager's returns."""

    aria_label = "Monthly returns"

    month = tables.DateColumn(format="F Y", verbose_name="Month")
    school = tables.Column(accessor="school__name", verbose_name="School")
    status = tables.Column(verbose_name="Status")
    line_count = tables.Column(verbose_name="Pupils", attrs=NUMERIC)
    answered_count = tables.Column(verbose_name="Answered", attrs=NUMERIC)
    queried_count = tables.Column(verbose_name="Queried", attrs=NUMERIC)
    due = tables.Column(empty_values=(), verbose_name="Due", orderable=False)
    is_overdue = tables.BooleanColumn(verbose_name="Overdue", yesno="Overdue,")
    open = tables.Column(
        empty_values=(), verbose_name="", orderable=False, exclude_from_export=True
    )

    class Meta:
        orderable = False
        row_attrs = {"class": lambda record: "app-row--highlight" if record.is_overdue else ""}

    def __init__(self, *args, due_on=None, **kwargs):
        #: issue day -> due day (`selectors.due_date_rule`); without it the column is hidden
        self.due_on = due_on
        super().__init__(*args, **kwargs)
        if due_on is None:
            self.columns.hide("due")

    def value_due(self, record):
        if self.due_on is None:
            return None
        return self.due_on(timezone.localtime(record.issued_at).date())

    def render_due(self, record):
        due = self.value_due(record)
        return f"{due:%-d %b %Y}" if due else "Not known"

    def render_month(self, record):
        return format_html(
            '<a class="govuk-link" href="{}">{}</a>',
            reverse("returns:detail", args=[record.pk]),
            f"{record.month:%B %Y}",
        )

    def value_month(self, record):
        return f"{record.month:%B %Y}"

    def render_open(self, record):
        label = "Answer" if record.is_open_to_school else "View"
        return format_html(
            '<a class="govuk-link" href="{}">{}<span class="govuk-visually-hidden"> {} return '
            "for {}</span></a>",
            reverse("returns:detail", args=[record.pk]),
            label,
            record.school.name,
            f"{record.month:%B %Y}",
        )


class ReturnLinesTable(tables.Table):
    """The lines of one return: the LA's record, the school's answers and the LA's response."""

    aria_label = "Pupils on the return"

    pupil = tables.Column(
        accessor="pupil__family_name", verbose_name="Pupil", orderable=False, empty_values=()
    )
    upn = tables.Column(accessor="pupil__upn", verbose_name="UPN")
    year_group = tables.Column(verbose_name="Year")
    plan_kind = tables.Column(verbose_name="Plan")
    support = tables.Column(accessor="support_summary", verbose_name="Support a week")
    monthly_amount = MoneyColumn(verbose_name="Monthly amount")
    changes = tables.Column(verbose_name="Changes since last return", empty_values=())
    on_roll = tables.Column(verbose_name="On roll?", empty_values=())
    support_correct = tables.Column(verbose_name="Support correct?", empty_values=())
    correction = tables.Column(verbose_name="What is wrong")
    response = tables.Column(verbose_name="LA response", empty_values=())
    action = tables.Column(
        verbose_name="", empty_values=(), orderable=False, exclude_from_export=True
    )

    class Meta:
        orderable = False

    def __init__(
        self,
        *args,
        can_answer: bool = False,
        can_resolve: bool = False,
        submitted: bool = True,
        record_changes: dict | None = None,
        **kwargs,
    ):
        self.can_answer = can_answer
        self.can_resolve = can_resolve
        self.submitted = submitted
        #: pupil id -> changes to the month's record since the return was issued
        self.record_changes = record_changes or {}
        super().__init__(*args, **kwargs)
        if not (can_answer or can_resolve):
            self.columns.hide("action")

    def render_pupil(self, record):
        return record.pupil.full_name

    def render_year_group(self, record):
        return record.year_group_label

    def render_plan_kind(self, record):
        return record.get_plan_kind_display()

    def render_monthly_amount(self, value):
        return f"£{value:,.2f}"

    def value_monthly_amount(self, value):
        return value

    def render_changes(self, record):
        since = self.record_changes.get(record.pupil_id)
        listed = (
            format_html_join(
                "",
                '<span class="govuk-!-display-block">{}</span>',
                ((label,) for label in record.change_labels),
            )
            if record.changes
            else "None"
        )
        if not since:
            return listed
        return format_html(
            '{}<span class="govuk-!-display-block govuk-!-margin-top-1">{}</span>{}',
            listed,
            CHANGED_TAG,
            format_html_join(
                "",
                '<span class="govuk-!-display-block govuk-body-s govuk-!-margin-0">{}</span>',
                ((_change_words(change),) for change in since),
            ),
        )

    def value_changes(self, record):
        listed = "; ".join(
            label + (f" ({detail})" if detail else "") for label, detail in record.change_items
        )
        since = self.record_changes.get(record.pupil_id)
        if since:
            changed = "; ".join(_change_words(change) for change in since)
            listed = f"{listed}; " if listed else ""
            listed += f"Record changed since issue: {changed}"
        return listed

    def render_on_roll(self, record):
        return yes_no(record.on_roll) or "Not answered"

    def value_on_roll(self, record):
        return yes_no(record.on_roll)

    def render_support_correct(self, record):
        return yes_no(record.support_correct) or "Not answered"

    def value_support_correct(self, record):
        return yes_no(record.support_correct)

    def render_response(self, record):
        if not record.queried:
            return ""
        if not record.resolution:
            return WAITING if self.submitted else NOT_YET_SENT
        if record.resolution_reason:
            return format_html(
                "<strong>{}</strong>: {}", record.get_resolution_display(), record.resolution_reason
            )
        return format_html("<strong>{}</strong>", record.get_resolution_display())

    def value_response(self, record):
        if not record.queried:
            return ""
        if not record.resolution:
            return WAITING if self.submitted else NOT_YET_SENT
        return ": ".join(
            part for part in (record.get_resolution_display(), record.resolution_reason) if part
        )

    def render_action(self, record):
        if self.can_answer:
            label = "Change" if record.is_answered else "Answer"
            url = reverse("returns:line_answer", args=[record.pk])
        elif self.can_resolve and record.queried and not record.resolution:
            label, url = "Resolve", reverse("returns:line_resolve", args=[record.pk])
        else:
            return ""
        return format_html(
            '<a class="govuk-link" href="{}">{}<span class="govuk-visually-hidden"> {}</span></a>',
            url,
            label,
            record.pupil.full_name,
        )


def _change_words(change) -> str:
    """A change since issue in words: "Support changed to 30 h LSA from 1 May 2025 (by ...)"."""
    when = f" from {change.effective_on:%-d %B %Y}" if change.effective_on else ""
    recorded = f"{timezone.localtime(change.recorded_at):%-d %B %Y}"
    return f"{change.what}{when} (recorded {recorded} by {change.recorded_by})"


class DashboardTable(StatusMixin, tables.Table):
    """Every school's return for a month (LA)."""

    aria_label = "Returns to chase"

    school = tables.Column(accessor="school__name", verbose_name="School")
    urn = tables.Column(accessor="school__urn", verbose_name="URN")
    status = tables.Column(verbose_name="Status")
    line_count = tables.Column(verbose_name="Pupils", attrs=NUMERIC)
    confirmed_count = tables.Column(verbose_name="Confirmed", attrs=NUMERIC)
    queried_count = tables.Column(verbose_name="Queried", attrs=NUMERIC)
    open_query_count = tables.Column(verbose_name="Queries open", attrs=NUMERIC)
    issued_at = tables.Column(verbose_name="Issued")
    submitted_at = tables.Column(verbose_name="Submitted")
    is_overdue = tables.BooleanColumn(verbose_name="Overdue", yesno="Overdue,")

    class Meta:
        order_by = ("school",)
        row_attrs = {"class": lambda record: "app-row--highlight" if record.is_overdue else ""}

    def render_school(self, record):
        return format_html(
            '<a class="govuk-link" href="{}">{}</a>',
            reverse("returns:detail", args=[record.pk]),
            record.school.name,
        )

    def value_school(self, record):
        return record.school.name

    def render_is_overdue(self, value):
        return OVERDUE_TAG if value else ""

    def value_is_overdue(self, value):
        return "Yes" if value else "No"

    def render_issued_at(self, value):
        return _local(value)

    def render_submitted_at(self, value):
        return _local(value)


class QueryQueueTable(tables.Table):
    """Queried lines waiting for the LA."""

    aria_label = "Queried return lines"

    school = tables.Column(accessor="monthly_return__school__name", verbose_name="School")
    month = tables.Column(accessor="monthly_return__month", verbose_name="Month")
    pupil = tables.Column(accessor="pupil__family_name", verbose_name="Pupil")
    upn = tables.Column(accessor="pupil__upn", verbose_name="UPN")
    record = tables.Column(
        verbose_name="Our record", empty_values=(), orderable=False, accessor="support_summary"
    )
    answer = tables.Column(verbose_name="School says", empty_values=(), orderable=False)
    correction = tables.Column(verbose_name="What is wrong", orderable=False)
    answered_at = tables.Column(verbose_name="Answered")
    action = tables.Column(
        verbose_name="", empty_values=(), orderable=False, exclude_from_export=True
    )

    class Meta:
        orderable = False

    def render_month(self, value):
        return f"{value:%B %Y}"

    def render_pupil(self, record):
        return record.pupil.full_name

    def render_record(self, record):
        roll = "on roll" if record.expected_on_roll else f"left {record.on_roll_to:%d %b %Y}"
        if getattr(record, "record_changed", False):
            return format_html(
                '{}; {} <span class="govuk-!-display-block">{}</span>',
                roll,
                record.support_summary,
                CHANGED_TAG,
            )
        return f"{roll}; {record.support_summary}"

    def value_record(self, record):
        roll = "on roll" if record.expected_on_roll else f"left {record.on_roll_to:%d %b %Y}"
        changed = (
            " (record changed since issue)" if getattr(record, "record_changed", False) else ""
        )
        return f"{roll}; {record.support_summary}{changed}"

    def render_answer(self, record):
        parts = []
        if record.on_roll != record.expected_on_roll:
            parts.append("not on roll" if record.expected_on_roll else "still on roll")
        if record.support_correct is False:
            parts.append("support is wrong")
        return "; ".join(parts)

    def render_answered_at(self, value):
        return _local(value)

    def render_action(self, record):
        return format_html(
            '<a class="govuk-link" href="{}">Resolve<span class="govuk-visually-hidden"> {}'
            "</span></a>",
            reverse("returns:line_resolve", args=[record.pk]),
            record.pupil.full_name,
        )
