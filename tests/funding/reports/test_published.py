"""The per-school list an LA publishes each year (seed 002's Annex B): notional SEN budget,
top-up total and place funding per school. Decision: the published list is PUBLIC (no sign-in,
like the LA's web page it replaces) and holds school-level figures only; an LA officer chooses
which run is published; a top-up total for fewer than three pupils is withheld on the public
page so no child's funding can be read from it."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from funding.reports import selectors, services
from funding.reports.models import PublishedStatement
from tests import factories
from tests.funding.reports.conftest import add_census, primary_school, pupil_with_plan, run

D = Decimal


@pytest.fixture
def published(home_la, scheme):
    alder = primary_school(home_la)
    add_census(alder)
    birch = primary_school(home_la, name="Birch Primary")
    add_census(birch, fsm=0, lpa=0)
    pupils = [pupil_with_plan(alder, home_la, given_name=f"Alder{n}") for n in range(3)]
    pupils.append(pupil_with_plan(birch, home_la, given_name="Solo", family_name="Nakamura"))
    run_ = run("initial")
    services.statement_publish(run=run_, user=None)
    return alder, birch, pupils, run_


def test_annex_b_lists_each_schools_notional_sen_top_ups_and_places(published):
    # Alder: notional £49,500.00; 3 × £6,090.00 = £18,270.00 top-up.
    # Birch: 5% × £630,000 = £31,500.00 notional (no FSM or LPA); £6,090.00 for one pupil.
    _, _, _, run_ = published
    rows = {r.name: r for r in selectors.annex_b(run_)}
    assert (rows["Alder Primary"].notional_sen, rows["Alder Primary"].top_up) == (
        D("49500.00"),
        D("18270.00"),
    )
    assert rows["Birch Primary"].notional_sen == D("31500.00")
    assert rows["Birch Primary"].top_up_pupils == 1
    assert not rows["Birch Primary"].top_up_published


def test_public_page_needs_no_sign_in_and_holds_no_pupil_data(published, client):
    _, _, pupils, _ = published
    response = client.get("/reports/published/2025/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Alder Primary" in body and "£49,500.00" in body and "£18,270.00" in body
    for pupil in pupils:
        assert pupil.upn not in body
        assert pupil.given_name not in body
        assert pupil.family_name not in body


def test_public_page_withholds_a_top_up_total_for_fewer_than_three_pupils(published, client):
    body = client.get("/reports/published/2025/").content.decode()
    assert "£6,090.00" not in body
    assert "Not published (fewer than 3 pupils)" in body


def test_public_csv_is_school_level_only(published, client):
    _, _, pupils, _ = published
    response = client.get("/reports/published/2025/?_export=csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "URN",
        "School",
        "Phase",
        "Type",
        "Notional SEN budget (element 2)",
        "Top-up funding (element 3)",
        "Place funding",
    ]
    birch = next(r for r in rows if r[1] == "Birch Primary")
    assert birch[5] == "not published (fewer than 3 pupils)"
    text = response.content.decode()
    assert all(p.upn not in text for p in pupils)


def test_public_index_lists_published_years(published, client):
    body = client.get("/reports/published/").content.decode()
    assert "/reports/published/2025/" in body


def test_an_unpublished_year_is_not_found(published, client):
    assert client.get("/reports/published/2024/").status_code == 404


def test_la_preview_shows_every_figure(published, client, la_officer):
    client.force_login(la_officer)
    body = client.get("/reports/2025/per-school/").content.decode()
    assert "£6,090.00" in body


def test_la_officer_publishes_and_withdraws(home_la, scheme, client, la_officer):
    run_ = run("initial")
    client.force_login(la_officer)
    assert client.post("/reports/2025/per-school/publish/", {"run": run_.pk}).status_code == 302
    published = PublishedStatement.objects.get()
    assert (published.run, published.published_by) == (run_, la_officer)
    client.post("/reports/2025/per-school/publish/", {"withdraw": "1"})
    assert not PublishedStatement.objects.exists()


def test_school_manager_cannot_publish(home_la, scheme, client):
    run_ = run("initial")
    client.force_login(factories.school_manager(primary_school(home_la)))
    assert client.post("/reports/2025/per-school/publish/", {"run": run_.pk}).status_code == 403
    assert not PublishedStatement.objects.exists()
