"""Notional SEN budgets as the LA gives them (R2, an alternative to factor x rate), and school
users invited by e-mail with a one-time set-password link (never a password typed by an officer).
"""

from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from funding.models import AllocationLine, Element, RunStatus
from funding.services import run_allocation, scheme_load_preset
from schools.importing import ImportRejected
from schools.imports.census import census_import
from schools.imports.notional_sen import notional_sen_import
from schools.imports.school_users import school_users_import
from schools.imports.term_dates import term_dates_import
from schools.models import NotionalSenBudget, SchoolAccess
from schools.roles import SCHOOL_BUSINESS_MANAGER, has_role
from schools.services import schools_import
from schools.setup import administering_la_set
from tests.schools.test_la_data_imports import CENSUS, GIAS, TERMS

NOTIONAL = (
    b"URN,Financial year,Amount,Source\n"
    b'140001,2025-26,"84,210.50",APT 2025-26\n'
    b"140002,2025-26,0.00,\n"
)


@pytest.fixture
def la(db):
    schools_import(content=GIAS, filename="gias.csv")
    return administering_la_set(code="936")


def _problems(importer, content: bytes, **kwargs) -> list[str]:
    with pytest.raises(ImportRejected) as caught:
        importer(content=content, filename="file.csv", **kwargs)
    return [str(e) for e in caught.value.errors]


# ---- notional SEN budgets as amounts (R2) ----


def test_r2_notional_sen_amounts_import_and_reimport_unchanged(la):
    result = notional_sen_import(content=NOTIONAL, filename="apt.csv")

    assert result.created == {"notional SEN budgets": 2}
    hill = NotionalSenBudget.objects.get(school__urn=140001)
    assert (hill.financial_year, hill.amount) == (2025, Decimal("84210.50"))
    assert hill.source == "APT 2025-26"
    assert hill.history.first().history_change_reason == "Notional SEN budgets import (apt.csv)"
    again = notional_sen_import(content=NOTIONAL, filename="apt.csv")
    assert again.unchanged == {"notional SEN budgets": 2}
    assert not any(again.created.values()) and not any(again.updated.values())
    corrected = NOTIONAL.replace(b"84,210.50", b"84,300.00")
    assert notional_sen_import(content=corrected, filename="apt.csv").updated == {
        "notional SEN budgets": 1
    }
    assert hill.history.count() == 2  # the earlier figure stays in the history


def test_r2_bad_notional_sen_rows_are_all_named(la):
    content = (
        b"urn,financial_year,amount\n"
        b"999999,2025-26,100.00\n"
        b"140001,2025-27,-5\n"
        b"140001,2025-26,12.345\n"
        b"140002,2025-26,10\n"
        b"140002,2025,11\n"
    )
    assert _problems(notional_sen_import, content) == [
        "row 2, urn: no school with URN 999999: import the GIAS file that lists it first",
        "row 3, amount: -5 is negative",
        "row 3, financial_year: '2025-27' is not a financial year (write it as 2025-26)",
        "row 4, amount: 12.345 has more than 2 decimal places",
        "row 6, urn: the same notional SEN budget is also in row 5",
    ]
    assert NotionalSenBudget.objects.count() == 0


@pytest.mark.django_db
def test_r2_the_runs_notional_sen_line_is_the_las_figure_when_it_gives_one():
    """Hill Primary, open all year, with the LA's notional SEN budget of £84,210.50 for 2025-26:
    the run's notional SEN line is £84,210.50 x 206/206 school days = £84,210.50 (open the whole
    year, so no pro rata), not factor x rate, and its working says it is the LA's figure."""
    schools_import(content=GIAS, filename="gias.csv")
    call_command("setup_la", "936")
    term_dates_import(content=TERMS, filename="terms.csv")
    census_import(content=CENSUS, filename="census.csv")
    scheme_load_preset(preset="west-sussex", financial_year=2025)
    notional_sen_import(content=NOTIONAL, filename="apt.csv")

    run = run_allocation(fy=2025, kind="initial")

    assert run.status == RunStatus.DONE
    lines = AllocationLine.objects.filter(run=run, school__urn=140001, element=Element.NOTIONAL_SEN)
    assert [line.amount for line in lines] == [Decimal("84210.50")]
    line = lines.get()
    assert line.working["inputs"] == {"source": "APT 2025-26", "la_amount": "84210.50"}
    assert (line.school_days, line.year_days) == (206, 206)
    assert "The LA's notional SEN budget for the school (APT 2025-26): £84,210.50" in (
        line.explanation
    )


# ---- school users by invitation ----


