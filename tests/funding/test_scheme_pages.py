"""LA officers change a scheme and its rates in the service's pages, with a reason kept in its
history (who, when, before and after); nobody else sees a change link or opens a change page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from funding import scheme_services
from funding.models import FundingScheme, HourlyRate, TaHoursBand
from tests import factories

D = Decimal
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]


@pytest.fixture
def officer(db):
    return factories.la_officer(username="finance1", first_name="Fiona", last_name="Marsh")


def _change_urls(scheme) -> list[str]:
    rate = scheme.hourly_rates.first()
    factor = scheme.sen_factors.first()
    band = TaHoursBand.objects.create(
        scheme=scheme, label="20+ hours", min_hours=D("20"), amount_from=D("5000")
    )
    return [
        reverse("funding:scheme_change", args=[scheme.pk, "awpu"]),
        reverse("funding:scheme_hourly_rate", args=[scheme.pk, rate.pk]),
        reverse("funding:scheme_sen_factor", args=[scheme.pk, factor.pk]),
        reverse("funding:scheme_ta_band", args=[scheme.pk, band.pk]),
        reverse("funding:scheme_copy", args=[scheme.pk]),
    ]


def test_r1_officer_changes_awpu_with_a_reason_kept_in_history(client, officer, scheme):
    client.force_login(officer)
    url = reverse("funding:scheme_change", args=[scheme.pk, "awpu"])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "awpu_primary": "3100.00",
            "awpu_ks3": "4000.00",
            "awpu_ks4": "4500.00",
            "reason": "Schools Forum 14 January",
        },
    )
    assert response.status_code == 302
    scheme.refresh_from_db()
    assert scheme.awpu_primary == D("3100.00")
    last = scheme.history.first()
    assert last.history_user == officer
    assert last.history_change_reason == "Schools Forum 14 January"
    history = client.get(reverse("funding:scheme_history", args=[scheme.pk]))
    assert history.status_code == 200
    change = history.context["changes"][0]
    assert change.who == "Fiona Marsh"
    assert change.reason == "Schools Forum 14 January"
    assert [(f.old, f.new) for f in change.fields] == [("3000.00", "3100.00")]


def test_a_change_without_a_reason_is_refused_naming_the_field(client, officer, scheme):
    client.force_login(officer)
    url = reverse("funding:scheme_change", args=[scheme.pk, "threshold"])
    response = client.post(url, {"threshold": "10000", "threshold_basis": "additional"})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == [scheme_services.REASON_REQUIRED]
    scheme.refresh_from_db()
    assert scheme.threshold == D("6000.00")


def test_r1_awpu_below_the_national_floor_is_refused(client, officer, scheme):
    client.force_login(officer)
    url = reverse("funding:scheme_change", args=[scheme.pk, "awpu"])
    response = client.post(
        url,
        {"awpu_primary": "1500", "awpu_ks3": "4000", "awpu_ks4": "4500", "reason": "typo"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    scheme.refresh_from_db()
    assert scheme.awpu_primary == D("3000.00")


def test_r5_officer_changes_an_hourly_rate(client, officer, scheme):
    client.force_login(officer)
    rate = scheme.hourly_rates.get(role="lsa", phase="primary")
    url = reverse("funding:scheme_hourly_rate", args=[scheme.pk, rate.pk])
    response = client.post(
        url,
        {
            "hourly_rate": "16.25",
            "weeks_per_year": "39",
            "delegated": "on",
            "note": "",
            "reason": "Pay award 2025",
        },
    )
    assert response.status_code == 302
    rate.refresh_from_db()
    assert rate.hourly_rate == D("16.25")
    assert rate.history.first().history_change_reason == "Pay award 2025"


def test_r6_unticking_delegated_retains_the_rate_centrally(client, officer, scheme):
    client.force_login(officer)
    rate = scheme.hourly_rates.get(role="lst", phase="primary")
    url = reverse("funding:scheme_hourly_rate", args=[scheme.pk, rate.pk])
    client.post(
        url,
        {"hourly_rate": "30.00", "weeks_per_year": "39", "note": "", "reason": "LST in kind"},
    )
    rate.refresh_from_db()
    assert rate.delegated is False


def test_r5_officer_changes_a_ta_band(client, officer, scheme):
    client.force_login(officer)
    band = TaHoursBand.objects.create(
        scheme=scheme, label="20+ hours", min_hours=D("20"), amount_from=D("5000")
    )
    url = reverse("funding:scheme_ta_band", args=[scheme.pk, band.pk])
    response = client.post(
        url,
        {
            "label": "20+ hours",
            "min_hours": "20",
            "amount_from": "5200",
            "rate_per_hour": "0",
            "amount_to": "",
            "reason": "Band 3 uplift",
        },
    )
    assert response.status_code == 302
    band.refresh_from_db()
    assert band.amount_from == D("5200.00")


def test_r15_officer_turns_pupil_specific_funding_on(client, officer, scheme):
    client.force_login(officer)
    url = reverse("funding:scheme_change", args=[scheme.pk, "psf"])
    response = client.post(
        url,
        {
            "psf_enabled": "on",
            # A GOV.UK date input: day, month and year.
            "psf_cutover_date_0": "1",
            "psf_cutover_date_1": "9",
            "psf_cutover_date_2": "2025",
            "top_up_for_plans_after_psf_cutover": "on",
            "reason": "Norfolk model from September",
        },
    )
    assert response.status_code == 302
    scheme.refresh_from_db()
    assert scheme.psf_enabled is True
    assert scheme.psf_cutover_date == dt.date(2025, 9, 1)


def test_a_rate_of_another_scheme_is_a_404(client, officer, scheme, home_la):
    other = FundingScheme.objects.create(la=home_la, financial_year=2026, name="Next year")
    rate = HourlyRate.objects.create(
        scheme=other, role="lsa", phase="primary", hourly_rate=D("15"), weeks_per_year=D("39")
    )
    client.force_login(officer)
    url = reverse("funding:scheme_hourly_rate", args=[scheme.pk, rate.pk])
    assert client.get(url).status_code == 404


def test_service_refuses_a_change_with_no_reason_or_no_change(officer, scheme):
    with pytest.raises(ValidationError) as no_reason:
        scheme_services.scheme_update(
            scheme=scheme, values={"threshold": D("10000")}, user=officer, reason=" "
        )
    assert no_reason.value.message_dict == {"reason": [scheme_services.REASON_REQUIRED]}
    with pytest.raises(ValidationError) as same:
        scheme_services.scheme_update(
            scheme=scheme, values={"threshold": D("6000.00")}, user=officer, reason="again"
        )
    assert same.value.messages == [scheme_services.NOTHING_CHANGED]


def test_officer_sees_change_links_and_no_admin_link(client, officer, scheme):
    client.force_login(officer)
    page = client.get(reverse("funding:scheme_detail", args=[scheme.pk]))
    body = page.content.decode()
    assert reverse("funding:scheme_change", args=[scheme.pk, "awpu"]) in body
    assert "/admin/" not in body
    assert "/admin/" not in client.get(reverse("funding:schemes")).content.decode()


@pytest.mark.parametrize("role", ["admin", "manager", "panel", "host"])
def test_only_la_officers_change_schemes(client, scheme, role, home_la):
    from schools.roles import ADMIN

    user = {
        "admin": lambda: factories.UserFactory(username="sysadmin", role=ADMIN),
        "manager": lambda: factories.school_manager(username="sbm"),
        "panel": lambda: factories.panel_member(username="pm"),
        "host": lambda: factories.cluster_host(username="ch"),
    }[role]()
    client.force_login(user)
    for url in _change_urls(scheme):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"reason": "x"}).status_code == 403, url
    if role == "admin":
        # A system admin reads the scheme but is offered no change link.
        body = client.get(reverse("funding:scheme_detail", args=[scheme.pk])).content.decode()
        assert reverse("funding:scheme_change", args=[scheme.pk, "awpu"]) not in body


def test_officer_copies_a_scheme_to_the_next_year_with_its_rates(client, officer, scheme):
    client.force_login(officer)
    url = reverse("funding:scheme_copy", args=[scheme.pk])
    assert client.get(url).context["form"].initial["financial_year"] == 2026
    response = client.post(url, {"financial_year": "2026", "name": ""})
    assert response.status_code == 302
    copy = FundingScheme.objects.get(la=scheme.la, financial_year=2026)
    assert copy.hourly_rates.count() == scheme.hourly_rates.count() == 6
    assert copy.history.first().history_user == officer
    again = client.post(url, {"financial_year": "2026", "name": ""})
    assert again.status_code == 200
    assert again.context["form"].errors["financial_year"]
