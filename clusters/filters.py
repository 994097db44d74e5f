"""Filters for the cluster request list (django-filter, rendered the GOV.UK way)."""

from __future__ import annotations

import django_filters

from clusters.models import ClusterRequest, RequestCategory, RequestStatus
from schools.forms import GovukFilterForm
from schools.models import School


class RequestFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=RequestStatus.choices, label="Status", empty_label="Any status"
    )
    category = django_filters.ChoiceFilter(
        choices=RequestCategory.choices, label="For", empty_label="Anything"
    )
    school = django_filters.ModelChoiceFilter(
        queryset=School.objects.none(), label="School", empty_label="Any school"
    )
    financial_year = django_filters.ChoiceFilter(
        label="Financial year", empty_label="Any year", choices=[]
    )

    class Meta:
        model = ClusterRequest
        fields = ["status", "category", "school", "financial_year"]
        form = GovukFilterForm

    def __init__(self, *args, schools=None, years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["school"].queryset = schools if schools is not None else School.objects.none()
        self.filters["financial_year"].extra["choices"] = [
            (str(y), f"{y}-{str(y + 1)[-2:]}") for y in years
        ]
