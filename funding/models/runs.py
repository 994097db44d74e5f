"""Allocation runs and their lines: an `AllocationRun` is one calculation of a year's money
(R21); each `AllocationLine` is one amount for one school (and pupil, for element 3) over one
period, with the working that produced it. Also the run kinds and statuses, the elements, the
routes (R25) and `PUPIL_ELEMENTS` (R8)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from funding.models.scheme import FundingScheme
from schools.dates import FinancialYear
from schools.models import LocalAuthority, School


class RunKind(models.TextChoices):
    INITIAL = "initial", "Initial"
    REVISED = "revised", "Revised"
    FINAL = "final", "Final"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class AllocationRun(models.Model):
    """One calculation of a financial year's money (R21: initial, revised, final)."""

    financial_year = models.PositiveSmallIntegerField(help_text="2025 means FY 2025-26.")
    kind = models.CharField(max_length=10, choices=RunKind.choices)
    scheme = models.ForeignKey(FundingScheme, on_delete=models.PROTECT, related_name="runs")
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(100)], help_text="Per cent done."
    )
    progress_message = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="allocation_runs",
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    line_count = models.PositiveIntegerField(default=0)
    total_amount = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    totals = models.JSONField(
        default=dict, blank=True, help_text="Totals by element, as strings of pounds."
    )
    warnings = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    note = models.CharField(max_length=300, blank=True)
    as_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="The moment the run's data was read: re-running as at it gives the same lines.",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="approved_allocation_runs",
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["progress", "progress_message"])

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["financial_year"],
                condition=Q(status__in=["queued", "running"]),
                name="one_active_run_per_year",
                violation_error_message="A run for this financial year is already in progress.",
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="run_progress_at_most_100"),
            models.CheckConstraint(
                condition=Q(approved_at__isnull=True) | Q(status="done", approved_by__isnull=False),
                name="run_approved_only_when_done",
            ),
        ]
        indexes = [models.Index(fields=["financial_year", "kind", "status"])]

    def __str__(self) -> str:
        return f"Run {self.pk}: FY {self.fy} {self.get_kind_display().lower()}"

    @property
    def fy(self) -> FinancialYear:
        return FinancialYear(self.financial_year)

    @property
    def is_active(self) -> bool:
        return self.status in (RunStatus.QUEUED, RunStatus.RUNNING)

    @property
    def seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class Element(models.TextChoices):
    ELEMENT_1 = "element_1", "Element 1 (AWPU)"
    NOTIONAL_SEN = "notional_sen", "Element 2 (notional SEN budget)"
    ADDITIONAL_SEN_SUPPORT = "additional_sen_support", "Additional SEN Support"
    PLACE = "place", "Place funding (elements 1 and 2)"
    TOP_UP = "top_up", "Element 3 top-up"
    PERSONAL_SUPPLEMENT = "personal_supplement", "Personal supplement"
    ENF = "enf", "Exceptional needs funding"
    PSF = "psf", "Pupil Specific Funding"


class Route(models.TextChoices):
    """R25: who pays a line, and how."""

    LA = "la", "Paid by the LA"
    ESFA = "esfa", "Paid by the ESFA (recouped from the LA's DSG)"
    RETAINED = "retained", "Retained centrally"
    OTHER_LA = "other_la", "Billed to the pupil's home LA"


#: Elements paid per pupil by the pupil's home LA (R8): these are what recoupment counts.
PUPIL_ELEMENTS = (Element.TOP_UP, Element.PERSONAL_SUPPLEMENT, Element.ENF, Element.PSF)


class AllocationLine(models.Model):
    """One amount of one run: a school (and pupil) over a period, with its working."""

    # Indexed together below ((run, school), (pupil, run)); single-column FK indexes would only
    # slow the bulk writes of a run.
    run = models.ForeignKey(
        AllocationRun, on_delete=models.CASCADE, related_name="lines", db_index=False
    )
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="allocation_lines", db_index=False
    )
    pupil = models.ForeignKey(
        "pupils.Pupil",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="allocation_lines",
        db_index=False,
    )
    element = models.CharField(max_length=30, choices=Element.choices)
    rule = models.CharField(max_length=8, help_text="The DOMAIN.md rule, e.g. R5.")
    period_from = models.DateField()
    period_to = models.DateField()
    school_days = models.PositiveIntegerField()
    year_days = models.PositiveIntegerField(help_text="School days in the financial year.")
    annual_amount = models.DecimalField(
        max_digits=12, decimal_places=2, help_text="The full-year amount this period is a share of."
    )
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    payer_la = models.ForeignKey(
        LocalAuthority,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        help_text="Who pays (R8: the pupil's home LA for top-up); empty = ESFA.",
    )
    delegated = models.BooleanField(
        default=True, help_text="Paid to the school; false = retained centrally (R6)."
    )
    route = models.CharField(
        max_length=10, choices=Route.choices, default=Route.LA, help_text="R25: who pays."
    )
    working = models.JSONField(default=dict)
    explanation = models.TextField()

    class Meta:
        ordering = ["run", "school", "element", "pupil", "period_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_to__gte=F("period_from")), name="line_period_ordered"
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0, annual_amount__gte=0), name="line_amount_not_negative"
            ),
        ]
        indexes = [
            models.Index(fields=["run", "school"]),
            models.Index(fields=["pupil", "run"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_element_display()} £{self.amount:,.2f} ({self.rule})"
