"""The filter of the SEN spend list: year, school name or URN, recorded or not."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from funding.returns.forms import FilterForm

RECORDED = [("yes", "Recorded"), ("no", "Not recorded")]


class SpendSchoolFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="School name or URN")
    recorded = django_filters.ChoiceFilter(
        choices=RECORDED, method="by_recorded", label="Spend", empty_label="Either"
    )

    class Meta:
        form = FilterForm
        fields: list[str] = []

    def search(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        condition = Q(name__icontains=value)
        if value.isdigit():
            condition |= Q(urn=int(value))
        return queryset.filter(condition)

    def by_recorded(self, queryset, name, value):
        return queryset.filter(spend_amount__isnull=value != "yes")
