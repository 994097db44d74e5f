"""Filters for the runs list and a run's lines (django-filter, GOV.UK rendering)."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from funding.forms import GovukFilterForm
from funding.models import AllocationLine, AllocationRun, Element, RunKind, RunStatus
from schools.dates import FinancialYear
from schools.models import LocalAuthority


def _year_choices():
    years = (
        AllocationRun.objects.order_by("-financial_year")
        .values_list("financial_year", flat=True)
        .distinct()
    )
    return [(y, f"FY {FinancialYear(y)}") for y in years]


class RunFilter(django_filters.FilterSet):
    financial_year = django_filters.ChoiceFilter(
        choices=_year_choices, label="Financial year", empty_label="Any year"
    )
    kind = django_filters.ChoiceFilter(choices=RunKind.choices, empty_label="Any kind")
    status = django_filters.ChoiceFilter(choices=RunStatus.choices, empty_label="Any status")

    class Meta:
        model = AllocationRun
        form = GovukFilterForm
        fields = ["financial_year", "kind", "status"]


class LineFilter(django_filters.FilterSet):
    school = django_filters.CharFilter(method="search_school", label="School name or URN")
    upn = django_filters.CharFilter(field_name="pupil__upn", lookup_expr="iexact", label="UPN")
    element = django_filters.ChoiceFilter(choices=Element.choices, empty_label="Any element")
    rule = django_filters.CharFilter(lookup_expr="iexact", label="Rule (e.g. R5)")
    payer_la = django_filters.ModelChoiceFilter(
        queryset=LocalAuthority.objects.order_by("name"), label="Payer LA", empty_label="Any LA"
    )
    delegated = django_filters.ChoiceFilter(
        choices=[("true", "Delegated to the school"), ("false", "Retained centrally")],
        method="by_delegated",
        empty_label="Either",
        label="Delegated or retained",
    )

    class Meta:
        model = AllocationLine
        form = GovukFilterForm
        fields: list[str] = []

    def search_school(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        condition = Q(school__name__icontains=value)
        if value.isdigit():
            condition |= Q(school__urn=int(value))
        return queryset.filter(condition)

    def by_delegated(self, queryset, name, value):
        return queryset.filter(delegated=(value == "true"))
