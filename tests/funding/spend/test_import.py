"""R21: the LA imports schools' SEN spend from a CSV or XLSX file: all or nothing, every bad
row named with its column and reason, and the same file imported twice changes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
import tablib

from funding.spend import services
from funding.spend.models import SenSpend
from schools.importing import ImportRejected

D = Decimal


def _csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def test_r21_import_records_each_schools_spend_and_who_imported_it(alder, birch, la_officer):
    content = _csv(
        "URN,FY,amount,staffing,resources,other,note",
        '300001,2025-26,"£48,250.00",40000,8250,,from the SBM\'s return',
        "300002,2025,12000.5,,,,",
    )
    result = services.sen_spend_import(content=content, filename="spend.csv", user=la_officer)
    assert result.created == {"SEN spend": 2}
    a = SenSpend.objects.get(school=alder, financial_year=2025)
    b = SenSpend.objects.get(school=birch, financial_year=2025)
    assert (a.amount, a.staffing, a.resources, a.other) == (
        D("48250.00"),
        D("40000"),
        D("8250"),
        None,
    )
    assert a.note == "from the SBM's return"
    assert b.amount == D("12000.50")
    assert a.recorded_by == la_officer
    assert a.history.get().history_user == la_officer


def test_r21_reimporting_the_same_file_changes_nothing_and_a_new_figure_replaces_the_old(
    alder, la_officer
):
    first = _csv("URN,FY,amount", "300001,2025,1000.00")
    services.sen_spend_import(content=first, filename="a.csv", user=la_officer)
    again = services.sen_spend_import(content=first, filename="a.csv", user=la_officer)
    assert again.unchanged == {"SEN spend": 1}
    changed = services.sen_spend_import(
        content=_csv("URN,FY,amount", "300001,2025,1500.00"), filename="b.csv", user=la_officer
    )
    assert changed.updated == {"SEN spend": 1}
    assert SenSpend.objects.get().amount == D("1500.00")
    assert SenSpend.history.count() == 2


def test_r21_import_reads_an_excel_file(alder, la_officer):
    data = tablib.Dataset(headers=["URN", "FY", "amount"])
    data.append([300001, "2025-26", 2500.25])
    services.sen_spend_import(content=data.export("xlsx"), filename="spend.xlsx", user=la_officer)
    assert SenSpend.objects.get(school=alder).amount == D("2500.25")


def test_r21_a_bad_file_lists_every_row_error_and_writes_nothing(alder, birch, la_officer):
    services.sen_spend_record(school=alder, financial_year=2025, amount=D("999.00"))
    content = _csv(
        "URN,FY,amount,staffing,resources,other",
        "300001,2025,5000,,,",  # row 2: good, but must not be written
        "999999,2025,100,,,",  # row 3: no such school
        "300002,2025-27,100,,,",  # row 4: not a financial year
        "300002,2025,-5,,,",  # row 5: negative
        "300002,2024,,,,",  # row 6: amount empty
        "300002,2023,4000,3000,500,",  # row 7: parts £3,500 not £4,000
        "300001,2025-26,6000,,,",  # row 8: the same school and year as row 2
        "300002,2022,12.345,,,",  # row 9: more than pence
    )
    with pytest.raises(ImportRejected) as caught:
        services.sen_spend_import(content=content, filename="bad.csv", user=la_officer)
    assert [(e.row, e.column, e.message) for e in caught.value.errors] == [
        (3, "URN", "no school has URN 999999"),
        (4, "FY", "'2025-27' is not a financial year (use 2025 or 2025-26)"),
        (5, "amount", "-5 is negative"),
        (6, "amount", "is empty"),
        (
            7,
            "amount",
            "Staffing, resources and other add up to £3,500.00, not the total of £4,000.00: "
            "correct the total or the parts.",
        ),
        (8, "URN", "URN 300001 FY 2025 is also on row 2: give each school's year once"),
        (9, "amount", "12.345 has more than 2 decimal places"),
    ]
    assert [(s.school, s.amount) for s in SenSpend.objects.all()] == [(alder, D("999.00"))]
    assert SenSpend.history.count() == 1


def test_r21_a_file_without_the_amount_column_is_refused(alder, la_officer):
    with pytest.raises(ImportRejected) as caught:
        services.sen_spend_import(
            content=_csv("URN,FY", "300001,2025"), filename="x.csv", user=la_officer
        )
    assert [str(e) for e in caught.value.errors] == [
        "row 1, amount: this column is missing from the header row"
    ]
    assert not SenSpend.objects.exists()
