"""The LA's chase dashboard: status and counts per school, overdue by school days, filters,
export, reminder emails for overdue returns."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from funding.returns import selectors, services
from funding.returns.models import MonthlyReturn, ReturnLine, ReturnStatus
from tests import factories
from tests.funding.returns.conftest import MAY, add_pupil

pytestmark = pytest.mark.django_db


def issue(school, on: dt.date, month=MAY) -> MonthlyReturn:
    services.monthly_return_generate(school_id=school.pk, month=month)
    monthly_return = MonthlyReturn.objects.get(school=school, month=month)
    MonthlyReturn.objects.filter(pk=monthly_return.pk).update(
        issued_at=timezone.make_aware(dt.datetime.combine(on, dt.time(6, 0)))
    )
    return monthly_return


def overdue_on(today: dt.date) -> bool:
    return selectors.dashboard_returns(MAY, today=today).get().is_overdue


# --- Overdue, in school days ----------------------------------------------------------------


@pytest.fixture
def issued_3_june(school, fy2025_terms, settings):
    settings.RETURNS_OVERDUE_SCHOOL_DAYS = 10
    add_pupil(school)
    return issue(school, dt.date(2025, 6, 3))


def test_overdue_after_ten_school_days(issued_3_june):
    # School days after Tue 3 June 2025: 4, 5, 6, 9, 10, 11, 12, 13, 16, 17 -> due 17 June.
    assert overdue_on(dt.date(2025, 6, 18)) is True


def test_not_overdue_on_the_tenth_school_day(issued_3_june):
    assert overdue_on(dt.date(2025, 6, 17)) is False


def test_half_term_and_bank_holiday_are_not_school_days(school, fy2025_terms, settings):
    settings.RETURNS_OVERDUE_SCHOOL_DAYS = 10
    add_pupil(school)
    issue(school, dt.date(2025, 5, 22))
    # After Thu 22 May: 23 May, then half term (26 May bank holiday, 27-30 May), then
    # 2, 3, 4, 5, 6, 9, 10, 11, 12 June -> the tenth school day is 12 June.
    assert overdue_on(dt.date(2025, 6, 12)) is False
    assert overdue_on(dt.date(2025, 6, 13)) is True


def test_the_number_of_school_days_is_configurable(issued_3_june, settings):
    settings.RETURNS_OVERDUE_SCHOOL_DAYS = 5
    # 4, 5, 6, 9, 10 June -> due 10 June, overdue from 11 June.
    assert overdue_on(dt.date(2025, 6, 11)) is True
    assert overdue_on(dt.date(2025, 6, 10)) is False


def test_a_submitted_return_is_never_overdue(issued_3_june):
    services.return_lines_confirm_remaining(monthly_return=issued_3_june, user=None)
    services.monthly_return_submit(monthly_return=issued_3_june, user=None)

    assert overdue_on(dt.date(2025, 7, 1)) is False


def test_nothing_is_overdue_without_term_dates(school, settings):
    add_pupil(school)
    issue(school, dt.date(2025, 5, 1))

    assert overdue_on(dt.date(2025, 7, 1)) is False


# --- Dashboard page -------------------------------------------------------------------------


@pytest.fixture
def month_of_returns(school, other_school, home_la, fy2025_terms):
    """Three returns for May 2025 issued 1 May: one overdue untouched, one in progress with a
    confirmed and a queried line, one submitted."""
    add_pupil(school, family_name="Adams")
    add_pupil(other_school, family_name="Brown")
    add_pupil(other_school, family_name="Clark")
    third = factories.SchoolFactory(la=home_la, name="Daubeney Primary")
    add_pupil(third, family_name="Davis")
    for each in (school, other_school, third):
        issue(each, dt.date(2025, 5, 1))
    brown, clark = ReturnLine.objects.filter(monthly_return__school=other_school).order_by(
        "pupil__family_name"
    )
    services.return_line_answer(line=brown, user=None, on_roll=True, support_correct=True)
    services.return_line_answer(
        line=clark, user=None, on_roll=False, support_correct=True, correction="Left 2 May"
    )
    submitted = MonthlyReturn.objects.get(school=third)
    services.return_lines_confirm_remaining(monthly_return=submitted, user=None)
    services.monthly_return_submit(monthly_return=submitted, user=None)
    return school, other_school, third


def rows_by_school(response):
    return {row.record.school.name: row for row in response.context["table"].rows}


def test_dashboard_shows_every_schools_status_and_counts(client, la_officer, month_of_returns):
    client.force_login(la_officer)

    response = client.get(reverse("returns:dashboard"), {"month": "2025-05"})

    rows = rows_by_school(response)
    summary = {
        name: (
            row.record.status,
            row.record.line_count,
            row.record.confirmed_count,
            row.record.queried_count,
        )
        for name, row in rows.items()
    }
    assert summary == {
        "Mossbourne Primary": (ReturnStatus.ISSUED, 1, 0, 0),
        "Clapton Primary": (ReturnStatus.IN_PROGRESS, 2, 1, 1),
        "Daubeney Primary": (ReturnStatus.SUBMITTED, 1, 1, 0),
    }


def test_dashboard_highlights_overdue_returns(client, la_officer, month_of_returns):
    client.force_login(la_officer)

    response = client.get(reverse("returns:dashboard"), {"month": "2025-05"})

    highlighted = {
        name
        for name, row in rows_by_school(response).items()
        if "app-row--highlight" in row.attrs.get("class", "")
    }
    assert highlighted == {"Mossbourne Primary", "Clapton Primary"}


def test_dashboard_defaults_to_the_latest_month(client, la_officer, month_of_returns):
    client.force_login(la_officer)

    response = client.get(reverse("returns:dashboard"))

    assert response.context["month"] == MAY
    assert len(response.context["table"].rows) == 3


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "submitted"}, {"Daubeney Primary"}),
        ({"overdue": "yes"}, {"Mossbourne Primary", "Clapton Primary"}),
        ({"overdue": "no"}, {"Daubeney Primary"}),
        ({"q": "clap"}, {"Clapton Primary"}),
    ],
)
def test_dashboard_filters(client, la_officer, month_of_returns, params, expected):
    client.force_login(la_officer)

    response = client.get(reverse("returns:dashboard"), {"month": "2025-05", **params})

    assert set(rows_by_school(response)) == expected


def test_dashboard_exports_csv_with_the_overdue_flag(client, la_officer, month_of_returns):
    client.force_login(la_officer)

    response = client.get(reverse("returns:dashboard"), {"month": "2025-05", "_export": "csv"})

    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {row["School"]: row["Overdue"] for row in rows} == {
        "Clapton Primary": "Yes",
        "Daubeney Primary": "No",
        "Mossbourne Primary": "Yes",
    }
    assert {row["School"]: row["Queried"] for row in rows}["Clapton Primary"] == "1"
    assert "returns-2025-05.csv" in response["Content-Disposition"]


def test_dashboard_exports_xlsx(client, la_officer, month_of_returns):
    client.force_login(la_officer)

    response = client.get(reverse("returns:dashboard"), {"month": "2025-05", "_export": "xlsx"})

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row == 4


def test_dashboard_makes_a_constant_number_of_queries(
    client, la_officer, month_of_returns, home_la, django_assert_num_queries
):
    client.force_login(la_officer)
    url = reverse("returns:dashboard")
    client.get(url, {"month": "2025-05"})
    with CaptureQueriesContext(connection) as three_schools:
        client.get(url, {"month": "2025-05"})
    for n in range(4):
        more = factories.SchoolFactory(la=home_la)
        add_pupil(more, family_name=f"Pupil{n}")
        issue(more, dt.date(2025, 5, 1))

    with django_assert_num_queries(len(three_schools.captured_queries)):
        client.get(url, {"month": "2025-05"})


def test_generate_button_generates_the_month(client, la_officer, school):
    add_pupil(school)
    client.force_login(la_officer)

    response = client.post(reverse("returns:generate"), {"month": "2025-05"})

    assert response.url == reverse("returns:dashboard") + "?month=2025-05"
    assert MonthlyReturn.objects.get().month == MAY
    assert MonthlyReturn.objects.get().generation.requested_by == la_officer


def test_generate_button_explains_a_bad_month(client, la_officer):
    client.force_login(la_officer)

    response = client.post(reverse("returns:generate"), {"month": "May"}, follow=True)

    assert "YYYY-MM" in str(list(response.context["messages"])[0])
    assert not MonthlyReturn.objects.exists()


# --- Reminders ----------------------------------------------------------------------------


@pytest.fixture
def overdue_and_not(month_of_returns):
    school, other_school, third = month_of_returns
    factories.school_manager(school, username="m1", email="m1@mossbourne.example")
    factories.school_manager(school, username="m2", email="m2@mossbourne.example")
    factories.school_manager(other_school, username="c1", email="c1@clapton.example")
    factories.school_manager(third, username="d1", email="d1@daubeney.example")
    factories.la_officer(username="lao", email="officer@la.example")
    return month_of_returns


def test_reminders_go_to_each_overdue_schools_business_managers_once(overdue_and_not):
    sent = services.overdue_return_reminders_send(today=dt.date(2025, 6, 30))

    assert sent == 3
    assert sorted(m.to[0] for m in mail.outbox) == [
        "c1@clapton.example",
        "m1@mossbourne.example",
        "m2@mossbourne.example",
    ]
    assert all(len(m.to) == 1 for m in mail.outbox)


def test_reminder_names_the_school_and_the_month(overdue_and_not):
    services.overdue_return_reminders_send(today=dt.date(2025, 6, 30))

    message = next(m for m in mail.outbox if m.to == ["c1@clapton.example"])
    assert message.subject == "Monthly SEN return overdue: Clapton Primary"
    assert "- May 2025, issued 01 May 2025" in message.body


def test_reminders_are_not_sent_twice_on_the_same_day(overdue_and_not):
    services.overdue_return_reminders_send(today=timezone.localdate())

    assert services.overdue_return_reminders_send(today=timezone.localdate()) == 0


def test_reminders_command_reports_how_many_were_sent(overdue_and_not, capsys):
    call_command("send_return_reminders")

    assert capsys.readouterr().out.strip() == "Sent 3 reminder email(s)."


def test_reminder_button_sends_reminders(client, la_officer, overdue_and_not):
    client.force_login(la_officer)

    response = client.post(reverse("returns:remind"), follow=True)

    assert len(mail.outbox) == 3
    assert [str(m) for m in response.context["messages"]] == [
        "Sent 3 reminder email(s) for overdue returns."
    ]


def test_dashboard_shows_the_latest_month_for_a_month_without_returns(
    client, la_officer, month_of_returns
):
    client.force_login(la_officer)

    response = client.get(reverse("returns:dashboard"), {"month": "2030-01"})

    assert response.context["month"] == MAY
    assert len(response.context["table"].rows) == 3
