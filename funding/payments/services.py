"""Writes for payments (R24): periods, generation (per school, idempotent), prepare, approve.

Generation reads the engine's lines as the data stood at the period's moment (`as_at`) and
pays the difference between the entitlement to the period's end and what approved earlier
periods paid (`funding.payments.calculations`). A school's lines are replaced whole in one
transaction, so generating an unprepared period again gives the same rows. One officer
prepares a period, another approves it; from then on it never changes (R24).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from funding.calculations.entitlement import month_bounds
from funding.models import Element
from funding.payments import selectors
from funding.payments.generation import schools_due
from funding.payments.models import (
    InterLAInvoice,
    InvoiceStatus,
    PayableInvoice,
    PayableStatus,
    PaymentPeriod,
    PeriodKind,
    PeriodStatus,
)
from funding.selectors import scheme_for
from schools.dates import FinancialYear
from schools.models import LocalAuthority
from schools.selectors import administering_la

PERIOD_APPROVED = (
    "The payments for {period} were approved by {user} on {on}: they cannot be changed. "
    "Correct them in a later period."
)
PERIOD_NOT_DRAFT = "The payments for {period} are {status}: only a draft period can be generated."
EARLIER_NOT_APPROVED = (
    "Approve the earlier periods of the year first ({periods}): what they pay is taken off "
    "this one."
)
NOT_GENERATED = "Generate the payments for {period} before you prepare them."
GENERATION_FAILED = "The payments for {period} failed for {count} school(s): generate them again."
PREPARE_NEEDS_USER = "Preparing payments needs a signed-in person, recorded as the preparer."
APPROVE_NEEDS_USER = "Approving payments needs a signed-in person, recorded as the approver."
APPROVE_NOT_PREPARED = (
    "The payments for {period} are {status}: only prepared payments can be approved."
)
APPROVE_OWN = (
    "You prepared the payments for {period}, so someone else must approve them "
    "(segregation of duties)."
)
ALREADY_APPROVED = "The payments for {period} are already approved."
NO_SCHEME = "There is no funding scheme for FY {fy}: set one up before paying the year."

#: Defaults for a year with no scheme yet: data frozen on the 10th, paid on the 15th (a scheme
#: sets its own: `FundingScheme.payment_cut_off_day`, `payment_day`, `payment_frequency`).
CUT_OFF_DAY = 10
PAY_DAY = 15
ELEMENT_LABELS = dict(Element.choices)
ZERO = Decimal("0.00")


def _person(user) -> str:
    if user is None:
        return "someone"
    return user.get_full_name() or user.get_username()


def _user(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def _locked(period_id: int) -> PaymentPeriod:
    return (
        PaymentPeriod.objects.select_for_update(of=("self",))
        .select_related("approved_by", "prepared_by")
        .get(pk=period_id)
    )


def refuse_if_approved(period: PaymentPeriod) -> None:
    if period.status == PeriodStatus.APPROVED:
        raise ValidationError(
            PERIOD_APPROVED.format(
                period=period.label,
                user=_person(period.approved_by),
                on=f"{timezone.localtime(period.approved_at):%d %B %Y}",
            )
        )


def _refuse_unless_draft(period: PaymentPeriod) -> None:
    refuse_if_approved(period)
    if period.status != PeriodStatus.DRAFT:
        raise ValidationError(
            PERIOD_NOT_DRAFT.format(period=period.label, status=period.get_status_display().lower())
        )


def _refuse_if_earlier_unapproved(period: PaymentPeriod) -> None:
    earlier = selectors.unapproved_earlier(period)
    if earlier:
        raise ValidationError(
            EARLIER_NOT_APPROVED.format(periods=", ".join(p.label for p in earlier))
        )


# ---- periods -------------------------------------------------------------------------------


def _period_dates(fy: FinancialYear, kind: str) -> list[tuple[dt.date, dt.date]]:
    """Monthly: the twelve calendar months. Termly: three fixed parts of the financial year,
    not the LA's term dates, so the periods cover every day of the year whatever the calendar:
    April-August (summer term), September-December (autumn), January-March (spring)."""
    if kind == PeriodKind.TERMLY:
        y = fy.start_year
        return [
            (fy.starts_on, dt.date(y, 8, 31)),
            (dt.date(y, 9, 1), dt.date(y, 12, 31)),
            (dt.date(y + 1, 1, 1), fy.ends_on),
        ]
    out, day = [], fy.starts_on
    while day <= fy.ends_on:
        first, last = month_bounds(day)
        out.append((first, last))
        day = last + dt.timedelta(days=1)
    return out


@transaction.atomic
def payment_periods_create(
    *, financial_year: int, kind: str | None = None, user=None
) -> list[PaymentPeriod]:
    """The year's periods as the year's scheme says (`payment_frequency`: monthly, or termly:
    three), each cut off on the scheme's cut-off day of its first month and paid on its payment
    day (without a scheme: monthly, the 10th and the 15th). Periods that already exist are left
    as they are."""
    fy = FinancialYear(financial_year)
    scheme = scheme_for(fy)
    kind = kind or (scheme.payment_frequency if scheme else PeriodKind.MONTHLY)
    cut_off_day = scheme.payment_cut_off_day if scheme else CUT_OFF_DAY
    pay_day = scheme.payment_day if scheme else PAY_DAY
    out = []
    for index, (starts_on, ends_on) in enumerate(_period_dates(fy, kind), 1):
        period, created = PaymentPeriod.objects.get_or_create(
            financial_year=fy.start_year,
            index=index,
            defaults={
                "kind": kind,
                "starts_on": starts_on,
                "ends_on": ends_on,
                "cut_off": starts_on.replace(day=cut_off_day),
                "pay_on": starts_on.replace(day=pay_day),
            },
        )
        if created:
            period.full_clean()
        out.append(period)
    return out


# ---- generation ----------------------------------------------------------------------------


def default_as_at(period: PaymentPeriod, now: dt.datetime | None = None) -> dt.datetime:
    """The end of the cut-off day, or now if that is still to come."""
    now = now or timezone.now()
    end_of_cut_off = timezone.make_aware(
        dt.datetime.combine(period.cut_off + dt.timedelta(days=1), dt.time.min)
    ) - dt.timedelta(microseconds=1)
    return min(now, end_of_cut_off)


@transaction.atomic
def payment_generation_start(
    *, period_id: int, as_at: dt.datetime | None = None
) -> tuple[PaymentPeriod, list[int]]:
    """Fix the period's moment and answer the schools to generate (refused once prepared)."""
    period = _locked(period_id)
    _refuse_unless_draft(period)
    _refuse_if_earlier_unapproved(period)
    if scheme_for(period.fy) is None:
        raise ValidationError(NO_SCHEME.format(fy=period.fy))
    period.as_at = as_at or default_as_at(period)
    period.generated_at = None
    period.generation_failures = []
    period._change_reason = f"Generation started as at {period.as_at.isoformat()}"
    period.save()
    return period, selectors.schools_to_pay(period, administering_la().pk)


