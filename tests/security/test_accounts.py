"""Issue 17: accounts. Passwords of at least 12 characters; every user changes their own
password and can reset it by email; a user who has acted is deactivated, never deleted (deleting
would blank "who" in every record that names them)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from pupils import services as pupil_services
from schools import accounts
from tests import factories

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "plum-orchard-lantern-42"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_a_password_of_eleven_characters_is_too_short():
    with pytest.raises(ValidationError, match="at least 12 characters"):
        validate_password("kx7-qz9-w2m")
    validate_password("kx7-qz9-w2mp")  # 12: accepted


@pytest.fixture
def school_manager(home_la):
    return factories.school_manager(factories.SchoolFactory(la=home_la), username="bursar")


@pytest.mark.parametrize("role", ["school_manager", "cluster_host"])
def test_school_users_and_cluster_hosts_change_their_own_password(client, home_la, role):
    user = (
        factories.school_manager(factories.SchoolFactory(la=home_la), username="u1")
        if role == "school_manager"
        else factories.cluster_host(username="u1")
    )
    client.force_login(user)
    assert client.get(reverse("password_change")).status_code == 200

    response = client.post(
        reverse("password_change"),
        {
            "old_password": "correct-horse-battery",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )

    assert response["Location"] == reverse("password_change_done")
    assert authenticate(username="u1", password=NEW_PASSWORD) is not None


def test_a_short_new_password_is_refused_with_the_reason(client, school_manager):
    client.force_login(school_manager)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "correct-horse-battery",
            "new_password1": "short-pw1",
            "new_password2": "short-pw1",
        },
    )
    assert response.status_code == 200
    assert "at least 12 characters" in response.content.decode()


def test_a_forgotten_password_is_reset_by_an_emailed_one_use_link(client, school_manager):
    school_manager.email = "bursar@alder.sch.uk"
    school_manager.save()

    response = client.post(reverse("password_reset"), {"email": "bursar@alder.sch.uk"})

    assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["bursar@alder.sch.uk"]
    link = re.search(r"https?://[^/]+(/account/password/reset/\S+/)", mail.outbox[0].body)[1]
    form_page = client.get(link, follow=True)
    assert form_page.context["validlink"]
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response["Location"] == reverse("password_reset_complete")
    assert authenticate(username="bursar", password=NEW_PASSWORD) is not None
    assert client.get(link, follow=True).context["validlink"] is False  # used once


def test_an_unknown_email_gets_the_same_answer_and_no_email(client, home_la):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


# --- deleting users -----------------------------------------------------------------------------


@pytest.fixture
def admin_client(client):
    client.force_login(factories.UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def officer_who_acted(home_la):
    officer = factories.la_officer(username="acted")
    pupil_services.pupil_create(
        upn=factories.PupilFactory.build().upn,
        given_name="Ada",
        family_name="Lovelace",
        date_of_birth=dt.date(2016, 3, 14),
        home_la=home_la,
        user=officer,
    )
    return officer


def test_a_user_who_has_acted_cannot_be_deleted_and_is_told_to_deactivate(
    admin_client, officer_who_acted
):
    url = reverse("admin:auth_user_delete", args=[officer_who_acted.pk])

    response = admin_client.post(url, {"post": "yes"}, follow=True)

    assert User.objects.filter(pk=officer_who_acted.pk).exists()
    assert "cannot be deleted" in response.content.decode()
    assert "Deactivate" in response.content.decode()


def test_deactivate_switches_the_account_off_and_keeps_who_in_history(
    admin_client, officer_who_acted
):
    response = admin_client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "deactivate_users", "_selected_action": [officer_who_acted.pk]},
    )

    assert response.status_code == 302
    officer_who_acted.refresh_from_db()
    assert officer_who_acted.is_active is False
    assert accounts.user_has_acted(officer_who_acted)


def test_a_user_who_never_acted_can_be_deleted(admin_client, home_la):
    mistake = factories.la_officer(username="typo")
    assert not accounts.user_has_acted(mistake)
    admin_client.post(reverse("admin:auth_user_delete", args=[mistake.pk]), {"post": "yes"})
    assert not User.objects.filter(pk=mistake.pk).exists()


def test_the_bulk_delete_action_is_not_offered_for_users(admin_client):
    response = admin_client.get(reverse("admin:auth_user_changelist"))
    actions = [name for name, _ in response.context["action_form"].fields["action"].choices]
    assert "delete_selected" not in actions
    assert "deactivate_users" in actions
