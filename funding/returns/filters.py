"""Filters for the LA dashboard and query queue (django-filter; month choices per request)."""

from __future__ import annotations

import django_filters
from django.db.models import F, Q

from funding.returns import selectors
from funding.returns.calculations import parse_month
from funding.returns.forms import FilterForm
from funding.returns.models import ReturnStatus
from schools.models import Phase

YES_NO = [("yes", "Yes"), ("no", "No")]


def month_choices():
    return [(m.strftime("%Y-%m"), f"{m:%B %Y}") for m in selectors.months_with_returns()]


def _search_school(queryset, prefix: str, value: str):
    value = (value or "").strip()
    if not value:
        return queryset
    condition = Q(**{f"{prefix}name__icontains": value})
    if value.isdigit():
        condition |= Q(**{f"{prefix}urn": int(value)})
    return queryset.filter(condition)


class DashboardFilter(django_filters.FilterSet):
    month = django_filters.ChoiceFilter(
        choices=month_choices, method="in_month", label="Month", empty_label=None
    )
    q = django_filters.CharFilter(method="search", label="School name or URN")
    status = django_filters.ChoiceFilter(
        choices=ReturnStatus.choices, label="Status", empty_label="Any status"
    )
    overdue = django_filters.ChoiceFilter(
        choices=YES_NO, method="by_overdue", label="Overdue", empty_label="Either"
    )
    phase = django_filters.ChoiceFilter(
        field_name="school__phase", choices=Phase.choices, label="Phase", empty_label="Any phase"
    )

    class Meta:
        form = FilterForm
        fields: list[str] = []

    def in_month(self, queryset, name, value):
        return queryset.filter(month=parse_month(value))

    def search(self, queryset, name, value):
        return _search_school(queryset, "school__", value)

    def by_overdue(self, queryset, name, value):
        return queryset.filter(is_overdue=value == "yes")


class QueryFilter(django_filters.FilterSet):
    month = django_filters.ChoiceFilter(
        choices=month_choices, method="in_month", label="Month", empty_label="Any month"
    )
    q = django_filters.CharFilter(method="search", label="School name or URN")
    about = django_filters.ChoiceFilter(
        choices=[("roll", "Whether on roll"), ("support", "Support level")],
        method="by_about",
        label="Query about",
        empty_label="Anything",
    )

    class Meta:
        form = FilterForm
        fields: list[str] = []

    def in_month(self, queryset, name, value):
        return queryset.filter(monthly_return__month=parse_month(value))

    def search(self, queryset, name, value):
        return _search_school(queryset, "monthly_return__school__", value)

    def by_about(self, queryset, name, value):
        if value == "support":
            return queryset.filter(support_correct=False)
        return queryset.exclude(on_roll=F("expected_on_roll"))