def school_due(period: PaymentPeriod, school_id: int, *, scheme=None):
    """The school's due lines for the period (the engine as at the period's moment): the
    batch of one (`funding.payments.generation`). Raises the school's error, if any."""
    worked, _reads = schools_due(period, scheme or scheme_for(period.fy), [school_id])
    due = worked[school_id]
    if isinstance(due, Exception):
        raise due
    return due


@transaction.atomic
def payment_generation_finish(*, period_id: int, results: list[dict]) -> PaymentPeriod:
    period = _locked(period_id)
    period.generated_at = timezone.now()
    period.generation_failures = [r for r in results if r.get("error")]
    period._change_reason = f"Generated: {len(results)} schools"
    period.save()
    return period


def payment_period_generate(*, period: PaymentPeriod, as_at: dt.datetime | None = None) -> None:
    """Queue the period's generation: one task per batch of schools (run in-process without a
    broker).

    Checked here first, so a refusal reaches the officer rather than the worker's log.
    """
    from funding.payments import tasks

    with transaction.atomic():
        _refuse_unless_draft(_locked(period.pk))
        _refuse_if_earlier_unapproved(period)
    when = (as_at or default_as_at(period)).isoformat()
    transaction.on_commit(lambda: tasks.generate_period_payments.delay(period.pk, when))


# ---- prepare and approve -------------------------------------------------------------------


@transaction.atomic
def payment_period_prepare(*, period: PaymentPeriod, user) -> PaymentPeriod:
    """Mark a generated draft period ready for approval, recording who prepared it."""
    period = _locked(period.pk)
    preparer = _user(user)
    if preparer is None:
        raise ValidationError(PREPARE_NEEDS_USER)
    _refuse_unless_draft(period)
    _refuse_if_earlier_unapproved(period)
    if period.generated_at is None:
        raise ValidationError(NOT_GENERATED.format(period=period.label))
    if period.generation_failures:
        raise ValidationError(
            GENERATION_FAILED.format(period=period.label, count=len(period.generation_failures))
        )
    period.status = PeriodStatus.PREPARED
    period.prepared_by = preparer
    period.prepared_at = timezone.now()
    period._history_user = preparer
    period._change_reason = "Prepared"
    period.full_clean()
    period.save()
    return period


