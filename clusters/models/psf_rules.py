"""Pupil Specific Funding rules (R15-R17): a scheme's PSF basis and figures (`PsfRules`) and
each protected pupil's protected historical amount (`PsfProtectedAmount`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from funding.models import money
from schools.constraints import in_choices


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
