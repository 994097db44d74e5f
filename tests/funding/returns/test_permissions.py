"""Every returns URL x every role: who gets 200/302, 403 or 404 (isolation between schools)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from funding.returns import services
from funding.returns.models import MonthlyReturn, ReturnLine
from tests import factories
from tests.funding.returns.conftest import MAY, add_pupil

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(school, other_school):
    """A generated, partly answered and queried return for `school`; users of every role."""
    pupil = add_pupil(school, family_name="Adams")
    add_pupil(school, family_name="Brown")
    services.monthly_return_generate(school_id=school.pk, month=MAY)
    monthly_return = MonthlyReturn.objects.get(school=school)
    line = ReturnLine.objects.get(pupil=pupil)
    return {
        "return": monthly_return,
        "line": line,
        "school": school,
        "own_manager": factories.school_manager(school, username="own"),
        "other_manager": factories.school_manager(other_school, username="other"),
        "officer": factories.la_officer(username="officer"),
        "panellist": factories.panel_member(username="panellist"),
        "host": factories.cluster_host(username="host"),
    }


def urls(world):
    r, line, school = world["return"], world["line"], world["school"]
    return {
        "school_list": ("get", reverse("returns:school_list")),
        "school": ("get", reverse("returns:school", args=[school.urn])),
        "detail": ("get", reverse("returns:detail", args=[r.pk])),
        "detail_csv": ("get", reverse("returns:detail", args=[r.pk]) + "?_export=csv"),
        "line_answer": ("get", reverse("returns:line_answer", args=[line.pk])),
        "submit": ("post", reverse("returns:submit", args=[r.pk])),
        "check": ("get", reverse("returns:check", args=[r.pk])),
        "submitted": ("get", reverse("returns:submitted", args=[r.pk])),
        "confirm_remaining": ("post", reverse("returns:confirm_remaining", args=[r.pk])),
        "dashboard": ("get", reverse("returns:dashboard")),
        "dashboard_xlsx": ("get", reverse("returns:dashboard") + "?_export=xlsx"),
        "generate": ("post", reverse("returns:generate")),
        "remind": ("post", reverse("returns:remind")),
        "queries": ("get", reverse("returns:queries")),
        "line_resolve": ("get", reverse("returns:line_resolve", args=[line.pk])),
    }


# Expected status by URL for each role. A resolve page for a line with no open query
# redirects the LA officer to the queue (302); POSTs redirect back (302) when allowed.
EXPECTED = {
    "own_manager": {
        "school_list": 200,
        "school": 200,
        "detail": 200,
        "detail_csv": 200,
        "line_answer": 200,
        "submit": 302,
        "check": 302,
        "submitted": 302,
        "confirm_remaining": 302,
        "dashboard": 403,
        "dashboard_xlsx": 403,
        "generate": 403,
        "remind": 403,
        "queries": 403,
        "line_resolve": 403,
    },
    "other_manager": {
        "school_list": 200,
        "school": 404,
        "detail": 404,
        "detail_csv": 404,
        "line_answer": 404,
        "submit": 404,
        "check": 404,
        "submitted": 404,
        "confirm_remaining": 404,
        "dashboard": 403,
        "dashboard_xlsx": 403,
        "generate": 403,
        "remind": 403,
        "queries": 403,
        "line_resolve": 403,
    },
    "officer": {
        "school_list": 403,
        "school": 200,
        "detail": 200,
        "detail_csv": 200,
        "line_answer": 403,
        "submit": 403,
        "check": 403,
        "submitted": 403,
        "confirm_remaining": 403,
        "dashboard": 200,
        "dashboard_xlsx": 200,
        "generate": 302,
        "remind": 302,
        "queries": 200,
        "line_resolve": 302,
    },
}
EXPECTED["panellist"] = dict.fromkeys(EXPECTED["officer"], 403)
EXPECTED["host"] = dict.fromkeys(EXPECTED["officer"], 403)

CASES = [(role, name) for role, by_url in EXPECTED.items() for name in by_url]


@pytest.mark.parametrize(("role", "name"), CASES)
def test_returns_url_status_by_role(client, world, role, name):
    client.force_login(world[role])
    method, url = urls(world)[name]

    response = getattr(client, method)(url, {"month": "2025-05"} if name == "generate" else {})

    assert response.status_code == EXPECTED[role][name]


@pytest.mark.parametrize("name", list(EXPECTED["officer"]))
def test_returns_urls_send_anonymous_users_to_sign_in(client, world, name):
    method, url = urls(world)[name]

    response = getattr(client, method)(url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_other_schools_manager_cannot_answer_a_line_by_post(client, world):
    client.force_login(world["other_manager"])

    response = client.post(
        reverse("returns:line_answer", args=[world["line"].pk]),
        {"on_roll": "no", "support_correct": "yes", "correction": "Left"},
    )

    assert response.status_code == 404
    world["line"].refresh_from_db()
    assert world["line"].answered_at is None


def test_other_schools_manager_cannot_submit_a_return(client, world):
    services.return_lines_confirm_remaining(monthly_return=world["return"], user=None)
    client.force_login(world["other_manager"])

    client.post(reverse("returns:submit", args=[world["return"].pk]))

    world["return"].refresh_from_db()
    assert world["return"].status == "in_progress"


def test_school_list_shows_only_the_managers_own_schools(client, world):
    client.force_login(world["other_manager"])

    response = client.get(reverse("returns:school_list"))

    assert list(response.context["table"].data) == []


def test_school_user_cannot_resolve_a_query_by_post(client, world):
    line = world["line"]
    services.return_line_answer(
        line=line, user=None, on_roll=False, support_correct=True, correction="Left"
    )
    services.return_lines_confirm_remaining(monthly_return=world["return"], user=None)
    services.monthly_return_submit(monthly_return=world["return"], user=None)
    client.force_login(world["own_manager"])

    response = client.post(
        reverse("returns:line_resolve", args=[line.pk]), {"decision": "reject", "reason": "No"}
    )

    assert response.status_code == 403
    line.refresh_from_db()
    assert line.resolution == ""
