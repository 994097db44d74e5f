"""Pupil lists: the pupils list (search, filters, export) and annual reviews (R10)."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from pupils import services
from pupils.models import PlanKind
from tests import factories
from tests.e2e.data import pupil_with_plan

pytestmark = pytest.mark.django_db


TODAY = timezone.localdate()


def upns_on(response):
    return [row.record.upn for row in response.context["table"].page.object_list]


# --- the list -----------------------------------------------------------------------------------


def test_list_searches_by_family_name(client, la_officer, oak):
    ada = pupil_with_plan(oak, given_name="Ada", family_name="Lovelace")
    pupil_with_plan(oak, given_name="Alan", family_name="Turing")
    client.force_login(la_officer)
    assert upns_on(client.get(reverse("pupils:list"), {"q": "lovel"})) == [ada.upn]


def test_list_searches_by_full_name(client, la_officer, oak):
    ada = pupil_with_plan(oak, given_name="Ada", family_name="Lovelace")
    pupil_with_plan(oak, given_name="Ada", family_name="Byron")
    client.force_login(la_officer)
    assert upns_on(client.get(reverse("pupils:list"), {"q": "ada lovelace"})) == [ada.upn]


def test_list_searches_by_upn(client, la_officer, oak):
    ada = pupil_with_plan(oak)
    pupil_with_plan(oak)
    client.force_login(la_officer)
    assert upns_on(client.get(reverse("pupils:list"), {"q": ada.upn.lower()})) == [ada.upn]


def test_list_filters_by_current_school(client, la_officer, oak, beech):
    moved = pupil_with_plan(oak)
    services.pupil_move(
        pupil=moved,
        to_school=beech,
        moves_on=TODAY - dt.timedelta(days=5),
        admission_kind="managed_move",
    )
    stays = pupil_with_plan(oak)
    client.force_login(la_officer)
    assert upns_on(client.get(reverse("pupils:list"), {"school": oak.pk})) == [stays.upn]
    assert upns_on(client.get(reverse("pupils:list"), {"school": beech.pk})) == [moved.upn]


def test_list_sorted_by_school_counts_only_the_filtered_pupils(client, la_officer, oak, beech):
    # 12.5 LSA = 12.5 hours a week: inside 10-20; 25 hours outside.
    at_oak = pupil_with_plan(oak, lsa_hours=Decimal("12.5"), family_name="Adams")
    at_beech = pupil_with_plan(beech, lsa_hours=Decimal("12.5"), family_name="Zola")
    pupil_with_plan(beech, lsa_hours=Decimal("25"))
    client.force_login(la_officer)
    query = {"hours_min": "10", "hours_max": "20"}
    response = client.get(reverse("pupils:list"), {**query, "sort": "school"})
    assert upns_on(response) == [at_beech.upn, at_oak.upn]  # Beech House before Oak Tree
    assert response.context["table"].page.paginator.count == 2
    response = client.get(reverse("pupils:list"), {**query, "sort": "-school"})
    assert upns_on(response) == [at_oak.upn, at_beech.upn]


def test_list_school_filter_marks_only_the_chosen_school(client, la_officer, oak, beech):
    client.force_login(la_officer)
    oak_option = f'<option value="{oak.pk}">Oak Tree Primary (111111)</option>'
    beech_option = f'<option value="{beech.pk}">Beech House Special (222222)</option>'
    html = client.get(reverse("pupils:list"), {"school": oak.pk}).content.decode()
    assert oak_option.replace('">', '" selected>', 1) in html
    assert beech_option in html
    # the next page asks for another school: the options shown before keep no selection
    html = client.get(reverse("pupils:list"), {"school": beech.pk}).content.decode()
    assert oak_option in html
    assert beech_option.replace('">', '" selected>', 1) in html
    html = client.get(reverse("pupils:list")).content.decode()
    assert '<option value="" selected>Any school</option>' in html
    assert oak_option in html and beech_option in html


def test_list_filtered_by_school_reads_the_schools_once(
    client, la_officer, oak, django_assert_max_num_queries
):
    pupil_with_plan(oak)
    client.force_login(la_officer)
    client.get(reverse("pupils:list"))
    # the choices are read once for checking the chosen school and showing the options
    with django_assert_max_num_queries(10):
        response = client.get(reverse("pupils:list"), {"school": oak.pk})
    assert len(upns_on(response)) == 1


def test_list_filters_by_plan_kind(client, la_officer, oak):
    statement = pupil_with_plan(oak)
    statement.plans.update(kind=PlanKind.STATEMENT)
    pupil_with_plan(oak)
    client.force_login(la_officer)
    response = client.get(reverse("pupils:list"), {"plan_kind": PlanKind.STATEMENT})
    assert upns_on(response) == [statement.upn]


def test_list_filters_by_primary_need(client, la_officer, oak):
    semh = pupil_with_plan(oak)
    semh.plans.update(primary_need="SEMH")
    pupil_with_plan(oak)
    client.force_login(la_officer)
    assert upns_on(client.get(reverse("pupils:list"), {"primary_need": "SEMH"})) == [semh.upn]


def test_list_filters_by_band(client, la_officer, beech):
    band_3 = pupil_with_plan(beech, lsa_hours=Decimal("0"), band=3)
    pupil_with_plan(beech, lsa_hours=Decimal("0"), band=2)
    client.force_login(la_officer)
    assert upns_on(client.get(reverse("pupils:list"), {"band": "3"})) == [band_3.upn]


def test_list_filters_by_support_hours_range(client, la_officer, oak):
    # 12.5 LSA + 2 LST = 14.5 hours a week: inside 14-15; 20 hours outside.
    inside = pupil_with_plan(oak, lsa_hours=Decimal("12.5"))
    inside.plans.get().support_levels.update(lst_hours=Decimal("2"))
    pupil_with_plan(oak, lsa_hours=Decimal("20"))
    client.force_login(la_officer)
    response = client.get(reverse("pupils:list"), {"hours_min": "14", "hours_max": "15"})
    assert upns_on(response) == [inside.upn]


def test_list_filters_by_home_la(client, la_officer, oak, other_la):
    visiting = pupil_with_plan(oak, home_la=other_la)
    pupil_with_plan(oak)
    client.force_login(la_officer)
    assert upns_on(client.get(reverse("pupils:list"), {"home_la": other_la.pk})) == [visiting.upn]


def test_r10_list_filters_pupils_whose_review_is_overdue(client, la_officer, oak):
    overdue = pupil_with_plan(oak, review_due=TODAY - dt.timedelta(days=1))
    pupil_with_plan(oak, review_due=TODAY + dt.timedelta(days=30))
    client.force_login(la_officer)
    assert upns_on(client.get(reverse("pupils:list"), {"review_overdue": "yes"})) == [overdue.upn]


def test_list_exports_csv(client, la_officer, oak):
    ada = pupil_with_plan(oak, given_name="Ada", family_name="Lovelace", lsa_hours=Decimal("20"))
    client.force_login(la_officer)
    response = client.get(reverse("pupils:list"), {"_export": "csv"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [
        {
            "Name": "Ada Lovelace",
            "UPN": ada.upn,
            "Date of birth": "2015-03-14",
            "School": "Oak Tree Primary",
            "Plan": "EHC plan",
            "Primary need": "Autistic spectrum disorder",  # in words, as on the screen
            "Support": "20 h LSA",
            "Annual review": "2025-09-01",
            "Home LA": ada.home_la.name,
        }
    ]


def test_list_exports_xlsx(client, la_officer, oak):
    pupil_with_plan(oak)
    client.force_login(la_officer)
    response = client.get(reverse("pupils:list"), {"_export": "xlsx"})
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )


def test_school_manager_gets_403_on_the_pupils_list(client, oak):
    client.force_login(factories.school_manager(oak))
    assert client.get(reverse("pupils:list")).status_code == 403


def test_panel_member_reads_the_pupils_list(client, panel_member, oak):
    pupil = pupil_with_plan(oak)
    client.force_login(panel_member)
    assert upns_on(client.get(reverse("pupils:list"))) == [pupil.upn]


# --- annual reviews (R10) -----------------------------------------------------------------------


def test_r10_reviews_lists_overdue_and_due_within_six_weeks(client, la_officer, oak):
    overdue = pupil_with_plan(oak, review_due=TODAY - dt.timedelta(days=1))
    due = pupil_with_plan(oak, review_due=TODAY + dt.timedelta(weeks=6))
    pupil_with_plan(oak, review_due=TODAY + dt.timedelta(weeks=6, days=1))
    ceased = pupil_with_plan(oak, review_due=TODAY - dt.timedelta(days=5))
    ceased.plans.update(ceased_on=TODAY - dt.timedelta(days=2))
    client.force_login(la_officer)
    response = client.get(reverse("pupils:reviews"))
    listed = [row.record.pupil.upn for row in response.context["table"].page.object_list]
    assert sorted(listed) == sorted([overdue.upn, due.upn])
    summary = response.context["summary"]
    assert (summary.overdue, summary.due_soon) == (1, 1)


def test_r10_reviews_list_the_most_overdue_first(client, la_officer, oak):
    later = pupil_with_plan(oak, review_due=TODAY + dt.timedelta(days=7))
    most_overdue = pupil_with_plan(oak, review_due=TODAY - dt.timedelta(days=30))
    overdue = pupil_with_plan(oak, review_due=TODAY - dt.timedelta(days=1))
    client.force_login(la_officer)
    response = client.get(reverse("pupils:reviews"))
    listed = [row.record.pupil for row in response.context["table"].page.object_list]
    assert listed == [most_overdue, overdue, later]


def test_r10_reviews_sort_by_school(client, la_officer, oak, beech):
    at_oak = pupil_with_plan(oak, review_due=TODAY - dt.timedelta(days=9))
    at_beech = pupil_with_plan(beech, review_due=TODAY + dt.timedelta(days=9))
    client.force_login(la_officer)
    response = client.get(reverse("pupils:reviews"), {"sort": "school"})
    listed = [row.record.pupil for row in response.context["table"].page.object_list]
    assert listed == [at_beech, at_oak]  # Beech House before Oak Tree


def test_r10_reviews_are_counted_by_school_and_caseworker(client, la_officer, oak, beech):
    amy = factories.la_officer(first_name="Amy", last_name="Adams")
    zed = factories.la_officer(first_name="Zed", last_name="Zane")
    pupil_with_plan(oak, review_due=TODAY + dt.timedelta(days=7), caseworker=zed)
    pupil_with_plan(oak, review_due=TODAY - dt.timedelta(days=7), caseworker=amy)
    pupil_with_plan(beech, review_due=TODAY + dt.timedelta(days=7), caseworker=zed)
    client.force_login(la_officer)
    summary = client.get(reverse("pupils:reviews")).context["summary"]
    assert [(c.label, c.overdue, c.due_soon) for c in summary.by_school] == [
        ("Oak Tree Primary", 1, 1),  # most overdue first
        ("Beech House Special", 0, 1),
    ]
    assert [(c.label, c.overdue, c.due_soon) for c in summary.by_caseworker] == [
        ("Amy Adams", 1, 0),
        ("Zed Zane", 0, 2),
    ]


def test_r10_reviews_by_school_shows_the_most_overdue_and_breaks_ties_by_name(
    la_officer, oak, beech, home_la
):
    """R10: the summary names only the top schools; of schools with as many overdue reviews,
    the first by name is shown. Elm 2 overdue; Ash, Beech and Oak 1 each: top two are Elm,
    then Ash (A before B and O); all four schools are counted."""
    from pupils import selectors

    elm = factories.SchoolFactory(urn=333333, name="Elm Park", la=home_la)
    ash = factories.SchoolFactory(urn=444444, name="Ash Grove", la=home_la)
    for school in (elm, elm, ash, beech, oak):
        pupil_with_plan(school, review_due=TODAY - dt.timedelta(days=3))
    summary = selectors.review_summary(selectors.reviews_due(la_officer), top_schools=2)
    assert [(c.label, c.overdue, c.due_soon) for c in summary.by_school] == [
        ("Elm Park", 2, 0),
        ("Ash Grove", 1, 0),
    ]
    assert (summary.overdue, summary.schools) == (5, 4)


def test_r10_reviews_filter_by_caseworker_and_status(client, la_officer, oak):
    amy = factories.la_officer(first_name="Amy", last_name="Adams")
    mine = pupil_with_plan(oak, review_due=TODAY - dt.timedelta(days=3), caseworker=amy)
    pupil_with_plan(oak, review_due=TODAY + dt.timedelta(days=3), caseworker=amy)
    pupil_with_plan(oak, review_due=TODAY - dt.timedelta(days=3))
    client.force_login(la_officer)
    response = client.get(reverse("pupils:reviews"), {"caseworker": amy.pk, "status": "overdue"})
    assert [row.record.pupil for row in response.context["table"].page.object_list] == [mine]


def test_r10_reviews_export_csv(client, la_officer, oak):
    pupil = pupil_with_plan(oak, review_due=TODAY - dt.timedelta(days=2))
    client.force_login(la_officer)
    response = client.get(reverse("pupils:reviews"), {"_export": "csv"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(r["UPN"], r["School"], r["Status"]) for r in rows] == [
        (pupil.upn, "Oak Tree Primary", "Overdue by 2 days")
    ]


def test_r10_school_manager_sees_only_their_schools_reviews(client, oak, beech):
    own = pupil_with_plan(oak, review_due=TODAY - dt.timedelta(days=1))
    pupil_with_plan(beech, review_due=TODAY - dt.timedelta(days=1))
    client.force_login(factories.school_manager(oak))
    response = client.get(reverse("pupils:reviews"))
    assert [row.record.pupil for row in response.context["table"].page.object_list] == [own]
    assert response.context["filter"].form.fields["school"].choices == [
        ("", "Any school"),
        (oak.pk, "Oak Tree Primary (111111)"),
    ]


# --- no N+1 -------------------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [10, 200])
def test_pupil_list_makes_a_constant_number_of_queries(
    client, la_officer, oak, rows, django_assert_max_num_queries
):
    for _ in range(rows):
        pupil_with_plan(oak, review_due=TODAY)
    client.force_login(la_officer)
    with django_assert_max_num_queries(11):
        response = client.get(reverse("pupils:list"), {"sort": "school", "per_page": 200})
    assert response.status_code == 200
    with django_assert_max_num_queries(11):
        client.get(reverse("pupils:list"), {"_export": "csv"})


@pytest.mark.parametrize("rows", [10, 200])
def test_reviews_make_a_constant_number_of_queries(
    client, la_officer, oak, rows, django_assert_max_num_queries
):
    caseworker = factories.la_officer()
    for _ in range(rows):
        pupil_with_plan(oak, review_due=TODAY, caseworker=caseworker)
    client.force_login(la_officer)
    with django_assert_max_num_queries(11):
        response = client.get(reverse("pupils:reviews"))
    assert response.context["summary"].due_soon == rows
    with django_assert_max_num_queries(11):
        client.get(reverse("pupils:reviews"), {"_export": "xlsx"})
