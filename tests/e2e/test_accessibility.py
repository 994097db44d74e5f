"""Every page type of the workspace passes axe-core with no serious or critical violation.

axe-core is vendored (tests/e2e/vendor/axe.min.js, `make vendor`). It is injected as an inline
script, which the CSP forbids, so only these checks use a browser context that bypasses the
CSP; the journeys run under the real policy.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from pupils import services
from pupils.services import SupportHours
from tests import factories
from tests.e2e.conftest import axe_violations, sign_in
from tests.e2e.data import pupil_with_plan

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TODAY = timezone.localdate()


@pytest.fixture
def world(home_la):
    oak = factories.SchoolFactory(urn=111111, name="Oak Tree Primary", la=home_la)
    beech = factories.SchoolFactory(urn=222222, name="Beech House Special", la=home_la)
    factories.SchoolCensusFactory(school=oak, year_3=28, fsm=6)
    factories.PlannedPlacesFactory(school=beech, academic_year=2025)
    factories.SpecialSchoolBandFactory(school=beech)
    factories.ClusterMembershipFactory(school=oak)
    caseworker = factories.la_officer(username="olu", first_name="Olu", last_name="Officer")
    ada = pupil_with_plan(
        oak,
        given_name="Ada",
        family_name="Lovelace",
        issued_on=TODAY - dt.timedelta(days=300),
        starts_on=TODAY - dt.timedelta(days=300),
        review_due=TODAY - dt.timedelta(days=2),
        caseworker=caseworker,
    )
    services.support_change(
        plan=ada.plans.get(),
        effective_from=TODAY - dt.timedelta(days=20),
        support=SupportHours(lsa_hours=Decimal("25"), band=2),
        user=caseworker,
        reason="Annual review",
    )
    pupil_with_plan(beech, review_due=TODAY + dt.timedelta(days=10), band=3)
    no_plan = factories.PupilFactory(given_name="Bo", family_name="Plain")
    factories.PlacementFactory(pupil=no_plan, school=oak)
    return {"oak": oak, "beech": beech, "ada": ada, "no_plan": no_plan}


def check(page, urls: list[str]) -> dict[str, list]:
    found = {}
    for url in urls:
        response = page.goto(url)
        assert response.status in (200, 403, 404), url
        violations = axe_violations(page)
        if violations:
            found[url] = violations
    return found


def test_sign_in_page_has_no_serious_axe_violation(axe_page):
    assert check(axe_page, ["/login/"]) == {}


def test_la_officer_pages_have_no_serious_axe_violation(axe_page, world):
    ada, plan = world["ada"], world["ada"].plans.get()
    sign_in(axe_page, "olu")
    urls = [
        "/",
        "/schools/",
        "/schools/?q=oak&phase=primary&open_closed=open",
        "/schools/111111/",
        "/schools/222222/",
        "/pupils/",
        "/pupils/?review_overdue=yes&hours_min=1",
        f"/pupils/{ada.upn}/",
        f"/pupils/{world['no_plan'].upn}/",
        "/pupils/reviews/",
        f"/pupils/{ada.upn}/plans/{plan.pk}/support/",
        f"/pupils/{ada.upn}/plans/{plan.pk}/cease/",
        f"/pupils/{ada.upn}/move/",
        f"/pupils/{ada.upn}/leave/",
        f"/pupils/{world['no_plan'].upn}/plans/new/",
        "/schools/999999/",  # the 404 page
    ]
    assert check(axe_page, urls) == {}


@pytest.mark.parametrize(
    ("path", "button"),
    [
        ("support", "Change support"),
        ("move", "Move pupil"),
        ("leave", "Record leaving"),
        ("new", "Issue plan"),
    ],
)
def test_forms_with_errors_have_no_serious_axe_violation(axe_page, world, path, button):
    ada, plan = world["ada"], world["ada"].plans.get()
    url = {
        "support": f"/pupils/{ada.upn}/plans/{plan.pk}/support/",
        "move": f"/pupils/{ada.upn}/move/",
        "leave": f"/pupils/{ada.upn}/leave/",
        "new": f"/pupils/{world['no_plan'].upn}/plans/new/",
    }[path]
    sign_in(axe_page, "olu")
    axe_page.goto(url)
    axe_page.get_by_role("button", name=button).click()
    axe_page.locator(".govuk-error-summary").wait_for()
    assert axe_violations(axe_page) == []


def test_school_business_manager_pages_have_no_serious_axe_violation(axe_page, world):
    factories.school_manager(world["oak"], username="sam")
    sign_in(axe_page, "sam")
    urls = ["/", "/schools/111111/", f"/pupils/{world['ada'].upn}/", "/pupils/reviews/",
            "/schools/"]  # the last is the 403 page  # fmt: skip
    assert check(axe_page, urls) == {}


def test_panel_member_and_cluster_host_start_pages_have_no_serious_axe_violation(axe_page, world):
    factories.panel_member(username="pat")
    sign_in(axe_page, "pat")
    assert check(axe_page, ["/", "/pupils/"]) == {}
    axe_page.context.clear_cookies()
    factories.cluster_host(username="cal", schools=[world["oak"]])
    sign_in(axe_page, "cal")
    assert check(axe_page, ["/", "/schools/111111/"]) == {}
