"""Cross-cutting Foundation promises: admin coverage, sign-in, roles, settings that fail fast."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group

from schools import roles
from tests.factories import la_officer, school_manager

ROOT = Path(__file__).resolve().parents[1]
OUR_APPS = ["schools", "pupils", "clusters", "funding", "panel", "returns", "reports"]


def test_the_admin_shows_every_model():
    """Registered on its own, or edited inline under the model it belongs to."""
    inline_models = {
        inline.model
        for model_admin in admin.site._registry.values()
        for inline in model_admin.inlines
    }
    missing = [
        f"{model._meta.app_label}.{model.__name__}"
        for label in OUR_APPS
        for model in apps.get_app_config(label).get_models()
        if not model.__name__.startswith("Historical")
        and not model._meta.auto_created
        and not admin.site.is_registered(model)
        and model not in inline_models
    ]
    assert missing == []


@pytest.mark.django_db
def test_each_role_is_a_group():
    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.ALL_ROLES)


@pytest.mark.django_db
def test_sign_in_and_sign_out(client):
    la_officer(username="olu")
    response = client.post("/login/", {"username": "olu", "password": "correct-horse-battery"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    client.post("/logout/")
    assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_a_wrong_password_shows_a_govuk_error(client):
    la_officer(username="olu")
    response = client.post("/login/", {"username": "olu", "password": "nope"})
    assert response.status_code == 200
    assert "Enter a correct username and password" in response.content.decode()


@pytest.mark.django_db
def test_a_school_user_cannot_reach_the_admin(client):
    user = school_manager()
    client.force_login(user)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.django_db
def test_the_import_page_is_for_la_officers_only(client):
    client.force_login(school_manager())
    assert client.get("/schools/import/").status_code == 403
    client.force_login(la_officer())
    assert client.get("/schools/import/").status_code == 200


def _manage(*args, **env):
    unset = (
        "DEBUG",
        "SECRET_KEY",
        "SECURE_SSL_REDIRECT",
        "ALLOWED_HOSTS",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
    )
    full_env = {k: v for k, v in os.environ.items() if k not in unset}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=full_env, capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip


def test_check_deploy_is_clean_with_production_settings():
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING",
        DEBUG="false", SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="sen.example.gov.uk",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key():
    result = _manage("check", DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_booleans_are_parsed_strictly():
    result = _manage("check", DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr


def test_collectstatic_works_with_the_production_manifest_storage(tmp_path):
    result = _manage(
        "collectstatic", "--noinput", "-v", "0",
        DEBUG="false", SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="x",
        STATIC_ROOT=str(tmp_path),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    manifest = (tmp_path / "staticfiles.json").read_text()
    assert "govuk/govuk-frontend.min.css" in manifest


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "staff"),
    [
        (roles.PANEL_MEMBER, True),
        (roles.LA_OFFICER, True),
        (roles.SCHOOL_BUSINESS_MANAGER, False),
        (roles.CLUSTER_HOST, False),
    ],
)
def test_joining_a_role_that_works_in_the_admin_makes_the_user_staff(role, staff):
    from django.contrib.auth.models import User

    user = User.objects.create_user(username="newcomer", password="correct-horse-battery")
    user.groups.add(Group.objects.get(name=role))
    user.refresh_from_db()
    assert user.is_staff is staff


@pytest.mark.django_db
def test_adding_users_to_the_panel_group_from_the_group_side_makes_them_staff():
    from django.contrib.auth.models import User

    user = User.objects.create_user(username="newcomer", password="correct-horse-battery")
    Group.objects.get(name=roles.PANEL_MEMBER).user_set.add(user)
    user.refresh_from_db()
    assert user.is_staff is True
