"""An uplift adopted from a date inside the year counts from that date only (R26 with R7, R7+).

The scheme (tests/funding/builders.make_scheme): LSA £15.50 an hour, 39 weeks, threshold
£6,000. Ada has 20 h LSA all year: 20 × 15.50 × 39 = £12,090 − £6,000 = £6,090.00 a year.
An uplift of 3.2258% makes LSA £15.50 × 1.032258 = £15.99999… → £16.00 (half-up, as the
scheme holds it): 20 × 16.00 × 39 = £12,480 − £6,000 = £6,480.00 a year.
FY 2025-26 has 188 school days (tests/funding/conftest.py); 1 Apr-31 Oct holds 98, so
1 Nov-31 Mar holds 90.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Sum

from funding import services as run_services
from funding.calculations.allocation import allocate
from funding.models import HourlyRate, SchemeRateChange
from funding.scenarios import adoption as adopting
from funding.scenarios import calculations as calc
from funding.selectors import allocation_inputs
from tests import factories
from tests.funding import builders as b

D = Decimal
pytestmark = pytest.mark.django_db
NOVEMBER = dt.date(2025, 11, 1)
PAY_AWARD = D("3.2258")


@pytest.fixture
def primary(home_la, scheme):
    return b.school(home_la, "Meadow Primary")


@pytest.fixture
def ada(home_la, primary):
    pupil = b.pupil(home_la, given_name="Ada", family_name="Lovelace")
    b.place(pupil, primary)
    b.plan(pupil, lsa=20)
    return pupil


def _adopt(user=None, on=NOVEMBER, percent=PAY_AWARD):
    return adopting.uplift_adopt(
        financial_year=2025,
        percent=percent,
        rate_set=calc.HOURLY_RATES,
        effective_from=on,
        reason="NJC pay award 2025",
        user=user,
    )


def _total(run) -> Decimal:
    return run.lines.aggregate(total=Sum("amount"))["total"]


def _top_up_lines(pupil):
    lines = allocate(allocation_inputs(2025)).lines
    return [x for x in lines if x.pupil_id == pupil.pk and x.element == "top_up"]


def test_r26_r7_a_line_across_an_uplift_is_split_at_its_date_each_part_at_its_rates(ada):
    _adopt()
    before, after = _top_up_lines(ada)
    # Before: £6,090.00 × 98/188 = £3,174.574… → £3,174.57 (1 Apr to 31 Oct, old rates).
    # After:  £6,480.00 × 90/188 = £3,102.127… → £3,102.13 (1 Nov to 31 Mar, new rates).
    # Together £6,276.70 = round(3,174.574 + 3,102.128): each line rounded once, half-up.
    assert (before.period_from, before.period_to) == (dt.date(2025, 4, 1), dt.date(2025, 10, 31))
    assert (after.period_from, after.period_to) == (NOVEMBER, dt.date(2026, 3, 31))
    assert (before.annual_amount, before.school_days, before.amount) == (
        D("6090.00"),
        98,
        D("3174.57"),
    )
    assert (after.annual_amount, after.school_days, after.amount) == (
        D("6480.00"),
        90,
        D("3102.13"),
    )
    # Each line says which rates applied.
    assert before.explanation.startswith("At the rates before 1 Nov 2025: ")
    assert "LSA 20 h × £15.50 × 39 wk" in before.explanation
    assert after.explanation.startswith(
        "At the rates from 1 Nov 2025 (uplift 3.2258% to hourly rates): LSA 20 h × £16.00"
    )
    assert after.working["rates_from"] == "2025-11-01"


def test_r26_no_dated_change_leaves_every_line_as_it_was(ada, home_la, primary, scheme):
    """The fingerprint of the lines without a dated change: Ada's whole year, £6,090.00."""
    (line,) = _top_up_lines(ada)
    assert (line.period_from, line.period_to, line.school_days, line.amount) == (
        dt.date(2025, 4, 1),
        dt.date(2026, 3, 31),
        188,
        D("6090.00"),
    )
    assert line.explanation == (
        "LSA 20 h × £15.50 × 39 wk = £12,090.00 − £6,000.00 threshold = £6,090.00; "
        "1 Apr 2025 to 31 Mar 2026: whole year"
    )
    assert "rates_from" not in line.working
    # A change that does not change what a line costs (0%) splits nothing and says nothing.
    fingerprint = [
        (x.period_from, x.period_to, x.amount, x.explanation) for x in _top_up_lines(ada)
    ]
    _adopt(percent=D("0"))
    assert SchemeRateChange.objects.count() == 1
    assert [
        (x.period_from, x.period_to, x.amount, x.explanation) for x in _top_up_lines(ada)
    ] == fingerprint


