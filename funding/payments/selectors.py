"""Reads for payments (R24): periods, what was paid to date, per-school totals, remittances."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from funding.asat import as_at as rows_as_at
from funding.models import Element, Route
from funding.payments.calculations import Key
from funding.payments.journal import (
    AGE_BANDS,
    JOURNAL_FIELDS,
    SchoolElementTotal,
    age_band,
    columns_of,
    journal_rows,
)
from funding.payments.models import (
    InterLAInvoice,
    InvoiceStatus,
    PaymentLine,
    PaymentPeriod,
    PaymentsConfig,
    PeriodStatus,
)
from funding.selectors import statement_school
from pupils.models import Placement
from schools.exports import Col, Sheet, money
from schools.models import School
from schools.roles import is_la_officer

ZERO = Decimal("0.00")


def periods(financial_year: int | None = None) -> QuerySet[PaymentPeriod]:
    """Periods with their totals (one query)."""
    qs = PaymentPeriod.objects.select_related("prepared_by", "approved_by").annotate(
        total=Sum("lines__amount"),
        schools=Count("lines__school", distinct=True),
        line_count=Count("lines"),
    )
    if financial_year is not None:
        qs = qs.filter(financial_year=financial_year)
    return qs.order_by("-financial_year", "index")


def earlier_periods(period: PaymentPeriod) -> QuerySet[PaymentPeriod]:
    return PaymentPeriod.objects.filter(
        financial_year=period.financial_year, index__lt=period.index
    )


def unapproved_earlier(period: PaymentPeriod) -> list[PaymentPeriod]:
    return list(earlier_periods(period).exclude(status=PeriodStatus.APPROVED).order_by("index"))


def paid_to_date(period: PaymentPeriod, school_id: int) -> tuple[dict[Key, Decimal], dict]:
    """What approved earlier periods of the year paid the school per key, and the engine
    periods the latest payment of each key was worked from (two queries)."""
    lines = PaymentLine.objects.filter(
        period__in=earlier_periods(period).filter(status=PeriodStatus.APPROVED),
        school_id=school_id,
    )
    paid: dict[Key, Decimal] = defaultdict(lambda: ZERO)
    for pupil_id, element, route, payer, total in (
        lines.values_list("pupil_id", "element", "route", "payer_la_id")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        paid[Key(pupil_id, element, route, payer)] = total
    segments: dict[Key, list[dict]] = {}
    for pupil_id, element, route, payer, working in lines.order_by(
        "period__index", "id"
    ).values_list("pupil_id", "element", "route", "payer_la_id", "working"):
        segments[Key(pupil_id, element, route, payer)] = working.get("lines", [])
    return dict(paid), segments


def pupils_to_pay(period: PaymentPeriod, school_id: int) -> list[int]:
    """Pupils placed at the school in the year up to the period's end (as at the period's
    moment), and pupils paid there before in the year (a pupil since removed is recovered)."""
    fy = period.fy
    placed = (
        rows_as_at(Placement, period.as_at)
        .filter(school_id=school_id, starts_on__lte=period.ends_on)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=fy.starts_on))
        .values_list("pupil_id", flat=True)
    )
    paid = PaymentLine.objects.filter(
        period__in=earlier_periods(period), school_id=school_id, pupil__isnull=False
    ).values_list("pupil_id", flat=True)
    return sorted(set(placed) | set(paid))


def schools_to_pay(period: PaymentPeriod, la_id: int) -> list[int]:
    """The LA's schools with a placement in the year up to the period's end (as at the
    period's moment), with payments earlier in the year, or with lines in this period."""
    fy = period.fy
    la_schools = rows_as_at(School, period.as_at).filter(la_id=la_id).values("id")
    placed = (
        rows_as_at(Placement, period.as_at)
        .filter(school_id__in=la_schools, starts_on__lte=period.ends_on)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=fy.starts_on))
        .values_list("school_id", flat=True)
    )
    paid = PaymentLine.objects.filter(
        Q(period__in=earlier_periods(period)) | Q(period=period)
    ).values_list("school_id", flat=True)
    return sorted(set(placed) | set(paid))


@dataclass
class SchoolTotal:
    school_id: int
    urn: int
    name: str
    total: Decimal
    regular: Decimal
    back_pay: Decimal
    recovery: Decimal
    pupils: int


def school_totals(period: PaymentPeriod) -> list[SchoolTotal]:
    """Per school: the period's total and its regular, back-pay and recovery parts (one query)."""
    rows = (
        PaymentLine.objects.filter(period=period)
        .values("school_id", "school__urn", "school__name")
        .annotate(
            total=Sum("amount"),
            regular=Sum("amount", filter=Q(reason_kind__in=["regular", "new"])),
            back_pay=Sum("amount", filter=Q(reason_kind="back_pay")),
            recovery=Sum("amount", filter=Q(reason_kind="recovery")),
            pupils=Count("pupil", distinct=True),
        )
        .order_by("school__name")
    )
    return [
        SchoolTotal(
            r["school_id"],
            r["school__urn"],
            r["school__name"],
            r["total"] or ZERO,
            r["regular"] or ZERO,
            r["back_pay"] or ZERO,
            r["recovery"] or ZERO,
            r["pupils"],
        )
        for r in rows
    ]


