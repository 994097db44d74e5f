"""What the clusters app adds to the schools' pages (registered in `ClustersConfig.ready()`).

`schools/` never imports `clusters/`: the schools list's cluster column and filter, the cluster
on a school's page and the home page items come from here through `schools.extensions`.
"""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone

from clusters.models import Cluster, ClusterMembership
from schools import extensions


def memberships_in_force(on) -> Q:
    return Q(starts_on__lte=on) & (Q(ends_on__isnull=True) | Q(ends_on__gte=on))


def schools_with_cluster(qs, on):
    """The schools list with each school's cluster on `on` (`cluster_name`), one subquery."""
    membership = ClusterMembership.objects.filter(
        memberships_in_force(on), school=OuterRef("pk")
    ).order_by("-starts_on")
    return qs.annotate(cluster_name=Subquery(membership.values("cluster__name")[:1]))


def _in_cluster(queryset, name, value):
    member = ClusterMembership.objects.filter(
        memberships_in_force(timezone.localdate()), school=OuterRef("pk"), cluster=value
    )
    return queryset.filter(Exists(member))


def school_filters() -> dict:
    return {
        "cluster": django_filters.ModelChoiceFilter(
            queryset=Cluster.objects.order_by("name"),
            method=_in_cluster,
            label="Cluster",
            empty_label="Any cluster",
        )
    }


def school_detail_context(school, user, on) -> dict:
    membership = (
        ClusterMembership.objects.filter(memberships_in_force(on), school=school)
        .select_related("cluster")
        .first()
    )
    return {"membership": membership, "clusters_installed": True}


def _start_page_items(user) -> list[dict]:
    from clusters.selectors import start_page_items

    return start_page_items(user)


def register() -> None:
    extensions.register(extensions.SCHOOL_QUERYSET, "clusters", schools_with_cluster)
    extensions.register(extensions.SCHOOL_FILTERS, "clusters", school_filters)
    extensions.register(extensions.SCHOOL_DETAIL_CONTEXT, "clusters", school_detail_context)
    extensions.register(extensions.START_PAGE_ITEMS, "clusters", _start_page_items, order=50)
