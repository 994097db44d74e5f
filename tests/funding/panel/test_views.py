"""The decision letter and the pupil history page: who may see them, and what they show."""

import datetime as dt

import pytest
from django.urls import reverse

from funding.panel import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def decision(supplement_case, panellist):
    return services.case_approve_as_requested(case=supplement_case, user=panellist)


@pytest.fixture
def users(officer, panellist, school_manager, other_school_manager, cluster_host):
    return {
        "officer": officer,
        "panellist": panellist,
        "own_school_manager": school_manager,
        "other_school_manager": other_school_manager,
        "cluster_host": cluster_host,
    }


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("officer", 200),
        ("panellist", 200),
        ("own_school_manager", 200),
        ("other_school_manager", 404),
        ("cluster_host", 404),
    ],
)
def test_decision_letter_access_by_role(client, users, decision, who, status):
    client.force_login(users[who])

    response = client.get(reverse("panel:decision_letter", args=[decision.pk]))

    assert response.status_code == status


def test_decision_letter_needs_sign_in(client, decision):
    response = client.get(reverse("panel:decision_letter", args=[decision.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("officer", 200),
        ("panellist", 200),
        ("own_school_manager", 404),
        ("other_school_manager", 404),
        ("cluster_host", 404),
    ],
)
def test_pupil_history_access_by_role(client, users, decision, who, status):
    client.force_login(users[who])

    response = client.get(reverse("panel:pupil_history", args=[decision.case.pupil.upn]))

    assert response.status_code == status


def test_pupil_history_needs_sign_in(client, decision):
    response = client.get(reverse("panel:pupil_history", args=[decision.case.pupil.upn]))

    assert response.status_code == 302


def test_pupil_history_of_unknown_pupil_is_404(client, officer):
    client.force_login(officer)

    response = client.get(reverse("panel:pupil_history", args=["A999999999999"]))

    assert response.status_code == 404


def test_decision_letter_states_amount_period_and_reasons(client, school_manager, decision):
    client.force_login(school_manager)

    response = client.get(reverse("panel:decision_letter", args=[decision.pk]))

    text = response.content.decode()
    assert response.context["decision"] == decision
    assert "£4,500.00 a year, 09 March 2026 to 31 August 2026" in text
    assert "Approved as requested." in text
    assert decision.reference in text


def test_history_page_shows_the_decision_behind_the_band_change(
    client, officer, band_case, panellist
):
    decision = services.case_approve_as_requested(case=band_case, user=panellist)
    client.force_login(officer)

    response = client.get(
        reverse("panel:pupil_history", args=[band_case.pupil.upn]),
        {"record_type": "support"},
    )

    rows = [row.record for row in response.context["table"].rows]
    assert {r.record_type for r in rows} == {"Support level"}
    assert [r.decision for r in rows] == [decision, decision, None]
    assert reverse("panel:decision_letter", args=[decision.pk]) in response.content.decode()


def test_history_page_exports_csv_with_the_decision(client, officer, band_case, panellist):
    decision = services.case_approve_as_requested(case=band_case, user=panellist)
    client.force_login(officer)

    response = client.get(
        reverse("panel:pupil_history", args=[band_case.pupil.upn]), {"_export": "csv"}
    )

    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode()
    assert f"{decision.reference} Approved" in body
    assert "band: 2 → 3" in body


def test_history_page_exports_xlsx(client, officer, band_case):
    client.force_login(officer)

    response = client.get(
        reverse("panel:pupil_history", args=[band_case.pupil.upn]), {"_export": "xlsx"}
    )

    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')


def test_deferral_letter_names_the_next_meeting(
    client, officer, band_case, next_meeting, panellist
):
    decision = services.case_defer_to_next_meeting(case=band_case, user=panellist)
    client.force_login(officer)

    response = client.get(reverse("panel:decision_letter", args=[decision.pk]))

    assert "At the panel meeting on 14 April 2026" in response.content.decode()


def test_band_change_letter_names_the_support_it_replaces(client, officer, band_case, panellist):
    decision = services.case_approve_as_requested(case=band_case, user=panellist)
    client.force_login(officer)

    response = client.get(reverse("panel:decision_letter", args=[decision.pk]))

    text = response.content.decode()
    assert "band 2 (in force from 1 September 2024 to 19 April 2026)" in text
    assert "support level is now band 3 from" in text


def test_history_page_queries_do_not_grow_with_decisions(
    client, officer, band_case, panellist, next_meeting, special_pupil, special_school, meeting
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from funding.panel.models import CaseKind

    services.case_approve_as_requested(case=band_case, user=panellist)
    client.force_login(officer)
    url = reverse("panel:pupil_history", args=[special_pupil.upn])
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    later = services.case_submit(
        user=officer,
        pupil=special_pupil,
        school=special_school,
        kind=CaseKind.BAND_CHANGE,
        requested_band=4,
        requested_from=dt.date(2026, 6, 1),
        evidence_summary="More.",
        meeting=meeting,
    )
    services.case_approve_as_requested(case=later, user=panellist)
    with CaptureQueriesContext(connection) as two:
        client.get(url)

    assert len(two) == len(one)