def remittance_school(user, urn: int) -> School | None:
    """The school whose remittances `user` may read (LA officers any, a school's business
    manager their own; anyone else None -> 404)."""
    return statement_school(user, urn)


def remittance_period(user, pk: int) -> PaymentPeriod | None:
    """A period the user may see a remittance of: schools see approved periods only."""
    qs = PaymentPeriod.objects.filter(pk=pk)
    if not is_la_officer(user):
        qs = qs.filter(status=PeriodStatus.APPROVED)
    return qs.first()


def remittance_lines(period: PaymentPeriod, school: School) -> QuerySet[PaymentLine]:
    return (
        PaymentLine.objects.filter(period=period, school=school)
        .select_related("pupil", "payer_la")
        .order_by("pupil__family_name", "pupil__given_name", "pupil_id", "element", "id")
    )


def school_remittance_periods(school: School, user) -> QuerySet[PaymentPeriod]:
    qs = PaymentPeriod.objects.filter(lines__school=school).distinct()
    if not is_la_officer(user):
        qs = qs.filter(status=PeriodStatus.APPROVED)
    return qs.order_by("-financial_year", "-index")


# ---- finance-system journal ----------------------------------------------------------------


def journal_totals(period: PaymentPeriod) -> list[SchoolElementTotal]:
    """Per school, element and route: the period's total (one query)."""
    labels = dict(Element.choices)
    rows = (
        PaymentLine.objects.filter(period=period)
        .values(
            "school__urn",
            "school__name",
            "school__la__code",
            "school__establishment_number",
            "element",
            "route",
        )
        .annotate(amount=Sum("amount"))
        .order_by("school__name", "school__urn", "element", "route")
    )
    return [
        SchoolElementTotal(
            urn=r["school__urn"],
            school=r["school__name"],
            la_code=r["school__la__code"],
            establishment_number=r["school__establishment_number"],
            element=r["element"],
            element_label=labels.get(r["element"], r["element"]),
            route=r["route"],
            amount=r["amount"],
        )
        for r in rows
    ]


def payments_config(la) -> PaymentsConfig:
    """The LA's journal configuration, or an unsaved default."""
    return PaymentsConfig.objects.filter(la=la).first() or PaymentsConfig(la=la)


def period_total(period: PaymentPeriod) -> Decimal:
    return PaymentLine.objects.filter(period=period).aggregate(t=Sum("amount"))["t"] or ZERO


def finance_journal(period: PaymentPeriod, la) -> Sheet:
    """The approved period's journal, in the LA's columns; with an Amount column, a total row
    that equals the period's total."""
    config = payments_config(la)
    columns = columns_of(config.columns)
    rows = journal_rows(
        journal_totals(period),
        columns=columns,
        codes=config.codes or {},
        narrative=config.narrative,
        reference_kind=config.supplier_reference,
        period_label=f"FY {period.fy} {period.label}",
        pay_on=period.pay_on,
    )
    cols = [money(JOURNAL_FIELDS[c]) if c == "amount" else Col(JOURNAL_FIELDS[c]) for c in columns]
    sheet = Sheet(title=f"Journal {period.label}", columns=cols)
    for row in rows:
        sheet.append(row)
    return sheet


# ---- inter-LA invoices ---------------------------------------------------------------------


def other_la_lines(period: PaymentPeriod, payer_la_id: int | None = None):
    """The period's lines billed to another LA (route other_la)."""
    qs = PaymentLine.objects.filter(period=period, route=Route.OTHER_LA)
    if payer_la_id is not None:
        qs = qs.filter(payer_la_id=payer_la_id)
    return qs


def other_la_totals(period: PaymentPeriod) -> list[dict]:
    """Per payer LA: the period's other_la total and line count (one query)."""
    return list(
        other_la_lines(period)
        .values("payer_la_id")
        .annotate(amount=Sum("amount"), lines=Count("id"))
        .order_by("payer_la_id")
    )


def invoices(status: str | None = None) -> QuerySet[InterLAInvoice]:
    qs = InterLAInvoice.objects.select_related("period", "payer_la", "issued_by")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("issued_on", "number")


OUTSTANDING = (InvoiceStatus.ISSUED, InvoiceStatus.DISPUTED)


def aged_debt(today: dt.date) -> list[dict]:
    """Outstanding (issued or disputed) invoices per payer LA, by days since issue."""
    table: dict[int, dict] = {}
    for inv in invoices().filter(status__in=OUTSTANDING):
        row = table.setdefault(
            inv.payer_la_id,
            {"la": inv.payer_la, **{band: ZERO for band in AGE_BANDS}, "total": ZERO},
        )
        row[age_band(inv.issued_on, today)] += inv.amount
        row["total"] += inv.amount
    for row in table.values():
        row["amounts"] = [row[band] for band in AGE_BANDS]
    return sorted(table.values(), key=lambda r: r["la"].name)


def invoice_lines(invoice: InterLAInvoice) -> QuerySet[PaymentLine]:
    return (
        other_la_lines(invoice.period, invoice.payer_la_id)
        .select_related("pupil", "school")
        .order_by("school__name", "pupil__family_name", "pupil_id", "element", "id")
    )