@transaction.atomic
def payment_period_approve(*, period: PaymentPeriod, user) -> PaymentPeriod:
    """Approve prepared payments (someone other than the preparer); they never change again."""
    period = _locked(period.pk)
    approver = _user(user)
    if approver is None:
        raise ValidationError(APPROVE_NEEDS_USER)
    if period.status == PeriodStatus.APPROVED:
        raise ValidationError(ALREADY_APPROVED.format(period=period.label))
    if period.status != PeriodStatus.PREPARED:
        raise ValidationError(
            APPROVE_NOT_PREPARED.format(
                period=period.label, status=period.get_status_display().lower()
            )
        )
    if period.prepared_by_id == approver.pk:
        raise ValidationError(APPROVE_OWN.format(period=period.label))
    period.status = PeriodStatus.APPROVED
    period.approved_by = approver
    period.approved_at = timezone.now()
    period._history_user = approver
    period._change_reason = "Approved"
    period.full_clean()
    period.save()
    return period


# ---- inter-LA invoices ---------------------------------------------------------------------

INVOICE_NOT_APPROVED = (
    "The payments for {period} are {status}: invoice other LAs once the period is approved."
)
INVOICE_NEEDS_USER = "Invoicing needs a signed-in person, recorded with each change."
INVOICE_BAD_MOVE = "Invoice {number} is {status}: it cannot be marked {to}."
DISPUTE_NEEDS_REASON = "Say why {la} disputes invoice {number}."

#: The moves an invoice may make: issued → paid / disputed; disputed → paid / credited.
INVOICE_MOVES = {
    InvoiceStatus.PAID: (InvoiceStatus.ISSUED, InvoiceStatus.DISPUTED),
    InvoiceStatus.DISPUTED: (InvoiceStatus.ISSUED,),
    InvoiceStatus.CREDITED: (InvoiceStatus.DISPUTED,),
}


def _invoice_number(period: PaymentPeriod, la_code: str) -> str:
    return f"SEN-{period.financial_year}-{period.index:02d}-{la_code}"


@transaction.atomic
def interla_invoices_issue(
    *, period: PaymentPeriod, user, on: dt.date | None = None
) -> list[InterLAInvoice]:
    """One invoice per other LA for its pupils' lines (route other_la) in an approved period.

    Issuing again adds invoices for LAs not yet invoiced and leaves issued ones as they are.
    A payer whose lines net to nothing is not invoiced.
    """
    period = _locked(period.pk)
    who = _user(user)
    if who is None:
        raise ValidationError(INVOICE_NEEDS_USER)
    if period.status != PeriodStatus.APPROVED:
        raise ValidationError(
            INVOICE_NOT_APPROVED.format(
                period=period.label, status=period.get_status_display().lower()
            )
        )
    on = on or timezone.localdate()
    done = set(period.invoices.values_list("payer_la_id", flat=True))
    made = []
    codes = dict(LocalAuthority.objects.values_list("pk", "code"))
    for row in selectors.other_la_totals(period):
        if row["payer_la_id"] is None or row["payer_la_id"] in done or not row["amount"]:
            continue
        invoice = InterLAInvoice(
            period=period,
            payer_la_id=row["payer_la_id"],
            number=_invoice_number(period, codes[row["payer_la_id"]]),
            amount=row["amount"],
            line_count=row["lines"],
            issued_on=on,
            issued_by=who,
        )
        invoice._history_user = who
        invoice._change_reason = "Issued"
        invoice.full_clean()
        invoice.save()
        made.append(invoice)
    return made


@transaction.atomic
def _invoice_move(
    *, invoice: InterLAInvoice, to: str, user, reason: str = "", on: dt.date | None = None
) -> InterLAInvoice:
    invoice = (
        InterLAInvoice.objects.select_for_update(of=("self",))
        .select_related("payer_la")
        .get(pk=invoice.pk)
    )
    who = _user(user)
    if who is None:
        raise ValidationError(INVOICE_NEEDS_USER)
    if invoice.status not in INVOICE_MOVES[to]:
        raise ValidationError(
            INVOICE_BAD_MOVE.format(
                number=invoice.number,
                status=invoice.get_status_display().lower(),
                to=InvoiceStatus(to).label.lower(),
            )
        )
    reason = reason.strip()
    if to == InvoiceStatus.DISPUTED:
        if not reason:
            raise ValidationError(
                DISPUTE_NEEDS_REASON.format(la=invoice.payer_la.name, number=invoice.number)
            )
        invoice.dispute_reason = reason
    else:
        invoice.settled_on = on or timezone.localdate()
    invoice.status = to
    invoice._history_user = who
    invoice._change_reason = f"{InvoiceStatus(to).label}{': ' + reason if reason else ''}"
    invoice.full_clean()
    invoice.save()
    return invoice


