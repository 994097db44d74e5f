"""Tables for pupils and annual reviews (django-tables2, GOV.UK template, CSV/XLSX export).

Rows come from `pupils.selectors` with their current placement, plan and support prefetched
(`placements_to_date`, `plans_in_force`, `support_in_force`), so rendering makes no queries.
"""

from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from pupils.selectors import today


def current_placement(pupil):
    rows = getattr(pupil, "placements_to_date", None) or []
    return rows[0] if rows else None


def current_plan(pupil):
    rows = getattr(pupil, "plans_in_force", None) or []
    return rows[0] if rows else None


def current_support(pupil):
    plan = current_plan(pupil)
    rows = (getattr(plan, "support_in_force", None) or []) if plan else []
    return rows[0] if rows else None


def _review_tag(due, on):
    if due is None:
        return "—"
    if due < on:
        return format_html(
            '{} <strong class="govuk-tag govuk-tag--red">Overdue</strong>', f"{due:%-d %b %Y}"
        )
    return f"{due:%-d %b %Y}"


class PupilTable(tables.Table):
    name = tables.Column(
        accessor="family_name", verbose_name="Name", order_by=("family_name", "given_name")
    )
    upn = tables.Column(verbose_name="UPN")
    date_of_birth = tables.DateColumn(format="j M Y", verbose_name="Date of birth")
    school = tables.Column(
        accessor="current_school_name", verbose_name="School", default="No placement"
    )
    plan = tables.Column(empty_values=(), verbose_name="Plan", orderable=False)
    primary_need = tables.Column(empty_values=(), verbose_name="Primary need", orderable=False)
    support = tables.Column(empty_values=(), verbose_name="Support", orderable=False)
    review_due = tables.Column(empty_values=(), verbose_name="Annual review", orderable=False)
    home_la = tables.Column(
        accessor="home_la__name", verbose_name="Home LA", order_by=("home_la__name",)
    )

    class Meta:
        attrs = {"class": "govuk-table app-table--small"}
        empty_text = "No pupils match these filters."
        per_page = 25

    def render_name(self, record):
        url = reverse("pupils:detail", kwargs={"upn": record.upn})
        return format_html(
            '<a class="govuk-link" href="{}">{} {}</a>', url, record.given_name, record.family_name
        )

    def value_name(self, record):
        return f"{record.given_name} {record.family_name}"

    def render_school(self, record, value):
        placement = current_placement(record)
        if placement is None:
            return value
        text = placement.school.name
        if placement.ends_on and placement.ends_on < today():
            return format_html(
                '{} <span class="app-muted">(left {})</span>',
                text,
                f"{placement.ends_on:%-d %b %Y}",
            )
        return text

    def value_school(self, record, value):
        return value or ""

    def render_plan(self, record):
        plan = current_plan(record)
        return plan.get_kind_display() if plan else "No plan"

    def render_primary_need(self, record):
        plan = current_plan(record)
        return (plan.primary_need or "—") if plan else "—"

    def render_support(self, record):
        support = current_support(record)
        return support.summary if support else "—"

    def render_review_due(self, record):
        plan = current_plan(record)
        return _review_tag(plan.annual_review_due if plan else None, today())

    def value_review_due(self, record):
        plan = current_plan(record)
        return plan.annual_review_due.isoformat() if plan and plan.annual_review_due else ""


class SchoolPupilTable(PupilTable):
    """A school's pupils with plans (the school page): no school or home LA column."""

    class Meta(PupilTable.Meta):
        exclude = ("school", "date_of_birth")
        empty_text = "No pupils with a plan are on roll here today."


class ReviewTable(tables.Table):
    school = tables.Column(accessor="school_name", verbose_name="School", default="No placement")
    caseworker = tables.Column(
        accessor="caseworker",
        verbose_name="Caseworker",
        default="Not assigned",
        order_by=("caseworker__last_name", "caseworker__first_name"),
    )
    pupil = tables.Column(
        accessor="pupil__family_name",
        verbose_name="Pupil",
        order_by=("pupil__family_name", "pupil__given_name"),
    )
    upn = tables.Column(accessor="pupil__upn", verbose_name="UPN")
    kind = tables.Column(verbose_name="Plan")
    annual_review_due = tables.DateColumn(format="j M Y", verbose_name="Review due")
    status = tables.Column(empty_values=(), verbose_name="Status", orderable=False)

    class Meta:
        attrs = {"class": "govuk-table app-table--small"}
        empty_text = "No annual reviews are overdue or due in the next 6 weeks."
        per_page = 50

    def render_caseworker(self, value):
        return value.get_full_name() or value.get_username()

    def render_pupil(self, record):
        url = reverse("pupils:detail", kwargs={"upn": record.pupil.upn})
        return format_html('<a class="govuk-link" href="{}">{}</a>', url, record.pupil.full_name)

    def value_pupil(self, record):
        return record.pupil.full_name

    def render_status(self, record):
        on = timezone.localdate()
        days = (record.annual_review_due - on).days
        if days < 0:
            return format_html(
                '<strong class="govuk-tag govuk-tag--red">Overdue by {} day{}</strong>',
                -days,
                "" if days == -1 else "s",
            )
        return format_html(
            '<strong class="govuk-tag govuk-tag--yellow">Due in {} day{}</strong>',
            days,
            "" if days == 1 else "s",
        )

    def value_status(self, record):
        days = (record.annual_review_due - timezone.localdate()).days
        return f"Overdue by {-days} days" if days < 0 else f"Due in {days} days"
