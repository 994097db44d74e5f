"""R18 the cluster pot set by an LA officer; FAQ 10 the central auxiliary aids fund."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from clusters import selectors, services
from clusters.models import AuxiliaryAidsFund, ClusterPot

pytestmark = pytest.mark.django_db


def test_r18_officer_sets_the_pot_through_the_page(client, world):
    w = world
    client.force_login(w.officer)
    response = client.post(
        reverse("clusters:pot_edit", args=[w.fy.start_year]),
        {
            "base_amount": "120000.00",
            "psf_released": "30000.00",
            "fixed_sum_per_school": "2000.00",
        },
    )
    assert response.status_code == 302
    pot = ClusterPot.objects.get()
    # £150,000.00; fixed £6,000.00; £144,000.00 / 1,000 pupils = £144.00 a pupil.
    # North £4,000 + 500 × £144 = £76,000.00; South £2,000 + 500 × £144 = £74,000.00.
    assert pot.total == Decimal("150000.00")
    shares = selectors.division(pot).shares.shares
    assert [(s.name, s.share) for s in shares] == [
        ("North Cluster", Decimal("76000.00")),
        ("South Cluster", Decimal("74000.00")),
    ]
    assert pot.history.first().history_user == w.officer


def test_r18_fixed_sums_more_than_the_pot_are_refused_on_the_field(client, world):
    client.force_login(world.officer)
    response = client.post(
        reverse("clusters:pot_edit", args=[world.fy.start_year]),
        {"base_amount": "1000.00", "psf_released": "0", "fixed_sum_per_school": "500.00"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["fixed_sum_per_school"] == [
        "The fixed sums (£1,500.00 for 3 schools) are more than the pot (£1,000.00): lower the "
        "fixed sum per school or add to the pot."
    ]


def test_r18_pot_psf_released_defaults_to_the_forecast(world):
    pot = services.cluster_pot_save(
        financial_year=world.fy.start_year,
        base_amount=Decimal("1000.00"),
        fixed_sum_per_school=Decimal("0"),
        user=world.officer,
    )
    # No scheme uses PSF here: nothing released, and the note says where the figure came from.
    assert pot.psf_released == Decimal("0")
    assert pot.psf_released_note


def test_r18_only_an_officer_sets_the_pot(world):
    with pytest.raises(PermissionDenied):
        services.cluster_pot_save(
            financial_year=world.fy.start_year,
            base_amount=Decimal("1"),
            fixed_sum_per_school=Decimal("0"),
            user=world.host_n,
        )


# ---- auxiliary aids (FAQ 10) -------------------------------------------------------------


@pytest.fixture
def fund(world):
    return services.aux_fund_save(
        financial_year=world.fy.start_year, budget=Decimal("10000.00"), user=world.officer
    )


def apply(world, fund, amount, user=None, school=None):
    return services.aux_application_submit(
        fund=fund,
        school=school or world.a,
        child="Wheelchair user in Year 1",
        adaptation="Ramp to the hall",
        amount_requested=Decimal(amount),
        user=user or world.senco_a,
    )


def test_faq10_approvals_reduce_the_balance(world, fund):
    # Budget £10,000.00; approve £6,500.00 then £3,000.00 (of £3,200.00 asked):
    # balance £10,000.00 - £9,500.00 = £500.00.
    services.aux_application_decide(
        application=apply(world, fund, "6500.00"), approve=True, reasons="", user=world.officer
    )
    services.aux_application_decide(
        application=apply(world, fund, "3200.00"),
        approve=True,
        amount_approved=Decimal("3000.00"),
        reasons="Quote reduced",
        user=world.officer,
    )
    balance = selectors.fund_balance(fund)
    assert (balance.approved, balance.balance) == (Decimal("9500.00"), Decimal("500.00"))


def test_faq10_approval_cannot_overspend_the_fund(world, fund):
    services.aux_application_decide(
        application=apply(world, fund, "9000.00"), approve=True, reasons="", user=world.officer
    )
    with pytest.raises(ValidationError) as exc:
        services.aux_application_decide(
            application=apply(world, fund, "1500.00"), approve=True, reasons="", user=world.officer
        )
    assert exc.value.message_dict == {
        "amount_approved": [
            "Approving £1,500.00 would overspend the fund: £1,000.00 is left of £10,000.00."
        ]
    }


def test_faq10_decline_needs_reasons_and_keeps_who(world, fund):
    application = apply(world, fund, "800.00")
    with pytest.raises(ValidationError):
        services.aux_application_decide(
            application=application, approve=False, reasons="", user=world.officer
        )
    decided = services.aux_application_decide(
        application=application, approve=False, reasons="Planned maintenance", user=world.officer
    )
    assert (decided.status, decided.decided_by) == ("declined", world.officer)
    assert selectors.fund_balance(fund).balance == Decimal("10000.00")


def test_faq10_only_an_officer_decides(world, fund):
    with pytest.raises(PermissionDenied):
        services.aux_application_decide(
            application=apply(world, fund, "800.00"), approve=True, reasons="", user=world.senco_a
        )


def test_faq10_senco_applies_only_for_own_school(world, fund):
    with pytest.raises(PermissionDenied):
        apply(world, fund, "800.00", user=world.senco_a, school=world.b)


def test_faq10_senco_sees_only_own_applications(client, world, fund):
    apply(world, fund, "800.00")
    apply(world, fund, "900.00", user=world.senco_b, school=world.b)
    client.force_login(world.senco_a)
    response = client.get(reverse("clusters:aux_fund"))
    assert [a.school for a in response.context["table"].data] == [world.a]


def test_faq10_officer_decides_through_the_page(client, world, fund):
    application = apply(world, fund, "2500.00")
    client.force_login(world.officer)
    response = client.post(
        reverse("clusters:aux_decide", args=[application.pk]),
        {"decision": "approve", "amount_approved": "", "reasons": "Essential access"},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert (application.status, application.amount_approved) == ("approved", Decimal("2500.00"))
    # A decided application's page is gone (404): decisions are made once.
    assert client.get(reverse("clusters:aux_decide", args=[application.pk])).status_code == 404


def test_faq10_budget_cannot_drop_below_approvals(world, fund):
    services.aux_application_decide(
        application=apply(world, fund, "6000.00"), approve=True, reasons="", user=world.officer
    )
    with pytest.raises(ValidationError, match="£6,000.00 is already approved"):
        services.aux_fund_save(
            financial_year=world.fy.start_year, budget=Decimal("5000.00"), user=world.officer
        )
    assert AuxiliaryAidsFund.objects.get().budget == Decimal("10000.00")
