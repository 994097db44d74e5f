"""Pupils, placements, plans (statement/EHCP), support levels and funding items.

History is never overwritten: a change ends one row (an end date) and starts another, and
django-simple-history keeps every edit with who and when. PostgreSQL exclusion constraints
stop overlapping placements, plans and support levels.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.postgres.fields import DateRangeField, RangeBoundary, RangeOperators
from django.db import models
from django.db.models import F, Func, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from pupils.upn import validate_upn
from schools.constraints import PostgresExclusionConstraint
from schools.dates import year_group
from schools.models import LocalAuthority, School


class DateRange(Func):
    """daterange(lower, upper, '[]'): an inclusive range; a NULL upper bound is open-ended."""

    function = "DATERANGE"
    output_field = DateRangeField()

    def __init__(self, start, end):
        super().__init__(start, end, RangeBoundary(inclusive_lower=True, inclusive_upper=True))


def _no_overlap(name: str, owner: str, start: str, end: str, message: str, condition=None):
    return PostgresExclusionConstraint(
        name=name,
        expressions=[
            (DateRange(start, end), RangeOperators.OVERLAPS),
            (owner, RangeOperators.EQUAL),
        ],
        condition=condition,
        violation_error_message=message,
    )


def _ends_after_start(name: str, start: str, end: str, message: str):
    return models.CheckConstraint(
        condition=Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gte": F(start)}),
        name=name,
        violation_error_message=message,
    )


class Pupil(models.Model):
    upn = models.CharField("UPN", max_length=13, unique=True, validators=[validate_upn])
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    home_la = models.ForeignKey(
        LocalAuthority,
        on_delete=models.PROTECT,
        related_name="resident_pupils",
        help_text="The LA where the pupil lives; it pays their top-up (R8).",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["family_name", "given_name"]
        # The pupils list pages through this order: the index makes each page an index scan.
        indexes = [
            models.Index(fields=["family_name", "given_name", "id"], name="pupil_name_order")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(upn__regex=r"^[A-Z][0-9]{11}[0-9A-Z]$"), name="upn_shape"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name} ({self.upn})"

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def initials(self) -> str:
        return f"{self.given_name[:1]}{self.family_name[:1]}".upper()

    def year_group_on(self, day: dt.date) -> int:
        return year_group(self.date_of_birth, on=day)


class PlacementKind(models.TextChoices):
    MAINSTREAM = "mainstream", "Mainstream"
    SSC = "ssc", "Special support centre (SSC)"
    RESOURCED = "resourced", "Resourced provision"
    SPECIAL_SCHOOL = "special_school", "Special school place"
    AP = "ap", "Alternative provision"
    FE = "fe", "Further education"


class AdmissionKind(models.TextChoices):
    FIRST_ADMISSION = "first_admission", "First admission"
    PHASE_TRANSFER = "phase_transfer", "Phase transfer"
    CASUAL_ADMISSION = "casual_admission", "Casual admission (e.g. house move)"
    MANAGED_MOVE = "managed_move", "Managed move"


class Recorded(models.Model):
    """Who recorded a row and when; a row whose effective date is before that is backdated."""

    recorded_at = models.DateTimeField(default=timezone.now, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        abstract = True


class PupilHomeLa(Recorded):
    """R8+: the LA where the pupil lived from `starts_on` to `ends_on` (inclusive; empty if
    current). That LA pays the pupil's top-up for those days. A house move closes one period the
    day before the move and opens the next; `Pupil.home_la` mirrors the latest period.
    """

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="home_la_periods")
    la = models.ForeignKey(
        LocalAuthority, on_delete=models.PROTECT, related_name="resident_periods"
    )
    starts_on = models.DateField()
    ends_on = models.DateField(
        null=True, blank=True, help_text="Last day living in this LA; empty if current."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["pupil", "starts_on"]
        verbose_name = "home LA period"
        constraints = [
            _ends_after_start(
                "home_la_ends_after_start",
                "starts_on",
                "ends_on",
                "A home LA period cannot end before it starts.",
            ),
            _no_overlap(
                "home_la_no_overlap",
                "pupil",
                "starts_on",
                "ends_on",
                "This pupil already has a home LA on these dates.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pupil.upn} living in LA {self.la.code} from {self.starts_on:%d %b %Y}"

    @property
    def is_backdated(self) -> bool:
        return self.starts_on < timezone.localdate(self.recorded_at)


class Placement(Recorded):
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="placements")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="placements")
    starts_on = models.DateField()
    ends_on = models.DateField(
        null=True, blank=True, help_text="Last day on roll; empty if current."
    )
    kind = models.CharField(
        max_length=20, choices=PlacementKind.choices, default=PlacementKind.MAINSTREAM
    )
    admission_kind = models.CharField(
        max_length=20, choices=AdmissionKind.choices, default=AdmissionKind.FIRST_ADMISSION
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["pupil", "starts_on"]
        constraints = [
            _ends_after_start(
                "placement_ends_after_start",
                "starts_on",
                "ends_on",
                "A placement cannot end before it starts.",
            ),
            _no_overlap(
                "placement_no_overlap",
                "pupil",
                "starts_on",
                "ends_on",
                "This pupil already has a placement overlapping these dates.",
            ),
        ]
        indexes = [models.Index(fields=["school", "starts_on"])]

    def __str__(self) -> str:
        return f"{self.pupil.upn} at {self.school.name} from {self.starts_on:%d %b %Y}"

    @property
    def is_backdated(self) -> bool:
        return self.starts_on < timezone.localdate(self.recorded_at)


class PlanKind(models.TextChoices):
    STATEMENT = "statement", "Statement of SEN"
    EHCP = "ehcp", "EHC plan"


class PrimaryNeed(models.TextChoices):
    """SEN2 / school census primary need categories."""

    SPLD = "SPLD", "Specific learning difficulty"
    MLD = "MLD", "Moderate learning difficulty"
    SLD = "SLD", "Severe learning difficulty"
    PMLD = "PMLD", "Profound and multiple learning difficulty"
    SEMH = "SEMH", "Social, emotional and mental health"
    SLCN = "SLCN", "Speech, language and communication needs"
    HI = "HI", "Hearing impairment"
    VI = "VI", "Vision impairment"
    MSI = "MSI", "Multi-sensory impairment"
    PD = "PD", "Physical disability"
    ASD = "ASD", "Autistic spectrum disorder"
    OTH = "OTH", "Other difficulty or disability"


class Plan(Recorded):
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="plans")
    kind = models.CharField(max_length=10, choices=PlanKind.choices, default=PlanKind.EHCP)
    issued_on = models.DateField()
    ceased_on = models.DateField(null=True, blank=True)
    primary_need = models.CharField(max_length=4, choices=PrimaryNeed.choices, blank=True)
    annual_review_due = models.DateField(null=True, blank=True)
    caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="caseload",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["pupil", "issued_on"]
        constraints = [
            _ends_after_start(
                "plan_ceases_after_issue",
                "issued_on",
                "ceased_on",
                "A plan cannot cease before it is issued.",
            ),
            _no_overlap(
                "plan_no_overlap",
                "pupil",
                "issued_on",
                "ceased_on",
                "This pupil already has a plan in force on these dates.",
            ),
        ]
        indexes = [models.Index(fields=["annual_review_due"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.pupil.upn} issued {self.issued_on:%d %b %Y}"

    def is_review_overdue(self, on: dt.date) -> bool:
        """R10: the annual review date has passed while the plan is in force."""
        return (
            self.annual_review_due is not None
            and self.annual_review_due < on
            and (self.ceased_on is None or self.ceased_on >= on)
        )


def describe_support(lsa_hours, lst_hours, ta_hours, band, resource_amount) -> str:
    """A support level in words: "20 h LSA, 2 h LST, band 3, £4,500.00 resource"."""
    parts = [
        f"{hours.normalize():f} h {label}"
        for label, hours in (("LSA", lsa_hours), ("LST", lst_hours), ("TA", ta_hours))
        if hours
    ]
    if band:
        parts.append(f"band {band}")
    if resource_amount is not None:
        parts.append(f"£{resource_amount:,.2f} resource")
    return ", ".join(parts) or "no additional support"


class CurrentSupportLevels(models.Manager):
    """Support levels in force in the record: a superseded one is history, not data."""

    def get_queryset(self):
        return super().get_queryset().filter(superseded_at__isnull=True)


class SupportLevel(Recorded):
    """What a plan provides from a date: weekly LSA/LST/TA hours, a band, or a resource amount.

    A corrected pupil file can replace a plan's periods (`pupils_import(replace_periods=True)`):
    a stored period the file no longer gives is then superseded (`superseded_at` set, the
    reason in its history), never deleted: the money paid on it keeps its record. `objects`
    (and `plan.support_levels`) leave superseded periods out; `with_superseded` has them all.
    """

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="support_levels")
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)
    lsa_hours = models.DecimalField("LSA hours a week", max_digits=5, decimal_places=2, default=0)
    lst_hours = models.DecimalField("LST hours a week", max_digits=5, decimal_places=2, default=0)
    ta_hours = models.DecimalField("TA hours a week", max_digits=5, decimal_places=2, default=0)
    band = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Band 1-5 (R12).")
    resource_amount = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="An annual resource level set by the LA (R6 secondary) or by the panel.",
    )
    superseded_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When a corrected file replaced this period; empty while it is in force.",
    )
    history = HistoricalRecords()

    objects = CurrentSupportLevels()
    with_superseded = models.Manager()  # noqa: DJ012 - after `objects`: the default comes first

    class Meta:
        ordering = ["plan", "effective_from"]
        default_manager_name = "objects"
        base_manager_name = "with_superseded"
        constraints = [
            _ends_after_start(
                "support_ends_after_start",
                "effective_from",
                "effective_to",
                "A support level cannot end before it starts.",
            ),
            models.CheckConstraint(
                condition=Q(lsa_hours__gte=0, lst_hours__gte=0, ta_hours__gte=0),
                name="support_hours_not_negative",
                violation_error_message="Hours of support cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(lsa_hours__lte=60, lst_hours__lte=60, ta_hours__lte=60),
                name="support_hours_at_most_60",
                violation_error_message="Hours of support are hours a week: at most 60.",
            ),
            models.CheckConstraint(
                condition=Q(band__isnull=True) | Q(band__gte=1, band__lte=5),
                name="support_band_one_to_five",
                violation_error_message="A band is 1 to 5.",
            ),
            models.CheckConstraint(
                condition=Q(resource_amount__isnull=True) | Q(resource_amount__gte=0),
                name="support_resource_not_negative",
                violation_error_message="A resource amount cannot be negative.",
            ),
            _no_overlap(
                "support_no_overlap",
                "plan",
                "effective_from",
                "effective_to",
                "This plan already has a support level in force on these dates.",
                condition=Q(superseded_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan.pupil.upn} support from {self.effective_from:%d %b %Y}: {self.summary}"

    @property
    def summary(self) -> str:
        return describe_support(
            self.lsa_hours, self.lst_hours, self.ta_hours, self.band, self.resource_amount
        )

    @property
    def is_backdated(self) -> bool:
        return self.effective_from < timezone.localdate(self.recorded_at)


class FundingItemKind(models.TextChoices):
    PERSONAL_SUPPLEMENT = "personal_supplement", "Personal supplement (R9)"
    ENF = "enf", "Exceptional needs funding (R9)"


class FundingItem(Recorded):
    """A sum for one pupil over a period, usually from a SEN Panel decision (R9).

    `annual_amount` is the full-year rate; the allocation run funds the period pro rata by school
    days (R7).
    """

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="funding_items")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="funding_items")
    kind = models.CharField(max_length=30, choices=FundingItemKind.choices)
    annual_amount = models.DecimalField(max_digits=12, decimal_places=2)
    starts_on = models.DateField()
    ends_on = models.DateField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["pupil", "starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(annual_amount__gte=0),
                name="funding_item_not_negative",
                violation_error_message="A funding amount cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="funding_item_ends_after_start",
                violation_error_message="Funding cannot end before it starts.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} £{self.annual_amount:,.2f} for {self.pupil.upn}"


class ImportJob(models.Model):
    """One web import of a file (issue 17): a large pupil file runs in the background and this
    row shows its progress; a refused file keeps every problem here, so the page lists the first
    200 and the full list downloads as CSV. The uploaded bytes are cleared once the import ends
    (pupil data is not kept beside the records it became)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Importing"
        DONE = "done", "Imported"
        REJECTED = "rejected", "Not imported: the file has problems"
        FAILED = "failed", "Not imported: the import failed"

    kind = models.CharField(max_length=20)
    filename = models.CharField(max_length=255)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="import_jobs"
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    content = models.BinaryField(default=bytes, editable=False)
    stage = models.CharField(max_length=100, blank=True)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    summary = models.TextField(blank=True)
    error_count = models.PositiveIntegerField(default=0)
    #: The first problems, as shown on the page: [[row, column, message], ...].
    errors_shown = models.JSONField(default=list, blank=True)
    #: Every problem as gzip-compressed CSV (row, column, problem).
    errors_csv_gz = models.BinaryField(default=bytes, editable=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.REJECTED, self.Status.FAILED)

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return min(99, self.rows_done * 100 // self.rows_total) if self.rows_total else 0

    @property
    def more_errors(self) -> int:
        """Problems not listed on the page (they are in the CSV)."""
        return max(0, self.error_count - len(self.errors_shown))
