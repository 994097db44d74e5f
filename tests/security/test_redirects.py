"""Issue 17 (low): the reminders form's `next` stays on this site; `?per_page=` is clamped so
no list page fails; implausible dates of birth are refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from pupils import services as pupil_services
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def officer_client(client, home_la):
    client.force_login(factories.la_officer())
    return client


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:x"])
def test_send_reminders_never_redirects_to_another_site(officer_client, target):
    response = officer_client.post(reverse("returns:remind"), {"next": target})
    assert response.status_code == 302
    assert response["Location"] == reverse("returns:dashboard")


def test_send_reminders_returns_to_a_page_of_this_site(officer_client):
    back = reverse("returns:dashboard") + "?month=2025-05"
    response = officer_client.post(reverse("returns:remind"), {"next": back})
    assert response["Location"] == back


LIST_PAGES = ["schools:list", "pupils:list", "pupils:reviews", "funding:runs", "returns:dashboard"]


@pytest.mark.parametrize("per_page", ["-5", "0", "abc", "99999999999999999999"])
@pytest.mark.parametrize("name", LIST_PAGES)
def test_a_hostile_page_size_does_not_break_a_list_page(officer_client, name, per_page):
    factories.SchoolFactory.create_batch(3)
    response = officer_client.get(reverse(name), {"per_page": per_page})
    assert response.status_code == 200


def test_a_huge_page_size_is_cut_to_the_maximum(officer_client):
    factories.SchoolFactory.create_batch(3)
    response = officer_client.get(reverse("schools:list"), {"per_page": "10000000"})
    assert response.context["table"].paginator.per_page == 500


@pytest.mark.parametrize("dob", [dt.date(1, 1, 1), dt.date(1900, 1, 1), dt.date(2999, 1, 1)])
def test_an_implausible_date_of_birth_is_refused(home_la, dob):
    with pytest.raises(ValidationError) as refused:
        pupil_services.pupil_create(
            upn="A123456789012",
            given_name="Ada",
            family_name="Lovelace",
            date_of_birth=dob,
            home_la=home_la,
        )
    assert "date_of_birth" in refused.value.message_dict


def test_a_pupil_born_ten_years_ago_is_accepted():
    today = dt.date(2025, 6, 1)
    assert pupil_services.date_of_birth_problem(dt.date(2015, 6, 1), today=today) is None
    assert pupil_services.date_of_birth_problem(dt.date(1995, 6, 1), today=today) is None
    assert pupil_services.date_of_birth_problem(dt.date(1995, 5, 31), today=today) is not None
