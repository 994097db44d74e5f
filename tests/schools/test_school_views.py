"""School pages: the list (search, filters, sorting, export), a school's page, "my school"."""

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import NoReverseMatch, reverse

from pupils.models import Plan
from schools.models import EstablishmentType, Phase, SchoolStatus
from tests import factories
from tests.e2e.data import pupil_with_plan

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def schools(home_la, other_la):
    """Three schools: an open primary, a special school in a cluster, a closed secondary."""
    oak = factories.SchoolFactory(urn=111111, name="Oak Tree Primary", la=home_la)
    beech = factories.SchoolFactory(
        urn=222222,
        name="Beech House Special",
        la=home_la,
        phase=Phase.ALL_THROUGH,
        establishment_type=EstablishmentType.SPECIAL,
    )
    cedar = factories.SchoolFactory(
        urn=333333,
        name="Cedar Secondary",
        la=other_la,
        phase=Phase.SECONDARY,
        establishment_type=EstablishmentType.ACADEMY,
        status=SchoolStatus.CLOSED,
    )
    cluster = factories.ClusterFactory(name="North cluster")
    factories.ClusterMembershipFactory(cluster=cluster, school=beech)
    return {"oak": oak, "beech": beech, "cedar": cedar, "cluster": cluster}


def names_on(response):
    return [row.record.name for row in response.context["table"].page.object_list]


def test_list_shows_every_school_in_name_order(client, la_officer, schools):
    client.force_login(la_officer)
    response = client.get(reverse("schools:list"))
    assert response.status_code == 200
    assert names_on(response) == ["Beech House Special", "Cedar Secondary", "Oak Tree Primary"]


def test_list_searches_by_name(client, la_officer, schools):
    client.force_login(la_officer)
    response = client.get(reverse("schools:list"), {"q": "oak"})
    assert names_on(response) == ["Oak Tree Primary"]


def test_list_searches_by_urn(client, la_officer, schools):
    client.force_login(la_officer)
    response = client.get(reverse("schools:list"), {"q": "222222"})
    assert names_on(response) == ["Beech House Special"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"phase": Phase.SECONDARY}, ["Cedar Secondary"]),
        ({"establishment_type": EstablishmentType.SPECIAL}, ["Beech House Special"]),
        ({"open_closed": "closed"}, ["Cedar Secondary"]),
        ({"open_closed": "open"}, ["Beech House Special", "Oak Tree Primary"]),
    ],
)
def test_list_filters(client, la_officer, schools, params, expected):
    client.force_login(la_officer)
    assert names_on(client.get(reverse("schools:list"), params)) == expected


def test_list_filters_by_la(client, la_officer, schools, other_la):
    client.force_login(la_officer)
    response = client.get(reverse("schools:list"), {"la": other_la.pk})
    assert names_on(response) == ["Cedar Secondary"]


def test_list_filters_by_current_cluster(client, la_officer, schools):
    client.force_login(la_officer)
    response = client.get(reverse("schools:list"), {"cluster": schools["cluster"].pk})
    assert names_on(response) == ["Beech House Special"]
    assert response.context["table"].page.object_list[0].record.cluster_name == "North cluster"


def test_list_sorts_by_urn_descending(client, la_officer, schools):
    client.force_login(la_officer)
    response = client.get(reverse("schools:list"), {"sort": "-urn"})
    assert names_on(response) == ["Cedar Secondary", "Beech House Special", "Oak Tree Primary"]


def test_list_paginates_25_a_page(client, la_officer, home_la):
    factories.SchoolFactory.create_batch(30, la=home_la)
    client.force_login(la_officer)
    response = client.get(reverse("schools:list"), {"page": 2})
    assert len(response.context["table"].page.object_list) == 5


