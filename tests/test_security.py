"""Security of the workspace pages: login throttling, the Content Security Policy, production
settings, and a URL x role matrix proving no school sees another school's data."""

import datetime as dt
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories
from tests.e2e.data import pupil_with_plan

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Users are made per test here; PBKDF2's cost is not what these tests are about."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- login throttling (django-axes) -------------------------------------------------------------


def test_five_failed_sign_ins_lock_the_account(client, settings):
    settings.AXES_ENABLED = True  # tests/conftest.py turns axes off for every other test
    factories.la_officer(username="target", password="the-right-password-123")
    for _ in range(4):
        response = client.post(reverse("login"), {"username": "target", "password": "wrong"})
        assert response.status_code == 200  # the form again, with its error
    fifth = client.post(reverse("login"), {"username": "target", "password": "wrong"})
    assert fifth.status_code == 429
    response = client.post(
        reverse("login"), {"username": "target", "password": "the-right-password-123"}
    )
    assert response.status_code == 429
    assert b"Too many failed sign-in attempts" in response.content
    assert "_auth_user_id" not in client.session


def test_four_failed_sign_ins_do_not_lock_the_account(client, settings):
    settings.AXES_ENABLED = True
    factories.la_officer(username="target", password="the-right-password-123")
    for _ in range(4):
        client.post(reverse("login"), {"username": "target", "password": "wrong"})
    response = client.post(
        reverse("login"), {"username": "target", "password": "the-right-password-123"}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"]


# --- the data every matrix test uses ------------------------------------------------------------


@pytest.fixture
def world(home_la):
    """School A with a pupil whose review is overdue; school B with its own pupil."""
    alder = factories.SchoolFactory(urn=100001, name="Alder Primary", la=home_la)
    birch = factories.SchoolFactory(urn=100002, name="Birch Primary", la=home_la)
    overdue = timezone.localdate() - dt.timedelta(days=3)
    xanthe = pupil_with_plan(alder, given_name="Xanthe", family_name="Alderson", review_due=overdue)
    pupil_with_plan(birch, given_name="Yusuf", family_name="Birchwood", review_due=overdue)
    return {"alder": alder, "birch": birch, "pupil": xanthe, "plan": xanthe.plans.get()}


def make_user(role, world):
    return {
        "anonymous": lambda: None,
        "la_officer": factories.la_officer,
        "panel_member": factories.panel_member,
        "manager_of_a": lambda: factories.school_manager(world["alder"]),
        "manager_of_b": lambda: factories.school_manager(world["birch"]),
        "cluster_host_of_b": lambda: factories.cluster_host(schools=[world["birch"]]),
    }[role]()


def url_for(name, world) -> str:
    pupil, plan, school = world["pupil"], world["plan"], world["alder"]
    export = name.endswith("+csv")
    name = name.removesuffix("+csv")
    kwargs = {
        "schools:detail": {"urn": school.urn},
        "pupils:detail": {"upn": pupil.upn},
        "pupils:plan_issue": {"upn": pupil.upn},
        "pupils:support_change": {"upn": pupil.upn, "plan_id": plan.pk},
        "pupils:plan_cease": {"upn": pupil.upn, "plan_id": plan.pk},
        "pupils:move": {"upn": pupil.upn},
        "pupils:leave": {"upn": pupil.upn},
    }.get(name)
    url = reverse(name, kwargs=kwargs)
    return f"{url}?_export=csv" if export else url


# Every URL this workspace adds, aimed at school A's data; and what each role must get.
# "own" = 200 but only the user's own school's data; "redirect" = 302.
R, OK, OWN = "redirect", 200, "own"
MATRIX = {
    #                        la   panel a-mgr  b-mgr  b-host anon
    "home": (OK, OK, OK, OWN, OWN, R),
    "schools:list": (OK, OK, 403, 403, 403, R),
    "schools:list+csv": (OK, OK, 403, 403, 403, R),
    "schools:mine": (R, OK, R, R, R, R),
    "schools:detail": (OK, OK, OK, 404, 404, R),
    "schools:detail+csv": (OK, OK, OK, 404, 404, R),
    "pupils:list": (OK, OK, 403, 403, 403, R),
    "pupils:list+csv": (OK, OK, 403, 403, 403, R),
    "pupils:reviews": (OK, OK, OK, OWN, 403, R),
    "pupils:reviews+csv": (OK, OK, OK, OWN, 403, R),
    "pupils:detail": (OK, OK, OK, 404, 403, R),
    "pupils:plan_issue": (OK, 403, 403, 403, 403, R),
    "pupils:support_change": (OK, 403, 403, 403, 403, R),
    "pupils:plan_cease": (OK, 403, 403, 403, 403, R),
    "pupils:move": (OK, 403, 403, 403, 403, R),
    "pupils:leave": (OK, 403, 403, 403, 403, R),
}
ROLES = ["la_officer", "panel_member", "manager_of_a", "manager_of_b", "cluster_host_of_b"]
ROLES_AND_ANONYMOUS = [*ROLES, "anonymous"]

# Anything that would reveal school A or its pupil.
SCHOOL_A_DATA = ["Alder Primary", "Alderson", "Xanthe", "100001"]


@pytest.mark.parametrize("role", ROLES_AND_ANONYMOUS)
@pytest.mark.parametrize("name", list(MATRIX))
def test_url_x_role_shows_no_other_schools_data(client, world, name, role):
    expected = MATRIX[name][ROLES_AND_ANONYMOUS.index(role)]
    user = make_user(role, world)
    if user is not None:
        client.force_login(user)
    url = url_for(name, world)

    response = client.get(url)

    if expected == R:
        assert response.status_code == 302
        if user is None:
            assert response["Location"].startswith(reverse("login"))
        return
    if expected == OWN:
        assert response.status_code == 200
        body = response.content.decode()
        assert world["pupil"].upn not in body
        for text in SCHOOL_A_DATA:
            assert text not in body, f"{role} sees {text!r} on {url}"
        return
    assert response.status_code == expected
    if expected in (403, 404):
        assert world["pupil"].upn.encode() not in response.content
        assert b"Alderson" not in response.content


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "name",
    [
        "pupils:plan_issue",
        "pupils:support_change",
        "pupils:plan_cease",
        "pupils:move",
        "pupils:leave",
    ],
)
def test_posting_a_change_needs_an_la_officer(client, world, name, role):
    user = make_user(role, world)
    client.force_login(user)
    response = client.post(url_for(name, world), {"reason": "x"})
    if role == "la_officer":
        assert response.status_code == 200  # the form again, with errors: nothing saved
    else:
        assert response.status_code == 403
    assert world["pupil"].placements.get().ends_on is None


