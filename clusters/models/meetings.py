"""The cluster's annual framework of meetings (R19, FAQ 14, 16, 17): six half-day cluster SEN
meetings an academic year, chaired by the host.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from clusters.models.cluster import Cluster
from schools.constraints import in_choices
from schools.dates import AcademicYear


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    HELD = "held", "Held"
    CANCELLED = "cancelled", "Cancelled"


class Session(models.TextChoices):
    MORNING = "morning", "Morning"
    AFTERNOON = "afternoon", "Afternoon"


MEETINGS_PER_YEAR = 6


class ClusterMeeting(models.Model):
    """One of the six half-day cluster SEN meetings of an academic year, chaired by the host."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="meetings")
    academic_year = models.PositiveSmallIntegerField(help_text="2026 means 2026/27.")
    number = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MEETINGS_PER_YEAR)],
        help_text="1 to 6 in the year's framework.",
    )
    date = models.DateField()
    session = models.CharField(max_length=10, choices=Session.choices, default=Session.MORNING)
    venue = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    agenda = models.TextField(blank=True)
    minutes = models.TextField(blank=True)
    attendees = models.TextField(blank=True, help_text="Who came: one name and role a line.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["cluster", "date", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["cluster", "academic_year", "number"],
                name="cluster_meeting_one_per_number",
                violation_error_message="The cluster already has this meeting in that year.",
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1, number__lte=MEETINGS_PER_YEAR),
                name="cluster_meeting_number_1_to_6",
                violation_error_message="A cluster has six meetings a year: 1 to 6.",
            ),
            in_choices("status", MeetingStatus, "cluster_meeting_status_valid"),
            in_choices("session", Session, "cluster_meeting_session_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.cluster.name}: meeting {self.number} of {self.academic_year_label}"

    @property
    def academic_year_label(self) -> str:
        return str(AcademicYear(self.academic_year))

    @property
    def title(self) -> str:
        return f"Meeting {self.number} of {MEETINGS_PER_YEAR}, {self.academic_year_label}"