def test_list_exports_csv_with_the_filters_applied(client, la_officer, schools):
    client.force_login(la_officer)
    response = client.get(reverse("schools:list"), {"open_closed": "open", "_export": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row["School"] for row in rows] == ["Beech House Special", "Oak Tree Primary"]
    assert rows[0]["URN"] == "222222"
    assert rows[0]["Cluster"] == "North cluster"


def test_list_exports_xlsx(client, la_officer, schools):
    client.force_login(la_officer)
    response = client.get(reverse("schools:list"), {"_export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [cell.value for cell in sheet[1]][:2] == ["School", "URN"]
    assert sheet.max_row == 4  # header + 3 schools


def test_school_page_shows_census_places_and_pupils_with_plans(client, la_officer, schools):
    beech = schools["beech"]
    factories.SchoolCensusFactory(school=beech, census_date=dt.date(2025, 1, 16), year_7=12)
    factories.PlannedPlacesFactory(school=beech, academic_year=2025, places=100, occupied=90)
    with_plan = pupil_with_plan(beech, given_name="Ada", family_name="Lovelace")
    without_plan = factories.PupilFactory(given_name="Brian", family_name="Nolan")
    factories.PlacementFactory(pupil=without_plan, school=beech)
    elsewhere = pupil_with_plan(schools["oak"], given_name="Cara", family_name="Dune")
    client.force_login(la_officer)

    response = client.get(reverse("schools:detail", kwargs={"urn": beech.urn}))

    assert response.status_code == 200
    assert response.context["censuses"][0]["census"].year_7 == 12
    place = response.context["planned_places"][0]
    assert (str(place["year"]), place["row"].unoccupied) == ("2025/26", 10)
    pupils = [row.record for row in response.context["table"].page.object_list]
    assert pupils == [with_plan]
    assert elsewhere not in pupils
    assert response.context["membership"].cluster.name == "North cluster"


def test_school_page_exports_its_pupils_with_plans(client, la_officer, schools):
    pupil = pupil_with_plan(schools["oak"], given_name="Ada", family_name="Lovelace")
    client.force_login(la_officer)
    response = client.get(
        reverse("schools:detail", kwargs={"urn": schools["oak"].urn}), {"_export": "csv"}
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(row["Name"], row["UPN"]) for row in rows] == [("Ada Lovelace", pupil.upn)]
    assert "school-111111-pupils-with-plans.csv" in response["Content-Disposition"]


def test_school_page_hides_a_ceased_plan(client, la_officer, schools):
    pupil = pupil_with_plan(schools["oak"])
    Plan.objects.filter(pupil=pupil).update(ceased_on=dt.date(2025, 1, 31))
    client.force_login(la_officer)
    response = client.get(reverse("schools:detail", kwargs={"urn": schools["oak"].urn}))
    assert list(response.context["table"].page.object_list) == []


def test_school_page_unknown_urn_is_404(client, la_officer, schools):
    client.force_login(la_officer)
    assert client.get(reverse("schools:detail", kwargs={"urn": 999999})).status_code == 404


# --- school business managers, panel members and cluster hosts -----------------------------


def test_school_manager_my_school_goes_to_their_school(client, schools):
    manager = factories.school_manager(schools["oak"])
    client.force_login(manager)
    response = client.get(reverse("schools:mine"))
    assert response.status_code == 302
    assert response["Location"] == reverse("schools:detail", kwargs={"urn": 111111})


def test_school_manager_of_two_schools_chooses_between_them(client, schools):
    manager = factories.school_manager(schools["oak"], schools["beech"])
    client.force_login(manager)
    response = client.get(reverse("schools:mine"))
    assert [s.name for s in response.context["schools"]] == [
        "Beech House Special",
        "Oak Tree Primary",
    ]


def test_school_manager_sees_their_school_page_with_its_pupils(client, schools):
    pupil = pupil_with_plan(schools["oak"])
    client.force_login(factories.school_manager(schools["oak"]))
    response = client.get(reverse("schools:detail", kwargs={"urn": 111111}))
    assert response.status_code == 200
    assert [row.record for row in response.context["table"].page.object_list] == [pupil]


def test_school_manager_gets_404_for_another_school(client, schools):
    client.force_login(factories.school_manager(schools["oak"]))
    assert client.get(reverse("schools:detail", kwargs={"urn": 222222})).status_code == 404


def test_school_manager_gets_403_on_the_schools_list(client, schools):
    client.force_login(factories.school_manager(schools["oak"]))
    assert client.get(reverse("schools:list")).status_code == 403


def test_la_officer_my_school_goes_to_the_list(client, la_officer):
    client.force_login(la_officer)
    response = client.get(reverse("schools:mine"))
    assert response["Location"] == reverse("schools:list")


def test_panel_member_reads_the_schools_list(client, panel_member, schools):
    client.force_login(panel_member)
    assert client.get(reverse("schools:list")).status_code == 200


def test_cluster_host_sees_their_school_without_pupils(client, schools):
    pupil_with_plan(schools["oak"])
    host = factories.cluster_host(schools=[schools["oak"]])
    client.force_login(host)
    response = client.get(reverse("schools:detail", kwargs={"urn": 111111}))
    assert response.status_code == 200
    assert response.context["shows_pupils"] is False
    assert list(response.context["table"].page.object_list) == []


def test_cluster_host_gets_403_on_the_schools_list(client, schools):
    client.force_login(factories.cluster_host())
    assert client.get(reverse("schools:list")).status_code == 403


def test_anonymous_is_sent_to_sign_in(client, schools):
    response = client.get(reverse("schools:detail", kwargs={"urn": 111111}))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- start page ---------------------------------------------------------------------------------


def test_start_page_counts_overdue_and_due_annual_reviews(client, la_officer, schools):
    today = dt.date.today()
    pupil_with_plan(schools["oak"], review_due=today - dt.timedelta(days=3))
    pupil_with_plan(schools["oak"], review_due=today + dt.timedelta(days=10))
    pupil_with_plan(schools["oak"], review_due=today + dt.timedelta(days=100))
    client.force_login(la_officer)
    tasks = {t["title"]: t.get("count") for t in client.get(reverse("home")).context["tasks"]}
    assert tasks["Annual reviews overdue"] == 1
    assert tasks["Annual reviews due in the next 6 weeks"] == 1


def test_start_page_counts_only_the_managers_own_reviews(client, schools):
    today = dt.date.today()
    pupil_with_plan(schools["oak"], review_due=today - dt.timedelta(days=3))
    pupil_with_plan(schools["beech"], review_due=today - dt.timedelta(days=3))
    client.force_login(factories.school_manager(schools["oak"]))
    response = client.get(reverse("home"))
    tasks = {t["title"]: t.get("count") for t in response.context["tasks"]}
    assert tasks["Annual reviews overdue"] == 1
    assert [s.name for s in response.context["my_schools"]] == ["Oak Tree Primary"]


def test_start_page_navigation_depends_on_the_role(client, la_officer, schools):
    client.force_login(la_officer)
    officer_nav = [i["label"] for i in client.get(reverse("home")).context["service_nav"]]
    client.force_login(factories.school_manager(schools["oak"]))
    manager_nav = [i["label"] for i in client.get(reverse("home")).context["service_nav"]]
    assert {"Schools", "Pupils", "Annual reviews"} <= set(officer_nav)
    assert "My school" not in officer_nav
    assert "My school" in manager_nav
    assert "Schools" not in manager_nav and "Pupils" not in manager_nav


# --- no N+1 -------------------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [10, 200])
def test_school_list_makes_a_constant_number_of_queries(
    client, la_officer, home_la, rows, django_assert_max_num_queries
):
    cluster = factories.ClusterFactory()
    for school in factories.SchoolFactory.create_batch(rows, la=home_la):
        factories.ClusterMembershipFactory(cluster=cluster, school=school)
    client.force_login(la_officer)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("schools:list"), {"sort": "cluster"})
    assert response.status_code == 200
    with django_assert_max_num_queries(8):
        client.get(reverse("schools:list"), {"_export": "csv"})


@pytest.mark.parametrize("rows", [10, 200])
def test_school_page_makes_a_constant_number_of_queries(
    client, la_officer, home_la, rows, django_assert_max_num_queries
):
    school = factories.SchoolFactory(la=home_la)
    for year in range(rows // 10):
        factories.SchoolCensusFactory(school=school, census_date=dt.date(2000 + year, 1, 16))
        factories.PlannedPlacesFactory(school=school, academic_year=2000 + year)
    for _ in range(rows):
        pupil_with_plan(school)
    client.force_login(la_officer)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("schools:detail", kwargs={"urn": school.urn}))
    assert response.context["table"].paginator.count == rows
    with django_assert_max_num_queries(14):
        client.get(reverse("schools:detail", kwargs={"urn": school.urn}), {"_export": "csv"})


def test_start_page_shows_panel_cases_waiting(client, la_officer, schools):
    panel_services = pytest.importorskip("funding.panel.services")
    from funding.panel.models import CaseKind

    pupil = pupil_with_plan(schools["oak"])
    panel_services.case_submit(
        user=la_officer,
        pupil=pupil,
        school=schools["oak"],
        kind=CaseKind.PERSONAL_SUPPLEMENT,
        requested_amount=Decimal("4500.00"),
        requested_from=dt.date(2026, 3, 9),
        evidence_summary="Exceptional medical needs.",
    )
    client.force_login(la_officer)
    tasks = {t["title"]: t.get("count") for t in client.get(reverse("home")).context["tasks"]}
    assert tasks["SEN Panel cases waiting for a decision"] == 1


def test_school_page_links_to_its_funding_statements_and_returns(client, la_officer, schools):
    client.force_login(la_officer)
    context = client.get(reverse("schools:detail", kwargs={"urn": 111111})).context
    links = (("funding:school_statements", "funding_url"), ("returns:school", "returns_url"))
    for name, key in links:
        try:
            expected = reverse(name, kwargs={"urn": 111111})
        except NoReverseMatch:  # that part of the product is not installed yet
            expected = context[key]
        assert context[key] == expected
