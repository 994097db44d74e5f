# ruff: noqa: F811 - the payment fixtures are imported from test_payments
"""Scheme settings for payments (R24), holding queried return lines, a school closing, what
changed on the remittance, the remittance as PDF, and our payable side (R8).

Figures as in test_payments: Ada, 20 h LSA all year, £6,090 a year; FY 2025-26 has 188 school
days; to the end of Oct 98, of Nov 118, of Dec 133 (Dec has 15).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from funding import services as funding_services
from funding.models import FundingScheme
from funding.payments import selectors, services
from funding.payments.models import PayableStatus, PaymentLine, PaymentsConfig
from funding.payments.pdf import plain, remittance_pdf
from funding.presets import preset_names
from funding.returns.models import MonthlyReturn, ReturnLine
from pupils.models import Placement
from schools.models import SchoolStatus
from tests import factories
from tests.funding import builders as b
from tests.funding.payments.test_payments import (  # noqa: F401 - fixtures
    ada,
    lines,
    officers,
    pay,
    periods,
    primary,
)

D = Decimal
pytestmark = pytest.mark.django_db


# ---- scheme settings -------------------------------------------------------------------------


def test_r24_monthly_periods_by_default_cut_off_10th_paid_15th(scheme):
    made = services.payment_periods_create(financial_year=2025)
    assert len(made) == 12
    assert (made[0].kind, made[0].cut_off, made[0].pay_on) == (
        "monthly",
        dt.date(2025, 4, 10),
        dt.date(2025, 4, 15),
    )
    assert (made[-1].starts_on, made[-1].ends_on) == (dt.date(2026, 3, 1), dt.date(2026, 3, 31))


def test_r24_termly_periods_with_the_schemes_days(scheme):
    """Termly: three fixed parts of the FY (Apr-Aug, Sep-Dec, Jan-Mar), cut off on the
    scheme's day 5 and paid on day 20 of each part's first month."""
    FundingScheme.objects.filter(pk=scheme.pk).update(
        payment_frequency="termly", payment_cut_off_day=5, payment_day=20
    )
    made = services.payment_periods_create(financial_year=2025)
    assert [(p.kind, p.starts_on, p.ends_on, p.cut_off, p.pay_on) for p in made] == [
        ("termly", dt.date(2025, 4, 1), dt.date(2025, 8, 31), dt.date(2025, 4, 5),
         dt.date(2025, 4, 20)),
        ("termly", dt.date(2025, 9, 1), dt.date(2025, 12, 31), dt.date(2025, 9, 5),
         dt.date(2025, 9, 20)),
        ("termly", dt.date(2026, 1, 1), dt.date(2026, 3, 31), dt.date(2026, 1, 5),
         dt.date(2026, 1, 20)),
    ]  # fmt: skip


def test_r24_termly_payments_add_up_to_the_year(ada, scheme, pay):
    """Apr-Aug: £6,090 × 60/188 (7+16+21+16+0) = £1,943.62; the three add up to £6,090.00."""
    FundingScheme.objects.filter(pk=scheme.pk).update(payment_frequency="termly")
    services.payment_periods_create(financial_year=2025)
    summer = pay(1)
    assert lines(summer) == [("regular", D("1943.62"))]
    pay(3)
    assert PaymentLine.objects.aggregate(t=Sum("amount"))["t"] == D("6090.00")


def test_r24_payment_days_are_checked(scheme):
    scheme.payment_cut_off_day, scheme.payment_day = 20, 15
    with pytest.raises(ValidationError):
        scheme.full_clean()


def test_r24_load_scheme_replace_resets_the_payment_settings(home_la):
    preset = preset_names()[0]
    scheme = funding_services.scheme_load_preset(preset=preset, financial_year=2025, la=home_la)
    FundingScheme.objects.filter(pk=scheme.pk).update(
        payment_frequency="termly",
        payment_cut_off_day=3,
        payment_day=4,
        maintained_payment_method="remittance",
        provider_payment_method="budget_share",
        hold_queried_return_lines=True,
    )
    funding_services.scheme_load_preset(
        preset=preset, financial_year=2025, la=home_la, replace=True
    )
    scheme.refresh_from_db()
    assert (
        scheme.payment_frequency,
        scheme.payment_cut_off_day,
        scheme.payment_day,
        scheme.maintained_payment_method,
        scheme.provider_payment_method,
        scheme.hold_queried_return_lines,
    ) == ("monthly", 10, 15, "budget_share", "remittance", False)


def test_r24_maintained_schools_by_budget_share_academies_against_remittance(
    home_la, primary, ada, periods, pay
):
    academy = b.school(home_la, "Oak Academy", kind="academy")
    bea = b.pupil(home_la, given_name="Bea")
    b.place(bea, academy)
    b.plan(bea, lsa=20)
    april = pay(1)
    paid_as = dict(april.lines.values_list("school__name", "paid_as"))
    assert paid_as == {"Meadow Primary": "budget_share", "Oak Academy": "remittance"}


# ---- holding queried return lines ------------------------------------------------------------


def _query(school, pupil, month: dt.date) -> ReturnLine:
    now = timezone.now()
    ret = MonthlyReturn.objects.create(school=school, month=month, issued_at=now)
    return ReturnLine.objects.create(
        monthly_return=ret,
        pupil=pupil,
        year_group=4,
        on_roll_from=dt.date(2024, 9, 1),
        on_roll=True,
        support_correct=False,
        correction="She has 15 hours, not 20.",
        queried=True,
        answered_at=now,
    )


def test_r24_a_queried_line_is_paid_as_recorded_by_default(primary, ada, periods, pay):
    """November as recorded: to 30 Nov £6,090 × 118/188 = £3,822.45 − to 31 Oct £6,090 ×
    98/188 = £3,174.57 = £647.88."""
    _query(primary, ada, dt.date(2025, 11, 1))
    november = pay(8)
    assert lines(november) == [("regular", D("647.88"))]


def test_r24_the_scheme_can_hold_queried_lines_until_resolved(scheme, primary, ada, periods, pay):
    """Held in November: a £0 line (entitlement to date = paid before = £3,174.57) saying why,
    with £647.88 waiting. Resolved before December: December pays the £647.88 as back-pay
    (£3,822.45 − £3,174.57) and its own month, to 31 Dec £6,090 × 133/188 = £4,308.35 −
    £3,822.45 = £485.90."""
    FundingScheme.objects.filter(pk=scheme.pk).update(hold_queried_return_lines=True)
    query = _query(primary, ada, dt.date(2025, 11, 1))
    november = pay(8)
    (held,) = november.lines.all()
    assert (held.reason_kind, held.amount, held.paid_before) == ("held", D("0"), D("3174.57"))
    assert held.reason.startswith("Held: queried on the monthly return for November 2025.")
    assert held.working["held_amount"] == "647.88"
    assert selectors.remittance_changes(november, primary) == [
        f"Held: AL (UPN {ada.upn}), Element 3 top-up, £647.88 waiting"
    ]
    ReturnLine.objects.filter(pk=query.pk).update(
        resolution="rejected", resolution_reason="Support is as recorded."
    )
    december = pay(9)
    assert dict(lines(december)) == {"back_pay": D("647.88"), "regular": D("485.90")}
    back = december.lines.get(reason_kind="back_pay")
    assert back.reason.startswith("Released from hold: the monthly return query is resolved.")
    assert PaymentLine.objects.filter(pupil=ada).aggregate(t=Sum("amount"))["t"] == D("4308.35")


# ---- a school closing ------------------------------------------------------------------------


def _close(school, on: dt.date) -> None:
    """The school closes on `on`; its pupils' placements end that day (recorded with history)."""
    school.status, school.closed_on = SchoolStatus.CLOSED, on
    school.save()
    for placement in Placement.objects.filter(school=school):
        placement.ends_on = on
        placement.save()


