"""Only SEN Panel members decide; LA officers prepare cases; school users never reach the admin."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from funding.panel import services
from funding.panel.models import CaseKind, CaseStatus, Outcome, PanelCase, PanelDecision

pytestmark = pytest.mark.django_db


def test_la_officer_cannot_record_a_decision(band_case, officer):
    with pytest.raises(PermissionDenied) as exc:
        services.decision_record(
            case=band_case,
            user=officer,
            outcome=Outcome.APPROVED,
            reasons="Agreed.",
            effective_from=dt.date(2026, 4, 20),
            granted_band=3,
        )

    assert str(exc.value) == services.ONLY_PANEL_MEMBERS_DECIDE
    assert not PanelDecision.objects.exists()


def test_la_officer_cannot_approve_as_requested(band_case, officer):
    with pytest.raises(PermissionDenied):
        services.case_approve_as_requested(case=band_case, user=officer)

    band_case.refresh_from_db()
    assert band_case.status == CaseStatus.SUBMITTED


def test_la_officer_cannot_defer(band_case, next_meeting, officer):
    with pytest.raises(PermissionDenied):
        services.case_defer_to_next_meeting(case=band_case, user=officer)


def test_school_manager_cannot_decide(band_case, school_manager):
    with pytest.raises(PermissionDenied):
        services.case_approve_as_requested(case=band_case, user=school_manager)


def test_panel_member_can_decide(band_case, panellist):
    decision = services.case_approve_as_requested(case=band_case, user=panellist)

    assert decision.decided_by == panellist


def test_only_la_officers_submit_cases(pupil, school, panellist, school_manager):
    for user in (panellist, school_manager):
        with pytest.raises(PermissionDenied) as exc:
            services.case_submit(
                user=user,
                pupil=pupil,
                school=school,
                kind=CaseKind.NEW_TOP_UP,
                requested_lsa_hours=Decimal("25"),
                evidence_summary="x",
            )
        assert str(exc.value) == services.ONLY_LA_OFFICERS_SUBMIT
    assert not PanelCase.objects.exists()


def test_school_user_cannot_reach_the_admin(client, school_manager):
    client.force_login(school_manager)

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_school_user_made_staff_by_mistake_still_cannot_see_panel_cases(
    client, school_manager, band_case
):
    school_manager.is_staff = True
    school_manager.save()
    client.force_login(school_manager)

    response = client.get(reverse("admin:panel_panelcase_change", args=[band_case.pk]))

    assert response.status_code == 403


def test_panel_member_reaches_the_meeting_page(client, panellist, band_case):
    client.force_login(panellist)

    response = client.get(reverse("admin:panel_panelmeeting_change", args=[band_case.meeting_id]))

    assert response.status_code == 200


def test_la_officer_cannot_open_the_record_decision_page(client, officer, band_case):
    client.force_login(officer)

    response = client.get(reverse("admin:panel_panelcase_decide", args=[band_case.pk]))

    assert response.status_code == 403


def test_la_officer_approve_action_is_refused(client, officer, band_case):
    client.force_login(officer)

    client.post(
        reverse("admin:panel_panelcase_changelist"),
        {"action": "approve_as_requested", "_selected_action": [band_case.pk]},
    )

    band_case.refresh_from_db()
    assert band_case.status == CaseStatus.SUBMITTED
    assert not PanelDecision.objects.exists()
