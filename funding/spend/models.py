"""What a school spent on SEN in a financial year (R21: the final report sets the year's
allocation against the amount spent).

One `SenSpend` per school per financial year, recorded by the school's business manager or by
an LA officer on the school's behalf (form or file import). The total may be broken down into
staffing, resources and other; when it is, the parts add up to the total. Every change is kept
with who made it (simple-history).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from funding.models import money
from schools.dates import FinancialYear
from schools.models import School

PARTS = ("staffing", "resources", "other")
PARTS_DO_NOT_ADD_UP = (
    "Staffing, resources and other add up to £{parts}, not the total of £{amount}: "
    "correct the total or the parts."
)
ZERO = Decimal("0.00")


class SenSpend(models.Model):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="sen_spends")
    financial_year = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(2000), MaxValueValidator(2099)],
        help_text="2025 means FY 2025-26.",
    )
    amount = money("SEN spend in the year", help_text="Everything spent on SEN in the year.")
    staffing = money("of which staffing", null=True)
    resources = money("of which resources", null=True)
    other = money("of which other", null=True)
    note = models.TextField(blank=True, max_length=2000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-financial_year", "school__name"]
        verbose_name = "SEN spend"
        verbose_name_plural = "SEN spend"
        constraints = [
            models.UniqueConstraint(
                fields=["school", "financial_year"], name="sen_spend_one_per_school_per_year"
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0)
                & (Q(staffing__isnull=True) | Q(staffing__gte=0))
                & (Q(resources__isnull=True) | Q(resources__gte=0))
                & (Q(other__isnull=True) | Q(other__gte=0)),
                name="sen_spend_amounts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school} FY {self.fy}: £{self.amount:,.2f}"

    @property
    def fy(self) -> FinancialYear:
        return FinancialYear(self.financial_year)

    @property
    def has_breakdown(self) -> bool:
        return any(getattr(self, part) is not None for part in PARTS)

    @property
    def parts_total(self) -> Decimal:
        return sum((getattr(self, part) or ZERO for part in PARTS), ZERO)

    def clean(self):
        super().clean()
        if self.amount is not None and self.has_breakdown and self.parts_total != self.amount:
            raise ValidationError(
                {
                    "amount": PARTS_DO_NOT_ADD_UP.format(
                        parts=f"{self.parts_total:,.2f}", amount=f"{self.amount:,.2f}"
                    )
                }
            )
