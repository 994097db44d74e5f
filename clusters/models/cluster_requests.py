"""Requests: request -> review -> impact (R19, FAQ 9, 13): a member school's request for
support-for-learning money from its cluster, its statuses, decisions and impact ratings.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from clusters.models.cluster import Cluster
from clusters.models.meetings import ClusterMeeting
from schools.constraints import in_choices
from schools.dates import FinancialYear
from schools.models import School

# R19: impact is recorded from four weeks before the request's period ends.
IMPACT_WINDOW_DAYS = 28


class RequestCategory(models.TextChoices):
    SUPPORT_FOR_LEARNING = "support_for_learning", "Support for learning"
    MEDICAL = "medical", "Sudden and significant medical needs"
    FIRST_YEAR = "first_year", "First year of school"
    CAPACITY = "capacity", "Cluster training or shared staff"


class RequestStatus(models.TextChoices):
    SUBMITTED = "submitted", "Awaiting review"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"
    IMPACT_RECORDED = "impact_recorded", "Impact recorded"
    WITHDRAWN = "withdrawn", "Withdrawn"

    @classmethod
    def committing(cls) -> tuple[str, ...]:
        """Statuses whose approved amount is committed from the pot."""
        return (cls.APPROVED,)


class Decision(models.TextChoices):
    APPROVED = "approved", "Approved"
    APPROVED_DIFFERENT_AMOUNT = "approved_different_amount", "Approved with a different amount"
    DECLINED = "declined", "Declined"

    @classmethod
    def approvals(cls) -> tuple[str, ...]:
        return (cls.APPROVED, cls.APPROVED_DIFFERENT_AMOUNT)


class ImpactRating(models.TextChoices):
    MET = "met", "Outcomes met"
    PARTLY_MET = "partly_met", "Outcomes partly met"
    NOT_MET = "not_met", "Outcomes not met"


class ClusterRequest(models.Model):
    """A member school's request for support-for-learning money from its cluster."""

    cluster = models.ForeignKey(Cluster, on_delete=models.PROTECT, related_name="requests")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="cluster_requests")
    category = models.CharField(
        max_length=30,
        choices=RequestCategory.choices,
        default=RequestCategory.SUPPORT_FOR_LEARNING,
    )
    pupil = models.ForeignKey(
        "pupils.Pupil",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cluster_requests",
        help_text="A pupil with a record here (optional).",
    )
    for_whom = models.CharField(
        "pupil or group",
        max_length=200,
        help_text="e.g. 'Pupil in Year 3 (initials A.B.)' or 'Group of six Year 2 pupils'.",
    )
    need = models.TextField(help_text="The needs and what the school has already tried.")
    provision = models.TextField(help_text="What the money will pay for.")
    intended_outcomes = models.TextField(help_text="What the support should achieve.")
    amount_requested = models.DecimalField(max_digits=12, decimal_places=2)
    starts_on = models.DateField("period from")
    ends_on = models.DateField("period to")
    financial_year = models.PositiveSmallIntegerField(
        editable=False, help_text="The pot the money comes from: the FY the period starts in."
    )
    status = models.CharField(
        max_length=20, choices=RequestStatus.choices, default=RequestStatus.SUBMITTED
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="cluster_requests_submitted",
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    # Review at a cluster meeting.
    meeting = models.ForeignKey(
        ClusterMeeting,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests_reviewed",
    )
    decision = models.CharField(max_length=30, choices=Decision.choices, blank=True)
    amount_approved = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    review_reasons = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cluster_requests_reviewed",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    # Impact at the end of the period.
    outcomes = models.TextField("outcomes against what was intended", blank=True)
    impact_rating = models.CharField(max_length=20, choices=ImpactRating.choices, blank=True)
    amount_spent = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    impact_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cluster_impacts_recorded",
    )
    impact_recorded_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        indexes = [
            models.Index(fields=["cluster", "financial_year", "status"]),
            models.Index(fields=["school", "status"]),
        ]
        constraints = [
            in_choices("status", RequestStatus, "cluster_request_status_valid"),
            in_choices("category", RequestCategory, "cluster_request_category_valid"),
            models.CheckConstraint(
                condition=Q(amount_requested__gt=0),
                name="cluster_request_amount_positive",
                violation_error_message="The amount asked for must be more than £0.",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="cluster_request_ends_after_start",
                violation_error_message="The period cannot end before it starts.",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "impact_recorded"])
                | Q(
                    decision__in=Decision.approvals(),
                    amount_approved__gt=0,
                    meeting__isnull=False,
                    reviewed_by__isnull=False,
                    reviewed_at__isnull=False,
                ),
                name="cluster_request_approval_complete",
                violation_error_message="An approval needs a meeting, a decision and an amount.",
            ),
            models.CheckConstraint(
                condition=~Q(status="declined")
                | Q(decision="declined", amount_approved__isnull=True, meeting__isnull=False),
                name="cluster_request_decline_complete",
                violation_error_message="A declined request has no approved amount.",
            ),
            models.CheckConstraint(
                condition=~Q(decision="approved") | Q(amount_approved=F("amount_requested")),
                name="cluster_request_approved_as_asked",
                violation_error_message="'Approved' means the amount asked for.",
            ),
            models.CheckConstraint(
                condition=~Q(decision="approved_different_amount")
                | ~Q(amount_approved=F("amount_requested")),
                name="cluster_request_different_amount_differs",
                violation_error_message="'Approved with a different amount' needs a different "
                "amount from the one asked for.",
            ),
            models.CheckConstraint(
                condition=Q(decision="") | ~Q(review_reasons=""),
                name="cluster_request_review_has_reasons",
                violation_error_message="Give the reasons for the decision.",
            ),
            models.CheckConstraint(
                condition=~Q(status="impact_recorded")
                | (
                    Q(
                        amount_spent__isnull=False,
                        amount_spent__gte=0,
                        amount_spent__lte=F("amount_approved"),
                        impact_recorded_at__isnull=False,
                    )
                    & ~Q(outcomes="")
                    & ~Q(impact_rating="")
                ),
                name="cluster_request_impact_complete",
                violation_error_message="Impact needs the outcomes, a rating and the amount "
                "spent (no more than approved).",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.school.name}, {gbp_text(self.amount_requested)}"

    def save(self, *args, **kwargs):
        # Derived, not business logic: the pot a request draws on is the FY its period starts in.
        self.financial_year = FinancialYear.of(self.starts_on).start_year
        super().save(*args, **kwargs)

    @property
    def reference(self) -> str:
        return f"CR-{self.pk:05d}" if self.pk else "CR-new"

    @property
    def fy(self) -> FinancialYear:
        return FinancialYear(self.financial_year)

    @property
    def is_awaiting_review(self) -> bool:
        return self.status == RequestStatus.SUBMITTED

    @property
    def is_awaiting_impact(self) -> bool:
        return self.status == RequestStatus.APPROVED

    @property
    def impact_opens_on(self) -> dt.date:
        """R19: impact is recorded in the period's last four weeks or after it ends: the one
        date the service checks, the request page shows and the "Record the impact" link
        waits for."""
        return self.ends_on - dt.timedelta(days=IMPACT_WINDOW_DAYS)

    def impact_open(self, today: dt.date) -> bool:
        return self.status == RequestStatus.APPROVED and today >= self.impact_opens_on


def gbp_text(amount: Decimal | None) -> str:
    return "£—" if amount is None else f"£{amount:,.2f}"
