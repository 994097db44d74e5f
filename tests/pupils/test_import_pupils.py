"""The pupil import (CSV and XLSX): good files, re-import, and bad files that write nothing."""

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest

from pupils.imports import COLUMNS, pupils_import
from pupils.models import Placement, Plan, Pupil, SupportLevel
from pupils.upn import make_upn
from schools.importing import ImportRejected
from tests.factories import SchoolFactory

UPN_A = make_upn("999", "2001", 15, 1)
UPN_B = make_upn("999", "2001", 15, 2)


def csv_file(*rows: dict) -> bytes:
    lines = [",".join(COLUMNS)]
    for row in rows:
        lines.append(",".join(str(row.get(c, "")) for c in COLUMNS))
    return ("\n".join(lines) + "\n").encode()


def row(**overrides) -> dict:
    base = {
        "UPN": UPN_A, "given_name": "Amara", "family_name": "Okafor",
        "date_of_birth": "2015-03-14", "home_la_code": "999", "school_urn": 100001,
        "placement_start": "2021-09-01", "placement_kind": "mainstream",
        "admission_kind": "first_admission", "plan_kind": "ehcp", "plan_issued": "2023-01-10",
        "annual_review_due": "2026-01-10", "support_from": "2023-01-10",
        "lsa_hours": "20", "lst_hours": "2", "ta_hours": "0",
    }  # fmt: skip
    return base | overrides


@pytest.fixture
def schools(home_la, other_la):
    return (
        SchoolFactory(urn=100001, la=home_la, name="Hill Primary"),
        SchoolFactory(urn=100002, la=home_la, name="Vale Primary"),
    )


@pytest.mark.django_db
def test_import_creates_pupil_placement_plan_and_support_periods(schools):
    content = csv_file(
        row(support_to="2025-04-30"),
        row(support_from="2025-05-01", lsa_hours="25", lst_hours="0"),
        row(
            UPN=UPN_B,
            given_name="Ben",
            family_name="Hart",
            home_la_code="888",
            placement_start="2024-09-02",
            plan_kind="statement",
            plan_issued="2013-05-01",
            support_from="2013-05-01",
            band="3",
            lsa_hours="",
            lst_hours="",
            resource_amount="4500.00",
        ),
    )

    result = pupils_import(content=content, filename="pupils.csv")

    assert result.created == {
        "pupils": 2,
        "home LA periods": 2,
        "placements": 2,
        "plans": 2,
        "support levels": 3,
    }
    amara = Pupil.objects.get(upn=UPN_A)
    assert amara.home_la.code == "999"
    plan = amara.plans.get()
    levels = list(plan.support_levels.order_by("effective_from"))
    assert [(s.effective_from, s.effective_to, s.lsa_hours) for s in levels] == [
        (dt.date(2023, 1, 10), dt.date(2025, 4, 30), Decimal("20.00")),
        (dt.date(2025, 5, 1), None, Decimal("25.00")),
    ]
    ben = Pupil.objects.get(upn=UPN_B)
    assert ben.home_la.code == "888"
    assert ben.plans.get().kind == "statement"
    assert ben.plans.get().support_levels.get().band == 3


@pytest.mark.django_db
def test_reimporting_the_same_file_changes_nothing(schools):
    content = csv_file(row(support_to="2025-04-30"), row(support_from="2025-05-01", lsa_hours="25"))
    pupils_import(content=content, filename="pupils.csv")

    again = pupils_import(content=content, filename="pupils.csv")

    assert sum(again.created.values()) == 0
    assert sum(again.updated.values()) == 0
    assert again.unchanged == {
        "pupils": 1,
        "home LA periods": 1,
        "placements": 1,
        "plans": 1,
        "support levels": 2,
    }
    assert SupportLevel.objects.count() == 2


@pytest.mark.django_db
def test_reimport_with_a_changed_end_date_updates_in_place_and_keeps_history(schools):
    pupils_import(content=csv_file(row()), filename="pupils.csv")
    pupils_import(content=csv_file(row(placement_end="2025-07-22")), filename="pupils.csv")

    placement = Placement.objects.get()
    assert placement.ends_on == dt.date(2025, 7, 22)
    assert placement.history.count() == 2


@pytest.mark.django_db
def test_xlsx_files_import_like_csv(schools):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(COLUMNS)
    values = row()
    sheet.append([values.get(c, None) for c in COLUMNS])
    buffer = io.BytesIO()
    book.save(buffer)

    result = pupils_import(content=buffer.getvalue(), filename="pupils.xlsx")

    assert result.created["pupils"] == 1
    assert Plan.objects.get().issued_on == dt.date(2023, 1, 10)


@pytest.mark.django_db
def test_a_bad_file_writes_nothing_and_reports_every_error(schools):
    content = csv_file(
        row(),  # row 2: fine on its own
        row(UPN=UPN_B, school_urn=123999),  # row 3: unknown URN
        row(UPN=UPN_B, date_of_birth="14/13/2015", school_urn=100002),  # row 4: bad date
        row(UPN=make_upn("999", "2001", 15, 3), lsa_hours="-5"),  # row 5: negative hours
        row(placement_start="2022-09-01", school_urn=100002),  # row 6: overlaps row 2's placement
        row(given_name="Amy", support_from="2024-01-01"),  # row 7: same UPN, different name
        row(UPN="A12345678901"),  # row 8: UPN too short
        row(UPN=make_upn("999", "2001", 15, 4), home_la_code="123"),  # row 9: unknown LA
    )
    with pytest.raises(ImportRejected) as caught:
        pupils_import(content=content, filename="pupils.csv")

    messages = [str(e) for e in caught.value.errors]
    assert "row 3, school_urn: unknown URN 123999" in messages
    assert any(m.startswith("row 4, date_of_birth: '14/13/2015' is not a date") for m in messages)
    assert "row 5, lsa_hours: -5 is negative" in messages
    assert any(m.startswith("row 8, UPN: Enter a UPN") for m in messages)
    assert "row 9, home_la_code: unknown LA code '123'" in messages
    assert Pupil.objects.count() == 0
    assert Placement.objects.count() == 0


@pytest.mark.django_db
def test_overlapping_placements_and_duplicate_upn_details_are_named(schools):
    content = csv_file(
        row(),
        row(placement_start="2022-09-01", school_urn=100002, support_from="2024-01-01"),
        row(given_name="Amy", support_from="2024-06-01"),
    )
    with pytest.raises(ImportRejected) as caught:
        pupils_import(content=content, filename="pupils.csv")

    messages = [str(e) for e in caught.value.errors]
    assert (
        f"row 4, given_name: UPN {UPN_A} is also in row 2 with a different given_name" in messages
    )
    assert any(
        m.startswith(f"row 3, placement_start: placement overlaps another placement of UPN {UPN_A}")
        for m in messages
    )
    assert Pupil.objects.count() == 0


@pytest.mark.django_db
def test_a_placement_overlapping_one_already_stored_is_refused(schools):
    pupils_import(content=csv_file(row()), filename="pupils.csv")
    later = csv_file(row(placement_start="2024-09-02", school_urn=100002))

    with pytest.raises(ImportRejected) as caught:
        pupils_import(content=later, filename="pupils.csv")

    assert any(
        "overlaps the stored placement at Hill Primary" in str(e) for e in caught.value.errors
    )
    assert Placement.objects.count() == 1


@pytest.mark.django_db
def test_a_statement_followed_by_an_ehcp_ceases_the_statement_the_day_before(schools):
    content = csv_file(
        row(
            plan_kind="statement",
            plan_issued="2013-05-01",
            support_from="2013-05-01",
            support_to="2016-02-29",
        ),
        row(plan_kind="ehcp", plan_issued="2016-03-01", support_from="2016-03-01"),
    )
    pupils_import(content=content, filename="pupils.csv")

    statement, ehcp = Plan.objects.order_by("issued_on")
    assert statement.ceased_on == dt.date(2016, 2, 29)
    assert ehcp.ceased_on is None


@pytest.mark.django_db
def test_a_support_period_overlapping_a_stored_one_is_named_by_row(schools):
    pupils_import(content=csv_file(row(support_from="2023-01-10")), filename="pupils.csv")
    # The same plan again, but its support now said to start on another day: the stored period
    # from 10/01/2023 (open-ended) would be left beside it, overlapping.
    moved = csv_file(row(support_from="2023-02-01"))

    with pytest.raises(ImportRejected) as caught:
        pupils_import(content=moved, filename="pupils.csv")

    assert [str(e) for e in caught.value.errors] == [
        "row 2, support_from: overlaps the stored support period 10/01/2023 to open; "
        "give that period's support_from to update it"
    ]
    assert SupportLevel.objects.get().effective_from == dt.date(2023, 1, 10)
