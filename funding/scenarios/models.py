"""Scenarios (R26): a named, editable copy of a year's scheme and the results of running it.

A `Scenario` keeps the scheme's values as one JSON snapshot (`values`): every field of
`funding.models.SCHEME_FIELD_NAMES`, the rate tables (notional SEN factors, hourly rates, TA
hours bands) and the special school band rates of the year, per school. One row rather than
mirror tables because a scenario is edited and versioned as a whole (its history is one
snapshot per change, with who and why), a field added to the scheme later is copied without a
migration here, and a cost-neutral factor can leave rates to more than two decimal places
(the money is still rounded once, at the line). The snapshot is checked by the same validators
as a live scheme (`funding.calculations.scheme.validate_scheme`) on every write.

A `ScenarioRun` is the engine run on the live data as at a moment with the scenario's rates
(or, with no scenario, the live scheme's: the baseline it is compared with). Its results live
here, never in `AllocationRun`/`AllocationLine`, so a scenario never reaches live totals,
statements, returns or payments.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from funding.models import FundingScheme
from schools.dates import FinancialYear
from schools.models import LocalAuthority, School


def total_field(verbose_name: str):
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, default=0)


class Scenario(models.Model):
    la = models.ForeignKey(
        LocalAuthority, on_delete=models.PROTECT, related_name="scenarios", verbose_name="LA"
    )
    financial_year = models.PositiveSmallIntegerField(help_text="2025 means FY 2025-26.")
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    source_scheme = models.ForeignKey(
        FundingScheme,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="scenarios",
        help_text="The live scheme this scenario was copied from.",
    )
    #: The scheme's values as a JSON snapshot (see the module docstring).
    values = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-financial_year", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["la", "financial_year", "name"],
                name="one_scenario_name_per_la_year",
                violation_error_message="This LA already has a scenario of that name for the year.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} (FY {self.fy})"

    @property
    def fy(self) -> FinancialYear:
        return FinancialYear(self.financial_year)


class ScenarioRun(models.Model):
    """One engine run on the live data as at `as_at`, with the scenario's rates (or the live
    scheme's, when `scenario` is empty: the baseline)."""

    scenario = models.ForeignKey(
        Scenario, on_delete=models.CASCADE, null=True, blank=True, related_name="runs"
    )
    baseline = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The live scheme run on the same data, read once with this run.",
    )
    scheme = models.ForeignKey(
        FundingScheme, on_delete=models.SET_NULL, null=True, related_name="scenario_runs"
    )
    financial_year = models.PositiveSmallIntegerField()
    as_at = models.DateTimeField(help_text="The moment the live data was read as at.")
    label = models.CharField(max_length=200)
    note = models.CharField(max_length=300, blank=True)
    total = total_field("total")
    pupils = models.PositiveIntegerField(default=0)
    lines = models.PositiveIntegerField(default=0)
    warnings = models.JSONField(default=list, blank=True)
    seconds = models.FloatField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Scenario run {self.pk}: {self.label}"

    @property
    def fy(self) -> FinancialYear:
        return FinancialYear(self.financial_year)


class ScenarioSchoolTotal(models.Model):
    """A run's money for one school, element and route (R25)."""

    # No index of its own: the unique constraint's index starts with the run.
    run = models.ForeignKey(
        ScenarioRun, on_delete=models.CASCADE, related_name="school_totals", db_index=False
    )
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    element = models.CharField(max_length=30)
    route = models.CharField(max_length=20)
    amount = total_field("amount")
    lines = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["run", "school", "element", "route"], name="one_scenario_school_total"
            )
        ]

    def __str__(self) -> str:
        return f"{self.school_id} {self.element} {self.route}: {self.amount}"


class ScenarioPupilAmount(models.Model):
    """A run's pupil-led money (top-up, supplements, ENF) for one pupil at one school, with
    what their support is (so a comparison shows which band and amount each moves to)."""

    # No index of its own: the unique constraint's index starts with the run.
    run = models.ForeignKey(
        ScenarioRun, on_delete=models.CASCADE, related_name="pupil_amounts", db_index=False
    )
    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    amount = total_field("amount")
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["run", "pupil", "school"], name="one_scenario_pupil_amount"
            )
        ]

    def __str__(self) -> str:
        return f"pupil {self.pupil_id} at {self.school_id}: {self.amount}"


class AdoptionKind(models.TextChoices):
    NEXT_YEAR = "next_year", "Adopted as next year's scheme"
    UPLIFT = "uplift", "Uplift to the live scheme"


class ScenarioAdoption(models.Model):
    """A change made live from a scenario (R26): who, when, why and what it wrote."""

    kind = models.CharField(max_length=20, choices=AdoptionKind.choices)
    scenario = models.ForeignKey(
        Scenario, on_delete=models.SET_NULL, null=True, blank=True, related_name="adoptions"
    )
    scheme = models.ForeignKey(FundingScheme, on_delete=models.PROTECT, related_name="+")
    financial_year = models.PositiveSmallIntegerField()
    reason = models.TextField()
    #: Uplifts: the percentage, which rates, and from when.
    percent = models.DecimalField(max_digits=7, decimal_places=3, null=True, blank=True)
    rate_set = models.CharField(max_length=20, blank=True)
    effective_from = models.DateField(null=True, blank=True)
    #: The cost previewed when it was adopted (uplifts: the rest of the year).
    cost = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    replaced = models.BooleanField(default=False)
    adopted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    adopted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-adopted_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} FY {self.financial_year}: {self.reason[:40]}"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ScenarioRunJob(models.Model):
    """A scenario run asked for on the web and done by the worker (Celery): its progress page
    reads this until the run is written (`run`) or it failed (`error`)."""

    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="jobs")
    as_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    message = models.CharField(max_length=200, blank=True)
    run = models.ForeignKey(
        ScenarioRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return f"Scenario run job {self.pk} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)
