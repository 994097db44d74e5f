"""Funding pages: every URL × role, the start-and-watch flow, exports, and constant query counts.

LA officers see every funding page; a school business manager sees only their own school's
statements (another school's: 404); panel members and cluster hosts get 403 on the LA pages
and 404 on statements.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from funding import services
from funding.models import AllocationLine, AllocationRun, RunStatus
from tests import factories
from tests.funding import builders as b

D = Decimal
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]


@pytest.fixture
def world(home_la, scheme):
    """Two schools, a pupil at each, a completed run; users for every role."""
    mine = b.school(home_la, "Meadow Primary", urn=111111)
    theirs = b.school(home_la, "Brook Primary", urn=222222)
    for s in (mine, theirs):
        b.census(s, dt.date(2025, 1, 16), **b.primary_roll(30))
        p = b.pupil(home_la)
        b.place(p, s)
        b.plan(p, lsa=20)
    run = services.run_allocation(fy=2025, kind="initial")
    assert run.status == RunStatus.DONE
    return {
        "mine": mine,
        "theirs": theirs,
        "run": run,
        "officer": factories.la_officer(username="officer1"),
        "manager": factories.school_manager(mine, username="manager1"),
        "other_manager": factories.school_manager(theirs, username="manager2"),
        "panel": factories.panel_member(username="panel1"),
        "host": factories.cluster_host(username="host1"),
    }


def la_urls(world) -> list[str]:
    run = world["run"]
    return [
        reverse("funding:runs"),
        reverse("funding:run_start"),
        reverse("funding:run_detail", args=[run.pk]),
        reverse("funding:run_progress", args=[run.pk]),
        reverse("funding:run_lines", args=[run.pk]),
        reverse("funding:compare", args=[2025]),
        reverse("funding:schemes"),
        reverse("funding:scheme_detail", args=[run.scheme_id]),
    ]


def statement_urls(school) -> list[str]:
    return [
        reverse("funding:school_statements", args=[school.urn]),
        reverse("funding:statement", args=[school.urn, 2025]),
    ]


@pytest.mark.parametrize(
    ("role", "status"),
    [("officer", 200), ("manager", 403), ("panel", 403), ("host", 403)],
)
def test_la_pages_by_role(client, world, role, status):
    client.force_login(world[role])
    for url in la_urls(world):
        assert client.get(url).status_code == status, url


def test_la_pages_need_sign_in(client, world):
    for url in la_urls(world):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url


@pytest.mark.parametrize(
    ("role", "school", "status"),
    [
        ("officer", "mine", 200),
        ("officer", "theirs", 200),
        ("manager", "mine", 200),
        ("manager", "theirs", 404),  # another school's statement does not exist for them
        ("other_manager", "mine", 404),
        ("panel", "mine", 404),
        ("host", "mine", 404),
    ],
)
def test_statement_pages_by_role(client, world, role, school, status):
    client.force_login(world[role])
    for url in statement_urls(world[school]):
        assert client.get(url).status_code == status, url
        assert client.get(url + "?_export=csv").status_code == status, url


def test_statement_needs_sign_in(client, world):
    response = client.get(statement_urls(world["mine"])[1])
    assert response.status_code == 302


def test_statement_shows_each_element_with_its_working(client, world):
    client.force_login(world["manager"])
    response = client.get(reverse("funding:statement", args=[111111, 2025]))
    body = response.content.decode()
    assert "Funding statement, financial year 2025-26" in body
    # 210 × £3,000 = £630,000.00; 5% = £31,500.00; LSA 20 h top-up £6,090.00
    assert "210 pupils (Reception to Year 6, census 16 Jan 2025) × £3,000.00 = £630,000.00" in body
    assert "LSA 20 h × £15.50 × 39 wk = £12,090.00 − £6,000.00 threshold = £6,090.00" in body
    assert "£667,590.00" in body  # 630,000 + 31,500 + 6,090
    assert "Brook Primary" not in body


def test_statement_of_an_unknown_run_is_404(client, world):
    client.force_login(world["officer"])
    url = reverse("funding:statement", args=[111111, 2025])
    assert client.get(url + "?run=99999").status_code == 404
    assert client.get(url + "?run=abc").status_code == 404


def test_statement_export_is_the_schools_lines_only(client, world):
    client.force_login(world["manager"])
    url = reverse("funding:statement", args=[111111, 2025])
    response = client.get(url + "?_export=csv")
    text = response.content.decode("utf-8-sig")
    assert response["Content-Type"].startswith("text/csv")
    assert text.splitlines()[0].startswith("URN,School,UPN,Pupil,Element,Rule")
    assert "222222" not in text and text.count("111111") == 3


def test_statement_without_a_run_says_so(client, home_la, scheme):
    s = b.school(home_la, "Quiet Primary", urn=333333)
    client.force_login(factories.la_officer(username="o2"))
    response = client.get(reverse("funding:statement", args=[s.urn, 2025]))
    assert "No allocation has been calculated" in response.content.decode()


def test_start_a_run_and_watch_it(client, world, django_capture_on_commit_callbacks):
    client.force_login(world["officer"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("funding:run_start"), {"financial_year": "2025", "kind": "revised", "note": ""}
        )
    run = AllocationRun.objects.order_by("-pk").first()
    assert response.status_code == 302
    assert response["Location"] == reverse("funding:run_detail", args=[run.pk])
    assert run.kind == "revised" and run.created_by == world["officer"]
    progress = client.get(reverse("funding:run_progress", args=[run.pk])).json()
    assert progress["status"] == "done" and progress["finished"] is True  # eager Celery
    detail = client.get(response["Location"]).content.decode()
    assert "Totals by element" in detail and "Recoupment (R8)" in detail


def test_active_run_page_polls_with_an_external_script_and_a_refresh_link(client, world):
    client.force_login(world["officer"])
    queued = services.allocation_run_create(financial_year=2025, kind="revised")
    body = client.get(reverse("funding:run_detail", args=[queued.pk])).content.decode()
    assert "js/run-progress.js" in body
    assert "Refresh this page" in body
    assert "<script>" not in body  # CSP: no inline script


def test_start_refused_with_the_scheme_field_named(client, world):
    scheme = world["run"].scheme
    scheme.awpu_ks3 = None
    scheme.save()
    client.force_login(world["officer"])
    response = client.post(
        reverse("funding:run_start"), {"financial_year": "2025", "kind": "initial"}
    )
    assert response.status_code == 200
    assert "AWPU for key stage 3 is missing." in response.content.decode()


def test_runs_list_exports_csv_and_xlsx(client, world):
    client.force_login(world["officer"])
    csv_response = client.get(reverse("funding:runs") + "?_export=csv")
    assert csv_response.status_code == 200
    assert csv_response["Content-Type"].startswith("text/csv")
    xlsx = client.get(reverse("funding:runs") + "?_export=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_run_lines_filter_and_export(client, world):
    client.force_login(world["officer"])
    url = reverse("funding:run_lines", args=[world["run"].pk])
    response = client.get(url, {"element": "top_up"})
    assert response.status_code == 200
    assert len(response.context["table"].rows) == 2
    export = client.get(url, {"element": "top_up", "school": "Meadow", "_export": "csv"})
    rows = export.content.decode("utf-8-sig").strip().splitlines()
    assert len(rows) == 3 and ",Element 3 top-up,R5," in rows[1]  # header, the line, total


def test_compare_page_initial_against_final(client, world):
    final = services.run_allocation(fy=2025, kind="final")
    client.force_login(world["officer"])
    response = client.get(reverse("funding:compare", args=[2025]))
    assert response.context["initial"] == world["run"]
    assert response.context["final"] == final
    assert client.get(reverse("funding:compare", args=[2025]) + "?_export=csv").status_code == 200


# ---- constant query counts -----------------------------------------------------------------------


def _pupils_at(school, la, n):
    for _ in range(n):
        p = b.pupil(la)
        b.place(p, school)
        b.plan(p, lsa=20)


@pytest.mark.parametrize("pupils", [10, 200])
def test_statement_queries_do_not_grow_with_pupils(
    client, home_la, scheme, pupils, django_assert_max_num_queries
):
    s = b.school(home_la, "Big Primary", urn=444444)
    _pupils_at(s, home_la, pupils)
    services.run_allocation(fy=2025, kind="initial")
    manager = factories.school_manager(s, username="bigmanager")
    client.force_login(manager)
    url = reverse("funding:statement", args=[s.urn, 2025])
    with django_assert_max_num_queries(10):
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.context["statement"].pupils) == pupils


@pytest.mark.parametrize("runs", [10, 200])
def test_runs_page_queries_do_not_grow_with_runs(
    client, home_la, scheme, runs, django_assert_max_num_queries
):
    officer = factories.la_officer(username="countofficer")
    AllocationRun.objects.bulk_create(
        [
            AllocationRun(
                financial_year=2025,
                kind="initial",
                scheme=scheme,
                status=RunStatus.DONE,
                created_by=officer,
            )
            for _ in range(runs)
        ]
    )
    client.force_login(officer)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("funding:runs"))
    assert response.status_code == 200


@pytest.mark.parametrize("schools", [10, 200])
def test_run_detail_and_lines_queries_do_not_grow(
    client, home_la, scheme, schools, django_assert_max_num_queries
):
    for n in range(schools):
        s = b.school(home_la, f"School {n:03d}")
        _pupils_at(s, home_la, 1)
    run = services.run_allocation(fy=2025, kind="initial")
    assert AllocationLine.objects.filter(run=run).count() == schools
    client.force_login(factories.la_officer(username="detailofficer"))
    with django_assert_max_num_queries(14):
        assert client.get(reverse("funding:run_detail", args=[run.pk])).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("funding:run_lines", args=[run.pk])).status_code == 200


def test_home_page_items_for_officers_and_school_managers(world):
    from funding.selectors import start_page_items

    [officer_item] = start_page_items(world["officer"])
    assert officer_item["title"] == "Allocation runs in progress"
    assert officer_item["count"] == 0
    [manager_item] = start_page_items(world["manager"])
    assert manager_item["url"] == reverse("funding:school_statements", args=[111111])
    assert start_page_items(world["panel"]) == []


def test_run_detail_exports_the_totals_per_school(client, world):
    client.force_login(world["officer"])
    url = reverse("funding:run_detail", args=[world["run"].pk])
    rows = client.get(url + "?_export=csv").content.decode().strip().splitlines()
    # header + Brook Primary + Meadow Primary, each 630,000 + 31,500 + 6,090 = £667,590.00,
    # and the total row: 2 × 667,590.00 = 1,335,180.00
    assert len(rows) == 4
    assert rows[1].startswith("Brook Primary,222222,999,3,1,667590.00")
    assert rows[3] == "Total,,,,,1335180.00"


def test_compare_without_runs_to_compare(client, home_la, scheme):
    client.force_login(factories.la_officer(username="lonely"))
    url = reverse("funding:compare", args=[2025])
    assert "needs an initial run" in client.get(url).content.decode()
    assert client.get(url + "?_export=csv").status_code == 200
