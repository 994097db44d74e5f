"""What the cluster work puts on the home page for the user's role."""

from __future__ import annotations

from django.urls import reverse

from clusters.models import (
    ApplicationStatus,
    AuxiliaryAidsApplication,
    ClusterRequest,
    RequestStatus,
)
from clusters.selectors.access import hosted_clusters, visible_clusters
from schools.roles import is_la_officer, is_school_user


def start_page_items(user) -> list[dict]:
    """What the cluster work puts on the home page for the user's role."""
    items: list[dict] = []
    if not user.is_authenticated:
        return items
    if is_la_officer(user):
        items.append(
            {
                "title": "Clusters",
                "url": reverse("clusters:list"),
                "description": "Cluster pots, requests and spending, compared.",
            }
        )
        waiting = AuxiliaryAidsApplication.objects.filter(
            status=ApplicationStatus.SUBMITTED
        ).count()
        items.append(
            {
                "title": "Auxiliary aids applications awaiting a decision",
                "count": waiting,
                "url": reverse("clusters:aux_fund"),
                "description": "Building adaptations for disabled children (central fund).",
            }
        )
        return items
    for cluster in hosted_clusters(user).order_by("name"):
        waiting = ClusterRequest.objects.filter(
            cluster=cluster, status=RequestStatus.SUBMITTED
        ).count()
        items.append(
            {
                "title": f"Requests awaiting review: {cluster.name}",
                "count": waiting,
                "url": reverse("clusters:requests", args=[cluster.pk]) + "?status=submitted",
                "description": "Review them at the next cluster meeting.",
            }
        )
    if is_school_user(user):
        for cluster in visible_clusters(user).order_by("name")[:5]:
            items.append(
                {
                    "title": f"Your cluster: {cluster.name}",
                    "url": reverse("clusters:detail", args=[cluster.pk]),
                    "description": "Ask for support-for-learning funding; record impact.",
                }
            )
    return items
