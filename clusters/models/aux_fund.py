"""The central auxiliary aids fund (FAQ 10): a small central fund for building adaptations
for disabled children, and schools' applications to it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from funding.models import money
from schools.constraints import in_choices
from schools.dates import FinancialYear
from schools.models import School


class AuxiliaryAidsFund(models.Model):
    """A small central fund for building adaptations for disabled children (FAQ 10)."""

    financial_year = models.PositiveSmallIntegerField(
        unique=True,
        help_text="2026 means FY 2026-27.",
        error_messages={"unique": "There is already an auxiliary aids fund for this year."},
    )
    budget = money("budget")
    notes = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-financial_year"]
        verbose_name = "auxiliary aids fund"
        constraints = [
            models.CheckConstraint(
                condition=Q(budget__gte=0),
                name="aux_fund_budget_not_negative",
                violation_error_message="The budget cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        return f"Auxiliary aids fund FY {self.fy}"

    @property
    def fy(self) -> FinancialYear:
        return FinancialYear(self.financial_year)


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", "Awaiting decision"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"


class AuxiliaryAidsApplication(models.Model):
    """A school's application for a building adaptation for a disabled child."""

    fund = models.ForeignKey(
        AuxiliaryAidsFund, on_delete=models.PROTECT, related_name="applications"
    )
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="auxiliary_aids_applications"
    )
    pupil = models.ForeignKey(
        "pupils.Pupil",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="auxiliary_aids_applications",
    )
    child = models.CharField(
        "the child",
        max_length=200,
        help_text="e.g. 'Wheelchair user starting Reception in September' (no full names).",
    )
    adaptation = models.TextField(help_text="The adaptation needed, e.g. a ramp to the hall.")
    amount_requested = models.DecimalField(max_digits=12, decimal_places=2)
    status = models.CharField(
        max_length=10, choices=ApplicationStatus.choices, default=ApplicationStatus.SUBMITTED
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    amount_approved = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    decision_reasons = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            in_choices("status", ApplicationStatus, "aux_application_status_valid"),
            models.CheckConstraint(
                condition=Q(amount_requested__gt=0),
                name="aux_application_amount_positive",
                violation_error_message="The amount asked for must be more than £0.",
            ),
            models.CheckConstraint(
                condition=~Q(status="approved")
                | Q(amount_approved__gt=0, decided_by__isnull=False, decided_at__isnull=False),
                name="aux_application_approval_complete",
                violation_error_message="An approval needs an amount, who and when.",
            ),
            models.CheckConstraint(
                condition=~Q(status="declined")
                | Q(amount_approved__isnull=True, decided_by__isnull=False)
                & ~Q(decision_reasons=""),
                name="aux_application_decline_complete",
                violation_error_message="A decline needs reasons, and has no approved amount.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.school.name}"

    @property
    def reference(self) -> str:
        return f"AA-{self.pk:05d}" if self.pk else "AA-new"
