"""Shared fixtures. Tests run on PostgreSQL (DATABASE_URL, default from pyproject's pytest env)."""

import datetime as dt

import pytest

from schools.models import LocalAuthority, TermDate
from tests import factories


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Test order (pytest-django then sorts by kind: TestCase-like, transactional, no database;
    all stable sorts, so the order within each is kept).

    Transactional tests without serialized_rollback run after those with it: their closing
    flush re-adds the role groups (post_migrate) with new ids, which the next restore of the
    snapshot would collide with. Under pytest-xdist (`make test`: `--dist load`) the modules
    with a module-scoped fixture (a seeded demo: the longest) go first, so that no worker is
    left with one at the end while the others wait.
    """
    heavy = set()
    if getattr(config, "workerinput", None) is not None:
        for item in items:
            info = getattr(item, "_fixtureinfo", None)
            if info is not None and any(
                defs[-1].scope == "module" for defs in info.name2fixturedefs.values()
            ):
                heavy.add(_module_name(item))
    items.sort(key=lambda item: (_flushes_without_restoring(item), _module_name(item) not in heavy))


def _module_name(item) -> str:
    return getattr(getattr(item, "module", None), "__name__", "")


def _flushes_without_restoring(item) -> bool:
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    if marker is None:
        return "transactional_db" in fixtures or "live_server" in fixtures
    transaction = marker.kwargs.get("transaction", marker.args[0] if marker.args else False)
    transaction = transaction or "transactional_db" in fixtures or "live_server" in fixtures
    return bool(transaction) and not marker.kwargs.get("serialized_rollback", False)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Put back the role groups the schools migration creates when a reused test database lost
    them (the previous session's transactional tests end with a flush), and refresh the snapshot
    that serialized_rollback restores, so every test starts with the roles."""
    from django.contrib.auth.models import Group
    from django.db import connections

    from schools.roles import ALL_ROLES

    with django_db_blocker.unblock():
        created = [Group.objects.get_or_create(name=name)[1] for name in ALL_ROLES]
        if any(created):
            for conn in connections.all():
                if hasattr(conn, "_test_serialized_contents"):
                    conn._test_serialized_contents = conn.creation.serialize_db_to_string()


#: Django's real hasher (PBKDF2, 1.2 million rounds) costs about a second a user on a loaded
#: CI machine; these modules keep it, so one module signs in through it as production does.
REAL_HASHER_MODULES = {"tests.test_foundation"}
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hasher():
    """A fast hasher for the whole session, module-scoped demo loads included (their users are
    made before any function-scoped `settings` change applies)."""
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        yield


@pytest.fixture(autouse=True)
def _real_hasher_where_asked(request, settings):
    if request.module.__name__ in REAL_HASHER_MODULES:
        from django.conf import global_settings

        settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS


@pytest.fixture(autouse=True)
def _no_axes_lockouts(settings):
    settings.AXES_ENABLED = False


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Tests render pages without running collectstatic (production uses the manifest)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def home_la(db) -> LocalAuthority:
    """The administering LA."""
    return LocalAuthority.objects.create(code="999", name="Demo Borough", is_administering=True)


@pytest.fixture
def other_la(db) -> LocalAuthority:
    return LocalAuthority.objects.create(code="888", name="Neighbour County")


# A simple, hand-countable calendar for FY 2025-26 (1 Apr 2025 - 31 Mar 2026):
# six terms of whole weeks, England bank holidays removed by the calendar itself.
FY2025_TERMS = [
    ("Summer 1", 2024, dt.date(2025, 4, 22), dt.date(2025, 5, 23)),
    ("Summer 2", 2024, dt.date(2025, 6, 2), dt.date(2025, 7, 22)),
    ("Autumn 1", 2025, dt.date(2025, 9, 3), dt.date(2025, 10, 24)),
    ("Autumn 2", 2025, dt.date(2025, 11, 3), dt.date(2025, 12, 19)),
    ("Spring 1", 2025, dt.date(2026, 1, 5), dt.date(2026, 2, 13)),
    ("Spring 2", 2025, dt.date(2026, 2, 23), dt.date(2026, 3, 27)),
]


@pytest.fixture
def fy2025_terms(home_la) -> list[TermDate]:
    return [
        TermDate.objects.create(
            la=home_la, academic_year=ay, name=name, starts_on=start, ends_on=end
        )
        for name, ay, start, end in FY2025_TERMS
    ]


@pytest.fixture
def la_officer(db):
    return factories.la_officer(username="officer")


@pytest.fixture
def panel_member(db):
    return factories.panel_member(username="panellist")
