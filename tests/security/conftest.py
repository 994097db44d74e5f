"""The demo world (seed_demo, 40 pupils), built once per module inside a transaction that is
rolled back afterwards; and one user per role."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission, User
from django.core.management import call_command
from django.db import transaction

from schools.roles import ADMIN
from tests import factories

ROLES = [
    "la_officer",
    "finance",
    "panel_member",
    "school_user",
    "cluster_host",
    "system_admin",
    "superuser",
]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Seeded once for the module; every test's own changes roll back to it (savepoints)."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer._from_testcase = True  # as Django's TestCase does: durable services nest inside
        with outer:
            call_command("seed_demo", pupils=40, stdout=open("/dev/null", "w"))
            yield
            transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_role_user(role: str) -> User:
    """One user per role. "finance" is an LA finance officer given view access to every model in
    the admin (what a read-only auditor gets): the strongest view-only user."""
    name = f"sec-{role}"
    if role == "la_officer":
        return factories.la_officer(username=name)
    if role == "finance":
        user = factories.la_officer(username=name, is_staff=True)
        user.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
        return user
    if role == "panel_member":
        return factories.panel_member(username=name)
    if role == "school_user":
        school = factories.SchoolFactory()
        return factories.school_manager(school, username=name)
    if role == "cluster_host":
        return factories.cluster_host(username=name)
    if role == "system_admin":
        return factories.UserFactory(username=name, role=ADMIN, is_staff=True)
    if role == "superuser":
        return factories.UserFactory(username=name, is_staff=True, is_superuser=True)
    raise ValueError(role)