def test_r24_a_school_closing_mid_year_is_paid_nothing_after_it_closes(primary, ada, periods, pay):
    """Meadow Primary closes on 31 Oct, known before November is paid: April-October pay
    £6,090 × 98/188 = £3,174.57 and nothing follows; the year's payments are £3,174.57."""
    pay(7)
    _close(primary, dt.date(2025, 10, 31))
    pay(12)
    after = PaymentLine.objects.filter(school=primary, period__index__gte=8)
    assert not after.exists()
    total = PaymentLine.objects.filter(school=primary).aggregate(t=Sum("amount"))["t"]
    assert total == D("3174.57")


def test_r24_a_school_closure_recorded_late_is_recovered(primary, ada, periods, pay):
    """November was paid (to 30 Nov: £3,822.45) before it was recorded that the school closed
    on 31 Oct: December recovers £3,174.57 − £3,822.45 = −£647.88 and pays nothing else;
    nothing is paid after that, and the year comes to £3,174.57."""
    pay(8)
    _close(primary, dt.date(2025, 10, 31))
    december = pay(9)
    assert lines(december) == [("recovery", D("-647.88"))]
    pay(12)
    assert not PaymentLine.objects.filter(school=primary, period__index__gte=10).exists()
    total = PaymentLine.objects.filter(school=primary).aggregate(t=Sum("amount"))["t"]
    assert total == D("3174.57")


