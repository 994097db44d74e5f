"""No import error message is ever empty (issue 13): every failure path of every importer (GIAS,
pupils, each LA-data kind) is driven here, and each problem must be a sentence that says where
(a row and a column, or the file as a whole) and what is wrong."""

import io

import openpyxl
import pytest

from pupils.imports import pupils_import
from schools.importing import ImportRejected, RowError
from schools.imports import KINDS
from schools.services import schools_import
from schools.setup import administering_la_set
from tests.pupils.test_import_pupils import UPN_B, csv_file, row
from tests.schools.test_la_data_imports import GIAS

#: Broken files every reader must refuse with a sentence.
BROKEN_FILES = [
    ("empty.csv", b""),
    ("header-only.csv", b"urn,name\n"),
    ("semicolons.csv", b"urn;name\n1;2\n"),
    ("tabs.csv", b"urn\tname\n1\t2\n"),
    ("utf16.csv", "urn,name\n1,2\n".encode("utf-16")),
    ("not-a-zip.xlsx", b"this is not a workbook"),
    ("twice.csv", b"urn,urn\n1,2\n"),
    ("picture.png", b"\x89PNG\r\n"),
    ("blank-lines.csv", b"\n\n\n"),
]


def _xlsx(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    for r in rows:
        book.active.append(r)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def assert_sentences(errors: list[RowError], what: str) -> None:
    assert errors, f"{what}: refused with no problem listed"
    for error in errors:
        message = (error.message or "").strip()
        assert message, f"{what}: an empty message at row {error.row}, column {error.column!r}"
        assert sum(c.isalpha() for c in message) >= 5, f"{what}: {message!r} says nothing"
        assert not message.endswith((":", ",", "(")), f"{what}: {message!r} is cut short"
        assert error.row >= 0
        text = str(error)
        assert text.startswith(("row ", "file")), f"{what}: {text!r} names no row or file"
        if error.row > 1 and not error.column:
            # a whole-line problem (a CSV line that cannot be read) says so in its words
            assert "line" in message or "row" in message, f"{what}: {text!r} names no column"


def _refused(importer, content: bytes, filename: str, **kwargs) -> list[RowError]:
    with pytest.raises(ImportRejected) as caught:
        importer(content=content, filename=filename, **kwargs)
    return caught.value.errors


@pytest.fixture
def la(db, home_la, other_la):
    schools_import(content=GIAS, filename="gias.csv")
    return administering_la_set(code="936")


def _importers():
    yield "schools (GIAS)", schools_import
    yield "pupils", pupils_import
    for slug, kind in sorted(KINDS.items()):
        yield slug, kind.importer


@pytest.mark.django_db
@pytest.mark.parametrize("filename,content", BROKEN_FILES, ids=[f for f, _ in BROKEN_FILES])
def test_every_importer_refuses_a_broken_file_with_a_sentence(la, filename, content):
    for name, importer in _importers():
        assert_sentences(_refused(importer, content, filename), f"{name} / {filename}")


@pytest.mark.django_db
def test_every_importer_names_missing_columns(la):
    for name, importer in _importers():
        errors = _refused(importer, b"nothing_we_know\nx\n", "file.csv")
        assert_sentences(errors, name)
        assert all(e.row == 1 and e.column for e in errors), name


GIAS_BAD = (
    b"URN,LA (code),LA (name),EstablishmentName,TypeOfEstablishment (name),"
    b"EstablishmentStatus (name),PhaseOfEducation (name),StatutoryLowAge,StatutoryHighAge,"
    b"NumberOfPupils,OpenDate\n"
    b"abc,936,Surrey,Hill,Community school,Open,Primary,4,11,210,\n"
    b"140010,93,Surrey,Hill,Community school,Open,Primary,4,11,210,\n"
    b"140011,936,Surrey,,Community school,Shut,Upper,11,4,-3,32/01/2020\n"
    b"140012,936,Surrey,Ash,Community school,Open,Primary,4,11,210,\n"
    b"140012,936,Surrey,Ash,Community school,Open,Primary,4,11,210,\n"
    b'140013,936,Surrey,"Broken quote,Community school,Open,Primary,4,11,210,\n'
)

PUPILS_BAD = csv_file(
    row(),
    row(UPN=UPN_B, school_urn=123999, home_la_code="123", date_of_birth="14/13/2015"),
    row(UPN="A12345678901", lsa_hours="-5", lst_hours="61", ta_hours="x", band="7"),
    row(placement_start="2022-09-01", school_urn=100002, support_from="2024-01-01"),
    row(given_name="Amy", support_from="2024-06-01"),
    row(placement_end="2020-01-01", support_to="2020-01-01", support_from="2022-01-01",
        plan_issued="2023-05-01", placement_kind="boarding", admission_kind="??",
        plan_kind="letter", resource_amount="£1.234"),
    row(UPN=UPN_B, school_urn=100001, date_of_birth="2030-01-01", home_la_from="2010-01-01",
        placement_start="2029-01-01"),
    row(support_from="2023-01-10", lsa_hours="21"),
)  # fmt: skip

LA_DATA_BAD = {
    "term-dates": b"la_code,academic_year,kind,name,starts_on,ends_on\n"
    b"123,2025/27,holiday,,2025-13-01,\n"
    b",2025/26,term,Autumn,2025-09-03,2025-09-01\n"
    b",2025/26,term,Autumn,2025-09-03,2026-12-19\n"
    b",2025/26,term,A1,2025-09-03,2025-10-24\n"
    b",2025/26,term,A2,2025-10-20,2025-12-19\n"
    b",2025/26,closure,INSET,2025-10-27,\n"
    b",2025/26,term,A1,2025-09-03,2025-10-24\n",
    "census": b"urn,census_date,reception,fsm\n"
    b"999999,2024-10-03,30,2\n140001,03/13/2024,x,-1\n140001,2024-10-03,30,2\n"
    b"140001,2024-10-03,31,2\n",
    "planned-places": b"urn,academic_year,provision,places,occupied,occupancy_counted_on\n"
    b"140002,2025,hospital,x,-1,someday\n140002,20/21,ssc,,,\n"
    b"140002,2025,ssc,10,,\n140002,2025/26,ssc,12,,\n",
    "band-rates": b"urn,financial_year,band,annual_rate\n"
    b"140002,2025-26,6,10\n140002,FY,0,x\n140002,2025,1,\n140002,2025,1,5\n140002,2025,1,5\n",
    "notional-sen": b"urn,financial_year,amount,source\n"
    b"abc,2025,,\n140001,2025,-1,\n140001,2025,1," + b"x" * 201 + b"\n"
    b"140001,2025,1,\n140001,2025-26,2,\n",
    "school-users": b"email,name,urn,role\n"
    b"bad,,0,boss\nok@example.org,Ok,140001,\nok@example.org,Other,140001,\n"
    b"ok@example.org,Ok,140001,\n",
    "budget-lines": b"financial_year,line,budget,other_commitment,note\n"
    b"2025,nonsense,x,-1," + b"n" * 301 + b"\n2025-26,central,,,\n",
    "cluster-memberships": b"cluster,urn,starts_on,ends_on\n"
    b"North,999999,2025-09-01,2025-08-01\n,140001,,\nNorth,140001,2025-09-01,\n"
    b"South,140001,2025-10-01,\nNorth,140001,2025-09-01,\n",
}


@pytest.mark.django_db
def test_gias_row_failures_are_sentences(la):
    errors = _refused(schools_import, GIAS_BAD, "gias.csv")
    assert_sentences(errors, "GIAS rows")
    assert {e.row for e in errors} >= {2, 3, 4}
    assert_sentences(_refused(schools_import, _xlsx([["URN"], ["x"]]), "gias.xlsx"), "GIAS xlsx")


@pytest.mark.django_db
def test_pupil_row_and_cross_row_failures_are_sentences(la):
    from tests.factories import SchoolFactory

    SchoolFactory(urn=100001, la=la, name="Hill Primary")
    SchoolFactory(urn=100002, la=la, name="Vale Primary")
    errors = _refused(pupils_import, PUPILS_BAD, "pupils.csv")
    assert_sentences(errors, "pupil rows")
    assert {e.row for e in errors} >= {3, 4, 5, 6, 7, 8, 9}
    # Against what is stored: an overlapping stored placement, support period and home LA.
    pupils_import(content=csv_file(row()), filename="pupils.csv")
    stored = _refused(
        pupils_import,
        csv_file(
            row(
                placement_start="2024-09-02",
                school_urn=100002,
                support_from="2023-05-01",
                home_la_code="888",
            ),
            row(
                placement_start="2024-09-02",
                school_urn=100002,
                support_from="2023-05-01",
                home_la_code="888",
                home_la_from="2015-06-01",
            ),
        ),  # fmt: skip
        "pupils.csv",
    )
    assert_sentences(stored, "pupil rows against the stored records")
    assert len(stored) >= 3


@pytest.mark.django_db
@pytest.mark.parametrize("slug", sorted(LA_DATA_BAD))
def test_each_la_data_kind_names_every_bad_row_in_a_sentence(la, slug):
    errors = _refused(KINDS[slug].importer, LA_DATA_BAD[slug], f"{slug}.csv")
    assert_sentences(errors, slug)
    assert all(e.row >= 2 and e.column for e in errors), [str(e) for e in errors]
    assert not any("censuse " in e.message for e in errors)  # "the same census", not "censuse"
    assert len({e.row for e in errors}) >= 2


@pytest.mark.django_db
def test_la_data_without_an_administering_la_says_how_to_choose_one(db):
    from schools.models import LocalAuthority

    LocalAuthority.objects.create(code="936", name="Surrey")
    errors = _refused(
        KINDS["term-dates"].importer,
        b"academic_year,kind,name,starts_on,ends_on\n2025/26,term,A1,2025-09-03,2025-10-24\n",
        "terms.csv",
    )
    assert_sentences(errors, "no administering LA")
    assert "choose one on the first-run page" in errors[0].message
    dfe = _refused(KINDS["census"].importer, b"URN,NOR\n100000,285\n", "england_census.csv")
    assert_sentences(dfe, "DfE census without a date")
