"""Pupil import: a school move under one support period, "replace this plan's periods" for a
corrected spreadsheet (superseded, never deleted), one pass listing every problem, and the
allowed values of every coded column on the page and in the templates."""

import io

import openpyxl
import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from pupils.imports import COLUMNS, pupils_import, pupils_import_replacing_periods
from pupils.models import Placement, SupportLevel
from schools.importing import ImportRejected
from tests.pupils.test_import_pupils import UPN_A, UPN_B, csv_file, row


@pytest.fixture
def schools(home_la, other_la):
    from tests.factories import SchoolFactory

    return (
        SchoolFactory(urn=100001, la=home_la, name="Hill Primary"),
        SchoolFactory(urn=100002, la=home_la, name="Vale Primary"),
    )


def _messages(content: bytes, **kwargs) -> list[str]:
    with pytest.raises(ImportRejected) as caught:
        pupils_import(content=content, filename="pupils.csv", **kwargs)
    return [str(e) for e in caught.value.errors]


@pytest.mark.django_db
def test_a_school_move_under_one_unchanged_support_period_is_accepted(schools):
    content = csv_file(
        row(placement_end="2024-07-19"),
        row(placement_start="2024-09-04", school_urn=100002, admission_kind="casual"),
    )

    result = pupils_import(content=content, filename="pupils.csv")

    assert result.created["placements"] == 2
    assert result.created["support levels"] == 1
    schools_moved = Placement.objects.order_by("starts_on").values_list("school__urn", "ends_on")
    assert [urn for urn, _ in schools_moved] == [100001, 100002]
    again = pupils_import(content=content, filename="pupils.csv")
    assert not any(again.created.values()) and not any(again.updated.values())


@pytest.mark.django_db
def test_one_support_period_on_two_rows_must_give_the_same_support(schools):
    content = csv_file(
        row(placement_end="2024-07-19"),
        row(placement_start="2024-09-04", school_urn=100002, lsa_hours="25"),
    )
    assert _messages(content) == [
        f"row 3, support_from: UPN {UPN_A} has the support period from 10/01/2023 also in row 2 "
        "with a different support_to, hours, band or resource_amount: repeat the same support "
        "on both rows, or give a new support_from where the support changes"
    ]


@pytest.mark.django_db
def test_one_pass_lists_field_errors_and_overlapping_placements_together(schools):
    content = csv_file(
        row(),  # row 2
        row(placement_start="2022-09-01", school_urn=100002, support_from="2024-01-01"),  # 3
        row(UPN=UPN_B, date_of_birth="31/02/2015"),  # row 4: a field error in another pupil
    )
    messages = _messages(content)

    assert "row 4, date_of_birth: '31/02/2015' is not a date (use YYYY-MM-DD or DD/MM/YYYY)" in (
        messages
    )
    assert any(
        m.startswith(f"row 3, placement_start: placement overlaps another placement of UPN {UPN_A}")
        for m in messages
    )


@pytest.mark.django_db
def test_replace_periods_supersedes_the_stored_periods_the_corrected_file_drops(schools):
    """Stored: support from 10/01/2023, open. The corrected file says it began 01/02/2023 and
    changed on 01/09/2024. Without the option the file is refused (it overlaps the stored
    period); with it, the stored period is superseded (kept, with the reason) and the file's
    two periods stand."""
    pupils_import(content=csv_file(row()), filename="pupils.csv")
    corrected = csv_file(
        row(support_from="2023-02-01", support_to="2024-08-31"),
        row(support_from="2024-09-01", lsa_hours="25"),
    )
    assert any("overlaps the stored support period 10/01/2023" in m for m in _messages(corrected))

    result = pupils_import_replacing_periods(content=corrected, filename="corrected.csv")

    assert result.updated["support levels superseded"] == 1
    current = SupportLevel.objects.order_by("effective_from")
    assert [(s.effective_from.isoformat(), s.lsa_hours) for s in current] == [
        ("2023-02-01", 20),
        ("2024-09-01", 25),
    ]
    old = SupportLevel.with_superseded.get(superseded_at__isnull=False)
    assert old.effective_from.isoformat() == "2023-01-10"  # kept, never deleted
    assert old.history.first().history_change_reason == (
        "Superseded: Pupil import (corrected.csv), replacing the plan's periods"
    )
    again = pupils_import_replacing_periods(content=corrected, filename="corrected.csv")
    assert not any(again.updated.values()) and not any(again.created.values())


