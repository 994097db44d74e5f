"""R21: a school's SEN spend for a year, recorded by the school or by the LA on its behalf.
One figure per school per year, never negative, every change kept with who made it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from funding.spend import services
from funding.spend.models import SenSpend
from tests import factories

D = Decimal


def test_r21_recording_spend_keeps_the_amount_who_and_when(alder, alder_manager):
    spend = services.sen_spend_record(
        school=alder, financial_year=2025, amount=D("48250.00"), user=alder_manager
    )
    spend.refresh_from_db()
    assert (spend.amount, spend.recorded_by, spend.fy.label) == (
        D("48250.00"),
        alder_manager,
        "2025-26",
    )
    assert spend.history.get().history_user == alder_manager


def test_r21_changing_spend_replaces_the_figure_and_keeps_the_old_one(alder, alder_manager):
    officer = factories.la_officer(username="officer")
    services.sen_spend_record(
        school=alder, financial_year=2025, amount=D("48250.00"), user=alder_manager
    )
    services.sen_spend_record(school=alder, financial_year=2025, amount=D("51000.00"), user=officer)
    spend = SenSpend.objects.get(school=alder, financial_year=2025)
    assert spend.amount == D("51000.00")
    assert spend.recorded_by == officer
    assert [(h.amount, h.history_user) for h in spend.history.order_by("history_date")] == [
        (D("48250.00"), alder_manager),
        (D("51000.00"), officer),
    ]


def test_r21_recording_the_same_figures_again_changes_nothing(alder, alder_manager):
    services.sen_spend_record(school=alder, financial_year=2025, amount=D("100.00"))
    services.sen_spend_record(school=alder, financial_year=2025, amount=D("100.00"))
    assert SenSpend.history.filter(school=alder).count() == 1


def test_r21_breakdown_must_add_up_to_the_total(alder):
    # £30,000 staffing + £5,000 resources + £2,000 other = £37,000, not the £40,000 given.
    with pytest.raises(ValidationError) as caught:
        services.sen_spend_record(
            school=alder,
            financial_year=2025,
            amount=D("40000.00"),
            staffing=D("30000.00"),
            resources=D("5000.00"),
            other=D("2000.00"),
        )
    assert caught.value.message_dict["amount"] == [
        "Staffing, resources and other add up to £37,000.00, not the total of £40,000.00: "
        "correct the total or the parts."
    ]
    assert not SenSpend.objects.exists()


def test_r21_a_breakdown_that_adds_up_is_kept(alder):
    # £30,000 + £5,000 + blank other (£0) = £35,000.
    spend = services.sen_spend_record(
        school=alder,
        financial_year=2025,
        amount=D("35000.00"),
        staffing=D("30000.00"),
        resources=D("5000.00"),
    )
    assert (spend.staffing, spend.resources, spend.other) == (D("30000.00"), D("5000.00"), None)


def test_r21_negative_spend_is_refused_with_a_message(alder):
    with pytest.raises(ValidationError) as caught:
        services.sen_spend_record(school=alder, financial_year=2025, amount=D("-1.00"))
    assert caught.value.message_dict["amount"] == ["Enter an amount of £0 or more."]


def test_r21_database_allows_one_spend_per_school_per_year(alder):
    now = timezone.now()
    SenSpend.objects.create(school=alder, financial_year=2025, amount=D("1"), recorded_at=now)
    SenSpend.objects.create(school=alder, financial_year=2026, amount=D("1"), recorded_at=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        SenSpend.objects.create(school=alder, financial_year=2025, amount=D("2"), recorded_at=now)


@pytest.mark.parametrize("field", ["amount", "staffing", "resources", "other"])
def test_r21_database_refuses_negative_amounts(alder, field):
    values = {"amount": D("10.00"), field: D("-0.01")}
    with pytest.raises(IntegrityError), transaction.atomic():
        SenSpend.objects.create(
            school=alder, financial_year=2025, recorded_at=timezone.now(), **values
        )
