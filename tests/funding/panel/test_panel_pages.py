"""The SEN Panel's own GOV.UK pages (issue 16): meetings with agenda and attendance, the case
pack, the decision form with no outcome chosen, decisions only at a meeting marked held with
members present, the home page count that opens exactly the cases it counts, the letter's way
back, and no delete for panel members."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.html import escape

from funding.panel import services
from funding.panel.models import CaseKind, CaseStatus, MeetingStatus, Outcome, PanelMeeting
from funding.panel.permissions import grant_role_permissions
from schools.roles import PANEL_MEMBER
from tests.funding.panel.conftest import MARCH_MEETING

pytestmark = pytest.mark.django_db


@pytest.fixture
def users(officer, panellist, school_manager, other_school_manager, cluster_host):
    return {
        "officer": officer,
        "panellist": panellist,
        "school_manager": school_manager,
        "other_school_manager": other_school_manager,
        "cluster_host": cluster_host,
    }


# --- the service: decisions only at a meeting held with members present -------------------------


def test_r5_decision_refused_at_a_meeting_not_marked_held(supplement_case, panellist, meeting):
    meeting.status = MeetingStatus.SCHEDULED
    meeting.save()

    with pytest.raises(ValidationError) as exc:
        services.decision_record(
            case=supplement_case, user=panellist, outcome=Outcome.DECLINED, reasons="No."
        )

    assert "is not marked as held" in exc.value.messages[0]
    supplement_case.refresh_from_db()
    assert supplement_case.status == CaseStatus.SUBMITTED
    assert not supplement_case.decisions.exists()


def test_r5_decision_refused_at_a_held_meeting_with_no_members_present(
    supplement_case, panellist, meeting
):
    meeting.members_present.clear()

    with pytest.raises(ValidationError) as exc:
        services.case_approve_as_requested(case=supplement_case, user=panellist)

    assert "No SEN Panel members are recorded as present" in exc.value.messages[0]
    assert not supplement_case.decisions.exists()


def test_attendance_marks_a_meeting_held_and_then_decisions_are_accepted(
    supplement_case, panellist, meeting
):
    meeting.status = MeetingStatus.SCHEDULED
    meeting.save()
    meeting.members_present.clear()

    services.meeting_record_attendance(
        meeting=meeting, user=panellist, members_present=[panellist], held=True
    )
    decision = services.decision_record(
        case=supplement_case, user=panellist, outcome=Outcome.DECLINED, reasons="Not needed."
    )

    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD
    assert list(meeting.members_present.all()) == [panellist]
    assert meeting.history.latest().history_user == panellist
    assert decision.outcome == Outcome.DECLINED


def test_attendance_refuses_held_with_nobody_present(panellist, meeting):
    with pytest.raises(ValidationError) as exc:
        services.meeting_record_attendance(
            meeting=meeting, user=panellist, members_present=[], held=True
        )
    assert exc.value.message_dict["members_present"] == [services.HELD_NEEDS_MEMBERS]


def test_attendance_refuses_non_members_and_non_panel_users(panellist, officer, meeting):
    with pytest.raises(ValidationError) as exc:
        services.meeting_record_attendance(
            meeting=meeting, user=panellist, members_present=[officer], held=True
        )
    assert "Only SEN Panel members can be recorded as present" in str(exc.value)
    with pytest.raises(PermissionDenied):
        services.meeting_record_attendance(
            meeting=meeting, user=officer, members_present=[panellist], held=True
        )


def test_attendance_refuses_marking_a_future_meeting_held(panellist):
    future = PanelMeeting.objects.create(date=dt.date.today() + dt.timedelta(days=3))
    with pytest.raises(ValidationError) as exc:
        services.meeting_record_attendance(
            meeting=future, user=panellist, members_present=[panellist], held=True
        )
    assert "has not taken place yet" in str(exc.value)


def test_a_meeting_with_decisions_stays_held(supplement_case, panellist, meeting):
    services.case_approve_as_requested(case=supplement_case, user=panellist)
    with pytest.raises(ValidationError) as exc:
        services.meeting_record_attendance(
            meeting=meeting, user=panellist, members_present=[panellist], held=False
        )
    assert exc.value.messages == [services.DECIDED_MEETING_STAYS_HELD]


# --- the decision form: no outcome chosen ---------------------------------------------------------


def test_decision_form_has_no_pre_selected_outcome(client, panellist, supplement_case):
    client.force_login(panellist)

    response = client.get(reverse("panel:case_decide", args=[supplement_case.pk]))

    assert response.status_code == 200
    form = response.context["form"]
    assert form["outcome"].value() in (None, "")
    html = response.content.decode()
    assert 'name="outcome"' in html
    assert "checked" not in html.split('name="outcome"')[1].split(">")[0]
    assert not any('name="outcome"' in part and "checked" in part for part in html.split("<"))


def test_decision_form_without_an_outcome_shows_the_error_summary(
    client, panellist, supplement_case
):
    client.force_login(panellist)

    response = client.post(reverse("panel:case_decide", args=[supplement_case.pk]), {})

    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert "Select the panel&#x27;s decision" in html
    assert "Enter the panel&#x27;s reasons" in html
    assert not supplement_case.decisions.exists()


def test_decision_form_records_the_decision_and_opens_the_letter(
    client, panellist, supplement_case
):
    client.force_login(panellist)

    response = client.post(
        reverse("panel:case_decide", args=[supplement_case.pk]),
        {
            "outcome": Outcome.APPROVED,
            "granted_amount": "4500.00",
            "effective_from_0": "9",
            "effective_from_1": "3",
            "effective_from_2": "2026",
            "end_date_0": "31",
            "end_date_1": "8",
            "end_date_2": "2026",
            "reasons": "Agreed: medical needs evidenced.",
        },
    )

    decision = supplement_case.decisions.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("panel:decision_letter", args=[decision.pk])
    assert (decision.outcome, decision.granted_amount, decision.decided_by) == (
        Outcome.APPROVED,
        Decimal("4500.00"),
        panellist,
    )
    assert decision.funding_item.annual_amount == Decimal("4500.00")
    letter = client.get(response["Location"]).content.decode()
    assert "govuk-back-link" in letter
    assert reverse("panel:case", args=[supplement_case.pk]) in letter


def test_decision_form_at_an_unheld_meeting_says_why_and_records_nothing(
    client, panellist, supplement_case, meeting
):
    meeting.status = MeetingStatus.SCHEDULED
    meeting.save()
    client.force_login(panellist)

    page = client.get(reverse("panel:case_decide", args=[supplement_case.pk]))
    response = client.post(
        reverse("panel:case_decide", args=[supplement_case.pk]),
        {"outcome": Outcome.DECLINED, "reasons": "No."},
    )

    message = services.MEETING_NOT_MARKED_HELD.format(date=MARCH_MEETING)
    assert page.context["blocked"] == message
    assert response.status_code == 200
    assert message.replace("'", "&#x27;") in response.content.decode()
    assert not supplement_case.decisions.exists()


# --- pages by role --------------------------------------------------------------------------------

READ_PAGES = ("meetings", "meeting", "meeting_attendance", "cases", "case", "case_decide")


def _url(name, meeting, case):
    if name in ("meetings", "cases"):
        return reverse(f"panel:{name}")
    if name.startswith("meeting"):
        return reverse(f"panel:{name}", args=[meeting.pk])
    return reverse(f"panel:{name}", args=[case.pk])


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("panellist", dict.fromkeys(READ_PAGES, 200)),
        (
            "officer",
            {**dict.fromkeys(READ_PAGES, 200), "meeting_attendance": 403, "case_decide": 403},
        ),
        ("school_manager", dict.fromkeys(READ_PAGES, 404)),
        ("other_school_manager", dict.fromkeys(READ_PAGES, 404)),
        ("cluster_host", dict.fromkeys(READ_PAGES, 404)),
    ],
)
def test_panel_pages_by_role(client, users, meeting, supplement_case, who, expected):
    client.force_login(users[who])

    got = {name: client.get(_url(name, meeting, supplement_case)).status_code for name in expected}

    assert got == expected


def test_la_officer_cannot_post_a_decision_or_attendance(client, officer, meeting, supplement_case):
    client.force_login(officer)

    decide = client.post(
        reverse("panel:case_decide", args=[supplement_case.pk]),
        {"outcome": Outcome.DECLINED, "reasons": "No."},
    )
    attend = client.post(
        reverse("panel:meeting_attendance", args=[meeting.pk]),
        {"members_present": [officer.pk], "held": "yes"},
    )

    assert (decide.status_code, attend.status_code) == (403, 403)
    assert not supplement_case.decisions.exists()


def test_meeting_page_shows_agenda_and_attendance(client, panellist, meeting, supplement_case):
    client.force_login(panellist)

    response = client.get(reverse("panel:meeting", args=[meeting.pk]))

    html = response.content.decode()
    assert supplement_case.reference in html
    # Escaped as the page shows it: a generated name may be "Angela O'Brien".
    assert escape(panellist.get_full_name() or panellist.username) in html
    assert reverse("panel:meeting_attendance", args=[meeting.pk]) in html


def test_attendance_page_records_members_through_the_service(client, panellist, meeting):
    meeting.status = MeetingStatus.SCHEDULED
    meeting.save()
    meeting.members_present.clear()
    client.force_login(panellist)

    response = client.post(
        reverse("panel:meeting_attendance", args=[meeting.pk]),
        {"members_present": [panellist.pk], "held": "yes"},
    )

    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD
    assert list(meeting.members_present.all()) == [panellist]


def test_case_pack_shows_pupil_plan_support_previous_decisions_and_evidence(
    client, panellist, officer, pupil, school, meeting, next_meeting, supplement_case
):
    earlier = services.case_submit(
        user=officer,
        pupil=pupil,
        school=school,
        kind=CaseKind.PERSONAL_SUPPLEMENT,
        requested_amount=Decimal("900.00"),
        requested_from=dt.date(2026, 3, 9),
        evidence_summary="Earlier ask.",
        meeting=meeting,
    )
    services.decision_record(
        case=earlier, user=panellist, outcome=Outcome.DECLINED, reasons="Covered by the plan."
    )
    client.force_login(panellist)

    response = client.get(reverse("panel:case", args=[supplement_case.pk]))

    html = response.content.decode()
    pack = response.context["pack"]
    assert pupil.upn in html and "Amara" in html
    assert "20 h LSA" in html or "20" in pack.summary.support.summary
    assert "Exceptional medical needs beyond the IAR." in html  # the evidence
    assert [d.case_id for d in pack.previous_decisions] == [earlier.pk]
    assert "Covered by the plan." in html
    assert reverse("panel:case_decide", args=[supplement_case.pk]) in html


# --- the home page count opens exactly the cases it counts ---------------------------------------


def test_home_count_of_cases_links_to_exactly_those_cases(
    client, panellist, officer, band_case, supplement_case, panellist_decides_band_case
):
    client.force_login(panellist)

    tasks = client.get(reverse("home")).context["tasks"]
    [item] = [t for t in tasks if t["title"] == "SEN Panel cases waiting for a decision"]
    listed = client.get(item["url"]).context["cases"]

    assert item["count"] == 1
    assert [c.pk for c in listed] == [supplement_case.pk]


@pytest.fixture
def panellist_decides_band_case(band_case, panellist):
    return services.case_approve_as_requested(case=band_case, user=panellist)


# --- no delete for panel members ------------------------------------------------------------------


def test_panel_members_have_no_delete_permission_on_panel_records(panellist):
    grant_role_permissions()
    codenames = set(
        Group.objects.get(name=PANEL_MEMBER).permissions.values_list("codename", flat=True)
    )

    assert not {c for c in codenames if c.startswith("delete_")}
    assert {"add_paneldecision", "change_panelmeeting", "view_panelcase"} <= codenames


def test_admin_meeting_page_offers_add_a_case_only_to_la_officers(
    client, panellist, officer, meeting
):
    url = reverse("admin:panel_panelmeeting_change", args=[meeting.pk])
    client.force_login(panellist)
    as_panel = client.get(url).content.decode()
    client.force_login(officer)
    as_officer = client.get(url).content.decode()

    assert "Add a case at this meeting" not in as_panel
    assert "Add a case at this meeting" in as_officer


def test_admin_pages_link_no_user_a_panel_member_cannot_open(client, panellist, supplement_case):
    decision = services.case_approve_as_requested(case=supplement_case, user=panellist)
    client.force_login(panellist)

    pages = [
        reverse("admin:panel_paneldecision_change", args=[decision.pk]),
        reverse("admin:panel_panelcase_change", args=[supplement_case.pk]),
    ]

    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "/admin/auth/user/" not in response.content.decode(), url
