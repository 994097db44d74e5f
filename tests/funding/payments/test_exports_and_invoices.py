# ruff: noqa: F811 - the payment fixtures are imported from test_payments
"""The finance-system journal and inter-LA invoices of an approved period (R24, R25, R8+).

Figures as in test_payments: Ada, 20 h LSA all year, £6,090 a year; April (7 of 188 school
days) pays £6,090 × 7/188 = £226.76. Cai, 30 h LSA (£12,135 a year), lives in Neighbour County
(route other_la): April £12,135 × 7/188 = £451.84.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from funding.payments import selectors, services
from funding.payments.journal import age_band
from funding.payments.models import InvoiceStatus, PaymentsConfig
from tests import factories
from tests.funding import builders as b
from tests.funding.payments.test_payments import (  # noqa: F401 - fixtures
    ada,
    officers,
    pay,
    periods,
    primary,
)

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def cai(other_la, primary):
    """30 h LSA all year, home LA Neighbour County: £12,135 top-up billed to them."""
    pupil = b.pupil(other_la, given_name="Cai", family_name="Jones")
    b.place(pupil, primary)
    pupil.plan = b.plan(pupil, lsa=30)
    return pupil


def _rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_r24_journal_totals_reconcile_to_the_approved_period(
    client, home_la, ada, cai, periods, pay, officers
):
    """April: Ada £226.76 (route la) + Cai £451.84 (route other_la) = £678.60, the period's
    total, and the journal's Amount column adds up to the same, coded per element and route."""
    PaymentsConfig.objects.create(
        la=home_la,
        columns=["cost_centre", "account_code", "supplier_reference", "amount", "narrative"],
        codes={
            "top_up/la": {"cost_centre": "SEN100", "account_code": "4100"},
            "top_up/other_la": {"cost_centre": "SEN100", "account_code": "9200"},
        },
        narrative="=HYPERLINK {element} {period}",
        supplier_reference="urn",
    )
    april = pay(1)
    assert selectors.period_total(april) == D("678.60")
    client.force_login(officers[0])
    response = client.get(reverse("payments:journal", args=[april.pk]))
    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads £
    header, *rows, total = _rows(response)
    assert header == ["Cost centre", "Account code", "Supplier reference", "Amount", "Narrative"]
    assert sorted((r[1], r[3]) for r in rows) == [("4100", "226.76"), ("9200", "451.84")]
    assert {r[2] for r in rows} == {str(ada.placements.get().school.urn)}
    assert sum(D(r[3]) for r in rows) == D("678.60") == D(total[3])
    # A narrative that would be a formula is neutralised by the export layer.
    assert all(r[4].startswith("'=HYPERLINK Element 3 top-up FY 2025") for r in rows)


def test_r24_no_journal_before_approval(client, ada, periods, pay, officers):
    april = pay(1, approve_last=False)
    client.force_login(officers[0])
    response = client.get(reverse("payments:journal", args=[april.pk]))
    assert response.status_code == 302


def test_r8_an_invoice_per_other_la_of_their_pupils_lines(
    ada, cai, other_la, periods, pay, officers
):
    """Neighbour County is invoiced Cai's £451.84 for April; Ada (ours) is on no invoice;
    issuing again adds nothing."""
    april = pay(1)
    (invoice,) = services.interla_invoices_issue(period=april, user=officers[0])
    assert (invoice.payer_la, invoice.amount, invoice.line_count) == (other_la, D("451.84"), 1)
    assert [line.pupil for line in selectors.invoice_lines(invoice)] == [cai]
    assert services.interla_invoices_issue(period=april, user=officers[0]) == []


def test_r8_invoices_only_for_approved_periods(cai, periods, pay, officers):
    april = pay(1, approve_last=False)
    with pytest.raises(ValidationError):
        services.interla_invoices_issue(period=april, user=officers[0])


def test_r8_dispute_needs_a_reason_then_credit_with_history(cai, periods, pay, officers):
    preparer, approver = officers
    (invoice,) = services.interla_invoices_issue(period=pay(1), user=preparer)
    with pytest.raises(ValidationError):
        services.interla_invoice_dispute(invoice=invoice, user=approver, reason=" ")
    with pytest.raises(ValidationError):  # only a disputed invoice is credited
        services.interla_invoice_credit(invoice=invoice, user=approver)
    invoice = services.interla_invoice_dispute(
        invoice=invoice, user=approver, reason="Cai moved to us on 1 April"
    )
    invoice = services.interla_invoice_credit(invoice=invoice, user=preparer)
    assert invoice.status == InvoiceStatus.CREDITED
    history = [
        (h.history_change_reason, h.history_user.username)
        for h in invoice.history.order_by("history_date")
    ]
    assert history == [
        ("Issued", "preparer"),
        ("Disputed: Cai moved to us on 1 April", "approver"),
        ("Credited", "preparer"),
    ]
    with pytest.raises(ValidationError):  # credited is final
        services.interla_invoice_mark_paid(invoice=invoice, user=preparer)


def test_aged_debt_bands_days_since_issue():
    issued = dt.date(2026, 1, 1)
    assert [
        age_band(issued, issued + dt.timedelta(days=d)) for d in (0, 30, 31, 60, 61, 90, 91)
    ] == ["0-30", "0-30", "31-60", "31-60", "61-90", "61-90", "90+"]


def test_aged_debt_page_shows_outstanding_by_band(client, cai, other_la, periods, pay, officers):
    """Issued 45 days ago and unpaid: £451.84 in 31-60; paid invoices leave the view."""
    april = pay(1)
    today = dt.date.today()
    (invoice,) = services.interla_invoices_issue(
        period=april, user=officers[0], on=today - dt.timedelta(days=45)
    )
    (row,) = selectors.aged_debt(today)
    assert (row["la"], row["amounts"]) == (other_la, [D("0"), D("451.84"), D("0"), D("0")])
    client.force_login(officers[0])
    page = client.get(reverse("payments:invoices")).content.decode()
    assert invoice.number in page and "£451.84" in page
    services.interla_invoice_mark_paid(invoice=invoice, user=officers[1])
    assert selectors.aged_debt(today) == []


def test_invoices_are_for_la_officers_only(client, primary, cai, periods, pay, officers):
    april = pay(1)
    (invoice,) = services.interla_invoices_issue(period=april, user=officers[0])
    client.force_login(factories.school_manager(primary))
    for url in (
        reverse("payments:invoices"),
        reverse("payments:invoice", args=[invoice.pk]),
        reverse("payments:journal", args=[april.pk]),
    ):
        assert client.get(url).status_code == 403
    response = client.post(reverse("payments:invoice_update", args=[invoice.pk]), {"to": "paid"})
    assert response.status_code == 403
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED
