"""The clerk's admin: meeting page, adding a case, recording decisions, actions, history."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from funding.panel import selectors, services
from funding.panel.enf import ENF_GROUND_REQUIRED
from funding.panel.models import CaseStatus, Outcome, PanelCase, PanelDecision
from pupils.models import PlacementKind
from pupils.services import SupportHours
from tests.funding.panel.conftest import make_pupil

pytestmark = pytest.mark.django_db


def test_meeting_page_lists_cases_with_a_pupil_summary(client, panellist, band_case):
    client.force_login(panellist)

    response = client.get(reverse("admin:panel_panelmeeting_change", args=[band_case.meeting_id]))

    text = response.content.decode()
    assert band_case.reference in text
    assert "band 2 since 01 Sep 2024" in text  # the pupil's current support
    assert reverse("admin:panel_panelcase_decide", args=[band_case.pk]) in text
    assert reverse("panel:pupil_history", args=[band_case.pupil.upn]) in text


def test_la_officer_adds_a_case_through_the_service(client, officer, pupil, school, meeting):
    client.force_login(officer)

    response = client.post(
        reverse("admin:panel_panelcase_add"),
        {
            "meeting": meeting.pk,
            "pupil": pupil.pk,
            "school": school.pk,
            "kind": "new_top_up",
            "requested_lsa_hours": "30",
            "evidence_summary": "Educational psychologist's report.",
        },
    )

    assert response.status_code == 302
    case = PanelCase.objects.get()
    assert (case.submitted_by, case.status, case.meeting) == (
        officer,
        CaseStatus.SUBMITTED,
        meeting,
    )
    assert case.history.get().history_user == officer


def test_admin_case_form_shows_the_service_check_on_the_field(
    client, officer, pupil, other_school, meeting
):
    client.force_login(officer)

    response = client.post(
        reverse("admin:panel_panelcase_add"),
        {
            "meeting": meeting.pk,
            "pupil": pupil.pk,
            "school": other_school.pk,
            "kind": "new_top_up",
            "requested_lsa_hours": "30",
            "evidence_summary": "x",
        },
    )

    assert response.status_code == 200
    assert "school" in response.context["adminform"].form.errors
    assert not PanelCase.objects.exists()


def test_panel_member_approve_action_calls_the_service(client, panellist, band_case):
    client.force_login(panellist)

    client.post(
        reverse("admin:panel_panelcase_changelist"),
        {"action": "approve_as_requested", "_selected_action": [band_case.pk]},
    )

    decision = PanelDecision.objects.get()
    assert (decision.outcome, decision.decided_by, decision.support_level.band) == (
        Outcome.APPROVED,
        panellist,
        3,
    )


def test_panel_member_defer_action_moves_the_case(client, panellist, band_case, next_meeting):
    client.force_login(panellist)

    client.post(
        reverse("admin:panel_panelcase_changelist"),
        {"action": "defer_to_next_meeting", "_selected_action": [band_case.pk]},
    )

    band_case.refresh_from_db()
    assert (band_case.status, band_case.meeting) == (CaseStatus.DEFERRED, next_meeting)


def test_record_decision_page_records_approved_with_changes(client, panellist, band_case):
    client.force_login(panellist)

    response = client.post(
        reverse("admin:panel_panelcase_decide", args=[band_case.pk]),
        {
            "outcome": "approved_with_changes",
            "granted_band": "4",
            "effective_from": "2026-04-20",
            "reasons": "Needs are higher than the school described.",
        },
    )

    assert response.status_code == 302
    decision = PanelDecision.objects.get()
    assert (decision.granted_band, decision.effective_from) == (4, dt.date(2026, 4, 20))


def test_record_decision_page_shows_r9_error_on_end_date(
    client, panellist, special_pupil, special_school, officer, meeting
):
    case = services.case_submit(
        user=officer,
        pupil=special_pupil,
        school=special_school,
        kind="enf",
        enf_ground="short_term",
        requested_amount="2000.00",
        requested_from=dt.date(2026, 1, 5),
        evidence_summary="Crisis.",
        meeting=meeting,
    )
    client.force_login(panellist)

    response = client.post(
        reverse("admin:panel_panelcase_decide", args=[case.pk]),
        {
            "outcome": "approved",
            "granted_amount": "2000.00",
            "effective_from": "2026-01-05",
            "end_date": "2026-12-31",
            "enf_ground": "short_term",
            "reasons": "Crisis.",
        },
    )

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["end_date"]
    assert (
        "for a short-term intervention lasts at most one academic year"
        in (response.context["form"].errors["end_date"][0])
    )
    assert not PanelDecision.objects.exists()


@pytest.fixture
def enf_case(special_pupil, special_school, officer, meeting):
    return services.case_submit(
        user=officer,
        pupil=special_pupil,
        school=special_school,
        kind="enf",
        enf_ground="crisis",
        requested_amount="2000.00",
        requested_from=dt.date(2026, 1, 5),
        evidence_summary="Crisis.",
        meeting=meeting,
    )


def test_record_decision_page_refuses_enf_without_a_ground(client, panellist, enf_case):
    client.force_login(panellist)

    response = client.post(
        reverse("admin:panel_panelcase_decide", args=[enf_case.pk]),
        {
            "outcome": "approved_with_changes",
            "granted_amount": "2000.00",
            "effective_from": "2026-01-05",
            "end_date": "2026-08-31",
            "enf_ground": "",
            "reasons": "Crisis.",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"enf_ground": [ENF_GROUND_REQUIRED]}
    assert not PanelDecision.objects.exists()


def test_record_decision_page_grants_crisis_enf_across_two_academic_years(
    client, panellist, enf_case
):
    # R9+: crisis funding is not held to one academic year (the scheme's default: no limit).
    client.force_login(panellist)

    response = client.post(
        reverse("admin:panel_panelcase_decide", args=[enf_case.pk]),
        {
            "outcome": "approved",
            "granted_amount": "2000.00",
            "effective_from": "2026-01-05",
            "end_date": "2027-01-04",
            "enf_ground": "crisis",
            "reasons": "Crisis support for twelve months.",
        },
    )

    assert response.status_code == 302
    decision = PanelDecision.objects.get()
    assert (decision.enf_ground, decision.funding_item.ends_on) == ("crisis", dt.date(2027, 1, 4))


def test_record_decision_page_offers_the_ground_for_enf_only(
    client, panellist, enf_case, band_case
):
    client.force_login(panellist)

    enf_page = client.get(reverse("admin:panel_panelcase_decide", args=[enf_case.pk]))
    band_page = client.get(reverse("admin:panel_panelcase_decide", args=[band_case.pk]))

    assert enf_page.context["form"].initial["enf_ground"] == "crisis"
    assert "enf_ground" in enf_page.context["form"].fields
    assert "enf_ground" not in band_page.context["form"].fields


def test_admin_case_form_refuses_enf_without_a_ground(
    client, officer, special_pupil, special_school, meeting
):
    client.force_login(officer)

    response = client.post(
        reverse("admin:panel_panelcase_add"),
        {
            "meeting": meeting.pk,
            "pupil": special_pupil.pk,
            "school": special_school.pk,
            "kind": "enf",
            "requested_amount": "2000.00",
            "requested_from": "2026-01-05",
            "enf_ground": "",
            "evidence_summary": "Crisis.",
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"enf_ground": [ENF_GROUND_REQUIRED]}
    assert not PanelCase.objects.exists()


def test_admin_case_form_records_the_enf_ground(
    client, officer, special_pupil, special_school, meeting
):
    client.force_login(officer)

    response = client.post(
        reverse("admin:panel_panelcase_add"),
        {
            "meeting": meeting.pk,
            "pupil": special_pupil.pk,
            "school": special_school.pk,
            "kind": "enf",
            "requested_amount": "2000.00",
            "requested_from": "2026-01-05",
            "enf_ground": "outside_cohort",
            "evidence_summary": "Needs unlike any other pupil at the school.",
        },
    )

    assert response.status_code == 302
    assert PanelCase.objects.get().enf_ground == "outside_cohort"


def test_decisions_cannot_be_edited_in_the_admin(client, panellist, band_case):
    decision = services.case_approve_as_requested(case=band_case, user=panellist)
    client.force_login(panellist)

    response = client.post(
        reverse("admin:panel_paneldecision_change", args=[decision.pk]),
        {"reasons": "Rewritten."},
    )

    assert response.status_code == 403
    decision.refresh_from_db()
    assert decision.reasons == "Approved as requested."


@pytest.mark.parametrize("model", ["panelmeeting", "panelcase", "paneldecision"])
def test_admin_history_page_for_each_panel_model(client, panellist, band_case, model):
    decision = services.case_approve_as_requested(case=band_case, user=panellist)
    pk = {
        "panelmeeting": band_case.meeting_id,
        "panelcase": band_case.pk,
        "paneldecision": decision.pk,
    }[model]
    client.force_login(panellist)

    response = client.get(reverse(f"admin:panel_{model}_history", args=[pk]))

    assert response.status_code == 200


def test_history_versions_cannot_be_reverted(client, panellist, officer, band_case):
    record = band_case.history.get()
    client.force_login(panellist)

    response = client.post(
        reverse("admin:panel_panelcase_simple_history", args=[band_case.pk, record.history_id]),
        {"evidence_summary": "Old"},
    )

    assert response.status_code == 403


def test_la_officer_does_not_see_decision_actions(client, officer, band_case):
    client.force_login(officer)

    response = client.get(reverse("admin:panel_panelcase_changelist"))

    action_form = response.context["action_form"]  # None when the user has no actions at all
    choices = [] if action_form is None else [v for v, _ in action_form.fields["action"].choices]
    assert response.status_code == 200
    assert "approve_as_requested" not in choices
    assert "defer_to_next_meeting" not in choices


def test_record_decision_page_is_prefilled_with_the_ask(client, panellist, band_case):
    client.force_login(panellist)

    response = client.get(reverse("admin:panel_panelcase_decide", args=[band_case.pk]))

    form = response.context["form"]
    assert (form.initial["granted_band"], form.initial["effective_from"]) == (
        3,
        dt.date(2026, 4, 20),
    )


def test_decided_case_page_is_read_only(client, panellist, band_case):
    services.case_approve_as_requested(case=band_case, user=panellist)
    client.force_login(panellist)

    response = client.get(reverse("admin:panel_panelcase_change", args=[band_case.pk]))

    assert response.status_code == 200
    assert response.context["has_change_permission"] is False


def test_add_case_page_takes_the_meeting_from_the_link(client, officer, meeting):
    client.force_login(officer)

    response = client.get(reverse("admin:panel_panelcase_add"), {"meeting": meeting.pk})

    assert response.context["adminform"].form.initial["meeting"] == str(meeting.pk)


@pytest.mark.parametrize("name", ["panelmeeting", "panelcase", "paneldecision"])
def test_changelists_render_for_panel_members(client, panellist, band_case, name):
    services.case_approve_as_requested(case=band_case, user=panellist)
    client.force_login(panellist)

    response = client.get(reverse(f"admin:panel_{name}_changelist"))

    assert response.status_code == 200


def test_meeting_page_queries_do_not_grow_with_cases(
    client, panellist, officer, special_school, meeting, home_la, monkeypatch
):
    # The panel's own reads are bulk; the engine's top-up is one call per pupil (its cost),
    # so it is stood in for here.
    monkeypatch.setattr(selectors, "current_top_up", lambda pupil, on=None: (True, None))

    def add_cases(n):
        for _ in range(n):
            pupil = make_pupil(
                school=special_school,
                officer=officer,
                home_la=home_la,
                kind=PlacementKind.SPECIAL_SCHOOL,
                support=SupportHours(band=2),
            )
            services.case_submit(
                user=officer,
                pupil=pupil,
                school=special_school,
                kind="band_change",
                requested_band=3,
                evidence_summary="x",
                meeting=meeting,
            )

    client.force_login(panellist)
    url = reverse("admin:panel_panelmeeting_change", args=[meeting.pk])
    add_cases(2)
    client.get(url)
    with CaptureQueriesContext(connection) as two:
        client.get(url)
    add_cases(4)
    with CaptureQueriesContext(connection) as six:
        client.get(url)

    assert len(six) == len(two)


def test_pupil_summary_shows_the_engine_top_up(client, panellist, band_case, monkeypatch):
    monkeypatch.setattr(
        selectors, "current_top_up", lambda pupil, on=None: (True, Decimal("11250.00"))
    )
    client.force_login(panellist)

    response = client.get(reverse("admin:panel_panelmeeting_change", args=[band_case.meeting_id]))

    assert "£11,250.00 a year" in response.content.decode()


def test_pupil_summary_falls_back_to_support_without_the_engine(
    client, panellist, band_case, monkeypatch
):
    monkeypatch.setattr(selectors, "current_top_up", lambda pupil, on=None: (False, None))
    client.force_login(panellist)

    response = client.get(reverse("admin:panel_panelmeeting_change", args=[band_case.meeting_id]))

    text = response.content.decode()
    assert "not yet calculated (the funding engine is not installed)" in text
    assert "band 2 since 01 Sep 2024" in text


def test_meeting_page_hides_record_decision_from_la_officers(client, officer, band_case):
    client.force_login(officer)

    response = client.get(reverse("admin:panel_panelmeeting_change", args=[band_case.meeting_id]))

    assert response.status_code == 200
    assert band_case.reference in response.content.decode()
    assert reverse("admin:panel_panelcase_decide", args=[band_case.pk]) not in (
        response.content.decode()
    )


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:panel_panelmeeting_changelist",
        "admin:panel_panelmeeting_change",
        "admin:panel_panelmeeting_history",
        "admin:panel_panelcase_changelist",
        "admin:panel_panelcase_add",
        "admin:panel_panelcase_change",
        "admin:panel_panelcase_decide",
        "admin:panel_panelcase_history",
        "admin:panel_paneldecision_changelist",
        "admin:panel_paneldecision_change",
    ],
)
def test_every_panel_admin_url_sends_a_school_manager_to_the_admin_login(
    client, other_school_manager, band_case, panellist, url_name
):
    decision = services.case_approve_as_requested(case=band_case, user=panellist)
    args = {
        "panelmeeting": [band_case.meeting_id],
        "panelcase": [band_case.pk],
        "paneldecision": [decision.pk],
    }
    model = url_name.split("_")[1]
    needs_pk = not url_name.endswith(("changelist", "_add"))
    client.force_login(other_school_manager)

    response = client.get(reverse(url_name, args=args[model] if needs_pk else []))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
