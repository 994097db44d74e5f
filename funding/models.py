"""Funding schemes (every number and switch as data), allocation runs and their explained lines.

A `FundingScheme` belongs to one LA and one financial year and holds the figures rules R1-R14
need; its rate tables (notional SEN factors, hourly rates, TA-hours bands) hang off it and are
edited as admin inlines. Special school band rates live in `schools.SpecialSchoolBand` (R12).

An `AllocationRun` is one calculation of a year's money; each `AllocationLine` is one amount
for one school (and pupil, for element 3) over one period, with the working that produced it.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from funding.calculations.scheme import FORMULA_ESTABLISHMENT_TYPES
from schools.dates import FinancialYear
from schools.models import LocalAuthority, School

not_negative = MinValueValidator(Decimal("0"), "Enter an amount of £0 or more.")


def money(verbose_name: str, *, default=None, null: bool = False, help_text: str = ""):
    """A money field: Decimal to the penny, never negative."""
    kwargs = {"null": null, "blank": null} if null else {}
    if default is not None:
        kwargs["default"] = Decimal(default)
    return models.DecimalField(
        verbose_name,
        max_digits=12,
        decimal_places=2,
        validators=[not_negative],
        help_text=help_text,
        **kwargs,
    )


class TopUpMethod(models.TextChoices):
    HOURLY = "hourly", "Hours a week × hourly rate × weeks a year, less the threshold"
    TA_BANDS = "ta_bands", "Bands by teaching-assistant hours a week (Surrey)"


class ThresholdBasis(models.TextChoices):
    """R3+: what the threshold counts (DOMAIN.md conventions)."""

    ADDITIONAL = "additional", "Additional provision above the threshold (national: £6,000)"
    TOTAL_WITH_ELEMENT_1 = (
        "total_with_element_1",
        "Total cost including the pupil's element 1 (AWPU) above the threshold (Torbay)",
    )


class IarCountSource(models.TextChoices):
    """R4+: where the count of pupils in receipt of an IAR comes from."""

    RECORDS = "records", "Our records: on roll, Reception to Year 11, with a plan and a top-up"
    CENSUS = "census", "The census count of EHC plans (fallback)"


class PlaceFundingSplit(models.TextChoices):
    """R11+: how an FY's place funding is split between the two academic years it spans."""

    MONTHS = "months", "By months: 5/12 of the earlier academic year's places + 7/12 of the later"
    SCHOOL_DAYS = "school_days", "By school days in each part of the financial year"


class EnfLimit(models.TextChoices):
    """R9+: how long exceptional needs funding on one ground may last."""

    ACADEMIC_YEAR = "academic_year", "Ends within the academic year it starts"
    TWELVE_MONTHS = "twelve_months", "At most twelve months"
    NONE = "none", "No limit (until the panel ends it)"


class PaymentFrequency(models.TextChoices):
    """R24: how often pupil-led money is paid."""

    MONTHLY = "monthly", "Monthly"
    TERMLY = "termly", "Termly (April-August, September-December, January-March)"


class PaymentMethod(models.TextChoices):
    """R24: how a school's payments reach it."""

    BUDGET_SHARE = "budget_share", "An adjustment to the school's budget share"
    REMITTANCE = "remittance", "A payment against a remittance advice"


def default_formula_establishment_types() -> list[str]:
    return list(FORMULA_ESTABLISHMENT_TYPES)


