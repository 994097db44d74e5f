"""LAs, schools, census figures, planned places, band rates, calendar, school users."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from schools.dates import AcademicYear, FinancialYear

la_code_validator = RegexValidator(r"^\d{3}$", "An LA code is the DfE's three digits, e.g. 204.")


class LocalAuthority(models.Model):
    code = models.CharField(
        "DfE LA code", max_length=3, unique=True, validators=[la_code_validator]
    )
    name = models.CharField(max_length=120)
    is_administering = models.BooleanField(
        default=False, help_text="The LA that runs this installation (exactly one)."
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "local authorities"
        constraints = [
            models.UniqueConstraint(
                fields=["is_administering"],
                condition=Q(is_administering=True),
                name="one_administering_la",
                violation_error_message="Only one LA can be the administering LA.",
            ),
            models.CheckConstraint(
                condition=Q(code__regex=r"^\d{3}$"), name="la_code_three_digits"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Phase(models.TextChoices):
    NURSERY = "nursery", "Nursery"
    PRIMARY = "primary", "Primary"
    MIDDLE_PRIMARY = "middle_primary", "Middle deemed primary"
    MIDDLE_SECONDARY = "middle_secondary", "Middle deemed secondary"
    SECONDARY = "secondary", "Secondary"
    ALL_THROUGH = "all_through", "All-through"
    SIXTEEN_PLUS = "16_plus", "16 plus"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


class EstablishmentType(models.TextChoices):
    COMMUNITY = "community", "Community school"
    FOUNDATION = "foundation", "Foundation school"
    VOLUNTARY_AIDED = "voluntary_aided", "Voluntary aided school"
    VOLUNTARY_CONTROLLED = "voluntary_controlled", "Voluntary controlled school"
    ACADEMY = "academy", "Academy"
    FREE_SCHOOL = "free_school", "Free school"
    SPECIAL = "special", "Community special school"
    SPECIAL_ACADEMY = "special_academy", "Special academy"
    AP_PRU = "ap_pru", "Alternative provision / PRU"
    FE_COLLEGE = "fe_college", "Further education college"
    INDEPENDENT_SPECIAL = "independent_special", "Independent / non-maintained special school"
    NURSERY = "nursery", "Maintained nursery"
    OTHER = "other", "Other"

    @classmethod
    def special_types(cls) -> tuple[str, ...]:
        return (cls.SPECIAL, cls.SPECIAL_ACADEMY, cls.INDEPENDENT_SPECIAL)


class SchoolStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"
    PROPOSED_TO_OPEN = "proposed_to_open", "Proposed to open"
    PROPOSED_TO_CLOSE = "proposed_to_close", "Open, but proposed to close"


class School(models.Model):
    urn = models.PositiveIntegerField("URN", unique=True)
    name = models.CharField(max_length=200)
    la = models.ForeignKey(LocalAuthority, on_delete=models.PROTECT, related_name="schools")
    establishment_number = models.CharField(max_length=4, blank=True)
    phase = models.CharField(max_length=20, choices=Phase.choices)
    establishment_type = models.CharField(max_length=30, choices=EstablishmentType.choices)
    statutory_low_age = models.PositiveSmallIntegerField(null=True, blank=True)
    statutory_high_age = models.PositiveSmallIntegerField(null=True, blank=True)
    status = models.CharField(
        max_length=20, choices=SchoolStatus.choices, default=SchoolStatus.OPEN
    )
    opened_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    number_on_roll = models.PositiveIntegerField(
        null=True, blank=True, help_text="Headline number of pupils from GIAS."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(statutory_low_age__isnull=True)
                | Q(statutory_high_age__isnull=True)
                | Q(statutory_low_age__lte=F("statutory_high_age")),
                name="school_age_range_ordered",
                violation_error_message="The statutory low age must not exceed the high age.",
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True)
                | Q(opened_on__isnull=True)
                | Q(closed_on__gte=F("opened_on")),
                name="school_closes_after_opening",
                violation_error_message="A school cannot close before it opens.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.urn})"

    @property
    def is_open(self) -> bool:
        return self.status != SchoolStatus.CLOSED

    @property
    def is_special(self) -> bool:
        return self.establishment_type in EstablishmentType.special_types()


YEAR_GROUP_FIELDS = [
    "nursery",
    "reception",
    *[f"year_{n}" for n in range(1, 14)],
]


class SchoolCensus(models.Model):
    """A school's census figures on a census date (January, October, or the R4 counting month).

    Numbers on roll by year group (nursery to Y13) and the formula factor counts R1, R2 and R4 use.
    """

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="censuses")
    census_date = models.DateField()
    nursery = models.PositiveIntegerField(default=0)
    reception = models.PositiveIntegerField(default=0)
    year_1 = models.PositiveIntegerField(default=0)
    year_2 = models.PositiveIntegerField(default=0)
    year_3 = models.PositiveIntegerField(default=0)
    year_4 = models.PositiveIntegerField(default=0)
    year_5 = models.PositiveIntegerField(default=0)
    year_6 = models.PositiveIntegerField(default=0)
    year_7 = models.PositiveIntegerField(default=0)
    year_8 = models.PositiveIntegerField(default=0)
    year_9 = models.PositiveIntegerField(default=0)
    year_10 = models.PositiveIntegerField(default=0)
    year_11 = models.PositiveIntegerField(default=0)
    year_12 = models.PositiveIntegerField(default=0)
    year_13 = models.PositiveIntegerField(default=0)
    # Formula factor counts (pupils), R2 and the Hackney proxy indicators.
    fsm = models.PositiveIntegerField("FSM eligible", default=0)
    idaci = models.PositiveIntegerField("IDACI (deprivation) pupils", default=0)
    low_prior_attainment = models.PositiveIntegerField(default=0)
    mobility = models.PositiveIntegerField("mobile pupils", default=0)
    eal = models.PositiveIntegerField("EAL", default=0)
    english_attainment_below = models.PositiveIntegerField(
        "below expected English at key stage", default=0
    )
    sen_support = models.PositiveIntegerField("SEN support (no plan)", default=0)
    ehc_plans = models.PositiveIntegerField("EHC plans / statements", default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["school", "-census_date"]
        verbose_name_plural = "school censuses"
        constraints = [
            models.UniqueConstraint(fields=["school", "census_date"], name="one_census_per_date"),
        ]

    def __str__(self) -> str:
        return f"{self.school.name} census {self.census_date:%d %b %Y}"

    @property
    def financial_year(self) -> FinancialYear:
        return FinancialYear.of(self.census_date)

    def roll_by_year_group(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in YEAR_GROUP_FIELDS}

    @property
    def total_roll(self) -> int:
        return sum(self.roll_by_year_group().values())

    @property
    def roll_excluding_nursery_and_sixth_form(self) -> int:
        """R4's roll: Reception to Year 11."""
        return self.reception + sum(getattr(self, f"year_{n}") for n in range(1, 12))

    @property
    def primary_roll(self) -> int:
        return self.reception + sum(getattr(self, f"year_{n}") for n in range(1, 7))

    @property
    def ks3_roll(self) -> int:
        return self.year_7 + self.year_8 + self.year_9

    @property
    def ks4_roll(self) -> int:
        return self.year_10 + self.year_11


