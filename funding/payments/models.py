"""Payments of pupil-led money in periods (R24): calculate → pay → remit.

A `PaymentPeriod` is one month (or term) of a financial year. For each school it holds
`PaymentLine`s: what is due = entitlement to the period's end, from the data as it stood at the
period's moment (`as_at`), − what earlier approved periods paid (R24, R7+). Each line says why
(a regular month, a new pupil, back-pay for a backdated change, a recovery) and keeps its
working. One officer prepares a period, another approves it (`funding.payments.services`); an
approved period and its lines never change: a correction is a later period's line.

The year's scheme says how (`FundingScheme.payment_*` fields): monthly or termly periods, the
cut-off and payment days, whether a maintained school is paid by an adjustment to its budget
share or against a remittance (academies, FE and independent providers likewise), and whether
a pupil queried on the school's monthly return is held (a "held" line paying nothing) until the
query is resolved. `PayableInvoice` is our payable side: other LAs' bills for our pupils.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from funding.models import Element, Route
from pupils.models import Pupil
from schools.dates import FinancialYear
from schools.models import LocalAuthority, School


class PeriodKind(models.TextChoices):
    MONTHLY = "monthly", "Monthly"
    TERMLY = "termly", "Termly"


class PeriodStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PREPARED = "prepared", "Prepared"
    APPROVED = "approved", "Approved"


class LineReason(models.TextChoices):
    REGULAR = "regular", "Regular payment"
    NEW = "new", "New"
    BACK_PAY = "back_pay", "Back-pay"
    RECOVERY = "recovery", "Recovery"
    HELD = "held", "Held"


class PaidAs(models.TextChoices):
    """How the school receives the line (the scheme's setting for its kind of school, R24)."""

    BUDGET_SHARE = "budget_share", "Adjustment to the budget share"
    REMITTANCE = "remittance", "Payment against remittance"


def signed_money(verbose_name: str, **kwargs):
    """Money to the penny that may be negative (a recovery)."""
    return models.DecimalField(verbose_name, max_digits=12, decimal_places=2, **kwargs)


class PaymentPeriod(models.Model):
    financial_year = models.PositiveSmallIntegerField(help_text="2025 means FY 2025-26.")
    index = models.PositiveSmallIntegerField(help_text="1 = the first period of the year.")
    kind = models.CharField(max_length=10, choices=PeriodKind.choices, default=PeriodKind.MONTHLY)
    starts_on = models.DateField()
    ends_on = models.DateField()
    cut_off = models.DateField(help_text="Changes recorded after this day wait for the next one.")
    pay_on = models.DateField()
    status = models.CharField(
        max_length=10, choices=PeriodStatus.choices, default=PeriodStatus.DRAFT
    )
    #: The moment the data was read for the lines (None: not generated yet).
    as_at = models.DateTimeField(null=True, blank=True)
    generated_at = models.DateTimeField(null=True, blank=True)
    generation_failures = models.JSONField(default=list, blank=True)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    prepared_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-financial_year", "index"]
        constraints = [
            models.UniqueConstraint(
                fields=["financial_year", "index"], name="payment_period_one_per_year_and_index"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="payment_period_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(index__gte=1), name="payment_period_index_from_1"),
            models.CheckConstraint(
                condition=Q(status="draft")
                | Q(prepared_by__isnull=False, prepared_at__isnull=False),
                name="payment_period_prepared_has_preparer",
            ),
            models.CheckConstraint(
                condition=~Q(status="approved")
                | Q(approved_by__isnull=False, approved_at__isnull=False),
                name="payment_period_approved_has_approver",
            ),
        ]

    def __str__(self) -> str:
        return f"FY {self.fy} period {self.index} ({self.starts_on:%B %Y})"

    @property
    def fy(self) -> FinancialYear:
        return FinancialYear(self.financial_year)

    @property
    def label(self) -> str:
        if self.kind == PeriodKind.MONTHLY:
            return f"{self.starts_on:%B %Y}"
        return f"{self.starts_on:%-d %b %Y} to {self.ends_on:%-d %b %Y}"

    @property
    def is_approved(self) -> bool:
        return self.status == PeriodStatus.APPROVED


class PaymentLine(models.Model):
    """What one period pays a school for one pupil and element (and payer), and why.

    amount = entitlement_to_date − paid_before (a database check): for a regular line the
    entitlement to the period's end less that to the day before it; for back-pay or recovery
    the entitlement to the day before the period, as now recorded, less what was paid.
    """

    period = models.ForeignKey(PaymentPeriod, on_delete=models.PROTECT, related_name="lines")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="payment_lines")
    pupil = models.ForeignKey(
        Pupil, null=True, blank=True, on_delete=models.PROTECT, related_name="payment_lines"
    )
    element = models.CharField(max_length=30, choices=Element.choices)
    route = models.CharField(max_length=10, choices=Route.choices)
    payer_la = models.ForeignKey(
        LocalAuthority, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason_kind = models.CharField(max_length=10, choices=LineReason.choices)
    paid_as = models.CharField(
        max_length=12, choices=PaidAs.choices, default=PaidAs.REMITTANCE, db_default="remittance"
    )
    amount = signed_money("amount")
    entitlement_to_date = signed_money("entitlement to date")
    paid_before = signed_money("paid before")
    school_days = models.PositiveSmallIntegerField(default=0)
    reason = models.TextField()
    working = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["school_id", "pupil_id", "element", "id"]
        indexes = [models.Index(fields=["period", "school"], name="payment_line_period_school")]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount=F("entitlement_to_date") - F("paid_before")),
                name="payment_line_amount_is_entitlement_less_paid",
            ),
            models.UniqueConstraint(
                fields=["period", "school", "pupil", "element", "route", "payer_la", "reason_kind"],
                name="payment_line_one_per_key_and_reason",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school} {self.get_element_display()}: £{self.amount:,.2f}"


class PaymentsConfig(models.Model):
    """How an LA's finance system wants its journal (one per LA; defaults when absent).

    `columns`: the journal's columns in order, each one of `JOURNAL_FIELDS`
    (`funding.payments.calculations`). `codes`: cost centre and account code per element and
    route, keyed "element/route" (or "element/*", or "*/*" for the rest), each
    {"cost_centre": "...", "account_code": "..."}. `narrative`: a template with {period},
    {school}, {element} and {route}. `supplier_reference`: how a school is named to the finance
    system (DfE number "LLLEEEE", or URN).
    """

    la = models.OneToOneField(
        LocalAuthority, on_delete=models.PROTECT, related_name="payments_config"
    )
    columns = models.JSONField(default=list, blank=True)
    codes = models.JSONField(default=dict, blank=True)
    narrative = models.CharField(max_length=200, blank=True)
    supplier_reference = models.CharField(
        max_length=10,
        choices=[("dfe", "LA code and establishment number"), ("urn", "URN")],
        default="dfe",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "payments configuration"

    def __str__(self) -> str:
        return f"Payments configuration for {self.la}"


class InvoiceStatus(models.TextChoices):
    ISSUED = "issued", "Issued"
    PAID = "paid", "Paid"
    DISPUTED = "disputed", "Disputed"
    CREDITED = "credited", "Credited"


class InterLAInvoice(models.Model):
    """What another LA owes us for its pupils in our schools in one approved period (R8, R25):
    the period's lines with route other_la and that LA as payer. The amount is fixed at issue;
    status moves issued → paid, issued → disputed (with a reason) → paid or credited."""

    period = models.ForeignKey(PaymentPeriod, on_delete=models.PROTECT, related_name="invoices")
    payer_la = models.ForeignKey(LocalAuthority, on_delete=models.PROTECT, related_name="+")
    number = models.CharField(max_length=40, unique=True)
    amount = signed_money("amount")
    line_count = models.PositiveIntegerField(default=0)
    status = models.CharField(
        max_length=10, choices=InvoiceStatus.choices, default=InvoiceStatus.ISSUED
    )
    issued_on = models.DateField()
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    dispute_reason = models.TextField(blank=True)
    settled_on = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["issued_on", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "payer_la"], name="interla_invoice_one_per_period_and_la"
            ),
            models.CheckConstraint(
                condition=~Q(status="disputed") | ~Q(dispute_reason=""),
                name="interla_invoice_dispute_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Invoice {self.number} to {self.payer_la}: £{self.amount:,.2f}"


class PayableStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    PAID = "paid", "Paid"
    DISPUTED = "disputed", "Disputed"
    CREDITED = "credited", "Credited"


class PayableInvoice(models.Model):
    """Our payable side (R8): what another LA bills us for our pupils in its schools,
    recorded by an officer from that LA's invoice. The amount is as billed; status moves
    received → paid, received → disputed (with a reason) → paid or credited."""

    from_la = models.ForeignKey(
        LocalAuthority, on_delete=models.PROTECT, related_name="+", verbose_name="billed by"
    )
    reference = models.CharField("their invoice number", max_length=60)
    period_from = models.DateField("billing period from")
    period_to = models.DateField("billing period to")
    amount = signed_money("amount billed")
    pupils = models.PositiveIntegerField("pupils billed", default=0)
    received_on = models.DateField()
    notes = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=PayableStatus.choices, default=PayableStatus.RECEIVED
    )
    dispute_reason = models.TextField(blank=True)
    settled_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["received_on", "reference"]
        constraints = [
            models.UniqueConstraint(
                fields=["from_la", "reference"],
                name="payable_invoice_one_per_la_reference",
                violation_error_message="That LA's invoice with this number is already recorded.",
            ),
            models.CheckConstraint(
                condition=Q(period_to__gte=F("period_from")),
                name="payable_invoice_period_ordered",
                violation_error_message="The billing period ends before it starts.",
            ),
            models.CheckConstraint(
                condition=~Q(status="disputed") | ~Q(dispute_reason=""),
                name="payable_invoice_dispute_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Invoice {self.reference} from {self.from_la}: £{self.amount:,.2f}"
