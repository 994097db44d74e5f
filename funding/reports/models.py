"""The high-needs budget (R22), its monthly snapshots, and the published per-school statement.

A `BudgetLine` is one line of the high needs block for a financial year (special school
places, mainstream top-ups, ...) with its budget and any commitment the allocation runs do not
hold (contracts, central services, cluster distributions). The commitment against it is worked
out from the runs (`funding.reports.selectors.budget_position`); a `BudgetSnapshot` keeps that
position once a month so the trend can be shown and the year-end report can say when the
pressure appeared. A `PublishedStatement` records which run an LA published as its per-school
list (West Sussex's Annex B) for a year: the public page shows only published runs.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from funding.models import AllocationRun
from schools.dates import FinancialYear

not_negative = MinValueValidator(Decimal("0"), "Enter an amount of £0 or more.")


class BudgetLineKind(models.TextChoices):
    """The high needs block's spending lines (Torbay, seed 003; West Sussex, seed 002)."""

    SPECIAL_PLACES = "special_places", "Special school places"
    SPECIAL_TOP_UPS = "special_top_ups", "Special school top-ups"
    MAINSTREAM_TOP_UPS = "mainstream_top_ups", "Mainstream top-ups"
    SSC_RESOURCED = "ssc_resourced", "SSC and resourced provision"
    ALTERNATIVE_PROVISION = "alternative_provision", "Alternative provision"
    POST_16 = "post_16", "Post-16 and further education"
    INDEPENDENT = "independent", "Independent and non-maintained placements"
    SUPPLEMENTS_ENF = "supplements_enf", "Personal supplements and ENF"
    CLUSTERS = "clusters", "Cluster funding and Pupil Specific Funding"
    CENTRAL = "central", "Central services"


#: The order lines appear on the budget page and in exports.
LINE_ORDER = [kind.value for kind in BudgetLineKind]


class BudgetLine(models.Model):
    financial_year = models.PositiveSmallIntegerField(help_text="2025 means FY 2025-26.")
    line = models.CharField(max_length=30, choices=BudgetLineKind.choices)
    budget = models.DecimalField(
        max_digits=12, decimal_places=2, validators=[not_negative], help_text="The year's budget."
    )
    other_commitment = models.DecimalField(
        "committed outside allocation runs",
        max_digits=12,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[not_negative],
        help_text="Contracts, central services, cluster distributions: spending the allocation "
        "runs do not calculate.",
    )
    note = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-financial_year", "line"]
        constraints = [
            models.UniqueConstraint(
                fields=["financial_year", "line"],
                name="one_budget_line_per_year",
                violation_error_message="This budget line already exists for that year.",
            ),
            models.CheckConstraint(
                condition=Q(budget__gte=0, other_commitment__gte=0),
                name="budget_line_not_negative",
                violation_error_message="A budget cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(line__in=BudgetLineKind.values),
                name="budget_line_kind_valid",
                violation_error_message="Choose a valid budget line.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_line_display()} FY {FinancialYear(self.financial_year)}"


class BudgetSnapshot(models.Model):
    """The budget position as it stood on `taken_on`: one per financial year and month."""

    financial_year = models.PositiveSmallIntegerField()
    month = models.DateField(help_text="The first day of the month the snapshot stands for.")
    taken_on = models.DateField(help_text="The date the position was worked out as of.")
    taken_at = models.DateTimeField(default=timezone.now)
    run = models.ForeignKey(
        AllocationRun,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="budget_snapshots",
        help_text="The latest completed run at the time.",
    )
    budget = models.DecimalField(max_digits=12, decimal_places=2)
    commitment = models.DecimalField(max_digits=12, decimal_places=2)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["financial_year", "month"]
        constraints = [
            models.UniqueConstraint(
                fields=["financial_year", "month"], name="one_budget_snapshot_per_month"
            ),
        ]

    def __str__(self) -> str:
        return f"Budget snapshot {self.month:%B %Y} (FY {FinancialYear(self.financial_year)})"

    @property
    def variance(self) -> Decimal:
        return self.budget - self.commitment


class BudgetSnapshotLine(models.Model):
    snapshot = models.ForeignKey(BudgetSnapshot, on_delete=models.CASCADE, related_name="lines")
    line = models.CharField(max_length=30, choices=BudgetLineKind.choices)
    budget = models.DecimalField(max_digits=12, decimal_places=2)
    allocated = models.DecimalField(max_digits=12, decimal_places=2)
    forecast = models.DecimalField(
        max_digits=12, decimal_places=2, help_text="Forecast movement to the year end (±)."
    )
    panel_pending = models.DecimalField(max_digits=12, decimal_places=2)
    other = models.DecimalField(max_digits=12, decimal_places=2)
    commitment = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["snapshot", "line"]
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "line"], name="one_snapshot_line_per_line")
        ]

    def __str__(self) -> str:
        return f"{self.get_line_display()} {self.snapshot.month:%b %Y}"


class PublishedStatement(models.Model):
    """The run an LA published as its per-school list for a year (public, no pupil data)."""

    financial_year = models.PositiveSmallIntegerField(unique=True)
    run = models.ForeignKey(
        AllocationRun, on_delete=models.PROTECT, related_name="published_statements"
    )
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-financial_year"]

    def __str__(self) -> str:
        return f"Published statement FY {FinancialYear(self.financial_year)} (run {self.run_id})"

    @property
    def fy(self) -> FinancialYear:
        return FinancialYear(self.financial_year)
