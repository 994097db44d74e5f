"""`FundingScheme`: one LA's funding rules for one financial year (R1-R14, R15-R17 switches,
R24 payments), the choices its fields take, and the lists of its own figures
(`SCHEME_FIELD_NAMES`) and payment settings (`PAYMENT_FIELD_NAMES`)."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from funding.calculations.scheme import FORMULA_ESTABLISHMENT_TYPES
from funding.models.fields import money, not_negative
from schools.dates import FinancialYear
from schools.models import LocalAuthority


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