USERS = (
    b"email,name,urn,role\n"
    b"Sam.Patel@School.example.org,Sam Patel,140001,business_manager\n"
    b"sam.patel@school.example.org,Sam Patel,140002,\n"
    b"jo@school.example.org,Jo Lee,140002,School business manager\n"
)


def test_school_users_import_invites_each_new_user_once_by_email(
    la, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        result = school_users_import(
            content=USERS, filename="users.csv", base_url="https://sen.example.gov.uk/"
        )

    assert result.created == {"school users (invitation e-mailed)": 2}
    sam = User.objects.get(username="sam.patel@school.example.org")
    assert not sam.has_usable_password()  # nobody typed a password for them
    assert has_role(sam, SCHOOL_BUSINESS_MANAGER)
    assert sorted(SchoolAccess.objects.filter(user=sam).values_list("school__urn", flat=True)) == [
        140001,
        140002,
    ]
    assert sorted(m.to[0] for m in mail.outbox) == [
        "jo@school.example.org",
        "sam.patel@school.example.org",
    ]
    message = next(m for m in mail.outbox if m.to == ["sam.patel@school.example.org"])
    assert message.subject == "Your SEN funding account"
    assert "Hill Primary" in message.body and "Oak Special" in message.body
    assert "https://sen.example.gov.uk/account/password/reset/" in message.body

    with django_capture_on_commit_callbacks(execute=True):
        again = school_users_import(content=USERS, filename="users.csv")
    assert again.unchanged == {"school users": 2}
    assert len(mail.outbox) == 2  # no second e-mail


def test_the_invitation_link_sets_a_password_once(la, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        school_users_import(content=USERS, filename="users.csv", base_url="http://testserver/")
    body = next(m.body for m in mail.outbox if m.to == ["jo@school.example.org"])
    link = next(line for line in body.splitlines() if line.startswith("http://testserver/"))

    form = client.get(link, follow=True)
    assert form.status_code == 200
    set_url = form.redirect_chain[-1][0]
    done = client.post(
        set_url, {"new_password1": "a long Sentence 42!", "new_password2": "a long Sentence 42!"}
    )
    assert done.status_code == 302
    jo = User.objects.get(username="jo@school.example.org")
    assert jo.check_password("a long Sentence 42!")
    again = client.get(link, follow=True)
    assert "validlink" in again.context and not again.context["validlink"]


def test_bad_school_user_rows_are_all_named_and_nothing_is_sent(
    la, la_officer, django_capture_on_commit_callbacks
):
    la_officer.email = "officer@la.example.gov.uk"
    la_officer.save()
    content = (
        b"email,name,urn,role\n"
        b"not-an-email,Sam Patel,140001,\n"
        b"ok@school.example.org,,140001,\n"
        b"ok2@school.example.org,Ann Bee,999999,\n"
        b"ok3@school.example.org,Cat Dee,140001,headteacher\n"
        b"officer@la.example.gov.uk,An Officer,140001,\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        problems = _problems(school_users_import, content)

    assert problems[:4] == [
        "row 2, email: 'not-an-email' is not an e-mail address",
        "row 3, name: is empty",
        "row 4, urn: no school with URN 999999: import the GIAS file that lists it first",
        "row 5, role: 'headteacher' is not one of: business_manager, sbm, school_business_manager",
    ]
    assert problems[4].startswith(
        "row 6, email: officer@la.example.gov.uk belongs to an LA account (LA officer)"
    )
    assert mail.outbox == []
    assert not User.objects.filter(username__startswith="ok").exists()


def test_an_officer_invites_one_school_user_on_a_page(
    la, client, la_officer, django_capture_on_commit_callbacks
):
    client.force_login(la_officer)
    url = reverse("schools:school_user_invite")
    assert client.get(url).status_code == 200

    refused = client.post(url, {"email": "x", "name": "", "urn": "999999"})
    assert refused.status_code == 200
    assert set(refused.context["form"].errors) == {"email", "name", "urn"}
    assert refused.context["form"].errors["urn"] == ["There is no school with URN 999999"]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"email": "new@school.example.org", "name": "New Person", "urn": "140001"}
        )
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["new@school.example.org"]]
    assert "http://testserver/account/password/reset/" in mail.outbox[0].body
    user = User.objects.get(email="new@school.example.org")
    assert (user.first_name, user.last_name) == ("New", "Person")
    assert not user.has_usable_password()


def test_the_school_users_upload_page_sends_invitations(
    la, client, la_officer, django_capture_on_commit_callbacks
):
    client.force_login(la_officer)
    url = reverse("schools:la_data_import", kwargs={"kind": "school-users"})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"file": SimpleUploadedFile("users.csv", USERS)})
    assert response.status_code == 302
    assert len(mail.outbox) == 2
    assert "http://testserver/account/password/reset/" in mail.outbox[0].body