@pytest.mark.django_db
def test_the_timeline_shows_a_superseded_support_period_with_who_when_and_what_replaced_it(
    schools, client, la_officer
):
    """Money history is never deleted, only superseded: the pupil page still shows the period
    a corrected file replaced, tagged "Superseded", with who superseded it, when, and the
    periods in force on its dates instead."""
    la_officer.first_name, la_officer.last_name = "Olu", "Officer"
    la_officer.save()
    pupils_import(content=csv_file(row()), filename="pupils.csv", user=la_officer)
    corrected = csv_file(
        row(support_from="2023-02-01", support_to="2024-08-31"),
        row(support_from="2024-09-01", lsa_hours="25"),
    )
    pupils_import_replacing_periods(content=corrected, filename="corrected.csv", user=la_officer)
    superseded_at = SupportLevel.with_superseded.get(superseded_at__isnull=False).superseded_at
    superseded_on = timezone.localdate(superseded_at)  # the day the corrected file was imported

    client.force_login(la_officer)
    response = client.get(reverse("pupils:detail", kwargs={"upn": UPN_A}))

    support = [e for e in response.context["timeline"] if e.kind == "Support"]
    assert [(e.starts_on.isoformat(), e.superseded is not None) for e in support] == [
        ("2024-09-01", False),
        ("2023-02-01", False),
        ("2023-01-10", True),  # the stored period the corrected file dropped: kept
    ]
    old = support[-1]
    assert (old.title, old.superseded.by) == ("20 h LSA, 2 h LST", "Olu Officer")
    assert old.superseded.replaced_by == (
        "20 h LSA, 2 h LST from 1 February 2023; 25 h LSA, 2 h LST from 1 September 2024"
    )
    assert [(n.action, n.by) for n in old.history] == [("Superseded", "Olu Officer")]
    page = response.content.decode()
    assert '<strong class="govuk-tag govuk-tag--grey">Superseded</strong>' in page
    assert f"Superseded on {superseded_on:%-d %b %Y} by Olu Officer" in page
    # once in the key above the table, once on the superseded period's row
    assert page.count('<strong class="govuk-tag govuk-tag--grey">Superseded</strong>') == 2


@pytest.mark.django_db
def test_the_command_takes_replace_periods(schools, tmp_path):
    User.objects.create_user("importer")
    first = tmp_path / "pupils.csv"
    first.write_bytes(csv_file(row()))
    call_command("import_pupils", str(first), user="importer", stdout=io.StringIO())
    corrected = tmp_path / "corrected.csv"
    corrected.write_bytes(csv_file(row(support_from="2023-02-01")))

    call_command(
        "import_pupils", str(corrected), "--replace-periods", user="importer", stdout=io.StringIO()
    )

    assert list(SupportLevel.objects.values_list("effective_from", flat=True)) == [
        __import__("datetime").date(2023, 2, 1)
    ]
    assert SupportLevel.with_superseded.count() == 2


@pytest.mark.django_db
def test_the_import_page_and_templates_list_every_coded_columns_allowed_values(
    schools, client, la_officer
):
    client.force_login(la_officer)
    page = client.get(reverse("schools:import")).content.decode()
    for value in ("casual_admission", "special_school", "statement", "ehcp", "888", "999"):
        assert f'<td class="govuk-table__cell">{value}</td>' in page
    assert reverse("schools:pupil_template_xlsx") in page

    csv_template = client.get(reverse("schools:pupil_template_csv"))
    header = csv_template.content.decode("utf-8-sig").splitlines()[0]
    assert header.split(",") == COLUMNS

    xlsx = client.get(reverse("schools:pupil_template_xlsx"))
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content), read_only=True)
    assert book.sheetnames == ["Pupils", "Columns", "Allowed values"]
    allowed = {(c, str(v or "")) for c, v, _ in book["Allowed values"].iter_rows(values_only=True)}
    for column in ("placement_kind", "admission_kind", "plan_kind", "band", "home_la_code"):
        assert any(c == column for c, _ in allowed), column
    assert ("home_la_code", "888") in allowed and ("band", "5") in allowed
    # The template's example row imports as it is (the first sheet is the one read).
    header_and_example = list(book["Pupils"].iter_rows(values_only=True))
    assert list(header_and_example[0]) == COLUMNS


@pytest.mark.django_db
def test_the_page_imports_a_corrected_file_in_replace_mode(schools, client, la_officer):
    pupils_import(content=csv_file(row()), filename="pupils.csv")
    client.force_login(la_officer)
    upload = SimpleUploadedFile("corrected.csv", csv_file(row(support_from="2023-02-01")))

    response = client.post(
        reverse("schools:import"), {"kind": "pupils", "file": upload, "replace_periods": "on"}
    )

    assert response.status_code == 302
    assert SupportLevel.with_superseded.filter(superseded_at__isnull=False).count() == 1