def test_a_school_manager_of_two_schools_sees_both_but_no_third(client, world, home_la):
    third = factories.SchoolFactory(name="Cedar Primary", la=home_la)
    manager = factories.school_manager(world["alder"], world["birch"])
    client.force_login(manager)
    assert client.get(reverse("schools:detail", kwargs={"urn": 100001})).status_code == 200
    assert client.get(reverse("schools:detail", kwargs={"urn": 100002})).status_code == 200
    assert client.get(reverse("schools:detail", kwargs={"urn": third.urn})).status_code == 404


# --- Content Security Policy --------------------------------------------------------------------


class _InlineFinder(HTMLParser):
    def __init__(self):
        super().__init__()
        self.inline_scripts = 0
        self.style_attributes = 0
        self.event_handlers = 0

    def handle_starttag(self, tag, attrs):
        names = {name for name, _ in attrs}
        if tag == "script" and "src" not in names:
            self.inline_scripts += 1
        if "style" in names:
            self.style_attributes += 1
        self.event_handlers += sum(1 for name in names if name.startswith("on"))


def _csp_directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


@pytest.mark.parametrize("name", [n for n in MATRIX if not n.endswith("+csv")])
def test_pages_send_a_csp_without_unsafe_inline_script_and_have_no_inline_script(
    client, world, name
):
    client.force_login(make_user("la_officer", world))
    response = client.get(url_for(name, world), follow=True)
    assert response.status_code == 200
    directives = _csp_directives(response)
    script_src = directives.get("script-src", directives.get("default-src"))
    assert script_src == ["'self'"]
    assert "'unsafe-inline'" not in directives.get("style-src", [])
    finder = _InlineFinder()
    finder.feed(response.content.decode())
    assert (finder.inline_scripts, finder.style_attributes, finder.event_handlers) == (0, 0, 0)


def test_sign_in_page_sends_the_csp_too(client):
    response = client.get(reverse("login"))
    assert _csp_directives(response)["script-src"] == ["'self'"]


# --- production settings (`manage.py check --deploy` is tested in tests/test_foundation.py) ------


def test_production_settings_make_cookies_secure_and_send_hsts(client, settings):
    # pytest runs with DEBUG=false, i.e. the production values of these settings.
    assert settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE
    assert settings.SECURE_HSTS_SECONDS >= 31536000
    settings.SECURE_SSL_REDIRECT = False
    response = client.get(reverse("login"), secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
