"""R20: the return is a snapshot; the LA's record for the same month may change after it was
issued. The LA sees the record now beside the return's figure, can close a query as "already
recorded" (no second change), and lines whose record changed are flagged to both sides. The
school sees its due date and whether it is overdue, checks its answers before submitting, and
gets a confirmation page. Pupils who join after the return was issued are listed for the LA and
carried by the next month's return."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from funding.returns import live_record, resolution, selectors, services
from funding.returns.models import MonthlyReturn, ReturnLine, ReturnStatus
from pupils import services as pupil_services
from pupils.models import Placement, SupportLevel
from pupils.services import SupportHours
from tests import factories
from tests.funding.returns.conftest import JUNE, MAY, add_pupil

pytestmark = pytest.mark.django_db

FIRST_OF_MAY = dt.date(2025, 5, 1)


def issue_may(school) -> MonthlyReturn:
    services.monthly_return_generate(school_id=school.pk, month=MAY)
    return MonthlyReturn.objects.get(school=school, month=MAY)


def answer(line, on_roll=True, support_correct=True, correction="", user=None):
    return services.return_line_answer(
        line=line,
        user=user,
        on_roll=on_roll,
        support_correct=support_correct,
        correction=correction,
    )


def submit(monthly_return, user=None):
    return services.monthly_return_submit(monthly_return=monthly_return, user=user)


@pytest.fixture
def officer():
    return factories.la_officer(username="olu", first_name="Olu", last_name="Officer")


@pytest.fixture
def changed_after_issue(school, officer):
    """The issue's case: the May return says 25 h LSA; after it was issued the LA recorded
    30 h LSA from 1 May; the school queries the line saying 30 h and submits."""
    pupil = add_pupil(school, lsa="25")
    monthly_return = issue_may(school)
    pupil_services.support_change(
        plan=pupil.plans.get(),
        effective_from=FIRST_OF_MAY,
        support=SupportHours(lsa_hours=Decimal("30")),
        user=officer,
        reason="Annual review: 30 hours agreed",
    )
    line = ReturnLine.objects.get(pupil=pupil)
    answer(line, support_correct=False, correction="Our statement says 30 hours from 1 May")
    submit(monthly_return)
    return ReturnLine.objects.get(pk=line.pk)


def support_rows(pupil):
    return list(
        SupportLevel.objects.filter(plan__pupil=pupil)
        .order_by("effective_from")
        .values_list("effective_from", "effective_to", "lsa_hours")
    )


# --- The record now, and the changes since issue ------------------------------------------


def test_r20_live_record_shows_the_months_support_now_and_who_changed_it(changed_after_issue):
    record = live_record.live_record(changed_after_issue)

    assert changed_after_issue.support_summary == "25 h LSA"  # the return's figure
    assert [(p.effective_from, p.effective_to, p.summary) for p in record.support] == [
        (FIRST_OF_MAY, None, "30 h LSA")
    ]
    assert record.support_summary == "30 h LSA"
    assert record.support_differs is True
    # The old level's end (30 April) is said by the new level's own change: one change listed.
    (change,) = record.changes
    assert (change.what, change.effective_on, change.recorded_by, change.reason) == (
        "Support changed to 30 h LSA",
        FIRST_OF_MAY,
        "Olu Officer",
        "Annual review: 30 hours agreed",
    )


def test_r20_a_line_with_no_change_since_issue_is_not_flagged(school):
    add_pupil(school)
    monthly_return = issue_may(school)

    (line,) = live_record.with_record_changed(ReturnLine.objects.all())

    assert line.record_changed is False
    assert live_record.changes_since_issue(monthly_return) == {}
    assert live_record.live_record(line).changed is False


def test_r20_lines_whose_record_changed_after_issue_are_flagged(school, officer):
    adams = add_pupil(school, family_name="Adams")
    add_pupil(school, family_name="Brown")
    monthly_return = issue_may(school)
    pupil_services.pupil_leave(pupil=adams, last_day=dt.date(2025, 5, 16), user=officer)

    flags = dict(
        live_record.with_record_changed(ReturnLine.objects.all()).values_list(
            "pupil__family_name", "record_changed"
        )
    )

    assert flags == {"Adams": True, "Brown": False}
    changes = live_record.changes_since_issue(monthly_return)
    assert [(c.what, c.effective_on) for c in changes[adams.pk]] == [
        ("Last day on roll at Mossbourne Primary", dt.date(2025, 5, 16))
    ]


def test_r20_a_change_from_next_month_does_not_flag_this_months_line(school, officer):
    pupil = add_pupil(school, lsa="20")
    issue_may(school)
    pupil_services.support_change(
        plan=pupil.plans.get(),
        effective_from=JUNE,
        support=SupportHours(lsa_hours=Decimal("25")),
        user=officer,
    )

    (line,) = live_record.with_record_changed(ReturnLine.objects.all())

    assert line.record_changed is False


# --- "Already recorded" ----------------------------------------------------------------------


def test_r20_already_recorded_closes_the_query_without_a_second_change(
    changed_after_issue, officer
):
    before = support_rows(changed_after_issue.pupil)

    line = resolution.return_line_already_recorded(
        line=changed_after_issue, user=officer, note="Thank you."
    )

    line.refresh_from_db()
    assert line.resolution == "recorded"
    assert line.get_resolution_display() == "Already recorded"
    assert line.resolved_by == officer
    assert line.resolved_at is not None
    assert line.resolution_effective_on is None
    assert line.resolution_reason.startswith(
        "Our record already shows this: Support changed to 30 h LSA from 1 May 2025 "
        "(recorded by Olu Officer on "
    )
    assert line.resolution_reason.endswith("Thank you.")
    assert support_rows(changed_after_issue.pupil) == before  # nothing recorded twice
    assert MonthlyReturn.objects.get().status == ReturnStatus.RESOLVED


def test_r20_already_recorded_cannot_close_a_query_twice(changed_after_issue, officer):
    resolution.return_line_already_recorded(line=changed_after_issue, user=officer)

    with pytest.raises(ValidationError, match="already closed as already recorded on"):
        resolution.return_line_already_recorded(line=changed_after_issue, user=officer)


def test_r20_accepting_what_the_la_already_recorded_says_so(changed_after_issue, officer):
    with pytest.raises(ValidationError) as exc:
        services.return_line_accept(
            line=changed_after_issue,
            user=officer,
            effective_on=FIRST_OF_MAY,
            support=SupportHours(lsa_hours=Decimal("30")),
        )

    (message,) = exc.value.message_dict["effective_on"]
    assert message.startswith("Our record already shows 30 h LSA from 1 May 2025 (recorded by ")
    assert "Already recorded — no change needed" in message
    changed_after_issue.refresh_from_db()
    assert changed_after_issue.resolution == ""


def test_r20_accepting_other_support_from_the_day_the_la_changed_it_explains(
    changed_after_issue, officer
):
    with pytest.raises(ValidationError) as exc:
        services.return_line_accept(
            line=changed_after_issue,
            user=officer,
            effective_on=FIRST_OF_MAY,
            support=SupportHours(lsa_hours=Decimal("32")),
        )

    (message,) = exc.value.message_dict["effective_on"]
    assert message.startswith("Our record already has a support change from 1 May 2025: 30 h LSA")


def test_r20_accepting_a_leaving_the_la_already_recorded_says_so(school, officer):
    pupil = add_pupil(school)
    monthly_return = issue_may(school)
    pupil_services.pupil_leave(pupil=pupil, last_day=dt.date(2025, 5, 16), user=officer)
    line = ReturnLine.objects.get()
    answer(line, on_roll=False, correction="Left on 16 May")
    submit(monthly_return)

    with pytest.raises(ValidationError) as exc:
        services.return_line_accept(line=line, user=officer, effective_on=dt.date(2025, 5, 16))

    assert exc.value.message_dict["effective_on"] == [
        live_record.ALREADY_LEFT.format(
            pupil=pupil.full_name, school=school.name, last_day=dt.date(2025, 5, 16)
        )
    ]
    assert Placement.objects.get(pupil=pupil).ends_on == dt.date(2025, 5, 16)


def test_r20_accepting_still_on_roll_after_the_la_placed_the_pupil_again_says_so(school, officer):
    pupil = add_pupil(school)
    pupil_services.pupil_leave(pupil=pupil, last_day=dt.date(2025, 5, 16))
    monthly_return = issue_may(school)
    pupil_services.placement_start(
        pupil=pupil, school=school, starts_on=dt.date(2025, 5, 17), user=officer
    )
    line = ReturnLine.objects.get()
    answer(line, on_roll=True, correction="She did not leave")
    submit(monthly_return)

    with pytest.raises(ValidationError) as exc:
        services.return_line_accept(line=line, user=officer, effective_on=dt.date(2025, 5, 20))

    assert exc.value.message_dict["effective_on"] == [
        live_record.ALREADY_ON_ROLL.format(
            pupil=pupil.full_name, school=school.name, start=dt.date(2025, 5, 17)
        )
    ]
    assert Placement.objects.filter(pupil=pupil).count() == 2


# --- The LA's pages ---------------------------------------------------------------------------


def test_resolve_page_shows_the_returns_figure_and_the_record_now(
    client, changed_after_issue, officer
):
    client.force_login(officer)

    response = client.get(reverse("returns:line_resolve", args=[changed_after_issue.pk]))

    assert response.context["live"].support_summary == "30 h LSA"
    assert response.context["line"].support_summary == "25 h LSA"
    content = response.content.decode()
    assert "Changes recorded since the return was issued" in content
    assert "Already recorded — no change needed" in content
    assert "govuk-radios__conditional" not in content  # plain radios: no conditional reveal


def test_resolve_page_closes_a_query_as_already_recorded(client, changed_after_issue, officer):
    client.force_login(officer)

    response = client.post(
        reverse("returns:line_resolve", args=[changed_after_issue.pk]),
        {"decision": "already_recorded", "note": ""},
    )

    assert response.status_code == 302
    changed_after_issue.refresh_from_db()
    assert (changed_after_issue.resolution, changed_after_issue.resolved_by) == (
        "recorded",
        officer,
    )


def test_resolve_page_accept_after_the_la_changed_it_shows_the_message(
    client, changed_after_issue, officer
):
    client.force_login(officer)

    response = client.post(
        reverse("returns:line_resolve", args=[changed_after_issue.pk]),
        {
            "decision": "accept",
            "effective_on_0": "1",
            "effective_on_1": "5",
            "effective_on_2": "2025",
            "lsa_hours": "30",
            "lst_hours": "0",
            "ta_hours": "0",
        },
    )

    assert response.status_code == 200
    (message,) = response.context["form"].errors["effective_on"]
    assert message.startswith("Our record already shows 30 h LSA from 1 May 2025")


def test_query_queue_flags_lines_whose_record_changed(client, changed_after_issue, officer):
    client.force_login(officer)

    response = client.get(reverse("returns:queries"))

    (row,) = response.context["table"].rows
    assert row.record.record_changed is True
    assert "Record changed since issue" in row.get_cell("record")


# --- The school's pages -----------------------------------------------------------------------


def test_school_return_page_flags_a_line_changed_since_issue(client, changed_after_issue, school):
    client.force_login(factories.school_manager(school))

    response = client.get(reverse("returns:detail", args=[changed_after_issue.monthly_return_id]))

    assert response.context["changed_count"] == 1
    (row,) = response.context["table"].rows
    assert row.get_cell_value("changes").startswith(
        "Record changed since issue: Support changed to 30 h LSA from 1 May 2025 (recorded "
    )


def test_r20_a_queried_line_is_not_yet_sent_until_the_return_is_submitted(client, school):
    add_pupil(school)
    monthly_return = issue_may(school)
    answer(ReturnLine.objects.get(), on_roll=False, correction="Left on 9 May")
    client.force_login(factories.school_manager(school))
    url = reverse("returns:detail", args=[monthly_return.pk])

    (row,) = client.get(url).context["table"].rows
    assert row.get_cell_value("response") == "Queried — not yet sent"

    submit(monthly_return)
    (row,) = client.get(url).context["table"].rows
    assert row.get_cell_value("response") == "Waiting for the LA"


@pytest.fixture
def issued_3_june(school, fy2025_terms, settings):
    settings.RETURNS_OVERDUE_SCHOOL_DAYS = 10
    add_pupil(school)
    monthly_return = issue_may(school)
    MonthlyReturn.objects.filter(pk=monthly_return.pk).update(
        issued_at=timezone.make_aware(dt.datetime(2025, 6, 3, 6, 0))
    )
    return MonthlyReturn.objects.get(pk=monthly_return.pk)


def test_r20_due_date_is_the_tenth_school_day_after_issue(issued_3_june):
    # School days after Tuesday 3 June 2025: 4, 5, 6, 9, 10, 11, 12, 13, 16, 17 June.
    due_on = selectors.return_due_date(issued_3_june)

    assert due_on == dt.date(2025, 6, 17)
    # The same rule as the dashboard's overdue flag, on the due date and the day after.
    for today, overdue in ((dt.date(2025, 6, 17), False), (dt.date(2025, 6, 18), True)):
        assert selectors.return_is_overdue(issued_3_june, due_on, today=today) is overdue
        assert selectors.dashboard_returns(MAY, today=today).get().is_overdue is overdue


def test_school_sees_the_due_date_and_that_the_return_is_overdue(client, issued_3_june, school):
    client.force_login(factories.school_manager(school))

    response = client.get(reverse("returns:detail", args=[issued_3_june.pk]))

    assert response.context["due_on"] == dt.date(2025, 6, 17)
    assert response.context["is_overdue"] is True  # today is long after 17 June 2025
    content = response.content.decode()
    assert "Tuesday 17 June 2025" in content
    assert "This return was due on 17 June 2025" in content


def test_school_returns_list_shows_the_due_date(client, issued_3_june, school):
    client.force_login(factories.school_manager(school))

    response = client.get(reverse("returns:school_list"))

    (row,) = response.context["table"].rows
    assert row.get_cell_value("due") == dt.date(2025, 6, 17)
    assert row.get_cell("due") == "17 Jun 2025"
    assert row.record.is_overdue is True


def test_a_submitted_return_is_not_overdue(client, issued_3_june, school):
    services.return_lines_confirm_remaining(monthly_return=issued_3_june, user=None)
    submit(issued_3_june)

    monthly_return = MonthlyReturn.objects.get()
    due_on = selectors.return_due_date(monthly_return)
    assert selectors.return_is_overdue(monthly_return, due_on, today=dt.date(2025, 7, 1)) is False


def test_check_your_answers_lists_confirmed_and_queried_lines(client, school):
    add_pupil(school, family_name="Adams", given_name="Ava")
    add_pupil(school, family_name="Brown", given_name="Ben")
    monthly_return = issue_may(school)
    adams, brown = ReturnLine.objects.order_by("pupil__family_name")
    answer(adams)
    answer(brown, support_correct=False, correction="25 hours since 12 May")
    client.force_login(factories.school_manager(school))

    response = client.get(reverse("returns:check", args=[monthly_return.pk]))

    assert [line.pk for line in response.context["confirmed"]] == [adams.pk]
    assert [line.pk for line in response.context["queried"]] == [brown.pk]
    assert "25 hours since 12 May" in response.content.decode()
    assert MonthlyReturn.objects.get().status == ReturnStatus.IN_PROGRESS  # not yet submitted


def test_check_your_answers_sends_back_while_lines_are_unanswered(client, school):
    add_pupil(school)
    monthly_return = issue_may(school)
    client.force_login(factories.school_manager(school))

    response = client.get(reverse("returns:check", args=[monthly_return.pk]))

    assert response.status_code == 302
    assert response.url == reverse("returns:detail", args=[monthly_return.pk])


def test_submitting_shows_the_confirmation_page(client, school):
    add_pupil(school)
    monthly_return = issue_may(school)
    answer(ReturnLine.objects.get(), on_roll=False, correction="Left on 9 May")
    client.force_login(factories.school_manager(school))

    response = client.post(reverse("returns:submit", args=[monthly_return.pk]), follow=True)

    assert response.redirect_chain[-1][0] == reverse("returns:submitted", args=[monthly_return.pk])
    content = response.content.decode()
    assert "govuk-panel--confirmation" in content
    assert "Return submitted" in content
    assert "You queried 1 line." in content


def test_the_confirmation_page_of_an_unsubmitted_return_goes_back_to_it(client, school):
    add_pupil(school)
    monthly_return = issue_may(school)
    client.force_login(factories.school_manager(school))

    response = client.get(reverse("returns:submitted", args=[monthly_return.pk]))

    assert response.url == reverse("returns:detail", args=[monthly_return.pk])


# --- Pupils who join after the return was issued ----------------------------------------------


@pytest.fixture
def late_joiner(school):
    add_pupil(school, family_name="Adams")
    issue_may(school)
    return add_pupil(school, family_name="Newman", given_name="Nia", starts_on=dt.date(2025, 5, 20))


def test_r20_a_pupil_who_joins_after_issue_is_not_added_but_listed(late_joiner, school):
    assert not ReturnLine.objects.filter(pupil=late_joiner).exists()

    (joiner,) = live_record.joined_after_issue(MAY)

    assert (joiner.school_name, joiner.upn, joiner.starts_on) == (
        school.name,
        late_joiner.upn,
        dt.date(2025, 5, 20),
    )


def test_r20_the_next_months_return_carries_the_late_joiner_as_new(late_joiner, school):
    services.monthly_return_generate(school_id=school.pk, month=JUNE)

    june = ReturnLine.objects.get(monthly_return__month=JUNE, pupil=late_joiner)
    assert june.changes == [{"kind": "new", "effective_on": "2025-05-20", "detail": ""}]
    assert live_record.joined_after_issue(JUNE) == []


def test_dashboard_lists_pupils_who_joined_after_the_return_was_issued(
    client, late_joiner, la_officer
):
    client.force_login(la_officer)

    response = client.get(reverse("returns:dashboard"), {"month": "2025-05"})

    assert [j.upn for j in response.context["late_joiners"]] == [late_joiner.upn]
    content = response.content.decode()
    assert "Pupils who joined after the return was issued" in content
    assert "Nia Newman" in content


def test_line_answer_page_tells_the_school_what_changed_since_issue(school, officer, client):
    pupil = add_pupil(school, lsa="25")
    issue_may(school)
    pupil_services.support_change(
        plan=pupil.plans.get(),
        effective_from=FIRST_OF_MAY,
        support=SupportHours(lsa_hours=Decimal("30")),
        user=officer,
    )
    client.force_login(factories.school_manager(school))

    response = client.get(reverse("returns:line_answer", args=[ReturnLine.objects.get().pk]))

    (change,) = response.context["record_changes"]
    assert (change.what, change.effective_on) == ("Support changed to 30 h LSA", FIRST_OF_MAY)
    assert "Record changed since issue" in response.content.decode()