# ---- the remittance: what changed, PDF -------------------------------------------------------


def test_r24_remittance_says_what_changed_since_last_month(
    client, home_la, primary, ada, periods, pay
):
    """Ada left on 17 Oct, recorded after October was paid: November recovers −£161.96
    (test_payments); Ben joins on 3 Nov and is new (£647.87)."""
    pay(7)
    placement = Placement.objects.get(pupil=ada)
    placement.ends_on = dt.date(2025, 10, 17)
    placement.save()
    ben = b.pupil(home_la, given_name="Ben", family_name="Ng")
    b.place(ben, primary, starts_on=dt.date(2025, 11, 3))
    b.plan(ben, issued_on=dt.date(2025, 11, 3), lsa=20)
    november = pay(8)
    changes = selectors.remittance_changes(november, primary)
    assert changes == [
        f"New: BN (UPN {ben.upn}) is paid for the first time",
        f"Ended: AL (UPN {ada.upn}) was paid for October 2025 and is not paid for this period",
        f"Recovery: AL (UPN {ada.upn}), Element 3 top-up, -£161.96",
    ]
    client.force_login(factories.school_manager(primary))
    page = client.get(reverse("payments:remittance", args=[november.pk, primary.urn]))
    assert "is paid for the first time" in page.content.decode()
    assert "Paid as: adjustment to the budget share." in page.content.decode()


def test_r24_remittance_pdf_for_the_schools_own_manager(
    client, home_la, primary, ada, pay, periods
):
    april = pay(1)
    url = reverse("payments:remittance_pdf", args=[april.pk, primary.urn])
    client.force_login(factories.school_manager(primary))
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    client.force_login(factories.school_manager(b.school(home_la, "Hill Primary")))
    assert client.get(url).status_code == 404


def test_remittance_pdf_carries_the_pound_sign_in_a_core_font():
    assert plain("£6,090.00 × 7/188 − £1 → £2") == "£6,090.00 x 7/188 - £1 -> £2"
    content = remittance_pdf(
        title="Remittance advice: Meadow Primary, April 2025",
        facts=[("Paid on", "15 April 2025")],
        changes=["New: AL is paid for the first time"],
        rows=[["A123", "AL", "Year 4", "Element 3 top-up", "Regular", 7, D("226.76"), "Why"]],
        total=D("226.76"),
    )
    assert content.startswith(b"%PDF-")


# ---- our payable side ------------------------------------------------------------------------


@pytest.fixture
def bill(other_la, officers):
    return services.payable_invoice_record(
        from_la=other_la,
        reference="NC-2025-041",
        period_from=dt.date(2025, 4, 1),
        period_to=dt.date(2025, 6, 30),
        amount=D("4512.00"),
        pupils=2,
        received_on=dt.date(2025, 7, 10),
        user=officers[0],
    )


