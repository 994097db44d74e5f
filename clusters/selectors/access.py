"""Who sees what in cluster work: clusters visible to a user and what they may do in one.

An LA officer sees every cluster; a cluster host their own; a SENCO (a school business
manager standing in) the clusters their schools belong to on a date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from clusters.models import Cluster, ClusterMembership
from schools.models import School
from schools.roles import is_cluster_host, is_la_officer, is_school_user


def in_force(on: dt.date, prefix: str = "") -> Q:
    """Memberships (or anything with starts_on/ends_on) in force on a date."""
    return Q(**{f"{prefix}starts_on__lte": on}) & (
        Q(**{f"{prefix}ends_on__isnull": True}) | Q(**{f"{prefix}ends_on__gte": on})
    )


def senco_school_ids(user) -> set[int]:
    """The schools whose SENCO the user is (school business managers stand in for SENCOs)."""
    if not is_school_user(user):
        return set()
    cached = getattr(user, "_senco_school_ids", None)
    if cached is None:
        cached = set(School.objects.filter(accesses__user=user).values_list("pk", flat=True))
        user._senco_school_ids = cached
    return cached


def hosted_clusters(user) -> QuerySet[Cluster]:
    if not user.is_authenticated or not is_cluster_host(user):
        return Cluster.objects.none()
    return Cluster.objects.filter(host_contact=user)


def can_use_clusters(user) -> bool:
    """Anyone with a part in cluster work: LA officers, cluster hosts, SENCOs."""
    return is_la_officer(user) or is_cluster_host(user) or is_school_user(user)


def visible_clusters(user, on: dt.date | None = None) -> QuerySet[Cluster]:
    """All clusters for LA officers; a host's own clusters; the clusters a SENCO's schools
    belong to today."""
    if not user.is_authenticated:
        return Cluster.objects.none()
    if is_la_officer(user):
        return Cluster.objects.all()
    on = on or timezone.localdate()
    condition = Q(pk__in=[])
    if is_cluster_host(user):
        condition |= Q(host_contact=user)
    schools = senco_school_ids(user)
    if schools:
        condition |= Q(
            pk__in=ClusterMembership.objects.filter(in_force(on), school_id__in=schools).values(
                "cluster_id"
            )
        )
    return Cluster.objects.filter(condition).distinct()


@dataclass(frozen=True)
class ClusterAccess:
    """What the user may do in one cluster."""

    is_la_officer: bool = False
    is_host: bool = False
    senco_schools: frozenset[int] = frozenset()  # member schools the user is SENCO of

    @property
    def sees_all_requests(self) -> bool:
        return self.is_la_officer or self.is_host

    @property
    def can_review(self) -> bool:
        return self.is_host

    @property
    def can_manage_meetings(self) -> bool:
        return self.is_host or self.is_la_officer

    @property
    def can_request(self) -> bool:
        return self.is_host or bool(self.senco_schools)

    def sees_pupils_of(self, school_id: int | None) -> bool:
        """Pupil names and UPNs of a school: the LA, and the school's own SENCO (its business
        manager). A host acts for the cluster, not for its schools' pupils: a host who is also
        a school's business manager sees that school's pupils, no other's."""
        return self.is_la_officer or school_id in self.senco_schools


def cluster_access(user, cluster: Cluster, on: dt.date | None = None) -> ClusterAccess:
    on = on or timezone.localdate()
    schools = senco_school_ids(user)
    members = (
        frozenset(
            ClusterMembership.objects.filter(
                in_force(on), cluster=cluster, school_id__in=schools
            ).values_list("school_id", flat=True)
        )
        if schools
        else frozenset()
    )
    return ClusterAccess(
        is_la_officer=is_la_officer(user),
        is_host=is_cluster_host(user) and cluster.host_contact_id == user.pk,
        senco_schools=members,
    )
