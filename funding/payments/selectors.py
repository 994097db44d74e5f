"""Reads for payments (R24): periods, what was paid to date, per-school totals, remittances."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Max, Q, QuerySet, Sum

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
    PaidAs,
    PayableInvoice,
    PayableStatus,
    PaymentLine,
    PaymentPeriod,
    PaymentsConfig,
    PeriodStatus,
)
from funding.selectors import statement_school
from pupils.models import Placement
from schools.asat import as_at as rows_as_at
from schools.db import ids_in
from schools.exports import Col, Sheet, money
from schools.models import EstablishmentType, School
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
    return paid_to_date_by_school(period, [school_id]).get(school_id, ({}, {}))


def paid_to_date_by_school(
    period: PaymentPeriod, school_ids: list[int]
) -> dict[int, tuple[dict[Key, Decimal], dict]]:
    """`paid_to_date` for several schools at once: {school id: (paid, segments)} (two queries,
    whatever the number of schools)."""
    lines = PaymentLine.objects.filter(
        ids_in("school_id", school_ids),
        period__in=earlier_periods(period).filter(status=PeriodStatus.APPROVED),
    )
    paid: dict[int, dict[Key, Decimal]] = defaultdict(dict)
    for school_id, pupil_id, element, route, payer, total in (
        lines.values_list("school_id", "pupil_id", "element", "route", "payer_la_id")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        paid[school_id][Key(pupil_id, element, route, payer)] = total
    segments: dict[int, dict[Key, list[dict]]] = defaultdict(dict)
    for school_id, pupil_id, element, route, payer, working in lines.order_by(
        "period__index", "id"
    ).values_list("school_id", "pupil_id", "element", "route", "payer_la_id", "working"):
        segments[school_id][Key(pupil_id, element, route, payer)] = working.get("lines", [])
    return {
        school_id: (paid.get(school_id, {}), segments.get(school_id, {}))
        for school_id in school_ids
    }


def pupils_to_pay(period: PaymentPeriod, school_id: int) -> list[int]:
    """Pupils placed at the school in the year up to the period's end (as at the period's
    moment), and pupils paid there before in the year (a pupil since removed is recovered)."""
    return pupils_to_pay_by_school(period, [school_id])[school_id]


def pupils_to_pay_by_school(period: PaymentPeriod, school_ids: list[int]) -> dict[int, list[int]]:
    """`pupils_to_pay` for several schools at once: {school id: sorted pupil ids} (two
    queries, whatever the number of schools)."""
    fy = period.fy
    found: dict[int, set[int]] = {school_id: set() for school_id in school_ids}
    placed = (
        rows_as_at(Placement, period.as_at)
        .filter(ids_in("school_id", school_ids))
        .filter(starts_on__lte=period.ends_on)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=fy.starts_on))
        .values_list("school_id", "pupil_id")
        .order_by()
    )
    paid = (
        PaymentLine.objects.filter(ids_in("school_id", school_ids))
        .filter(period__in=earlier_periods(period), pupil__isnull=False)
        .values_list("school_id", "pupil_id")
        .order_by()
        .distinct()
    )
    for rows in (placed, paid):
        for school_id, pupil_id in rows:
            found[school_id].add(pupil_id)
    return {school_id: sorted(pupils) for school_id, pupils in found.items()}


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


MAINTAINED_TYPES = frozenset(
    {
        EstablishmentType.COMMUNITY,
        EstablishmentType.FOUNDATION,
        EstablishmentType.VOLUNTARY_AIDED,
        EstablishmentType.VOLUNTARY_CONTROLLED,
        EstablishmentType.SPECIAL,
        EstablishmentType.NURSERY,
        EstablishmentType.AP_PRU,
    }
)


def paid_as(scheme, school: School) -> str:
    """How the scheme pays this kind of school: maintained schools (community, foundation,
    voluntary, community special, nursery, PRU) by `maintained_payment_method`; academies,
    free schools, FE colleges, independent and other providers by `provider_payment_method`."""
    if scheme is None:
        return PaidAs.REMITTANCE
    if school.establishment_type in MAINTAINED_TYPES:
        return scheme.maintained_payment_method
    return scheme.provider_payment_method


def held_pupils(period: PaymentPeriod, school_id: int) -> dict[int, str]:
    """Pupils with a line queried on one of the school's monthly returns up to the period's end
    and not yet resolved, with the month(s) it was queried for (R20, R24)."""
    return held_pupils_by_school(period, [school_id])[school_id]


def held_pupils_by_school(period: PaymentPeriod, school_ids: list[int]) -> dict[int, dict]:
    """`held_pupils` for several schools at once: {school id: {pupil id: months}} (one query)."""
    from funding.returns.models import ReturnLine

    months: dict[int, dict[int, list[str]]] = {school_id: {} for school_id in school_ids}
    for school_id, pupil_id, month in (
        ReturnLine.objects.filter(
            ids_in("monthly_return__school_id", school_ids),
            monthly_return__month__lte=period.ends_on,
            queried=True,
            resolution="",
        )
        .order_by("monthly_return__month")
        .values_list("monthly_return__school_id", "pupil_id", "monthly_return__month")
    ):
        months[school_id].setdefault(pupil_id, []).append(f"{month:%B %Y}")
    return {
        school_id: {pupil_id: ", ".join(ms) for pupil_id, ms in pupils.items()}
        for school_id, pupils in months.items()
    }


def released_keys(period: PaymentPeriod, school_id: int) -> set[Key]:
    """Keys the school's line in the period before held (R24): paid now, they say so."""
    return released_keys_by_school(period, [school_id])[school_id]


