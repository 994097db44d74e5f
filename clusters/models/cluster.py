"""Clusters of schools and their memberships by date (R18)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import RangeOperators
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from pupils.models import DateRange
from schools.constraints import PostgresExclusionConstraint
from schools.models import School


class Cluster(models.Model):
    name = models.CharField(max_length=120, unique=True)
    host_school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.SET_NULL, related_name="hosted_clusters"
    )
    host_contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hosted_clusters",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ClusterMembership(models.Model):
    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="memberships")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="cluster_memberships")
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["cluster", "school__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="membership_ends_after_start",
                violation_error_message="A membership cannot end before it starts.",
            ),
            PostgresExclusionConstraint(
                name="membership_one_cluster_at_a_time",
                expressions=[
                    (DateRange("starts_on", "ends_on"), RangeOperators.OVERLAPS),
                    ("school", RangeOperators.EQUAL),
                ],
                violation_error_message="This school is already in a cluster on these dates.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school.name} in {self.cluster.name}"
