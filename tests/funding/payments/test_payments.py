"""Payments in periods (R24): due = entitlement to the period's end, from the data as it stood
at the period's moment, − paid to date; back-pay and recovery arrive by themselves.

The scheme (tests/funding/builders.make_scheme): LSA £15.50 an hour, 39 weeks, threshold
£6,000, so 20 h LSA = 20 × 15.50 × 39 = £12,090 − £6,000 = £6,090 a year; 30 h = £18,135 −
£6,000 = £12,135. FY 2025-26 has 188 school days (tests/funding/conftest.py), by month:
Apr 7, May 16, Jun 21, Jul 16, Aug 0, Sep 20, Oct 18, Nov 20, Dec 15, Jan 20, Feb 15, Mar 20;
to the end of Oct 98, of Nov 118.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from funding.payments import services
from funding.payments.models import PaymentLine, PaymentPeriod, PeriodStatus
from pupils.models import Placement
from pupils.services import pupil_home_la_change
from tests import factories
from tests.funding import builders as b

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def primary(home_la, scheme):
    return b.school(home_la, "Meadow Primary")


@pytest.fixture
def ada(home_la, primary):
    """20 h LSA all year: £6,090 top-up."""
    pupil = b.pupil(home_la, given_name="Ada", family_name="Lovelace")
    b.place(pupil, primary)
    pupil.plan = b.plan(pupil, lsa=20)
    return pupil


@pytest.fixture
def officers(db, fast_passwords):
    return factories.la_officer(username="preparer"), factories.la_officer(username="approver")


@pytest.fixture
def periods(scheme):
    return services.payment_periods_create(financial_year=2025)


@pytest.fixture
def pay(django_capture_on_commit_callbacks, officers):
    """Generate (as the data stands now), prepare and approve periods up to `index`."""
    preparer, approver = officers

    def generate(period: PaymentPeriod) -> PaymentPeriod:
        with django_capture_on_commit_callbacks(execute=True):
            services.payment_period_generate(period=period, as_at=timezone.now())
        period.refresh_from_db()
        return period

    def through(index: int, *, approve_last: bool = True) -> PaymentPeriod:
        for period in PaymentPeriod.objects.filter(financial_year=2025, index__lte=index).exclude(
            status=PeriodStatus.APPROVED
        ):
            generate(period)
            period = services.payment_period_prepare(period=period, user=preparer)
            if period.index < index or approve_last:
                period = services.payment_period_approve(period=period, user=approver)
        return PaymentPeriod.objects.get(financial_year=2025, index=index)

    through.generate = generate
    return through


def lines(period, **filters) -> list[tuple]:
    return list(
        PaymentLine.objects.filter(period=period, **filters)
        .order_by("pupil_id", "reason_kind")
        .values_list("reason_kind", "amount")
    )


def test_r24_a_pupil_all_year_twelve_monthly_payments_add_up_to_the_year(ada, periods, pay):
    """April: £6,090 × 7/188 = £226.76; the twelve months add up to £6,090.00 exactly (R7+)."""
    april = pay(1)
    assert lines(april) == [("regular", D("226.76"))]
    pay(12)
    months = PaymentLine.objects.filter(pupil=ada).order_by("period__index")
    assert [line.reason_kind for line in months] == ["regular"] * 11  # August: no school days
    assert months.aggregate(total=Sum("amount"))["total"] == D("6090.00")


def test_r24_a_joiner_is_paid_from_the_day_they_join_as_new(home_la, primary, periods, pay):
    """Ben joins on 3 Nov with 20 h LSA: £6,090 × 90/188 = £2,915.43 for 3 Nov-31 Mar (90 days).
    November (20 of his 90 days): £2,915.43 × 20/90 = £647.87, marked new."""
    ben = b.pupil(home_la, given_name="Ben")
    b.place(ben, primary, starts_on=dt.date(2025, 11, 3))
    b.plan(ben, issued_on=dt.date(2025, 11, 3), lsa=20)
    november = pay(8)
    assert lines(november) == [("new", D("647.87"))]
    assert "3 Nov 2025" in november.lines.get().reason


def test_r24_a_leaver_recorded_late_is_recovered_in_the_next_period(ada, periods, pay):
    """Paid to 31 Oct for the whole year's line: £6,090 × 98/188 = £3,174.57. Then it is
    recorded that Ada left on 17 Oct: her line is now 93 days, £6,090 × 93/188 = £3,012.61.
    November pays nothing for November and recovers £3,012.61 − £3,174.57 = −£161.96."""
    pay(7)
    Placement.objects.filter(pupil=ada).update(ends_on=dt.date(2025, 10, 17))
    placement = Placement.objects.get(pupil=ada)
    placement.save()  # recorded with history, after October was paid
    november = pay(8)
    assert lines(november) == [("recovery", D("-161.96"))]
    line = november.lines.get()
    assert (line.entitlement_to_date, line.paid_before) == (D("3012.61"), D("3174.57"))
    assert line.reason.startswith("Recovery")


def test_r24_backdated_support_change_is_back_paid_in_the_next_period(ada, periods, pay):
    """November paid at 20 h (to 30 Nov: £6,090 × 118/188 = £3,822.45). On 10 Dec support is
    raised to 30 h from 3 Nov (£12,135 a year). December pays its own month at 30 h and
    back-pay for 3-30 Nov: (£12,135 − £6,090) × 20/188 = £643.08."""
    pay(8)
    b.change_support(ada.plan, dt.date(2025, 11, 3), lsa=30)
    december = pay(9)
    got = dict(lines(december))
    assert got["back_pay"] == D("643.08")
    back = december.lines.get(reason_kind="back_pay")
    assert back.paid_before == D("3822.45")
    assert "3 Nov 2025" in back.reason and "£12,135.00" in back.reason
    # December at the new rate: 3 Nov-31 Mar line £12,135 × 90/188 = £5,809.31; to 31 Dec
    # (35 of 90 days) £2,259.18, to 30 Nov (20 days) £1,290.96: £968.22.
    assert got["regular"] == D("968.22")


def test_r24_a_change_of_home_la_moves_the_payer_from_that_day(ada, other_la, periods, pay):
    """Ada moves to Neighbour County from 1 Jan: January's £6,090 × 20/188 share is billed to
    them (route other_la); the year still adds up to £6,090.00 across the two payers."""
    pupil_home_la_change(pupil=ada, la=other_la, from_date=dt.date(2026, 1, 1))
    january = pay(10)
    (line,) = january.lines.all()
    assert (line.route, line.payer_la_id) == ("other_la", other_la.pk)
    pay(12)
    by_payer = dict(
        PaymentLine.objects.filter(pupil=ada)
        .values_list("payer_la_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    assert sum(by_payer.values()) == D("6090.00")
    assert set(by_payer) == {ada.home_la_id, other_la.pk}


def test_r24_generating_an_unprepared_period_again_gives_the_same_rows(ada, periods, pay):
    april = periods[0]
    pay.generate(april)
    first = list(april.lines.values_list("pupil_id", "element", "reason_kind", "amount"))
    pay.generate(april)
    assert list(april.lines.values_list("pupil_id", "element", "reason_kind", "amount")) == first


def test_r24_the_preparer_cannot_approve(ada, periods, pay, officers):
    preparer, _ = officers
    april = pay(1, approve_last=False)
    with pytest.raises(ValidationError) as err:
        services.payment_period_approve(period=april, user=preparer)
    assert err.value.messages == [services.APPROVE_OWN.format(period="April 2025")]


def test_r24_an_approved_period_never_changes(ada, periods, pay):
    april = pay(1)
    with pytest.raises(ValidationError) as err:
        services.payment_period_generate(period=april)
    assert err.value.messages[0].startswith("The payments for April 2025 were approved by")
    assert lines(april) == [("regular", D("226.76"))]


def test_r24_a_period_waits_for_the_earlier_ones(ada, periods, pay):
    with pytest.raises(ValidationError) as err:
        pay.generate(periods[1])
    assert err.value.messages == [services.EARLIER_NOT_APPROVED.format(periods="April 2025")]


def test_remittance_is_for_the_schools_own_business_manager_only(
    client, home_la, primary, ada, periods, pay
):
    april = pay(1)
    other = b.school(home_la, "Hill Primary")
    url = reverse("payments:remittance", args=[april.pk, primary.urn])
    client.force_login(factories.school_manager(primary))
    page = client.get(url)
    assert page.status_code == 200
    assert ada.upn in page.content.decode() and "£226.76" in page.content.decode()
    client.force_login(factories.school_manager(other))
    assert client.get(url).status_code == 404
    assert client.get(reverse("payments:period", args=[april.pk])).status_code == 403


def test_a_school_sees_no_remittance_before_approval(client, primary, ada, periods, pay):
    april = pay(1, approve_last=False)
    client.force_login(factories.school_manager(primary))
    url = reverse("payments:remittance", args=[april.pk, primary.urn])
    assert client.get(url).status_code == 404


def test_period_page_exports_per_school_totals(client, primary, ada, periods, pay, officers):
    april = pay(1)
    client.force_login(officers[0])
    page = client.get(reverse("payments:period", args=[april.pk]))
    assert page.status_code == 200 and "Meadow Primary" in page.content.decode()
    csv = client.get(reverse("payments:period", args=[april.pk]) + "?_export=csv")
    assert csv.status_code == 200 and "226.76" in csv.content.decode("utf-8-sig")
