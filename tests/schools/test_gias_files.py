"""GIAS downloads as they come: spill-over fields, quoting, BOM, Windows-1252, code columns.

Every failure path must give the officer a sentence: no error message is ever empty.
"""

from pathlib import Path

import pytest

from schools.importing import ImportRejected
from schools.models import EstablishmentType, Phase, School, SchoolStatus
from schools.services import schools_import

SHARED_GIAS = Path(__file__).resolve().parents[3] / "shared" / "data" / "2021_936_gias.csv"

HEADER = (
    '"URN","LA (code)","LA (name)","EstablishmentName","TypeOfEstablishment (name)",'
    '"EstablishmentStatus (name)","PhaseOfEducation (name)","StatutoryLowAge","StatutoryHighAge",'
    '"NumberOfPupils"'
)


def _file(*rows: str, header: str = HEADER, bom: bool = False, encoding="utf-8") -> bytes:
    text = "\r\n".join([header, *rows]) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)


@pytest.mark.django_db
def test_rows_with_linked_establishment_fields_past_the_header_import_whole():
    """Two real-looking rows whose `Linked establishments` spill into three extra fields."""
    content = _file(
        '"125001","936","Surrey","Hill Primary","Community school","Open","Primary","4","11",'
        '"410","Predecessor","124999","Old Hill Infants"',
        "125002,936,Surrey,Vale Academy,Academy converter,Open,Secondary,11,18,1200",
        '125003,936,Surrey,"Oak, Special",Community special school,Open,Not applicable,2,19,90,'
        "Successor,125004",
    )

    result = schools_import(content=content, filename="edubasealldata.csv")

    assert result.created["schools"] == 3
    assert School.objects.get(urn=125003).name == "Oak, Special"
    assert result.unchanged["rows with extra trailing fields (ignored)"] == 2


@pytest.mark.django_db
def test_windows_1252_with_and_without_a_bom_reads_the_same_names():
    row = "125001,936,Surrey,St Mary’s C of E Primary,Voluntary aided school,Open,Primary,4,11,210"
    schools_import(content=_file(row, encoding="cp1252"), filename="excel.csv")
    assert School.objects.get(urn=125001).name == "St Mary’s C of E Primary"

    again = schools_import(content=_file(row, bom=True), filename="gias.csv")
    assert again.unchanged == {"schools": 1}


@pytest.mark.django_db
def test_an_extract_with_code_columns_only_maps_the_codes_to_the_gias_names():
    header = (
        "URN,LA (code),EstablishmentName,TypeOfEstablishment (code),EstablishmentStatus (code),"
        "PhaseOfEducation (code),StatutoryLowAge,StatutoryHighAge,NumberOfPupils"
    )
    content = _file("125010,936,Brook Special,7,3,0,4,19,80", header=header)

    schools_import(content=content, filename="codes.csv")

    brook = School.objects.get(urn=125010)
    assert brook.establishment_type == EstablishmentType.SPECIAL
    assert brook.status == SchoolStatus.PROPOSED_TO_CLOSE
    assert brook.phase == Phase.NOT_APPLICABLE
    assert brook.la.name == "LA 936"


def _problems(content: bytes, filename: str = "gias.csv") -> list[str]:
    with pytest.raises(ImportRejected) as caught:
        schools_import(content=content, filename=filename)
    return [str(e) for e in caught.value.errors]


BAD_FILES = {
    "empty": (b"", "gias.csv"),
    "header only": (HEADER.encode(), "gias.csv"),
    "not a spreadsheet": (b"PK\x03\x04 not really a zip", "gias.xlsx"),
    "wrong suffix": (b"a,b\n1,2\n", "gias.pdf"),
    "broken quoting": (_file('125001,"936\x00,Surrey'), "gias.csv"),
    "missing columns": (b"URN,EstablishmentName\n125001,Hill\n", "gias.csv"),
    "bad values": (
        _file("12x,93,Surrey,,Spaceport,Shut,Kindergarten,eleven,4,-3"),
        "gias.csv",
    ),
    "unknown code": (
        _file(
            "125010,936,Brook,1,1,9,4,11,80",
            header="URN,LA (code),EstablishmentName,TypeOfEstablishment (code),"
            "EstablishmentStatus (code),PhaseOfEducation (code),StatutoryLowAge,"
            "StatutoryHighAge,NumberOfPupils",
        ),
        "gias.csv",
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_every_refusal_names_the_place_and_gives_a_reason_never_an_empty_one(case):
    content, filename = BAD_FILES[case]

    problems = _problems(content, filename)

    assert problems, case
    for problem in problems:
        where, _, reason = problem.partition(": ")
        assert where.startswith(("row ", "file")), problem
        assert len(reason.strip()) >= len("is empty"), problem
    assert School.objects.count() == 0


@pytest.mark.django_db
def test_bad_values_are_named_by_row_and_column_all_at_once():
    problems = _problems(_file("12x,93,Surrey,,Spaceport,Shut,Kindergarten,eleven,4,-3"))

    assert "row 2, URN: '12x' is not a whole number" in problems
    assert "row 2, LA (code): '93' is not a three-digit LA code" in problems
    assert "row 2, EstablishmentName: is empty" in problems
    assert "row 2, PhaseOfEducation (name): 'Kindergarten' is not a known GIAS value" in problems
    assert "row 2, StatutoryLowAge: 'eleven' is not a whole number" in problems


@pytest.mark.django_db
@pytest.mark.skipif(not SHARED_GIAS.exists(), reason="../shared/data/2021_936_gias.csv is absent")
def test_the_real_surrey_file_with_linked_establishments_spilling_over_imports_whole():
    """The real file, with two extra `Linked establishments` fields added to every 10th row."""
    lines = SHARED_GIAS.read_bytes().decode("utf-8-sig").splitlines()
    spilled = [
        line + (',"Predecessor","100001"' if n % 10 == 0 and n else "")
        for n, line in enumerate(lines)
    ]
    content = ("\n".join(spilled) + "\n").encode("cp1252", errors="replace")

    result = schools_import(content=content, filename="edubasealldata20210101.csv")

    assert result.created["schools"] == 590
    assert result.unchanged["rows with extra trailing fields (ignored)"] == 59
