"""Filters for the schools list (django-filter, rendered the GOV.UK way)."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from schools import extensions
from schools.forms import GovukFilterForm
from schools.models import EstablishmentType, LocalAuthority, Phase, SchoolStatus

OPEN_CLOSED = [("open", "Open"), ("closed", "Closed")]


def memberships_in_force(on) -> Q:
    return Q(starts_on__lte=on) & (Q(ends_on__isnull=True) | Q(ends_on__gte=on))


class SchoolFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Name or URN")
    phase = django_filters.ChoiceFilter(
        choices=Phase.choices, label="Phase", empty_label="Any phase"
    )
    establishment_type = django_filters.ChoiceFilter(
        choices=EstablishmentType.choices, label="Establishment type", empty_label="Any type"
    )
    la = django_filters.ModelChoiceFilter(
        queryset=LocalAuthority.objects.order_by("name"), label="LA", empty_label="Any LA"
    )
    open_closed = django_filters.ChoiceFilter(
        choices=OPEN_CLOSED, method="by_status", label="Open or closed", empty_label="Either"
    )

    class Meta:
        form = GovukFilterForm
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Filters other apps add (the cluster, from clusters/), before "Open or closed".
        extra = {}
        for _name, provider in extensions.providers(extensions.SCHOOL_FILTERS):
            extra.update(provider())
        if extra:
            last = {"open_closed": self.filters.pop("open_closed")}
            for filter_ in extra.values():
                filter_.model = self.queryset.model
                filter_.parent = self
            self.filters.update(extra)
            self.filters.update(last)

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        condition = Q(name__icontains=value)
        if value.isdigit():
            condition |= Q(urn=int(value))
        return queryset.filter(condition)

    def by_status(self, queryset, name, value):
        if value == "closed":
            return queryset.filter(status=SchoolStatus.CLOSED)
        return queryset.exclude(status=SchoolStatus.CLOSED)