def test_r26_the_preview_costs_what_the_run_then_adds_from_the_date(ada, home_la):
    preview = adopting.uplift_preview(
        financial_year=2025, percent=PAY_AWARD, rate_set=calc.HOURLY_RATES, effective_from=NOVEMBER
    )
    first = run_services.run_allocation(fy=2025, kind="revised")
    officer = factories.la_officer(username="finance")
    adoption = _adopt(officer)
    second = run_services.run_allocation(fy=2025, kind="revised")
    # £3,174.57 + £3,102.13 − £6,090.00 = £186.70: the new line less what the old one paid
    # from 1 Nov (£6,090.00 − £3,174.57 = £2,915.43): £3,102.13 − £2,915.43 = £186.70.
    # A whole year at the new rates would have added £6,480.00 − £6,090.00 = £390.00.
    assert (preview.cost, preview.annual_cost) == (D("186.70"), D("390.00"))
    assert _total(second) - _total(first) == preview.cost == adoption.cost
    # The year's own rates are untouched; the change keeps who, when and why.
    assert HourlyRate.objects.get(role="lsa", phase="primary").hourly_rate == D("15.50")
    change = SchemeRateChange.objects.get()
    assert (change.created_by, change.history.first().history_user) == (officer, officer)


def test_r26_an_uplift_from_the_first_day_of_the_year_is_the_years_own_rates(ada):
    adoption = _adopt(on=dt.date(2025, 4, 1))
    # From 1 April the whole year is at £16.00: £6,480.00 − £6,090.00 = £390.00.
    assert adoption.cost == D("390.00")
    assert HourlyRate.objects.get(role="lsa", phase="primary").hourly_rate == D("16.00")
    assert not SchemeRateChange.objects.exists()
    (line,) = _top_up_lines(ada)
    assert line.amount == D("6480.00")


def test_r26_a_dated_change_must_fall_inside_the_year_after_its_first_day(scheme):
    from django.core.exceptions import ValidationError
    from django.db import IntegrityError, transaction

    for day in (dt.date(2025, 4, 1), dt.date(2026, 4, 1), dt.date(2025, 3, 31)):
        change = SchemeRateChange(
            scheme=scheme, financial_year=2025, effective_from=day, rate_set="hourly", reason="x"
        )
        with pytest.raises(ValidationError):
            change.full_clean()
        with pytest.raises(IntegrityError), transaction.atomic():
            change.save()
    SchemeRateChange.objects.create(
        scheme=scheme,
        financial_year=2025,
        effective_from=dt.date(2026, 3, 31),
        rate_set="hourly",
        reason="last day",
    )


def test_r26_the_scheme_pages_show_the_dated_change_with_who_and_why(
    ada, scheme, client, fast_passwords
):
    from django.urls import reverse

    officer = factories.la_officer(username="finance1", first_name="Fiona", last_name="Marsh")
    _adopt(officer)
    client.force_login(officer)
    page = client.get(reverse("funding:scheme_detail", args=[scheme.pk])).content.decode()
    section = page.split('id="rate-changes"')[1]
    assert "From 1 Nov 2025: uplift of 3.2258%, by Fiona Marsh" in section
    assert "NJC pay award 2025" in section
    row = section.split("LSA hourly rate (primary)")[1].split("</tr>")[0]
    assert "£15.50" in row and "£16.00" in row
    history = client.get(reverse("funding:scheme_history", args=[scheme.pk])).content.decode()
    assert "Rates from 1 Nov 2025" in history
    assert "LSA hourly rate (primary): £15.50 → £16.00" in history
    assert "NJC pay award 2025" in history


def test_r26_the_panel_summary_uses_the_rates_in_force_on_the_day(ada):
    from funding.selectors import current_annual_top_up

    _adopt()
    # Before 1 Nov at £15.50: £6,090.00 a year; from it at £16.00: £6,480.00 a year.
    assert current_annual_top_up(ada, on=dt.date(2025, 10, 31)) == D("6090.00")
    assert current_annual_top_up(ada, on=dt.date(2025, 12, 1)) == D("6480.00")


def test_r26_next_years_copy_starts_from_the_rates_at_the_years_end(ada, scheme):
    from funding import services as scheme_services

    _adopt()
    nxt = scheme_services.scheme_copy(scheme=scheme, financial_year=2026)
    # This year: £15.50 to 31 Oct, £16.00 from 1 Nov; next year starts at £16.00 all year.
    assert nxt.hourly_rates.get(role="lsa", phase="primary").hourly_rate == D("16.00")
    # LST £30.00 × 1.032258 = £30.96774 → £30.97.
    assert nxt.hourly_rates.get(role="lst", phase="primary").hourly_rate == D("30.97")
    assert not nxt.rate_changes.exists()
