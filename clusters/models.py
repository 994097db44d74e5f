"""Clusters of schools and their memberships by date (R18); Pupil Specific Funding rules
(R15-R17); the cluster pot and its division (R18); the cluster's meetings and its request ->
review -> impact cycle (R19); the central auxiliary aids fund (FAQ 10 of seed 001).

Every row keeps its history with who and when (django-simple-history); writes go through
`clusters.services`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import RangeOperators
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from funding.models import money
from pupils.models import DateRange
from schools.constraints import PostgresExclusionConstraint, in_choices
from schools.dates import AcademicYear, FinancialYear
from schools.models import School

# R19: impact is recorded from four weeks before the request's period ends.
IMPACT_WINDOW_DAYS = 28


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


# ---- Pupil Specific Funding rules (R15-R17) -----------------------------------------------


class PsfBasis(models.TextChoices):
    """What a protected pupil's PSF is (R15+, seed 001 FAQ 3: "the historical/current funding
    policy will remain in place"): the amount the pupil was protected at, recorded per pupil."""

    PROTECTED_LESS_CURRENT = (
        "protected_less_current",
        "Protected historical amount less what the current scheme pays for the pupil",
    )
    PROTECTED_AMOUNT = "protected_amount", "Protected historical amount in full"


class PsfRules(models.Model):
    """The figures of a scheme's Pupil Specific Funding beyond its two switches (R15-R17).

    The switches themselves (`psf_enabled`, `psf_cutover_date`) are on the funding scheme. A
    scheme without a `PsfRules` row uses the defaults below.
    """

    scheme = models.OneToOneField(
        "funding.FundingScheme", on_delete=models.CASCADE, related_name="psf_rules"
    )
    basis = models.CharField(
        "PSF basis",
        max_length=30,
        choices=PsfBasis.choices,
        default=PsfBasis.PROTECTED_LESS_CURRENT,
        help_text=(
            "PSF starts from each pupil's protected historical amount (recorded per pupil). Less "
            "what the current scheme pays: PSF tops the pupil up to the historical level, minus "
            "the element 3 top-up and any other pupil lines of the run, so nothing is paid twice."
            " In full: PSF is the protected amount on top of whatever the scheme pays."
        ),
    )
    ends_at_end_of_nursery = models.BooleanField(
        "PSF ends at the end of nursery", default=True, help_text="R15, R16 (FAQ 4)."
    )
    ends_at_end_of_primary = models.BooleanField(
        "PSF ends at the end of primary (Year 6 by age)", default=True, help_text="R15 (FAQ 5)."
    )
    ends_at_end_of_secondary = models.BooleanField(
        "PSF ends at the end of secondary (Year 11 by age)", default=True, help_text="R15."
    )
    specialist_placements = models.BooleanField(
        "pay PSF at special schools, AP and FE too",
        default=False,
        help_text="Unticked: PSF is mainstream money (mainstream, SSC and resourced places).",
    )
    notes = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "PSF rules"
        verbose_name_plural = "PSF rules"
        constraints = [
            in_choices("basis", PsfBasis, "psf_rules_psf_basis_valid"),
        ]

    def __str__(self) -> str:
        return f"PSF rules for {self.scheme}"


class PsfProtectedAmount(models.Model):
    """A PSF-protected pupil's protected historical amount (R15+, seed 001 FAQ 3): what the
    historical policy paid for the pupil a year when protection began, from the LA's records.

    PSF is worked from it (`PsfRules.basis`); a protected pupil without one gets no PSF line and
    the run warns, naming the pupil. Who recorded it and when: `recorded_by`, `updated_at` and
    the history.
    """

    pupil = models.OneToOneField(
        "pupils.Pupil", on_delete=models.CASCADE, related_name="psf_protected_amount"
    )
    annual_amount = money("protected amount a year")
    source = models.CharField(
        max_length=200,
        help_text="Where the figure comes from, e.g. 'PSF schedule 2011-12, statement of 2010'.",
    )
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "PSF protected amount"
        constraints = [
            models.CheckConstraint(
                condition=Q(annual_amount__gte=0),
                name="psf_protected_amount_not_negative",
                violation_error_message="The protected amount cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        return f"PSF protected amount £{self.annual_amount:,.2f} for pupil {self.pupil_id}"


# ---- The cluster pot and its division (R18) ----------------------------------------------


class ClusterPot(models.Model):
    """The money for clusters in a financial year (scheme data), and how it is divided (R18).

    Pot = the amount moved to clusters (e.g. from the DSG) + the PSF released by R15-R17. Each
    cluster gets a fixed sum per member school plus an equal amount per pupil on roll; there is
    no need element (FAQ 2, 22).
    """

    scheme = models.OneToOneField(
        "funding.FundingScheme", on_delete=models.CASCADE, related_name="cluster_pot"
    )
    base_amount = money(
        "money moved to clusters",
        default="0",
        help_text="e.g. the part of the high needs block delegated to clusters this year.",
    )
    psf_released = money(
        "PSF released (R15-R17)",
        default="0",
        help_text="Pupil Specific Funding no longer paid because protection ended.",
    )
    psf_released_note = models.CharField(
        "how the PSF released was worked out", max_length=300, blank=True
    )
    fixed_sum_per_school = money("fixed sum per member school", default="0")
    roll_includes_nursery = models.BooleanField("count nursery pupils", default=False)
    roll_includes_sixth_form = models.BooleanField("count sixth form pupils", default=False)
    census_on = models.DateField(
        "count pupils on the census of",
        null=True,
        blank=True,
        help_text="The latest census on or before this date; empty: the latest before the "
        "financial year starts.",
    )
    members_on = models.DateField(
        "count member schools on",
        null=True,
        blank=True,
        help_text="Empty: the first day of the financial year (1 April).",
    )
    notes = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "cluster pot"
        constraints = [
            models.CheckConstraint(
                condition=Q(base_amount__gte=0, psf_released__gte=0, fixed_sum_per_school__gte=0),
                name="cluster_pot_amounts_not_negative",
                violation_error_message="The pot's amounts cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        return f"Cluster pot FY {self.fy}"

    @property
    def fy(self) -> FinancialYear:
        return FinancialYear(self.scheme.financial_year)

    @property
    def total(self) -> Decimal:
        return self.base_amount + self.psf_released

    @property
    def membership_date(self) -> dt.date:
        return self.members_on or self.fy.starts_on


# ---- The cluster's annual framework of meetings (R19, FAQ 14, 16, 17) ----------------------


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


# ---- Requests: request -> review -> impact (R19, FAQ 9, 13) --------------------------------


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


# ---- The central auxiliary aids fund (FAQ 10) ----------------------------------------------


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


def gbp_text(amount: Decimal | None) -> str:
    return "£—" if amount is None else f"£{amount:,.2f}"
