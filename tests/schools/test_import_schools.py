"""The GIAS school import: real Surrey file, re-import, and bad files that write nothing."""

from pathlib import Path

import pytest

from schools.importing import ImportRejected
from schools.models import EstablishmentType, LocalAuthority, Phase, School, SchoolStatus
from schools.services import schools_import

SHARED_GIAS = Path(__file__).resolve().parents[3] / "shared" / "data" / "2021_936_gias.csv"

HEADER = (
    "URN,EstablishmentName,LA (code),LA (name),TypeOfEstablishment (name),"
    "PhaseOfEducation (name),StatutoryLowAge,StatutoryHighAge,EstablishmentStatus (name),"
    "NumberOfPupils,OpenDate,Unused column\n"
)


def gias(*rows: str) -> bytes:
    return (HEADER + "".join(r + "\n" for r in rows)).encode()


GOOD = gias(
    "123456,Hill Primary School,999,Demo Borough,Community school,Primary,4,11,Open,410,"
    "01-09-1975,x",
    "123457,Vale Academy,999,Demo Borough,Academy converter,Secondary,11,18,Open,1200,,y",
    "123458,Oak Special School,999,Demo Borough,Community special school,Not applicable,2,19,"
    '"Open, but proposed to close",120,,z',
)


@pytest.mark.django_db
def test_import_creates_schools_with_mapped_types_and_the_la():
    result = schools_import(content=GOOD, filename="gias.csv")

    assert result.created == {"local authorities": 1, "schools": 3}
    hill = School.objects.get(urn=123456)
    assert hill.name == "Hill Primary School"
    assert hill.la == LocalAuthority.objects.get(code="999")
    assert (hill.phase, hill.establishment_type) == (Phase.PRIMARY, EstablishmentType.COMMUNITY)
    assert (hill.statutory_low_age, hill.statutory_high_age, hill.number_on_roll) == (4, 11, 410)
    assert hill.opened_on.isoformat() == "1975-09-01"
    oak = School.objects.get(urn=123458)
    assert oak.establishment_type == EstablishmentType.SPECIAL
    assert oak.status == SchoolStatus.PROPOSED_TO_CLOSE


@pytest.mark.django_db
def test_reimport_updates_by_urn_and_is_otherwise_idempotent():
    schools_import(content=GOOD, filename="gias.csv")
    again = schools_import(content=GOOD, filename="gias.csv")
    assert again.created == {} or sum(again.created.values()) == 0
    assert again.unchanged == {"schools": 3}

    renamed = GOOD.replace(b"Hill Primary School", b"Hill Church Primary")
    result = schools_import(content=renamed, filename="gias.csv")
    assert result.updated == {"schools": 1}
    assert School.objects.get(urn=123456).name == "Hill Church Primary"
    assert School.objects.count() == 3
    # The change is in the school's history.
    assert School.objects.get(urn=123456).history.count() == 2


@pytest.mark.django_db
def test_a_bad_file_writes_nothing_and_names_row_and_column_of_every_error():
    bad = gias(
        "123456,Hill Primary,999,Demo Borough,Community school,Primary,4,11,Open,410,,",
        "12x,Broken,999,Demo Borough,Community school,Primary,4,11,Open,10,,",
        "123459,Odd Phase,999,Demo Borough,Community school,Kindergarten,4,11,Open,10,,",
        "123460,Ages,99,Demo Borough,Community school,Primary,11,4,Open,10,31-02-2020,",
        "123456,Duplicate,999,Demo Borough,Community school,Primary,4,11,Open,410,,",
    )
    with pytest.raises(ImportRejected) as caught:
        schools_import(content=bad, filename="gias.csv")

    messages = [str(e) for e in caught.value.errors]
    assert "row 3, URN: '12x' is not a whole number" in messages
    assert "row 4, PhaseOfEducation (name): 'Kindergarten' is not a known GIAS value" in messages
    assert "row 5, LA (code): '99' is not a three-digit LA code" in messages
    assert "row 5, StatutoryLowAge: 11 is above the high age 4" in messages
    assert any(m.startswith("row 5, OpenDate: '31-02-2020' is not a date") for m in messages)
    assert "row 6, URN: 123456 also appears in row 2" in messages
    assert School.objects.count() == 0
    assert LocalAuthority.objects.count() == 0


@pytest.mark.django_db
def test_a_file_missing_a_required_column_is_refused():
    with pytest.raises(ImportRejected) as caught:
        schools_import(content=b"URN,EstablishmentName\n123456,Hill\n", filename="gias.csv")
    columns = {e.column for e in caught.value.errors}
    assert {"LA (code)", "PhaseOfEducation (name)", "NumberOfPupils"} <= columns


@pytest.mark.django_db
@pytest.mark.skipif(not SHARED_GIAS.exists(), reason="../shared/data/2021_936_gias.csv is absent")
def test_the_real_surrey_gias_download_imports_whole():
    result = schools_import(content=SHARED_GIAS.read_bytes(), filename=SHARED_GIAS.name)

    assert result.created["schools"] == 590
    assert School.objects.filter(la__code="936").count() == 590
    # 12 community special schools in the Surrey file (SOURCES.md), mapped to "special".
    assert School.objects.filter(establishment_type=EstablishmentType.SPECIAL).count() == 12
    assert School.objects.filter(establishment_type=EstablishmentType.AP_PRU).count() == 8
    again = schools_import(content=SHARED_GIAS.read_bytes(), filename=SHARED_GIAS.name)
    assert again.unchanged == {"schools": 590}


@pytest.mark.django_db
def test_import_schools_command_prints_the_summary_or_every_problem(tmp_path):
    import io

    from django.core.management import CommandError, call_command

    from tests.factories import la_officer

    officer = la_officer(username="officer")
    good = tmp_path / "gias.csv"
    good.write_bytes(GOOD)
    out = io.StringIO()
    call_command("import_schools", str(good), "--user", "officer", stdout=out)
    assert "Created: 1 local authorities, 3 schools" in out.getvalue()

    bad = tmp_path / "bad.csv"
    bad.write_bytes(gias("12x,Broken,999,Demo Borough,Community school,Primary,4,11,Open,10,,"))
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_schools", str(bad), "--user", "officer", stderr=err)
    assert "row 2, URN: '12x' is not a whole number" in err.getvalue()
    assert School.history.filter(history_user=officer).count() == 3  # issue 17: who imported
