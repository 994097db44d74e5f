"""Monthly statemented-pupil returns (R20, with R7 and R10).

Every month each school gets a `MonthlyReturn` listing, as a `ReturnLine` per pupil, every pupil
with a statement/EHCP placed at the school during the month, the support level of each, and the
changes since the school's last return. The school answers each line (on roll? support level
correct? what is wrong?) and submits; the LA resolves each queried line (accepted, with the
change recorded through `pupils.services`, or rejected with a reason the school sees).

A `ReturnGeneration` records one run of the generator: how many returns were created, rebuilt or
left alone, and which schools failed.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from pupils.models import PlanKind, Pupil, describe_support
from schools.dates import year_group_label
from schools.models import School


class ReturnStatus(models.TextChoices):
    ISSUED = "issued", "Issued"
    IN_PROGRESS = "in_progress", "In progress"
    SUBMITTED = "submitted", "Submitted"
    QUERIED = "queried", "Queried"
    RESOLVED = "resolved", "Resolved"

    @classmethod
    def open_to_school(cls) -> tuple[str, ...]:
        """Statuses in which the school may still answer lines (not yet submitted)."""
        return (cls.ISSUED, cls.IN_PROGRESS)


class ChangeKind(models.TextChoices):
    """What changed for a pupil since the school's last return (R20), and R10's flag."""

    NEW = "new", "New"
    LEFT = "left", "Left"
    SUPPORT_CHANGED = "support_changed", "Support changed"
    BAND_CHANGED = "band_changed", "Band changed"
    PLAN_CEASED = "plan_ceased", "Plan ceased"
    REVIEW_OVERDUE = "review_overdue", "Annual review overdue"


class Resolution(models.TextChoices):
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
    #: the LA had already recorded what the school says (after the return was issued)
    ALREADY_RECORDED = "recorded", "Already recorded"


class ReturnGeneration(models.Model):
    """One run of the generator for a month: what it did, school by school."""

    month = models.DateField(help_text="First day of the month the returns are for.")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    schools = models.PositiveIntegerField(default=0, help_text="Schools asked for a return.")
    created = models.PositiveIntegerField(default=0)
    rebuilt = models.PositiveIntegerField(default=0)
    left_alone = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    failures = models.JSONField(
        default=list, blank=True, help_text="[{school_id, school, error}] for schools that failed."
    )
    timings = models.JSONField(
        default=dict, blank=True, help_text="Seconds per school: p50, p95, max."
    )
    attempts = models.PositiveSmallIntegerField(
        default=1,
        help_text="Times the schools were sent out: 1, plus each resume of a run cut short.",
    )
    last_attempt_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the schools were last sent out (the start, or a resume).",
    )

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.CheckConstraint(condition=Q(month__day=1), name="generation_month_is_first_day"),
        ]

    def __str__(self) -> str:
        return f"Returns for {self.month:%B %Y} started {self.started_at:%d %b %Y %H:%M}"

    @property
    def is_finished(self) -> bool:
        return self.finished_at is not None


class MonthlyReturn(models.Model):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="monthly_returns")
    month = models.DateField(help_text="First day of the month the return is for.")
    status = models.CharField(
        max_length=20, choices=ReturnStatus.choices, default=ReturnStatus.ISSUED
    )
    generation = models.ForeignKey(
        ReturnGeneration, null=True, blank=True, on_delete=models.SET_NULL, related_name="returns"
    )
    issued_at = models.DateTimeField(help_text="When the return was (last) generated.")
    opened_at = models.DateTimeField(
        null=True, blank=True, help_text="When the school first opened it; never rebuilt after."
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True, help_text="First line answered.")
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-month", "school__name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "month"], name="one_return_per_school_month"),
            models.CheckConstraint(
                condition=Q(month__day=1),
                name="return_month_is_first_day",
                violation_error_message="A return's month is the first day of the month.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["issued", "in_progress"]) | Q(submitted_at__isnull=False),
                name="submitted_return_has_date",
                violation_error_message="A submitted return records when it was submitted.",
            ),
        ]
        indexes = [models.Index(fields=["month", "status"])]

    def __str__(self) -> str:
        return f"{self.school.name} return for {self.month:%B %Y}"

    @property
    def is_open_to_school(self) -> bool:
        return self.status in ReturnStatus.open_to_school()

    @property
    def month_end(self) -> dt.date:
        from funding.returns.calculations import month_end

        return month_end(self.month)


class ReturnLine(models.Model):
    """One pupil on a return: the LA's record for the month, the school's answers, the outcome."""

    # No index of its own: the unique (monthly_return, pupil) constraint's index leads with it.
    monthly_return = models.ForeignKey(
        MonthlyReturn, on_delete=models.CASCADE, related_name="lines", db_index=False
    )
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="return_lines")
    placement = models.ForeignKey(
        "pupils.Placement", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    plan = models.ForeignKey(
        "pupils.Plan", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    support_level = models.ForeignKey(
        "pupils.SupportLevel", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The LA's record for the month.
    year_group = models.SmallIntegerField()
    plan_kind = models.CharField(max_length=10, choices=PlanKind.choices, blank=True)
    on_roll_from = models.DateField(help_text="First day of the placement at this school.")
    on_roll_to = models.DateField(null=True, blank=True, help_text="Last day on roll, if known.")
    expected_on_roll = models.BooleanField(
        default=True, help_text="The LA's record shows the pupil on roll at the end of the month."
    )
    lsa_hours = models.DecimalField("LSA hours a week", max_digits=5, decimal_places=2, default=0)
    lst_hours = models.DecimalField("LST hours a week", max_digits=5, decimal_places=2, default=0)
    ta_hours = models.DecimalField("TA hours a week", max_digits=5, decimal_places=2, default=0)
    band = models.PositiveSmallIntegerField(null=True, blank=True)
    resource_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    monthly_amount = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="The month's top-up from the funding engine, where it gives one.",
    )
    plan_ceased_on = models.DateField(null=True, blank=True)
    annual_review_due = models.DateField(null=True, blank=True)
    changes = models.JSONField(
        default=list,
        blank=True,
        help_text='Changes since the last return: [{"kind", "effective_on", "detail"}].',
    )
    # The school's answers.
    on_roll = models.BooleanField(null=True, blank=True)
    support_correct = models.BooleanField(null=True, blank=True)
    correction = models.TextField(blank=True)
    queried = models.BooleanField(
        default=False, help_text="The school's answers disagree with the LA's record."
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    # The LA's resolution of a query.
    resolution = models.CharField(max_length=10, choices=Resolution.choices, blank=True)
    resolution_reason = models.TextField(blank=True, help_text="Shown to the school.")
    resolution_effective_on = models.DateField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(
        default=0,
        db_default=0,  # the generator writes lines with COPY, naming only its own columns
        help_text="Goes up with each answer or resolution: a form sent with an older one is "
        "refused, so of two people answering the line at once the later is told it changed.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["monthly_return", "pupil__family_name", "pupil__given_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["monthly_return", "pupil"], name="one_line_per_pupil_per_return"
            ),
            models.CheckConstraint(
                condition=Q(
                    answered_at__isnull=True, on_roll__isnull=True, support_correct__isnull=True
                )
                | Q(
                    answered_at__isnull=False, on_roll__isnull=False, support_correct__isnull=False
                ),
                name="line_answered_completely",
                violation_error_message="Answer both questions on the line.",
            ),
            models.CheckConstraint(
                condition=Q(lsa_hours__gte=0, lst_hours__gte=0, ta_hours__gte=0),
                name="line_hours_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(resolution="rejected") | ~Q(resolution_reason=""),
                name="rejection_has_reason",
                violation_error_message="Give the school a reason for rejecting its correction.",
            ),
            models.CheckConstraint(
                condition=Q(resolution="") | Q(queried=True),
                name="only_queries_are_resolved",
            ),
            models.CheckConstraint(
                condition=Q(on_roll_to__isnull=True) | Q(on_roll_to__gte=F("on_roll_from")),
                name="line_on_roll_range_ordered",
            ),
        ]
        indexes = [
            models.Index(
                fields=["queried", "resolution"],
                name="returns_line_open_queries",
                condition=Q(queried=True, resolution=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pupil.upn} on {self.monthly_return}"

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None

    @property
    def year_group_label(self) -> str:
        return year_group_label(self.year_group)

    @property
    def support_summary(self) -> str:
        return describe_support(
            self.lsa_hours, self.lst_hours, self.ta_hours, self.band, self.resource_amount
        )

    @property
    def change_labels(self) -> list[str]:
        """Each change in words with its effective date, e.g. "Left 16 May 2025"."""
        labels = dict(ChangeKind.choices)
        out = []
        for change in self.changes:
            text = labels.get(change.get("kind"), change.get("kind", ""))
            if change.get("effective_on"):
                day = dt.date.fromisoformat(change["effective_on"])
                text = f"{text} {day.day} {day:%b %Y}"
            out.append(text)
        return out

    @property
    def change_items(self) -> list[tuple[str, str]]:
        """(label with date, detail) for each change, e.g. ("Support changed 12 May 2025", ...)."""
        return [
            (label, change.get("detail", ""))
            for label, change in zip(self.change_labels, self.changes, strict=True)
        ]

    @property
    def change_kinds(self) -> list[str]:
        return [change.get("kind") for change in self.changes]
