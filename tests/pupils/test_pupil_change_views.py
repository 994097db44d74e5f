"""Forms that change a pupil through the services: issue a plan, change support from a date,
move school (R16), record leaving, cease a plan. Errors name the field; backdating is flagged."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from pupils.models import AdmissionKind, Placement, Plan, SupportLevel
from tests import factories
from tests.e2e.data import pupil_with_plan

pytestmark = pytest.mark.django_db


TODAY = timezone.localdate()


def date_fields(name: str, day: dt.date) -> dict:
    return {f"{name}_0": day.day, f"{name}_1": day.month, f"{name}_2": day.year}


@pytest.fixture
def pupil(oak):
    return pupil_with_plan(oak, issued_on=dt.date(2024, 9, 2), lsa_hours=Decimal("20"))


def error_summary(response) -> list[tuple[str, str]]:
    return response.context["form"].error_links()


# --- change support (R5, R6) --------------------------------------------------------------------


def support_url(pupil):
    return reverse(
        "pupils:support_change", kwargs={"upn": pupil.upn, "plan_id": pupil.plans.get().pk}
    )


def test_r5_support_change_ends_the_old_level_and_starts_a_new_one(client, la_officer, pupil):
    client.force_login(la_officer)
    response = client.post(
        support_url(pupil),
        {
            **date_fields("effective_from", dt.date(2025, 1, 6)),
            "lsa_hours": "25",
            "ta_hours": "5",
            "reason": "Annual review",
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#timeline")
    levels = list(SupportLevel.objects.filter(plan__pupil=pupil).order_by("effective_from"))
    assert [(s.effective_from, s.effective_to, s.summary) for s in levels] == [
        (dt.date(2024, 9, 2), dt.date(2025, 1, 5), "20 h LSA"),
        (dt.date(2025, 1, 6), None, "25 h LSA, 5 h TA"),
    ]
    assert (levels[1].recorded_by, levels[1].reason) == (la_officer, "Annual review")


def test_support_change_form_starts_from_the_current_level(client, la_officer, pupil):
    client.force_login(la_officer)
    form = client.get(support_url(pupil)).context["form"]
    assert form.initial["lsa_hours"] == Decimal("20")


def test_a_backdated_support_change_is_allowed_and_flagged(client, la_officer, pupil):
    client.force_login(la_officer)
    response = client.post(
        support_url(pupil),
        {
            **date_fields("effective_from", TODAY - dt.timedelta(days=30)),
            "lsa_hours": "25",
            "reason": "Late paperwork",
        },
        follow=True,
    )
    assert SupportLevel.objects.get(plan__pupil=pupil, effective_to=None).is_backdated
    message = str(list(response.context["messages"])[0])
    assert "This change is backdated" in message


def test_support_change_without_a_date_names_the_date_field(client, la_officer, pupil):
    client.force_login(la_officer)
    response = client.post(support_url(pupil), {"lsa_hours": "25", "reason": "x"})
    assert response.status_code == 200
    assert error_summary(response) == [
        ("id_effective_from_0", "Enter the date the new support starts")
    ]
    assert b"govuk-error-summary" in response.content


def test_support_change_with_an_impossible_date_says_so(client, la_officer, pupil):
    client.force_login(la_officer)
    response = client.post(
        support_url(pupil),
        {
            "effective_from_0": "31",
            "effective_from_1": "2",
            "effective_from_2": "2025",
            "lsa_hours": "25",
            "reason": "x",
        },
    )
    assert error_summary(response) == [
        ("id_effective_from_0", "Date the new support starts must be a real date")
    ]


def test_support_change_before_the_plan_shows_the_service_error_on_the_date(
    client, la_officer, pupil
):
    client.force_login(la_officer)
    response = client.post(
        support_url(pupil),
        {**date_fields("effective_from", dt.date(2024, 1, 1)), "lsa_hours": "25", "reason": "x"},
    )
    assert error_summary(response) == [
        (
            "id_effective_from_0",
            "Support cannot start before the plan was issued (02 September 2024).",
        )
    ]
    assert SupportLevel.objects.filter(plan__pupil=pupil).count() == 1


def test_support_change_to_the_same_support_names_the_hours(client, la_officer, pupil):
    client.force_login(la_officer)
    response = client.post(
        support_url(pupil),
        {**date_fields("effective_from", dt.date(2025, 1, 6)), "lsa_hours": "20", "reason": "x"},
    )
    assert error_summary(response) == [
        (
            "id_lsa_hours",
            "Enter hours, a band or a resource amount that differs from the current support.",
        )
    ]


def test_support_change_hours_above_60_names_the_field(client, la_officer, pupil):
    client.force_login(la_officer)
    response = client.post(
        support_url(pupil),
        {**date_fields("effective_from", dt.date(2025, 1, 6)), "ta_hours": "61", "reason": "x"},
    )
    assert error_summary(response) == [
        ("id_ta_hours", "TA hours must be 60 or fewer (hours a week)")
    ]


def test_support_change_without_a_reason_asks_for_one(client, la_officer, pupil):
    client.force_login(la_officer)
    response = client.post(
        support_url(pupil), {**date_fields("effective_from", dt.date(2025, 1, 6)), "lsa_hours": "2"}
    )
    assert error_summary(response) == [("id_reason", "Enter the reason for this change")]


def test_support_change_of_another_pupils_plan_is_404(client, la_officer, pupil, oak):
    other = pupil_with_plan(oak)
    client.force_login(la_officer)
    url = reverse(
        "pupils:support_change", kwargs={"upn": pupil.upn, "plan_id": other.plans.get().pk}
    )
    assert client.get(url).status_code == 404


# --- issue a plan -------------------------------------------------------------------------------


def test_issue_a_plan_with_its_first_support(client, la_officer, oak):
    pupil = factories.PupilFactory()
    factories.PlacementFactory(pupil=pupil, school=oak)
    client.force_login(la_officer)
    response = client.post(
        reverse("pupils:plan_issue", kwargs={"upn": pupil.upn}),
        {
            "kind": "ehcp",
            **date_fields("issued_on", dt.date(2025, 3, 3)),
            "primary_need": "SLCN",
            "caseworker": la_officer.pk,
            "lsa_hours": "15",
            "band": "",
            "reason": "Assessment",
        },
    )
    assert response.status_code == 302
    plan = Plan.objects.get(pupil=pupil)
    assert (plan.kind, plan.issued_on, plan.annual_review_due, plan.caseworker) == (
        "ehcp",
        dt.date(2025, 3, 3),
        dt.date(2026, 3, 3),
        la_officer,
    )
    assert plan.support_levels.get().summary == "15 h LSA"


def test_issue_a_plan_while_one_is_in_force_names_the_issue_date(client, la_officer, pupil):
    client.force_login(la_officer)
    response = client.post(
        reverse("pupils:plan_issue", kwargs={"upn": pupil.upn}),
        {
            "kind": "ehcp",
            **date_fields("issued_on", dt.date(2025, 3, 3)),
            "primary_need": "ASD",
            "lsa_hours": "15",
            "reason": "x",
        },
    )
    assert error_summary(response) == [
        ("id_issued_on_0", "This pupil already has a plan in force from 02 September 2024.")
    ]


def test_issue_a_plan_without_choosing_a_kind_links_to_the_first_radio(client, la_officer, oak):
    pupil = factories.PupilFactory()
    client.force_login(la_officer)
    response = client.post(
        reverse("pupils:plan_issue", kwargs={"upn": pupil.upn}),
        {**date_fields("issued_on", dt.date(2025, 3, 3)), "primary_need": "ASD", "reason": "x"},
    )
    assert error_summary(response) == [("id_kind_1", "Select the kind of plan")]


# --- move school (R16) --------------------------------------------------------------------------


def test_r16_managed_move_ends_the_old_placement_and_records_the_admission_kind(
    client, la_officer, pupil, beech
):
    client.force_login(la_officer)
    response = client.post(
        reverse("pupils:move", kwargs={"upn": pupil.upn}),
        {
            "to_school": beech.pk,
            **date_fields("moves_on", dt.date(2025, 2, 24)),
            "admission_kind": AdmissionKind.MANAGED_MOVE,
            "kind": "",
            "reason": "Managed move",
        },
    )
    assert response.status_code == 302
    placements = list(Placement.objects.filter(pupil=pupil).order_by("starts_on"))
    assert [(p.school.name, p.starts_on, p.ends_on, p.admission_kind) for p in placements] == [
        ("Oak Tree Primary", dt.date(2024, 9, 2), dt.date(2025, 2, 23), "first_admission"),
        ("Beech House Special", dt.date(2025, 2, 24), None, "managed_move"),
    ]


def test_move_offers_only_phase_transfer_casual_admission_or_managed_move(
    client, la_officer, pupil
):
    client.force_login(la_officer)
    form = client.get(reverse("pupils:move", kwargs={"upn": pupil.upn})).context["form"]
    assert [c[0] for c in form.fields["admission_kind"].choices] == [
        "phase_transfer",
        "casual_admission",
        "managed_move",
    ]


def test_move_to_the_same_school_names_the_school_field(client, la_officer, pupil, oak):
    client.force_login(la_officer)
    response = client.post(
        reverse("pupils:move", kwargs={"upn": pupil.upn}),
        {
            "to_school": oak.pk,
            **date_fields("moves_on", dt.date(2025, 2, 24)),
            "admission_kind": "casual_admission",
            "reason": "x",
        },
    )
    assert error_summary(response) == [
        ("id_to_school", "The pupil is already at Oak Tree Primary on that date.")
    ]


def test_move_without_an_admission_kind_links_to_the_first_radio(client, la_officer, pupil, beech):
    client.force_login(la_officer)
    response = client.post(
        reverse("pupils:move", kwargs={"upn": pupil.upn}),
        {"to_school": beech.pk, **date_fields("moves_on", dt.date(2025, 2, 24)), "reason": "x"},
    )
    assert error_summary(response) == [("id_admission_kind_1", "Select the kind of admission")]


# --- leaving and ceasing ------------------------------------------------------------------------


def test_record_leaving_ends_the_placement_on_the_last_day(client, la_officer, pupil):
    client.force_login(la_officer)
    response = client.post(
        reverse("pupils:leave", kwargs={"upn": pupil.upn}),
        {**date_fields("last_day", dt.date(2025, 7, 18)), "reason": "Moved abroad"},
    )
    assert response.status_code == 302
    assert Placement.objects.get(pupil=pupil).ends_on == dt.date(2025, 7, 18)


def test_record_leaving_before_the_placement_names_the_date(client, la_officer, pupil):
    client.force_login(la_officer)
    response = client.post(
        reverse("pupils:leave", kwargs={"upn": pupil.upn}),
        {**date_fields("last_day", dt.date(2020, 7, 18)), "reason": "x"},
    )
    assert error_summary(response) == [
        ("id_last_day_0", "This pupil has no placement on 18 July 2020.")
    ]


def test_cease_a_plan_ends_its_support_the_same_day(client, la_officer, pupil):
    client.force_login(la_officer)
    plan = pupil.plans.get()
    response = client.post(
        reverse("pupils:plan_cease", kwargs={"upn": pupil.upn, "plan_id": plan.pk}),
        {**date_fields("ceased_on", dt.date(2025, 8, 31)), "reason": "No longer needed"},
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.ceased_on == dt.date(2025, 8, 31)
    assert plan.support_levels.get().effective_to == dt.date(2025, 8, 31)


# --- only LA officers change things -------------------------------------------------------------

CHANGE_URLS = ["support_change", "plan_cease", "plan_issue", "move", "leave"]


def change_url(name, pupil):
    kwargs = {"upn": pupil.upn}
    if name in ("support_change", "plan_cease"):
        kwargs["plan_id"] = pupil.plans.get().pk
    return reverse(f"pupils:{name}", kwargs=kwargs)


@pytest.mark.parametrize("name", CHANGE_URLS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_school_manager_of_the_pupils_school_gets_403_on_changes(client, pupil, oak, name, method):
    client.force_login(factories.school_manager(oak))
    response = getattr(client, method)(change_url(name, pupil))
    assert response.status_code == 403
    assert Placement.objects.filter(pupil=pupil).count() == 1


@pytest.mark.parametrize("name", CHANGE_URLS)
def test_panel_member_reads_but_cannot_change(client, panel_member, pupil, name):
    client.force_login(panel_member)
    assert client.get(reverse("pupils:detail", kwargs={"upn": pupil.upn})).status_code == 200
    assert client.post(change_url(name, pupil)).status_code == 403
