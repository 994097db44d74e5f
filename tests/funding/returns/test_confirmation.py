"""R20 confirmation: the school answers each line (on roll? support correct?) and submits."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from funding.returns import services
from funding.returns.models import MonthlyReturn, ReturnLine, ReturnStatus
from pupils import services as pupil_services
from tests import factories
from tests.funding.returns.conftest import MAY, add_pupil

pytestmark = pytest.mark.django_db


@pytest.fixture
def lines(school):
    """A May return for `school` with two lines, Adams then Brown."""
    adams = add_pupil(school, family_name="Adams", given_name="Ava")
    brown = add_pupil(school, family_name="Brown", given_name="Ben")
    services.monthly_return_generate(school_id=school.pk, month=MAY)
    return ReturnLine.objects.get(pupil=adams), ReturnLine.objects.get(pupil=brown)


@pytest.fixture
def manager(school):
    return factories.school_manager(school, username="bm")


def answer(line, on_roll=True, support_correct=True, correction="", user=None):
    return services.return_line_answer(
        line=line,
        user=user,
        on_roll=on_roll,
        support_correct=support_correct,
        correction=correction,
    )


def monthly_return() -> MonthlyReturn:
    return MonthlyReturn.objects.get()


# --- Services -----------------------------------------------------------------------------


def test_r20_answering_a_line_records_the_answers_who_and_when(lines, manager):
    line = answer(lines[0], user=manager)

    line.refresh_from_db()
    assert (line.on_roll, line.support_correct, line.queried) == (True, True, False)
    assert line.answered_by == manager
    assert line.answered_at is not None
    assert monthly_return().status == ReturnStatus.IN_PROGRESS


def test_r20_saying_a_pupil_is_not_on_roll_needs_a_correction(lines):
    with pytest.raises(ValidationError) as exc:
        answer(lines[0], on_roll=False)

    assert exc.value.message_dict == {"correction": [services.CORRECTION_NEEDED]}


def test_r20_disagreeing_with_the_support_level_queries_the_line(lines):
    line = answer(lines[0], support_correct=False, correction="She gets 25 hours since May")

    assert line.queried is True


def test_r20_agreeing_that_a_leaver_has_left_is_not_a_query(school):
    pupil = add_pupil(school)
    pupil_services.pupil_leave(pupil=pupil, last_day=dt.date(2025, 5, 16))
    services.monthly_return_generate(school_id=school.pk, month=MAY)

    line = answer(ReturnLine.objects.get(), on_roll=False)

    assert line.queried is False


def test_r20_cannot_submit_with_unanswered_lines(lines):
    answer(lines[0])

    with pytest.raises(ValidationError) as exc:
        services.monthly_return_submit(monthly_return=monthly_return(), user=None)

    assert exc.value.messages == [services.UNANSWERED_LINES.format(count=1)]
    assert monthly_return().status == ReturnStatus.IN_PROGRESS


def test_r20_return_with_every_line_confirmed_is_submitted(lines, manager):
    answer(lines[0])
    answer(lines[1])

    submitted = services.monthly_return_submit(monthly_return=monthly_return(), user=manager)

    assert submitted.status == ReturnStatus.SUBMITTED
    assert submitted.submitted_by == manager


def test_r20_return_with_a_disagreement_is_submitted_as_queried(lines):
    answer(lines[0], on_roll=False, correction="Left on 9 May")
    answer(lines[1])

    submitted = services.monthly_return_submit(monthly_return=monthly_return(), user=None)

    assert submitted.status == ReturnStatus.QUERIED


def test_r20_submitting_twice_is_harmless(lines, manager):
    answer(lines[0])
    answer(lines[1])
    first = services.monthly_return_submit(monthly_return=monthly_return(), user=manager)

    second = services.monthly_return_submit(monthly_return=monthly_return(), user=None)

    assert second.status == ReturnStatus.SUBMITTED
    assert second.submitted_at == first.submitted_at
    assert second.submitted_by == manager
    assert monthly_return().history.filter(status=ReturnStatus.SUBMITTED).count() == 1


def test_r20_answers_cannot_change_after_submission(lines):
    answer(lines[0])
    answer(lines[1])
    services.monthly_return_submit(monthly_return=monthly_return(), user=None)

    with pytest.raises(ValidationError, match="can no longer be changed"):
        answer(lines[0], on_roll=False, correction="Left")


def test_confirming_the_remaining_lines_leaves_answered_lines_alone(lines):
    answer(lines[0], support_correct=False, correction="20 hours LST, not LSA")

    confirmed = services.return_lines_confirm_remaining(monthly_return=monthly_return(), user=None)

    assert confirmed == 1
    first, second = (ReturnLine.objects.get(pk=line.pk) for line in lines)
    assert (first.support_correct, first.queried) == (False, True)
    assert (second.on_roll, second.support_correct, second.queried) == (True, True, False)


def test_every_answer_is_kept_in_the_history(lines, manager):
    answer(lines[0], user=manager)
    answer(lines[0], on_roll=False, correction="Left on 9 May", user=manager)

    history = ReturnLine.objects.get(pk=lines[0].pk).history.order_by("history_date")
    # Lines are written in bulk at generation; each answer is a history row.
    assert [h.on_roll for h in history] == [True, False]
    assert history.last().history_user == manager


# --- Pages --------------------------------------------------------------------------------


def test_answering_a_line_goes_on_to_the_next_unanswered_line(client, lines, manager):
    client.force_login(manager)

    response = client.post(
        reverse("returns:line_answer", args=[lines[0].pk]),
        {"on_roll": "yes", "support_correct": "yes", "correction": ""},
    )

    assert response.status_code == 302
    assert response.url == reverse("returns:line_answer", args=[lines[1].pk])


def test_answering_the_last_line_goes_back_to_the_return(client, lines, manager):
    answer(lines[0])
    client.force_login(manager)

    response = client.post(
        reverse("returns:line_answer", args=[lines[1].pk]),
        {"on_roll": "yes", "support_correct": "yes"},
    )

    assert response.url == reverse("returns:detail", args=[lines[1].monthly_return_id])


def test_answer_page_shows_the_correction_error_against_the_field(client, lines, manager):
    client.force_login(manager)

    response = client.post(
        reverse("returns:line_answer", args=[lines[0].pk]),
        {"on_roll": "no", "support_correct": "yes", "correction": ""},
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"correction": [services.CORRECTION_NEEDED]}


def test_submit_button_appears_only_when_every_line_is_answered(client, lines, manager):
    client.force_login(manager)
    url = reverse("returns:detail", args=[lines[0].monthly_return_id])
    assert client.get(url).context["can_submit"] is False

    answer(lines[0])
    answer(lines[1])

    assert client.get(url).context["can_submit"] is True


def test_submitting_an_unfinished_return_by_post_explains_why(client, lines, manager):
    client.force_login(manager)

    response = client.post(
        reverse("returns:submit", args=[lines[0].monthly_return_id]), follow=True
    )

    assert [str(m) for m in response.context["messages"]] == [
        services.UNANSWERED_LINES.format(count=2)
    ]


def test_submitting_by_post_twice_is_harmless(client, lines, manager):
    answer(lines[0])
    answer(lines[1])
    client.force_login(manager)
    url = reverse("returns:submit", args=[lines[0].monthly_return_id])

    client.post(url, follow=True)
    response = client.post(url, follow=True)

    assert monthly_return().status == ReturnStatus.SUBMITTED
    assert [str(m) for m in response.context["messages"]] == ["This return was already submitted."]


def test_school_opening_the_return_marks_it_opened(client, lines, manager):
    client.force_login(manager)

    client.get(reverse("returns:detail", args=[lines[0].monthly_return_id]))

    assert monthly_return().opened_by == manager


def test_la_officer_viewing_the_return_does_not_mark_it_opened(client, lines, la_officer):
    client.force_login(la_officer)

    client.get(reverse("returns:detail", args=[lines[0].monthly_return_id]))

    assert monthly_return().opened_at is None


def test_return_downloads_as_csv(client, lines, manager):
    answer(lines[0], support_correct=False, correction="25 hours")
    client.force_login(manager)

    response = client.get(
        reverse("returns:detail", args=[lines[0].monthly_return_id]), {"_export": "csv"}
    )

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Pupil", "UPN", "Year"]
    assert rows[1][1] == lines[0].pupil.upn
    assert rows[1][rows[0].index("Support correct?")] == "No"
    assert rows[1][rows[0].index("What is wrong")] == "25 hours"
    assert "Action" not in rows[0] and "" not in rows[0]
    assert (
        f"return-{lines[0].monthly_return.school.urn}-2025-05.csv"
        in response["Content-Disposition"]
    )


def test_return_downloads_as_xlsx(client, lines, manager):
    client.force_login(manager)

    response = client.get(
        reverse("returns:detail", args=[lines[0].monthly_return_id]), {"_export": "xlsx"}
    )

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row == 4  # header + two pupils + the total row of the monthly amounts
    assert sheet.cell(row=4, column=1).value == "Total"
    assert sheet.cell(row=2, column=2).value == lines[0].pupil.upn


def test_return_page_makes_a_constant_number_of_queries(
    client, school, manager, django_assert_max_num_queries
):
    for n in range(15):
        add_pupil(school, family_name=f"Pupil{n:02d}")
    services.monthly_return_generate(school_id=school.pk, month=MAY)
    client.force_login(manager)
    url = reverse("returns:detail", args=[monthly_return().pk])
    client.get(url)  # first view marks the return opened

    # 12, plus the changes since issue (3 history reads) and the due date (the calendar).
    with django_assert_max_num_queries(16):
        client.get(url)


def test_changing_an_answer_shows_the_earlier_answer(client, lines, manager):
    answer(lines[0], support_correct=False, correction="25 hours")
    client.force_login(manager)

    form = client.get(reverse("returns:line_answer", args=[lines[0].pk])).context["form"]

    assert (form["on_roll"].value(), form["support_correct"].value()) == ("yes", "no")
    assert form["correction"].value() == "25 hours"


def test_start_page_counts_the_returns_a_manager_has_to_confirm(client, lines, manager):
    client.force_login(manager)

    response = client.get(reverse("home"))

    item = next(t for t in response.context["tasks"] if t["title"] == "Monthly returns to confirm")
    assert (item["count"], item["url"]) == (1, reverse("returns:school_list"))
