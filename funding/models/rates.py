"""A scheme's rate tables, edited as admin inlines: notional SEN factors (R2), hourly rates
(R5/R6), TA-hours bands (R5, Surrey); and its dated rate changes inside the year (R26 with R7).
Special school band rates live in `schools.SpecialSchoolBand` (R12)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from funding.models.fields import money, not_negative
from funding.models.scheme import FundingScheme


class SenFactor(models.TextChoices):
    """Formula factors the notional SEN budget (R2) can weight. Counts come from the census."""

    AWPU = "awpu", "AWPU (element 1) budget"
    FSM = "fsm", "Free school meals"
    IDACI = "idaci", "IDACI deprivation"
    LOW_PRIOR_ATTAINMENT = "low_prior_attainment", "Low prior attainment"
    MOBILITY = "mobility", "Pupil mobility"
    EAL = "eal", "English as an additional language"
    ENGLISH_ATTAINMENT = "english_attainment_below", "Below expected English at key stage"
    SEN_SUPPORT = "sen_support", "SEN support pupils (no plan)"


class NotionalSenFactor(models.Model):
    """R2: weight % × (pupils × rate) for a factor; for AWPU, weight % × the element 1 budget."""

    scheme = models.ForeignKey(FundingScheme, on_delete=models.CASCADE, related_name="sen_factors")
    factor = models.CharField(max_length=40, choices=SenFactor.choices)
    rate_per_pupil = money(
        "rate per pupil", null=True, help_text="Not used for the AWPU factor (leave empty)."
    )
    weight_percent = models.DecimalField(
        "weight %",
        max_digits=6,
        decimal_places=2,
        default=Decimal("100"),
        validators=[not_negative, MaxValueValidator(Decimal("100"))],
    )
    note = models.CharField(max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["scheme", "factor"]
        verbose_name = "notional SEN factor"
        constraints = [
            models.UniqueConstraint(fields=["scheme", "factor"], name="one_rate_per_sen_factor"),
            models.CheckConstraint(
                condition=Q(rate_per_pupil__isnull=True) | Q(rate_per_pupil__gte=0),
                name="sen_factor_rate_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(weight_percent__gte=0, weight_percent__lte=100),
                name="sen_factor_weight_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_factor_display()} {self.weight_percent}%"


class StaffRole(models.TextChoices):
    LSA = "lsa", "LSA (learning support assistant)"
    LST = "lst", "LST (learning support teacher)"
    TA = "ta", "TA (teaching assistant)"


class RatePhase(models.TextChoices):
    PRIMARY = "primary", "Primary"
    SECONDARY = "secondary", "Secondary"


class HourlyRate(models.Model):
    """R5/R6: what an hour a week of LSA, LST or TA support costs a year, by phase."""

    scheme = models.ForeignKey(FundingScheme, on_delete=models.CASCADE, related_name="hourly_rates")
    role = models.CharField(max_length=3, choices=StaffRole.choices)
    phase = models.CharField(max_length=10, choices=RatePhase.choices)
    hourly_rate = money("hourly rate")
    weeks_per_year = models.DecimalField(
        "weeks a year",
        max_digits=4,
        decimal_places=1,
        default=Decimal("39"),
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("52"))],
    )
    delegated = models.BooleanField(
        default=True,
        help_text="Unticked: retained centrally and provided in kind (R6, Hackney primary LST).",
    )
    note = models.CharField(max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["scheme", "phase", "role"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "role", "phase"], name="one_rate_per_role"),
            models.CheckConstraint(
                condition=Q(hourly_rate__gte=0), name="hourly_rate_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(weeks_per_year__gte=1, weeks_per_year__lte=52),
                name="weeks_per_year_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.get_phase_display()} £{self.hourly_rate}/h"


class TaHoursBand(models.Model):
    """R5 (Surrey): a band of TA hours a week from `min_hours` (up to the next band's start).

    Annual top-up = amount_from + (hours - min_hours) × rate_per_hour, capped at amount_to.
    A fixed amount is a band with no rate.
    """

    scheme = models.ForeignKey(FundingScheme, on_delete=models.CASCADE, related_name="ta_bands")
    label = models.CharField(max_length=60, blank=True, help_text="e.g. 20-28 hours")
    min_hours = models.DecimalField(
        "from hours a week", max_digits=5, decimal_places=2, validators=[not_negative]
    )
    amount_from = money("annual top-up at the band's start")
    rate_per_hour = money(
        "plus per hour a week above the start", default="0", help_text="0 for a fixed amount."
    )
    amount_to = money("at most", null=True, help_text="Empty: no upper limit.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["scheme", "min_hours"]
        verbose_name = "TA hours band"
        constraints = [
            models.UniqueConstraint(fields=["scheme", "min_hours"], name="one_band_per_start"),
            models.CheckConstraint(
                condition=Q(min_hours__gte=0, amount_from__gte=0, rate_per_hour__gte=0),
                name="ta_band_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(amount_to__isnull=True) | Q(amount_to__gte=F("amount_from")),
                name="ta_band_range_ordered",
                violation_error_message="'At most' cannot be below the band's starting amount.",
            ),
        ]

    def __str__(self) -> str:
        return self.label or f"from {self.min_hours} h"


class SchemeRateChange(models.Model):
    """R26 with R7: rates of a live scheme that change from a date inside its year (an uplift
    adopted mid-year, e.g. a pay award), kept apart from the year's rates so the engine counts
    them from that date only: no back-pay to 1 April (R24).

    The engine applies `percent` to `rate_set` over the rates in force just before the date
    (each rate rounded as the scheme holds it), so changes compose in date order and a
    correction of the year's rates carries through (`calculations.scheme.rates_from`).
    `values` is the record of the rates it gave from the date when adopted (rounded), in the
    scenario snapshot's shape (the rates themselves only for a change with no percent); only
    the changed rate set: ``hourly_rates`` ([{role, phase,
    hourly_rate}]), or ``ta_bands`` ([{min_hours, amount_from, rate_per_hour, amount_to,
    label}]) and ``band_rates`` ([{school_id, band, rate}]). `previous` holds the rates they
    replaced, in the same shape (to say "£15.50 → £16.00")."""

    scheme = models.ForeignKey(FundingScheme, on_delete=models.PROTECT, related_name="rate_changes")
    #: The scheme's year (kept here so the database can check the date is inside it).
    financial_year = models.PositiveSmallIntegerField(validators=[MinValueValidator(2000)])
    effective_from = models.DateField("from")
    rate_set = models.CharField(max_length=20)
    percent = models.DecimalField(max_digits=8, decimal_places=4, null=True, blank=True)
    values = models.JSONField(default=dict)
    previous = models.JSONField(default=dict, blank=True)
    reason = models.CharField(max_length=500)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["scheme", "effective_from", "rate_set"]
        verbose_name = "dated rate change"
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "effective_from", "rate_set"],
                name="one_rate_change_per_scheme_date_set",
                violation_error_message="These rates already change from that date.",
            ),
            # Strictly after 1 April (a change from the year's start is the year's own rates)
            # and no later than 31 March of the year.
            models.CheckConstraint(
                condition=(
                    Q(effective_from__year=F("financial_year"), effective_from__month__gt=4)
                    | Q(
                        effective_from__year=F("financial_year"),
                        effective_from__month=4,
                        effective_from__day__gt=1,
                    )
                    | Q(effective_from__year=F("financial_year") + 1, effective_from__month__lte=3)
                ),
                name="rate_change_inside_year_after_start",
                violation_error_message=(
                    "A dated rate change starts after 1 April and no later than 31 March of "
                    "the scheme's year."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scheme} rates from {self.effective_from:%d %b %Y}"

    def clean(self) -> None:
        if self.scheme_id and self.financial_year != self.scheme.financial_year:
            raise ValidationError(
                {"financial_year": "A dated rate change is in its scheme's financial year."}
            )
