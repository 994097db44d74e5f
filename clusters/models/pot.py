"""The cluster pot and its division (R18): the money for clusters in a financial year."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from funding.models import money
from schools.dates import FinancialYear


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