class FundingScheme(models.Model):
    """One LA's funding rules for one financial year (R1-R14, and R15-R17 switches)."""

    la = models.ForeignKey(
        LocalAuthority, on_delete=models.PROTECT, related_name="funding_schemes", verbose_name="LA"
    )
    financial_year = models.PositiveSmallIntegerField(help_text="2025 means FY 2025-26.")
    name = models.CharField(max_length=120)
    preset = models.CharField(
        max_length=30, blank=True, help_text="The preset this scheme was loaded from, if any."
    )
    notes = models.TextField(
        blank=True,
        help_text="Sources of the figures and every assumption made where a source gives none.",
    )
    # R1 element 1: AWPU by key stage (national floors: primary £2,000, KS3/KS4 £3,000).
    awpu_primary = money(
        "AWPU primary (Reception to Year 6)", null=True, help_text="R1. At least £2,000."
    )
    awpu_ks3 = money("AWPU key stage 3", null=True, help_text="R1. At least £3,000.")
    awpu_ks4 = money("AWPU key stage 4", null=True, help_text="R1. At least £3,000.")
    # R3 threshold met by the school before top-up.
    threshold = money(
        "threshold",
        default="6000",
        help_text="R3. What a school funds from elements 1-2 before top-up (£6,000 or £10,000).",
    )
    threshold_basis = models.CharField(
        "what the threshold counts",
        max_length=30,
        choices=ThresholdBasis.choices,
        default=ThresholdBasis.ADDITIONAL,
        help_text="R3+. Torbay's £10,000 includes the pupil's element 1 ('core and notional').",
    )
    # R1+/R2: which census and which establishments the schools-block formula uses.
    formula_census_month = models.PositiveSmallIntegerField(
        "census for elements 1 and 2",
        default=10,
        choices=[(10, "October census before the year"), (1, "January census before the year")],
        help_text="R1+. The schools-block formula uses the October census before the FY.",
    )
    formula_establishment_types = models.JSONField(
        "establishment types funded by the schools-block formula",
        default=default_formula_establishment_types,
        blank=True,
        help_text="R1+. Mainstream maintained schools and academies; never nursery, special, "
        "AP, FE, independent or other settings.",
    )
    # R4 Additional SEN Support (West Sussex).
    additional_sen_support = models.BooleanField(
        "pay Additional SEN Support", default=False, help_text="R4."
    )
    ass_percentage = models.DecimalField(
        "IAR pupils above this percentage of the roll",
        max_digits=5,
        decimal_places=2,
        default=Decimal("3.00"),
        validators=[not_negative, MaxValueValidator(Decimal("100"))],
    )
    ass_amount = money("amount per IAR pupil above the percentage", default="6000")
    ass_counting_month = models.PositiveSmallIntegerField(
        "counting month",
        default=11,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text="R4. The census month the count is taken from (11 = November).",
    )
    ass_counting_day = models.PositiveSmallIntegerField(
        "counting day",
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text="R4+. The day of the counting month on which IAR pupils are counted.",
    )
    iar_count_source = models.CharField(
        "count of IAR pupils from",
        max_length=10,
        choices=IarCountSource.choices,
        default=IarCountSource.RECORDS,
        help_text="R4+. Our own records unless the LA chooses the census count.",
    )
    # R5/R6 top-up from a support level.
    top_up_method = models.CharField(
        max_length=20, choices=TopUpMethod.choices, default=TopUpMethod.HOURLY
    )
    # R11/R13 place funding.
    special_place_amount = money("special school: per planned place", default="10000")
    ssc_occupied_place_amount = money("SSC: per occupied planned place", default="6000")
    ssc_unoccupied_place_amount = money("SSC: per unoccupied planned place", default="10000")
    place_funding_split = models.CharField(
        "place funding across academic years",
        max_length=12,
        choices=PlaceFundingSplit.choices,
        default=PlaceFundingSplit.MONTHS,
        help_text="R11+. Maintained-school convention: 5/12 + 7/12 by months.",
    )
    # R14 alternative provision and further education.
    ap_place_amount = money("alternative provision: per planned place", default="10000")
    fe_element_1 = money("FE element 1 per place (ESFA)", default="4000")
    fe_element_2 = money("FE element 2 per place (ESFA)", default="6000")
    # R15-R17 Pupil Specific Funding (Norfolk); used by the clusters issue.
    psf_enabled = models.BooleanField("Pupil Specific Funding in use", default=False)
    psf_cutover_date = models.DateField(
        "PSF cut-over date",
        null=True,
        blank=True,
        help_text="R17. Plans issued on or after this date attract no PSF.",
    )
    top_up_for_plans_after_psf_cutover = models.BooleanField(
        "plans issued on or after the PSF cut-over get element 3 top-up",
        default=True,
        help_text="R17. Norfolk: no (seed 001 Q3/Q7): new plans are funded through clusters.",
    )
    # R9+ exceptional needs funding: how long each ground may last.
    enf_short_term_limit = models.CharField(
        "ENF for a short-term intervention",
        max_length=15,
        choices=EnfLimit.choices,
        default=EnfLimit.ACADEMIC_YEAR,
    )
    enf_crisis_limit = models.CharField(
        "ENF for crisis funding", max_length=15, choices=EnfLimit.choices, default=EnfLimit.NONE
    )
    enf_outside_cohort_limit = models.CharField(
        "ENF for need outside the usual cohort",
        max_length=15,
        choices=EnfLimit.choices,
        default=EnfLimit.NONE,
    )
    # R8: DfE import/export adjustment rate per pupil.
    import_export_rate = money("import/export adjustment per pupil", default="6000")
    # R24 payments of pupil-led money (funding.payments): not figures of the engine.
    payment_frequency = models.CharField(
        "payments made",
        max_length=10,
        choices=PaymentFrequency.choices,
        default=PaymentFrequency.MONTHLY,
        help_text="R24. Termly periods are fixed parts of the financial year: April-August, "
        "September-December, January-March.",
    )
    payment_cut_off_day = models.PositiveSmallIntegerField(
        "cut-off day",
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text="R24. Day of each period's first month: changes recorded later wait for the "
        "next period.",
    )
    payment_day = models.PositiveSmallIntegerField(
        "payment day",
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text="R24. Day of each period's first month on which the period is paid.",
    )
    maintained_payment_method = models.CharField(
        "maintained schools are paid by",
        max_length=12,
        choices=PaymentMethod.choices,
        default=PaymentMethod.BUDGET_SHARE,
    )
    provider_payment_method = models.CharField(
        "academies, FE and independent providers are paid by",
        max_length=12,
        choices=PaymentMethod.choices,
        default=PaymentMethod.REMITTANCE,
    )
    hold_queried_return_lines = models.BooleanField(
        "hold pupils queried on the monthly return",
        default=False,
        help_text="R24. Yes: a pupil whose monthly return line is queried and not yet resolved "
        "is not paid until it is. No: pay as recorded and correct later.",
    )
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-financial_year", "la__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["la", "financial_year"],
                name="one_scheme_per_la_year",
                violation_error_message="This LA already has a scheme for that financial year.",
            ),
            models.CheckConstraint(
                condition=(Q(awpu_primary__isnull=True) | Q(awpu_primary__gte=0))
                & (Q(awpu_ks3__isnull=True) | Q(awpu_ks3__gte=0))
                & (Q(awpu_ks4__isnull=True) | Q(awpu_ks4__gte=0)),
                name="scheme_awpu_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(
                    threshold__gte=0,
                    ass_amount__gte=0,
                    special_place_amount__gte=0,
                    ssc_occupied_place_amount__gte=0,
                    ssc_unoccupied_place_amount__gte=0,
                    ap_place_amount__gte=0,
                    fe_element_1__gte=0,
                    fe_element_2__gte=0,
                    import_export_rate__gte=0,
                ),
                name="scheme_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(ass_percentage__gte=0, ass_percentage__lte=100),
                name="scheme_ass_percentage_range",
            ),
            models.CheckConstraint(
                condition=Q(ass_counting_month__gte=1, ass_counting_month__lte=12),
                name="scheme_counting_month_range",
            ),
            models.CheckConstraint(
                condition=Q(ass_counting_day__gte=1, ass_counting_day__lte=28),
                name="scheme_counting_day_range",
            ),
            models.CheckConstraint(
                condition=Q(formula_census_month__in=[1, 10]),
                name="scheme_formula_census_month",
            ),
            models.CheckConstraint(
                condition=Q(threshold_basis__in=ThresholdBasis.values),
                name="scheme_threshold_basis_valid",
            ),
            models.CheckConstraint(
                condition=Q(iar_count_source__in=IarCountSource.values),
                name="scheme_iar_count_source_valid",
            ),
            models.CheckConstraint(
                condition=Q(place_funding_split__in=PlaceFundingSplit.values),
                name="scheme_place_split_valid",
            ),
            models.CheckConstraint(
                condition=Q(
                    payment_cut_off_day__gte=1,
                    payment_cut_off_day__lte=28,
                    payment_day__gte=F("payment_cut_off_day"),
                    payment_day__lte=28,
                ),
                name="scheme_payment_days_valid",
                violation_error_message="The cut-off and payment days are days 1 to 28 of the "
                "month, paid on or after the cut-off.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.la.code}, FY {FinancialYear(self.financial_year)})"

    @property
    def fy(self) -> FinancialYear:
        return FinancialYear(self.financial_year)

    def clean(self):
        # Scheme-level checks (floors, missing AWPU); the rate tables are checked as a whole by
        # funding.services.scheme_validate, which also runs before every allocation.
        from funding.calculations.scheme import validate_scheme_fields

        values = {name: getattr(self, name) for name in SCHEME_FIELD_NAMES}
        errors = validate_scheme_fields(values, top_up=self.top_up_method)
        # A negative amount is already refused by the field's own validator.
        errors = {
            field: messages
            for field, messages in errors.items()
            if not (isinstance(values.get(field), Decimal) and values[field] < 0)
        }
        if errors:
            raise ValidationError(errors)


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


# The scheme's own figures, in the order the validator and the copy service use them.
SCHEME_FIELD_NAMES = [
    "awpu_primary",
    "awpu_ks3",
    "awpu_ks4",
    "threshold",
    "threshold_basis",
    "formula_census_month",
    "formula_establishment_types",
    "additional_sen_support",
    "ass_percentage",
    "ass_amount",
    "ass_counting_month",
    "ass_counting_day",
    "iar_count_source",
    "top_up_method",
    "special_place_amount",
    "ssc_occupied_place_amount",
    "ssc_unoccupied_place_amount",
    "ap_place_amount",
    "fe_element_1",
    "fe_element_2",
    "place_funding_split",
    "psf_enabled",
    "psf_cutover_date",
    "top_up_for_plans_after_psf_cutover",
    "enf_short_term_limit",
    "enf_crisis_limit",
    "enf_outside_cohort_limit",
    "import_export_rate",
]

#: How the scheme pays (R24, funding.payments): copied with the scheme, not engine figures.
PAYMENT_FIELD_NAMES = [
    "payment_frequency",
    "payment_cut_off_day",
    "payment_day",
    "maintained_payment_method",
    "provider_payment_method",
    "hold_queried_return_lines",
]


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
