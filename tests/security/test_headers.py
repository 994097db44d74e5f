"""Issue 17: pages and exports with pupil data are never cached (Cache-Control: no-store,
private); sessions end when idle (SESSION_IDLE_TIMEOUT) and after the absolute limit."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from config import middleware
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _cache_control(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",")}


@pytest.mark.parametrize(
    "url",
    [
        reverse("home"),
        reverse("pupils:list"),
        reverse("pupils:list") + "?_export=csv",
        reverse("pupils:reviews") + "?_export=csv",
        reverse("schools:list") + "?_export=csv",
        reverse("password_change"),
    ],
)
def test_pages_and_exports_for_a_signed_in_user_are_not_stored(client, home_la, url):
    client.force_login(factories.la_officer())
    response = client.get(url)
    assert response.status_code == 200
    assert {"no-store", "private"} <= _cache_control(response)


def test_a_session_idle_longer_than_the_timeout_is_signed_out(client, home_la, settings):
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    client.force_login(factories.la_officer())
    assert client.get(reverse("home")).status_code == 200
    session = client.session
    session[middleware.LAST_SEEN_AT] = int(time.time()) - 31 * 60  # 31 minutes idle
    session.save()

    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session


def test_a_session_used_within_the_timeout_stays_signed_in(client, home_la, settings):
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    client.force_login(factories.la_officer())
    session = client.session
    session[middleware.LAST_SEEN_AT] = int(time.time()) - 29 * 60  # 29 minutes idle
    session.save()

    assert client.get(reverse("home")).status_code == 200


def test_a_busy_session_still_ends_at_the_absolute_limit(client, home_la, settings):
    settings.SESSION_COOKIE_AGE = 8 * 60 * 60
    client.force_login(factories.la_officer())
    session = client.session
    session[middleware.SIGNED_IN_AT] = int(time.time()) - (8 * 60 * 60 + 60)  # 8 h 1 min ago
    session[middleware.LAST_SEEN_AT] = int(time.time()) - 60  # active a minute ago
    session.save()

    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