class ProvisionKind(models.TextChoices):
    SPECIAL_SCHOOL = "special_school", "Special school"
    SSC = "ssc", "Special support centre (SSC)"
    RESOURCED_PROVISION = "resourced", "Resourced provision"
    AP = "ap", "Alternative provision"
    FE = "fe", "Further education (high needs)"


class PlannedPlaces(models.Model):
    """Planned places per academic year and the occupancy counted for them (R11, R13, R14)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="planned_places")
    academic_year = models.PositiveSmallIntegerField(
        help_text="First calendar year of the academic year: 2025 means 2025/26."
    )
    provision = models.CharField(max_length=20, choices=ProvisionKind.choices)
    places = models.PositiveIntegerField()
    occupied = models.PositiveIntegerField(
        default=0, help_text="Occupied places on the occupancy count (January for special schools)."
    )
    occupancy_counted_on = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["school", "-academic_year", "provision"]
        verbose_name_plural = "planned places"
        constraints = [
            models.UniqueConstraint(
                fields=["school", "academic_year", "provision"], name="one_place_plan_per_year"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.school.name} {AcademicYear(self.academic_year)} {self.get_provision_display()}"
        )

    @property
    def unoccupied(self) -> int:
        return max(self.places - self.occupied, 0)


class SpecialSchoolBand(models.Model):
    """R12: a band (1 lowest need .. 5) a special school offers, with its own annual top-up rate."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="bands")
    financial_year = models.PositiveSmallIntegerField(help_text="2025 means FY 2025-26.")
    band = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    annual_rate = models.DecimalField(max_digits=12, decimal_places=2)
    history = HistoricalRecords()

    class Meta:
        ordering = ["school", "-financial_year", "band"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "financial_year", "band"], name="one_rate_per_school_band_year"
            ),
            models.CheckConstraint(condition=Q(band__gte=1, band__lte=5), name="band_one_to_five"),
            models.CheckConstraint(condition=Q(annual_rate__gte=0), name="band_rate_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.school.name} band {self.band} FY {FinancialYear(self.financial_year)}"


class NotionalSenBudget(models.Model):
    """R2: a school's notional SEN budget for a financial year as the LA gives it (the amount in
    its Authority Proforma Tool), used instead of factor x rate when present for the year."""

    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="notional_sen_budgets"
    )
    financial_year = models.PositiveSmallIntegerField(help_text="2025 means FY 2025-26.")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    source = models.CharField(
        max_length=200, blank=True, help_text="Where the figure comes from, e.g. APT 2025-26."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["school", "-financial_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "financial_year"], name="one_notional_sen_budget_per_year"
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="notional_sen_budget_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school.name} notional SEN FY {FinancialYear(self.financial_year)}"


class TermDate(models.Model):
    """One teaching period (a half term) of an LA's school calendar."""

    la = models.ForeignKey(LocalAuthority, on_delete=models.CASCADE, related_name="terms")
    academic_year = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=40, help_text="e.g. Autumn 1")
    starts_on = models.DateField()
    ends_on = models.DateField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["la", "starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="term_ends_after_start",
                violation_error_message="A term cannot end before it starts.",
            ),
            models.UniqueConstraint(fields=["la", "starts_on"], name="one_term_per_start"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {AcademicYear(self.academic_year)}"


class ClosureDay(models.Model):
    """A day inside term when schools are closed to pupils (INSET day, extra holiday)."""

    la = models.ForeignKey(LocalAuthority, on_delete=models.CASCADE, related_name="closure_days")
    date = models.DateField()
    reason = models.CharField(max_length=120, default="INSET day")
    history = HistoricalRecords()

    class Meta:
        ordering = ["la", "date"]
        constraints = [models.UniqueConstraint(fields=["la", "date"], name="one_closure_per_day")]

    def __str__(self) -> str:
        return f"{self.date:%d %b %Y} {self.reason}"


class SchoolAccess(models.Model):
    """Links a school business manager (or SENCO) to a school they may see."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="school_accesses"
    )
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="accesses")

    class Meta:
        verbose_name_plural = "school accesses"
        constraints = [
            models.UniqueConstraint(fields=["user", "school"], name="one_access_per_user_school")
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.school.name}"
