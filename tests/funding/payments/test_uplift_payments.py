"""An uplift adopted from a date is paid from that date (R26 with R24, R7+): no back-pay to
1 April.

The scheme (tests/funding/builders.make_scheme): LSA £15.50 an hour, 39 weeks, threshold
£6,000, so Ada's 20 h LSA = 20 × 15.50 × 39 = £12,090 − £6,000 = £6,090.00 a year. A pay award
of 3.2258% makes LSA £16.00 (£15.99999… half-up): 20 × 16 × 39 = £12,480 − £6,000 = £6,480.00.
FY 2025-26 has 188 school days; by month Apr 7, May 16, Jun 21, Jul 16, Aug 0, Sep 20, Oct 18,
Nov 20, Dec 15, Jan 20, Feb 15, Mar 20: 98 to the end of October, 90 from 1 November.

With the uplift from 1 November Ada's year is two lines (each rounded once, half-up):
  1 Apr-31 Oct at the old rates: £6,090.00 × 98/188 = £3,174.574… → £3,174.57
  1 Nov-31 Mar at the new rates: £6,480.00 × 90/188 = £3,102.127… → £3,102.13
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from funding.payments import services
from funding.payments.models import PaymentLine, PaymentPeriod, PeriodStatus
from funding.scenarios import adoption as adopting
from funding.scenarios import calculations as calc
from tests import factories
from tests.funding import builders as b

D = Decimal
pytestmark = pytest.mark.django_db
NOVEMBER = dt.date(2025, 11, 1)


@pytest.fixture
def ada(home_la, scheme):
    primary = b.school(home_la, "Meadow Primary")
    pupil = b.pupil(home_la, given_name="Ada", family_name="Lovelace")
    b.place(pupil, primary)
    b.plan(pupil, lsa=20)
    return pupil


@pytest.fixture
def pay(db, fast_passwords, scheme, django_capture_on_commit_callbacks):
    """Generate (as the data stands now), prepare and approve the periods up to `index`."""
    services.payment_periods_create(financial_year=2025)
    preparer = factories.la_officer(username="preparer")
    approver = factories.la_officer(username="approver")

    def through(index: int) -> PaymentPeriod:
        for period in PaymentPeriod.objects.filter(financial_year=2025, index__lte=index).exclude(
            status=PeriodStatus.APPROVED
        ):
            with django_capture_on_commit_callbacks(execute=True):
                services.payment_period_generate(period=period, as_at=timezone.now())
            period.refresh_from_db()
            period = services.payment_period_prepare(period=period, user=preparer)
            services.payment_period_approve(period=period, user=approver)
        return PaymentPeriod.objects.get(financial_year=2025, index=index)

    return through


def _uplift():
    return adopting.uplift_adopt(
        financial_year=2025,
        percent=D("3.2258"),
        rate_set=calc.HOURLY_RATES,
        effective_from=NOVEMBER,
        reason="NJC pay award 2025",
    )


def lines(period) -> list[tuple]:
    return list(
        PaymentLine.objects.filter(period=period)
        .order_by("reason_kind")
        .values_list("reason_kind", "amount")
    )


def test_r24_r26_the_period_after_an_uplift_pays_it_from_its_date_with_no_back_pay(ada, pay):
    pay(7)  # April to October paid at the old rates: £6,090.00 × 98/188 = £3,174.57
    _uplift()
    november = pay(8)
    # Entitlement to 30 Nov: £3,174.57 (before 1 Nov, as paid) + £3,102.13 × 20/90 = £689.36.
    # November pays £689.36 (at the old rates it would have been £6,090 × 118/188 − £3,174.57
    # = £3,822.45 − £3,174.57 = £647.88); nothing is back-paid for April to October.
    assert lines(november) == [("regular", D("689.36"))]
    assert "£3,102.13" in november.lines.get().reason
    pay(12)
    paid = PaymentLine.objects.filter(pupil=ada)
    assert not paid.exclude(reason_kind="regular").exists()
    # The year pays the two lines exactly: £3,174.57 + £3,102.13 = £6,276.70.
    assert paid.aggregate(total=Sum("amount"))["total"] == D("6276.70")


def test_r24_r26_an_uplift_adopted_late_back_pays_only_from_its_date(ada, pay):
    pay(8)  # to 30 Nov at the old rates: £6,090.00 × 118/188 = £3,822.45
    _uplift()  # adopted in December, from 1 November
    december = pay(9)
    # Entitlement to 30 Nov now £3,174.57 + £689.36 = £3,863.93: back-pay £3,863.93 − £3,822.45
    # = £41.48 (November's uplift only, not April's to October's).
    # December: £3,102.13 × 35/90 = £1,206.38 − £689.36 = £517.02.
    assert lines(december) == [("back_pay", D("41.48")), ("regular", D("517.02"))]


def test_r24_r26_r7plus_no_penny_is_recovered_for_the_months_before_an_uplift(home_la, pay):
    primary = b.school(home_la, "Meadow Primary")
    pupil = b.pupil(home_la, given_name="Grace", family_name="Hopper")
    b.place(pupil, primary)
    b.plan(pupil, lsa=D("17.5"))
    # 17.5 × 15.50 × 39 = £10,578.75 − £6,000 = £4,578.75 a year; to 31 Oct paid
    # £4,578.75 × 98/188 = £2,386.795… → £2,386.80.
    pay(7)
    _uplift()
    november = pay(8)
    # From 1 Nov: 17.5 × 16.00 × 39 = £10,920 − £6,000 = £4,920.00 × 90/188 = £2,355.319…
    # → £2,355.32; to 30 Nov £2,355.32 × 20/90 = £523.404… → £523.40. The part to 31 Oct is
    # rounded on its own (£2,386.80, as paid): no −£0.01 recovery for April to October.
    assert lines(november) == [("regular", D("523.40"))]