def interla_invoice_mark_paid(*, invoice, user, on: dt.date | None = None) -> InterLAInvoice:
    return _invoice_move(invoice=invoice, to=InvoiceStatus.PAID, user=user, on=on)


def interla_invoice_dispute(*, invoice, user, reason: str) -> InterLAInvoice:
    return _invoice_move(invoice=invoice, to=InvoiceStatus.DISPUTED, user=user, reason=reason)


def interla_invoice_credit(*, invoice, user, reason: str = "", on=None) -> InterLAInvoice:
    return _invoice_move(
        invoice=invoice, to=InvoiceStatus.CREDITED, user=user, reason=reason, on=on
    )


# ---- our payable side: bills from other LAs ------------------------------------------------

PAYABLE_NEEDS_USER = "Recording a bill needs a signed-in person, recorded with each change."
PAYABLE_BAD_MOVE = "{la}'s invoice {reference} is {status}: it cannot be marked {to}."
PAYABLE_OWN_LA = "Record bills from other LAs only: {la} is us."
PAYABLE_DISPUTE_NEEDS_REASON = "Say why we dispute {la}'s invoice {reference}."

#: The moves a bill may make: received → paid / disputed; disputed → paid / credited.
PAYABLE_MOVES = {
    PayableStatus.PAID: (PayableStatus.RECEIVED, PayableStatus.DISPUTED),
    PayableStatus.DISPUTED: (PayableStatus.RECEIVED,),
    PayableStatus.CREDITED: (PayableStatus.DISPUTED,),
}


@transaction.atomic
def payable_invoice_record(
    *,
    from_la: LocalAuthority,
    reference: str,
    period_from: dt.date,
    period_to: dt.date,
    amount: Decimal,
    pupils: int,
    received_on: dt.date,
    user,
    notes: str = "",
) -> PayableInvoice:
    """Record what another LA bills us for our pupils in its schools (R8)."""
    who = _user(user)
    if who is None:
        raise ValidationError(PAYABLE_NEEDS_USER)
    if from_la.is_administering:
        raise ValidationError(PAYABLE_OWN_LA.format(la=from_la.name))
    bill = PayableInvoice(
        from_la=from_la,
        reference=reference.strip(),
        period_from=period_from,
        period_to=period_to,
        amount=amount,
        pupils=pupils,
        received_on=received_on,
        notes=notes.strip(),
        recorded_by=who,
    )
    bill._history_user = who
    bill._change_reason = "Recorded from their invoice"
    bill.full_clean()
    bill.save()
    return bill


@transaction.atomic
def payable_invoice_move(
    *, bill: PayableInvoice, to: str, user, reason: str = "", on: dt.date | None = None
) -> PayableInvoice:
    """Mark a bill paid, disputed (with a reason) or credited, with who and when in history."""
    bill = (
        PayableInvoice.objects.select_for_update(of=("self",))
        .select_related("from_la")
        .get(pk=bill.pk)
    )
    who = _user(user)
    if who is None:
        raise ValidationError(PAYABLE_NEEDS_USER)
    if to not in PAYABLE_MOVES or bill.status not in PAYABLE_MOVES[to]:
        raise ValidationError(
            PAYABLE_BAD_MOVE.format(
                la=bill.from_la.name,
                reference=bill.reference,
                status=bill.get_status_display().lower(),
                to=PayableStatus(to).label.lower() if to in PayableStatus.values else to,
            )
        )
    reason = reason.strip()
    if to == PayableStatus.DISPUTED:
        if not reason:
            raise ValidationError(
                PAYABLE_DISPUTE_NEEDS_REASON.format(la=bill.from_la.name, reference=bill.reference)
            )
        bill.dispute_reason = reason
    else:
        bill.settled_on = on or timezone.localdate()
    bill.status = to
    bill._history_user = who
    bill._change_reason = f"{PayableStatus(to).label}{': ' + reason if reason else ''}"
    bill.full_clean()
    bill.save()
    return bill
