"""Filters for the schools list (django-filter, rendered the GOV.UK way)."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from clusters.models import Cluster, ClusterMembership
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
    cluster = django_filters.ModelChoiceFilter(
        queryset=Cluster.objects.order_by("name"),
        method="in_cluster",
        label="Cluster",
        empty_label="Any cluster",
    )
    open_closed = django_filters.ChoiceFilter(
        choices=OPEN_CLOSED, method="by_status", label="Open or closed", empty_label="Either"
    )

    class Meta:
        form = GovukFilterForm
        fields: list[str] = []

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        condition = Q(name__icontains=value)
        if value.isdigit():
            condition |= Q(urn=int(value))
        return queryset.filter(condition)

    def in_cluster(self, queryset, name, value):
        member = ClusterMembership.objects.filter(
            memberships_in_force(timezone.localdate()), school=OuterRef("pk"), cluster=value
        )
        return queryset.filter(Exists(member))

    def by_status(self, queryset, name, value):
        if value == "closed":
            return queryset.filter(status=SchoolStatus.CLOSED)
        return queryset.exclude(status=SchoolStatus.CLOSED)
