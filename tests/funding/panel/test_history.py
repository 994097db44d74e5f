"""Nothing is lost: every panel row and every change a decision makes keeps who and when."""

import datetime as dt

import pytest
from django.urls import reverse

from funding.panel import selectors, services
from funding.panel.models import PanelCase, PanelDecision, PanelMeeting, change_reason_for
from pupils.models import FundingItem, SupportLevel

pytestmark = pytest.mark.django_db


def test_case_history_records_the_officer_who_submitted(band_case, officer):
    record = PanelCase.history.get(id=band_case.pk)

    assert (record.history_type, record.history_user) == ("+", officer)


def test_case_history_records_the_panel_member_who_closed_it(band_case, panellist):
    services.case_approve_as_requested(case=band_case, user=panellist)

    latest = PanelCase.history.filter(id=band_case.pk).latest()
    assert (latest.status, latest.history_user) == ("approved", panellist)
    assert PanelCase.history.filter(id=band_case.pk).count() == 2


def test_decision_history_records_the_panel_member(band_case, panellist):
    decision = services.case_approve_as_requested(case=band_case, user=panellist)

    record = PanelDecision.history.get(id=decision.pk)
    assert (record.history_type, record.history_user) == ("+", panellist)
    assert record.history_change_reason == change_reason_for(band_case, band_case.meeting)


def test_meeting_history_records_members_present_and_who_changed_it(client, panellist):
    client.force_login(panellist)
    client.post(
        reverse("admin:panel_panelmeeting_add"),
        {
            "date": "2026-06-09",
            "status": "scheduled",
            "members_present": [panellist.pk],
            "notes": "",
            **_empty_inlines(),
        },
    )
    meeting = PanelMeeting.objects.get(date=dt.date(2026, 6, 9))

    record = meeting.history.latest()
    assert record.history_user == panellist
    assert list(record.members_present.values_list("user_id", flat=True)) == [panellist.pk]


def _empty_inlines():
    return {
        "cases-TOTAL_FORMS": "0",
        "cases-INITIAL_FORMS": "0",
        "decisions-TOTAL_FORMS": "0",
        "decisions-INITIAL_FORMS": "0",
    }


def test_support_levels_changed_by_a_decision_record_the_panel_member(band_case, panellist):
    # Both rows the band change touches: band 2 ended on 19 Apr 2026, band 3 created.
    decision = services.case_approve_as_requested(case=band_case, user=panellist)
    reason = change_reason_for(band_case, band_case.meeting)

    ended = SupportLevel.history.filter(id=decision.previous_support_level_id).latest()
    created = SupportLevel.history.get(id=decision.support_level_id)
    assert (ended.effective_to, ended.history_user, ended.history_change_reason) == (
        dt.date(2026, 4, 19),
        panellist,
        reason,
    )
    assert (created.band, created.history_user, created.history_change_reason) == (
        3,
        panellist,
        reason,
    )


def test_funding_item_from_a_decision_records_the_panel_member(supplement_case, panellist):
    decision = services.case_approve_as_requested(case=supplement_case, user=panellist)

    record = FundingItem.history.get(id=decision.funding_item_id)
    assert (record.history_user, record.history_change_reason) == (
        panellist,
        change_reason_for(supplement_case, supplement_case.meeting),
    )


def test_pupil_history_ties_the_band_change_to_its_decision(band_case, panellist):
    decision = services.case_approve_as_requested(case=band_case, user=panellist)

    entries = selectors.pupil_history(band_case.pupil)

    band_rows = [
        e
        for e in entries
        if e.record_type == "Support level" and any(c.name == "band" for c in e.changes)
    ]
    assert [
        (e.user, e.decision, [(c.before, c.after) for c in e.changes if c.name == "band"])
        for e in band_rows
    ] == [
        (panellist.get_full_name(), decision, [("2", "3")]),
        (
            "officer"
            if not band_case.submitted_by.get_full_name()
            else band_case.submitted_by.get_full_name(),
            None,
            [(None, "2")],
        ),
    ]


def test_pupil_history_shows_the_old_level_ended_by_the_decision(band_case, panellist):
    decision = services.case_approve_as_requested(case=band_case, user=panellist)

    entries = selectors.pupil_history(band_case.pupil)

    ended = next(e for e in entries if e.record_type == "Support level" and e.action == "Changed")
    assert ended.decision == decision
    assert [(c.name, c.before, c.after) for c in ended.changes] == [
        ("effective to", "—", "19 Apr 2026")
    ]


def test_pupil_history_is_newest_first(band_case, panellist):
    services.case_approve_as_requested(case=band_case, user=panellist)

    entries = selectors.pupil_history(band_case.pupil)

    dates = [e.when for e in entries]
    assert dates == sorted(dates, reverse=True)
    assert entries[-1].record_type == "Pupil"