def test_r8_a_bill_from_another_la_disputed_then_credited_with_history(bill, officers):
    with pytest.raises(ValidationError) as err:
        services.payable_invoice_move(bill=bill, to=PayableStatus.DISPUTED, user=officers[1])
    assert err.value.messages == [
        services.PAYABLE_DISPUTE_NEEDS_REASON.format(la=bill.from_la.name, reference=bill.reference)
    ]
    bill = services.payable_invoice_move(
        bill=bill, to=PayableStatus.DISPUTED, user=officers[1], reason="One pupil left in May"
    )
    with pytest.raises(ValidationError):
        services.payable_invoice_move(bill=bill, to=PayableStatus.DISPUTED, user=officers[1])
    bill = services.payable_invoice_move(bill=bill, to=PayableStatus.CREDITED, user=officers[1])
    assert bill.status == "credited" and bill.settled_on == timezone.localdate()
    reasons = [h.history_change_reason for h in bill.history.order_by("history_id")]
    assert reasons == ["Recorded from their invoice", "Disputed: One pupil left in May", "Credited"]


def test_r8_our_own_la_cannot_bill_us(home_la, officers):
    with pytest.raises(ValidationError):
        services.payable_invoice_record(
            from_la=home_la,
            reference="X",
            period_from=dt.date(2025, 4, 1),
            period_to=dt.date(2025, 4, 30),
            amount=D("1"),
            pupils=1,
            received_on=dt.date(2025, 5, 1),
            user=officers[0],
        )


def test_r8_payables_are_aged_by_days_since_received(client, bill, other_la, officers):
    """Received 10 Jul 2025; on 1 Sep 2025 that is 53 days: the 31-60 band."""
    (row,) = selectors.aged_creditors(dt.date(2025, 9, 1))
    assert row["la"] == other_la and row["total"] == D("4512.00")
    assert row["amounts"].count(D("4512.00")) == 1 and row["amounts"][1] == D("4512.00")
    client.force_login(officers[0])
    page = client.get(reverse("payments:invoices")).content.decode()
    assert "Aged payables: billed to us" in page and "NC-2025-041" in page


def test_r8_recording_a_bill_through_the_page(client, other_la, officers):
    client.force_login(officers[0])
    assert client.get(reverse("payments:payable_create")).status_code == 200
    response = client.post(
        reverse("payments:payable_create"),
        {
            "from_la": other_la.pk,
            "reference": "NC-7",
            "period_from": "2025-04-01",
            "period_to": "2025-04-30",
            "amount": "1200.50",
            "pupils": "1",
            "received_on": "2025-05-06",
        },
    )
    assert response.status_code == 302
    assert selectors.payables().get().amount == D("1200.50")


def test_r8_payables_are_for_la_officers_only(client, primary, bill):
    client.force_login(factories.school_manager(primary))
    for url in (
        reverse("payments:payable_create"),
        reverse("payments:payable", args=[bill.pk]),
    ):
        assert client.get(url).status_code == 403


def test_r24_the_journal_can_say_how_each_school_is_paid(
    client, home_la, primary, ada, periods, pay, officers
):
    """April: Meadow Primary (community, maintained) £226.76 as a budget share adjustment."""
    PaymentsConfig.objects.create(la=home_la, columns=["urn", "paid_as", "amount"])
    april = pay(1)
    client.force_login(officers[0])
    response = client.get(reverse("payments:journal", args=[april.pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["URN", "Paid as", "Amount"]
    assert rows[1] == [str(primary.urn), "Adjustment to the budget share", "226.76"]


def test_r24_an_officer_changes_the_payment_settings_on_the_scheme_page(client, scheme, officers):
    client.force_login(officers[0])
    url = reverse("funding:scheme_change", args=[scheme.pk, "payments"])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "payment_frequency": "termly",
            "payment_cut_off_day": "5",
            "payment_day": "20",
            "maintained_payment_method": "budget_share",
            "provider_payment_method": "remittance",
            "hold_queried_return_lines": "on",
            "reason": "Schools Forum agreed termly payments",
        },
    )
    assert response.status_code == 302
    scheme.refresh_from_db()
    assert (scheme.payment_frequency, scheme.payment_day, scheme.hold_queried_return_lines) == (
        "termly",
        20,
        True,
    )
    page = client.get(reverse("funding:scheme_detail", args=[scheme.pk])).content.decode()
    assert "queried monthly return lines held until resolved" in page
