"""Who may see which report. LA-only pages: 403 for a school business manager, a panel member
or a cluster host; school-facing pages: a business manager of another school gets 404 (the URL
does not reveal the school), their own school's 200; the published list is open to everyone."""

from __future__ import annotations

import datetime as dt

import pytest

from pupils import services as pupil_services
from tests import factories
from tests.funding.reports.conftest import add_census, primary_school, pupil_with_plan, run

LA_ONLY = [
    ("get", "/reports/2025/initial/"),
    ("get", "/reports/2025/initial/?_export=csv"),
    ("get", "/reports/2025/final/"),
    ("get", "/reports/2025/final/?_export=xlsx"),
    ("get", "/reports/2025/budget/"),
    ("get", "/reports/2025/budget/?_export=csv"),
    ("get", "/reports/2025/budget/?_export=xlsx&table=months"),
    ("post", "/reports/2025/budget/snapshot/"),
    ("get", "/reports/2025/cross-border/"),
    ("get", "/reports/2025/cross-border/?_export=csv"),
    ("get", "/reports/2025/cross-border/888/charge/"),
    ("get", "/reports/2025/cross-border/888/charge/?period=q3&_export=xlsx"),
    ("get", "/reports/2025/cross-border/888/pay/"),
    ("get", "/reports/2025/import-export/"),
    ("get", "/reports/2025/import-export/?_export=csv&table=pupils"),
    ("get", "/reports/2025/per-school/"),
    ("get", "/reports/2025/per-school/?_export=csv"),
    ("post", "/reports/2025/per-school/publish/"),
]
SCHOOL_FACING = [
    "/reports/2025/final/{urn}/",
    "/reports/2025/final/{urn}/?_export=csv",
    "/reports/2025/governors/{urn}/",
    "/reports/2025/governors/{urn}/?_export=xlsx",
]
PUBLIC = ["/reports/published/", "/reports/published/2025/"]


@pytest.fixture
def world(home_la, other_la, scheme):
    alder = primary_school(home_la)
    add_census(alder)
    birch = primary_school(home_la, name="Birch Primary")
    add_census(birch)
    yew = primary_school(other_la, name="Yew Primary")
    leaver = pupil_with_plan(alder, home_la)
    pupil_with_plan(alder, other_la, given_name="Nia")
    pupil_with_plan(yew, home_la, given_name="Zara")
    initial = run("initial")
    pupil_services.pupil_leave(pupil=leaver, last_day=dt.date(2025, 12, 19))
    run("final")
    from funding.reports import services

    services.statement_publish(run=initial)
    return alder, birch


def _call(client, method, url, data=None):
    return getattr(client, method)(url, data or {})


@pytest.mark.parametrize(("method", "url"), LA_ONLY)
def test_la_only_pages_refuse_a_school_business_manager(world, client, method, url):
    client.force_login(factories.school_manager(world[0]))
    assert _call(client, method, url).status_code == 403


@pytest.mark.parametrize(("method", "url"), LA_ONLY)
def test_la_only_pages_refuse_a_panel_member_and_a_cluster_host(
    world, client, panel_member, method, url
):
    client.force_login(panel_member)
    assert _call(client, method, url).status_code == 403
    client.force_login(factories.cluster_host())
    assert _call(client, method, url).status_code == 403


@pytest.mark.parametrize(("method", "url"), LA_ONLY)
def test_la_only_pages_open_for_an_la_officer(world, client, la_officer, method, url):
    from funding.models import AllocationRun

    client.force_login(la_officer)
    data = {"run": AllocationRun.objects.order_by("pk").first().pk} if "publish" in url else None
    assert _call(client, method, url, data).status_code in (200, 302)


@pytest.mark.parametrize(("method", "url"), LA_ONLY)
def test_la_only_pages_send_anonymous_visitors_to_sign_in(world, client, method, url):
    response = _call(client, method, url)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize("url", SCHOOL_FACING)
def test_school_pages_are_not_found_for_another_schools_manager(world, client, url):
    alder, birch = world
    client.force_login(factories.school_manager(birch))
    assert client.get(url.format(urn=alder.urn)).status_code == 404


@pytest.mark.parametrize("url", SCHOOL_FACING)
def test_school_pages_open_for_the_schools_own_manager(world, client, url):
    alder, _ = world
    client.force_login(factories.school_manager(alder))
    assert client.get(url.format(urn=alder.urn)).status_code == 200


@pytest.mark.parametrize("url", SCHOOL_FACING)
def test_school_pages_open_for_an_la_officer(world, client, la_officer, url):
    client.force_login(la_officer)
    assert client.get(url.format(urn=world[0].urn)).status_code == 200


@pytest.mark.parametrize("url", SCHOOL_FACING)
def test_school_pages_are_not_found_for_a_panel_member(world, client, panel_member, url):
    client.force_login(panel_member)
    assert client.get(url.format(urn=world[0].urn)).status_code == 404


@pytest.mark.parametrize("url", SCHOOL_FACING)
def test_school_pages_send_anonymous_visitors_to_sign_in(world, client, url):
    response = client.get(url.format(urn=world[0].urn))
    assert response.status_code == 302


@pytest.mark.parametrize("url", PUBLIC)
def test_published_list_is_open_without_signing_in(world, client, url):
    assert client.get(url).status_code == 200


def test_index_lists_a_managers_own_school_only(world, client):
    alder, birch = world
    client.force_login(factories.school_manager(alder))
    response = client.get("/reports/")
    assert response.status_code == 200
    body = response.content.decode()
    assert f"/reports/2025/governors/{alder.urn}/" in body
    assert f"/reports/2025/governors/{birch.urn}/" not in body
    assert "/reports/2025/budget/" not in body


def test_index_refuses_a_panel_member(world, client, panel_member):
    client.force_login(panel_member)
    assert client.get("/reports/").status_code == 403


def test_index_links_every_la_report(world, client, la_officer):
    client.force_login(la_officer)
    body = client.get("/reports/").content.decode()
    for path in ("initial", "final", "budget", "cross-border", "import-export", "per-school"):
        assert f"/reports/2025/{path}/" in body


def test_unknown_statement_direction_or_la_is_not_found(world, client, la_officer):
    client.force_login(la_officer)
    assert client.get("/reports/2025/cross-border/888/steal/").status_code == 404
    assert client.get("/reports/2025/cross-border/777/charge/").status_code == 404
    assert client.get("/reports/2025/cross-border/999/charge/").status_code == 404


def test_a_run_of_another_year_is_not_found(world, client, la_officer):
    from funding.models import AllocationRun

    client.force_login(la_officer)
    run_id = AllocationRun.objects.order_by("pk").first().pk
    assert client.get(f"/reports/2024/initial/?run={run_id}").status_code == 404