def released_keys_by_school(period: PaymentPeriod, school_ids: list[int]) -> dict[int, set[Key]]:
    """`released_keys` for several schools at once (one query)."""
    out: dict[int, set[Key]] = {school_id: set() for school_id in school_ids}
    for school_id, *key in PaymentLine.objects.filter(
        ids_in("school_id", school_ids),
        period__financial_year=period.financial_year,
        period__index=period.index - 1,
        reason_kind="held",
    ).values_list("school_id", "pupil_id", "element", "route", "payer_la_id"):
        out[school_id].add(Key(*key))
    return out


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
    paid_as: str = PaidAs.REMITTANCE

    @property
    def paid_as_label(self) -> str:
        return PaidAs(self.paid_as).label


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
            paid_as=Max("paid_as"),
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
            r["paid_as"] or PaidAs.REMITTANCE,
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
            "paid_as",
        )
        .annotate(amount=Sum("amount"))
        .order_by("school__name", "school__urn", "element", "route", "paid_as")
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
            paid_as=PaidAs(r["paid_as"]).label,
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


# ---- what changed since the last period (the school's remittance) ---------------------------


def _who(line: PaymentLine) -> str:
    p = line.pupil
    if p is None:
        return "School"
    return f"{p.given_name[:1]}{p.family_name[:1]}".upper() + f" (UPN {p.upn})"


PAYING = ("regular", "new")


def remittance_changes(period: PaymentPeriod, school: School, lines=None) -> list[str]:
    """What changed for the school since the last period that paid it (R24), in words: pupils
    paid for the first time, pupils paid last time and not now (left, or funding ended),
    back-pay, recoveries and held lines, each with its amount."""
    lines = list(lines if lines is not None else remittance_lines(period, school))
    before = (
        earlier_periods(period)
        .filter(lines__school=school, lines__reason_kind__in=PAYING)
        .order_by("-index")
        .first()
    )
    last = set()
    if before is not None:
        last = set(
            PaymentLine.objects.filter(
                period=before, school=school, reason_kind__in=PAYING, pupil__isnull=False
            ).values_list("pupil_id", flat=True)
        )
    now = {line.pupil_id for line in lines if line.reason_kind in (*PAYING, "held")}
    out: list[str] = []
    seen: set[int | None] = set()
    for line in lines:
        if line.reason_kind in PAYING and line.pupil_id not in last and line.pupil_id not in seen:
            if before is not None or line.reason_kind == "new":
                seen.add(line.pupil_id)
                out.append(f"New: {_who(line)} is paid for the first time")
    if last - now:
        ended = (
            PaymentLine.objects.filter(period=before, school=school, pupil_id__in=last - now)
            .select_related("pupil")
            .order_by("pupil__family_name", "pupil_id")
            .distinct("pupil__family_name", "pupil_id")
        )
        out += [
            f"Ended: {_who(line)} was paid for {before.label} and is not paid for this period"
            for line in ended
        ]
    words = {"back_pay": "Back-pay", "recovery": "Recovery", "held": "Held"}
    for line in lines:
        if line.reason_kind in words:
            amount = line.working.get("held_amount") if line.reason_kind == "held" else None
            figure = f"£{Decimal(amount):,.2f} waiting" if amount else _signed(line.amount)
            out.append(
                f"{words[line.reason_kind]}: {_who(line)}, {line.get_element_display()}, {figure}"
            )
    return out


def _signed(amount: Decimal) -> str:
    return f"-£{-amount:,.2f}" if amount < 0 else f"£{amount:,.2f}"


# ---- our payable side: other LAs' bills for our pupils in their schools ---------------------


def payables(status: str | None = None) -> QuerySet[PayableInvoice]:
    qs = PayableInvoice.objects.select_related("from_la", "recorded_by")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("received_on", "reference")


PAYABLE_OUTSTANDING = (PayableStatus.RECEIVED, PayableStatus.DISPUTED)


def aged_creditors(today: dt.date) -> list[dict]:
    """Unpaid (received or disputed) bills from other LAs per LA, by days since received."""
    table: dict[int, dict] = {}
    for bill in payables().filter(status__in=PAYABLE_OUTSTANDING):
        row = table.setdefault(
            bill.from_la_id,
            {"la": bill.from_la, **{band: ZERO for band in AGE_BANDS}, "total": ZERO},
        )
        row[age_band(bill.received_on, today)] += bill.amount
        row["total"] += bill.amount
    for row in table.values():
        row["amounts"] = [row[band] for band in AGE_BANDS]
    return sorted(table.values(), key=lambda r: r["la"].name)


def our_pupils_elsewhere(la_id: int, on: dt.date) -> QuerySet[Placement]:
    """Evidence for checking a bill: our pupils (home LA ours) placed on `on` in schools
    maintained by other LAs."""
    return (
        Placement.objects.filter(pupil__home_la_id=la_id, starts_on__lte=on)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))
        .exclude(school__la_id=la_id)
        .select_related("pupil", "school", "school__la")
        .order_by("school__la__name", "school__name", "pupil__family_name")
    )


def year_payment_totals(
    financial_year: int, payer_la_id: int, *, exclude_elements=()
) -> dict[str, Decimal]:
    """For the high-needs budget page (funding.reports): what the year's payment periods pay
    from `payer_la_id`'s money: {"paid": approved periods, "unapproved": draft and prepared
    periods not yet approved}, leaving out `exclude_elements`. One query."""
    rows = (
        PaymentLine.objects.filter(period__financial_year=financial_year, payer_la_id=payer_la_id)
        .exclude(element__in=list(exclude_elements))
        .values("period__status")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    out = {"paid": ZERO, "unapproved": ZERO}
    for row in rows:
        key = "paid" if row["period__status"] == PeriodStatus.APPROVED else "unapproved"
        out[key] += row["total"] or ZERO
    return out
