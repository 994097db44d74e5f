"""The SEN Panel: meetings, cases, and the decisions that change funding (R5, R9, R12).

A case is listed at one meeting at a time. The panel decides it once (approved, approved with
changes or declined), or defers it: a deferred decision is kept at the meeting where it was made
and the case moves to the next meeting, where it is decided (or deferred) again. So a case has at
most one decision per meeting and at most one decision that is not "deferred".

An approved decision takes effect through the pupil services (a support level or band from the
effective date, or a personal supplement / ENF funding item for a period) and links to the row it
created. Every row keeps its full history with who and when (django-simple-history).

R9, R9+: exceptional needs funding is granted on a ground (`EnfGround`: a short-term
intervention, crisis funding, or need outside the usual cohort) and lasts no longer than that
ground's limit in the scheme of the year it starts (`funding.panel.enf`). The case records the
ground asked for and the decision the ground granted; the services check the limit.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from funding.panel.enf import GROUND_PHRASE, EnfGround
from pupils.models import FundingItem, Plan, Pupil, SupportLevel
from schools.constraints import in_choices
from schools.models import School

MAX_WEEKLY_HOURS = 60


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    HELD = "held", "Held"
    CLOSED = "closed", "Closed (minutes agreed)"


class CaseKind(models.TextChoices):
    NEW_TOP_UP = "new_top_up", "New top-up"
    BAND_CHANGE = "band_change", "Band change"
    PERSONAL_SUPPLEMENT = "personal_supplement", "Personal supplement"
    ENF = "enf", "Exceptional needs funding (ENF)"
    SPECIALIST_PLACE = "specialist_place", "Special school or SSC place"

    @classmethod
    def funding_item_kinds(cls) -> tuple[str, ...]:
        """Kinds decided as a sum for a period (a FundingItem), not as a support level."""
        return (cls.PERSONAL_SUPPLEMENT, cls.ENF)

    @classmethod
    def support_kinds(cls) -> tuple[str, ...]:
        return (cls.NEW_TOP_UP, cls.BAND_CHANGE, cls.SPECIALIST_PLACE)


class CaseStatus(models.TextChoices):
    SUBMITTED = "submitted", "Awaiting panel"
    DEFERRED = "deferred", "Deferred"
    APPROVED = "approved", "Approved"
    APPROVED_WITH_CHANGES = "approved_with_changes", "Approved with changes"
    DECLINED = "declined", "Declined"

    @classmethod
    def open(cls) -> tuple[str, ...]:
        """Statuses of a case still waiting for the panel."""
        return (cls.SUBMITTED, cls.DEFERRED)


class Outcome(models.TextChoices):
    APPROVED = "approved", "Approved"
    APPROVED_WITH_CHANGES = "approved_with_changes", "Approved with changes"
    DECLINED = "declined", "Declined"
    DEFERRED = "deferred", "Deferred to the next meeting"

    @classmethod
    def approvals(cls) -> tuple[str, ...]:
        return (cls.APPROVED, cls.APPROVED_WITH_CHANGES)


def _hours_field(verbose_name: str):
    return models.DecimalField(verbose_name, max_digits=5, decimal_places=2, null=True, blank=True)


def _hours_in_range(prefix: str, name: str):
    conditions = Q()
    for role in ("lsa", "lst", "ta"):
        field = f"{prefix}_{role}_hours"
        conditions &= Q(**{f"{field}__isnull": True}) | Q(
            **{f"{field}__gte": 0, f"{field}__lte": MAX_WEEKLY_HOURS}
        )
    return models.CheckConstraint(
        condition=conditions,
        name=name,
        violation_error_message="Hours of support are hours a week: from 0 to 60.",
    )


def _band_in_range(field: str, name: str):
    return models.CheckConstraint(
        condition=Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gte": 1, f"{field}__lte": 5}),
        name=name,
        violation_error_message="A band is 1 to 5 (R12).",
    )


def _amount_not_negative(field: str, name: str):
    return models.CheckConstraint(
        condition=Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gte": 0}),
        name=name,
        violation_error_message="An amount cannot be negative.",
    )


def _ends_after_start(start: str, end: str, name: str, message: str):
    return models.CheckConstraint(
        condition=Q(**{f"{start}__isnull": True})
        | Q(**{f"{end}__isnull": True})
        | Q(**{f"{end}__gte": F(start)}),
        name=name,
        violation_error_message=message,
    )


def _enf_ground_valid(name: str):
    return models.CheckConstraint(
        condition=Q(enf_ground__in=[*EnfGround.values, ""]),
        name=name,
        violation_error_message="Choose a valid ENF ground.",
    )


class PanelMeeting(models.Model):
    date = models.DateField(
        unique=True, error_messages={"unique": "There is already a panel meeting on this date."}
    )
    status = models.CharField(
        max_length=20, choices=MeetingStatus.choices, default=MeetingStatus.SCHEDULED
    )
    members_present = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="panel_meetings_attended",
        help_text="SEN Panel members at the meeting.",
    )
    notes = models.TextField(blank=True)
    history = HistoricalRecords(m2m_fields=[members_present])

    class Meta:
        ordering = ["-date"]
        constraints = [in_choices("status", MeetingStatus, "panel_meeting_status_valid")]

    def __str__(self) -> str:
        return f"SEN Panel {self.date:%d %B %Y}"


class PanelCase(models.Model):
    """A request put to the SEN Panel for one pupil at one school; LA officers prepare it."""

    meeting = models.ForeignKey(
        PanelMeeting,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        help_text="The meeting the case is listed at (a deferred case moves to the next one).",
    )
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="panel_cases")
    school = models.ForeignKey(
        School,
        on_delete=models.PROTECT,
        related_name="panel_cases",
        help_text="The school asking (for a place: the special school or SSC school named).",
    )
    kind = models.CharField(max_length=30, choices=CaseKind.choices)
    requested_lsa_hours = _hours_field("LSA hours a week asked for")
    requested_lst_hours = _hours_field("LST hours a week asked for")
    requested_ta_hours = _hours_field("TA hours a week asked for")
    requested_band = models.PositiveSmallIntegerField("band asked for", null=True, blank=True)
    requested_amount = models.DecimalField(
        "annual amount asked for", max_digits=12, decimal_places=2, null=True, blank=True
    )
    requested_from = models.DateField("asked to start on", null=True, blank=True)
    requested_until = models.DateField("asked to end on", null=True, blank=True)
    enf_ground = models.CharField(
        "ENF ground asked for",
        max_length=20,
        choices=EnfGround.choices,
        blank=True,
        help_text="ENF only: a short-term intervention, crisis funding, or need outside the "
        "usual cohort; each ground has its own limit in the scheme (R9).",
    )
    evidence_summary = models.TextField(
        help_text="What the school has tried, what it costs, and the evidence of need."
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="panel_cases_submitted",
        editable=False,
    )
    submitted_at = models.DateTimeField(default=timezone.now, editable=False)
    status = models.CharField(
        max_length=30, choices=CaseStatus.choices, default=CaseStatus.SUBMITTED, editable=False
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-submitted_at"]
        constraints = [
            in_choices("kind", CaseKind, "panel_case_kind_valid"),
            in_choices("status", CaseStatus, "panel_case_status_valid"),
            _hours_in_range("requested", "panel_case_hours_0_to_60"),
            _band_in_range("requested_band", "panel_case_band_1_to_5"),
            _amount_not_negative("requested_amount", "panel_case_amount_not_negative"),
            _ends_after_start(
                "requested_from",
                "requested_until",
                "panel_case_ends_after_start",
                "The end date asked for cannot be before the start date.",
            ),
            _enf_ground_valid("panel_case_enf_ground_valid"),
            models.CheckConstraint(
                condition=(Q(kind=CaseKind.ENF) & ~Q(enf_ground=""))
                | (~Q(kind=CaseKind.ENF) & Q(enf_ground="")),
                name="panel_case_enf_names_ground",
                violation_error_message=(
                    "An ENF case names its ground (short-term intervention, crisis funding, or "
                    "need outside the usual cohort); other cases have none."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(kind=CaseKind.BAND_CHANGE) | Q(requested_band__isnull=False),
                name="panel_case_band_change_names_band",
                violation_error_message="A band change case must say which band is asked for.",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=CaseKind.funding_item_kinds())
                | Q(
                    requested_amount__isnull=False,
                    requested_band__isnull=True,
                    requested_lsa_hours__isnull=True,
                    requested_lst_hours__isnull=True,
                    requested_ta_hours__isnull=True,
                ),
                name="panel_case_funding_item_asks_amount",
                violation_error_message=(
                    "A personal supplement or ENF case asks for an annual amount only "
                    "(no hours or band)."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=CaseKind.support_kinds()) | Q(requested_until__isnull=True),
                name="panel_case_support_has_no_end",
                violation_error_message=(
                    "Support lasts until the plan is reviewed or changed: leave the end date "
                    "asked for empty (only a personal supplement or ENF has an end date)."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=[CaseKind.NEW_TOP_UP, CaseKind.SPECIALIST_PLACE])
                | Q(requested_lsa_hours__isnull=False)
                | Q(requested_lst_hours__isnull=False)
                | Q(requested_ta_hours__isnull=False)
                | Q(requested_band__isnull=False)
                | Q(requested_amount__isnull=False),
                name="panel_case_top_up_asks_something",
                violation_error_message=(
                    "Say what is asked for: hours of LSA, LST or TA, a band, or an amount."
                ),
            ),
        ]
        indexes = [models.Index(fields=["status", "kind"])]

    def __str__(self) -> str:
        return f"{self.reference}: {self.get_kind_display()} for {self.pupil.upn}"

    @property
    def reference(self) -> str:
        return f"PC-{self.pk:05d}" if self.pk else "PC-new"

    @property
    def is_open(self) -> bool:
        return self.status in CaseStatus.open()

    @property
    def asked_summary(self) -> str:
        return describe_grant(
            lsa_hours=self.requested_lsa_hours,
            lst_hours=self.requested_lst_hours,
            ta_hours=self.requested_ta_hours,
            band=self.requested_band,
            amount=self.requested_amount,
            starts_on=self.requested_from,
            ends_on=self.requested_until,
            enf_ground=self.enf_ground,
        )


class PanelDecision(models.Model):
    """What the panel decided on a case at a meeting, by whom and when, and what it created."""

    case = models.ForeignKey(PanelCase, on_delete=models.PROTECT, related_name="decisions")
    meeting = models.ForeignKey(PanelMeeting, on_delete=models.PROTECT, related_name="decisions")
    outcome = models.CharField(max_length=30, choices=Outcome.choices)
    granted_lsa_hours = _hours_field("LSA hours a week granted")
    granted_lst_hours = _hours_field("LST hours a week granted")
    granted_ta_hours = _hours_field("TA hours a week granted")
    granted_band = models.PositiveSmallIntegerField("band granted", null=True, blank=True)
    granted_amount = models.DecimalField(
        "annual amount granted", max_digits=12, decimal_places=2, null=True, blank=True
    )
    effective_from = models.DateField(null=True, blank=True)
    end_date = models.DateField(
        null=True,
        blank=True,
        help_text="Last day funded: required for a personal supplement or ENF; "
        "ENF lasts no longer than its ground's limit in the scheme (R9).",
    )
    enf_ground = models.CharField(
        "ENF ground",
        max_length=20,
        choices=EnfGround.choices,
        blank=True,
        help_text="ENF approvals only: the ground the funding is granted on (R9).",
    )
    reasons = models.TextField()
    deferred_to = models.ForeignKey(
        PanelMeeting,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deferred_cases_in",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="panel_decisions"
    )
    decided_at = models.DateTimeField(default=timezone.now)
    plan = models.OneToOneField(
        Plan,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="panel_decision",
        help_text="The plan issued by this decision (a new top-up for a pupil without a plan).",
    )
    support_level = models.OneToOneField(
        SupportLevel,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="panel_decision",
        help_text="The support level this decision created.",
    )
    previous_support_level = models.ForeignKey(
        SupportLevel,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The support level in force the day before, which this decision ended.",
    )
    funding_item = models.OneToOneField(
        FundingItem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="panel_decision",
        help_text="The personal supplement or ENF this decision created.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-decided_at"]
        constraints = [
            in_choices("outcome", Outcome, "panel_decision_outcome_valid"),
            _hours_in_range("granted", "panel_decision_hours_0_to_60"),
            _band_in_range("granted_band", "panel_decision_band_1_to_5"),
            _amount_not_negative("granted_amount", "panel_decision_amount_not_negative"),
            _enf_ground_valid("panel_decision_enf_ground_valid"),
            _ends_after_start(
                "effective_from",
                "end_date",
                "panel_decision_ends_after_start",
                "The end date cannot be before the effective date.",
            ),
            models.UniqueConstraint(
                fields=["case", "meeting"],
                name="panel_decision_one_per_case_per_meeting",
                violation_error_message="This case already has a decision at this meeting.",
            ),
            models.UniqueConstraint(
                fields=["case"],
                condition=~Q(outcome=Outcome.DEFERRED),
                name="panel_decision_one_final_per_case",
                violation_error_message="This case has already been decided.",
            ),
            models.CheckConstraint(
                condition=~Q(reasons=""),
                name="panel_decision_has_reasons",
                violation_error_message="Give the panel's reasons.",
            ),
            models.CheckConstraint(
                condition=~Q(outcome__in=Outcome.approvals())
                | (
                    Q(effective_from__isnull=False)
                    & (Q(support_level__isnull=False) | Q(funding_item__isnull=False))
                ),
                name="panel_decision_approval_takes_effect",
                violation_error_message=(
                    "An approval needs an effective date and the support level or funding "
                    "item it creates."
                ),
            ),
            models.CheckConstraint(
                condition=Q(outcome__in=Outcome.approvals())
                | Q(
                    granted_lsa_hours__isnull=True,
                    granted_lst_hours__isnull=True,
                    granted_ta_hours__isnull=True,
                    granted_band__isnull=True,
                    granted_amount__isnull=True,
                    effective_from__isnull=True,
                    end_date__isnull=True,
                    enf_ground="",
                    plan__isnull=True,
                    support_level__isnull=True,
                    previous_support_level__isnull=True,
                    funding_item__isnull=True,
                ),
                name="panel_decision_refusal_grants_nothing",
                violation_error_message="A declined or deferred case is granted nothing.",
            ),
            models.CheckConstraint(
                condition=Q(support_level__isnull=True) | Q(funding_item__isnull=True),
                name="panel_decision_one_effect",
                violation_error_message=(
                    "A decision creates a support level or a funding item, not both."
                ),
            ),
            models.CheckConstraint(
                condition=(Q(outcome=Outcome.DEFERRED) & Q(deferred_to__isnull=False))
                | (~Q(outcome=Outcome.DEFERRED) & Q(deferred_to__isnull=True)),
                name="panel_decision_deferral_names_meeting",
                violation_error_message="A deferral names the meeting the case moves to.",
            ),
            models.CheckConstraint(
                condition=Q(deferred_to__isnull=True) | ~Q(deferred_to=F("meeting")),
                name="panel_decision_deferred_to_another_meeting",
                violation_error_message="A case is deferred to a different meeting.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case.reference} at {self.meeting}: {self.get_outcome_display()}"

    @property
    def reference(self) -> str:
        """The case and meeting: unique, because a case has one decision per meeting."""
        return f"{self.case.reference}/{self.meeting.date:%Y-%m-%d}"

    @property
    def is_approval(self) -> bool:
        return self.outcome in Outcome.approvals()

    @property
    def enf_ground_phrase(self) -> str:
        """ "for a short-term intervention", "for crisis funding", ...; empty if not ENF."""
        return GROUND_PHRASE.get(self.enf_ground, "")

    @property
    def granted_summary(self) -> str:
        if not self.is_approval:
            return ""
        return describe_grant(
            lsa_hours=self.granted_lsa_hours,
            lst_hours=self.granted_lst_hours,
            ta_hours=self.granted_ta_hours,
            band=self.granted_band,
            amount=self.granted_amount,
            starts_on=self.effective_from,
            ends_on=self.end_date,
            enf_ground=self.enf_ground,
        )


def change_reason_for(case: PanelCase, meeting: PanelMeeting) -> str:
    """The reason recorded on every row a decision changes (and in their history).

    Unique per decision (one decision per case per meeting), at most 100 characters (the
    length of django-simple-history's change reason), so the audit page can tie each
    historical change to the decision that caused it by exact match.
    """
    return f"SEN Panel decision on case {case.reference} at the {meeting.date:%d %B %Y} meeting"


def describe_grant(
    *, lsa_hours, lst_hours, ta_hours, band, amount, starts_on, ends_on, enf_ground=""
) -> str:
    parts = []
    for label, hours in (("LSA", lsa_hours), ("LST", lst_hours), ("TA", ta_hours)):
        if hours is not None:
            parts.append(f"{hours.normalize():f} h {label} a week")
    if band is not None:
        parts.append(f"band {band}")
    if amount is not None:
        parts.append(f"£{amount:,.2f} a year")
    text = ", ".join(parts) or "nothing specified"
    if starts_on and ends_on:
        text += f", {starts_on:%d %B %Y} to {ends_on:%d %B %Y}"
    elif starts_on:
        text += f", from {starts_on:%d %B %Y}"
    elif ends_on:
        text += f", until {ends_on:%d %B %Y}"
    if enf_ground:
        text += f" ({EnfGround(enf_ground).label.lower()})"
    return text
