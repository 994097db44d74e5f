"""LA data in through the product: term dates, census, planned places, band rates, first run.

The last test is the issue's "done when": a small LA loaded from files only, through the same
services the pages use, gets an allocation run with no admin step.
"""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db.models import Sum
from django.urls import reverse

from funding.models import AllocationLine, Element, RunStatus
from funding.readiness import not_ready, readiness
from funding.services import run_allocation, scheme_load_preset
from pupils.imports import COLUMNS as PUPIL_COLUMNS
from pupils.imports import pupils_import
from pupils.upn import make_upn
from schools.importing import ImportRejected
from schools.imports.band_rates import band_rates_import
from schools.imports.census import CENSUS_DATE_NEEDED, census_import, spread_roll
from schools.imports.places import planned_places_import
from schools.imports.term_dates import term_dates_import
from schools.models import (
    ClosureDay,
    LocalAuthority,
    PlannedPlaces,
    School,
    SchoolCensus,
    SpecialSchoolBand,
    TermDate,
)
from schools.services import schools_import
from schools.setup import administering_la_set

GIAS = (
    b"URN,LA (code),LA (name),EstablishmentName,TypeOfEstablishment (name),"
    b"EstablishmentStatus (name),PhaseOfEducation (name),StatutoryLowAge,StatutoryHighAge,"
    b"NumberOfPupils\n"
    b"140001,936,Surrey,Hill Primary,Community school,Open,Primary,4,11,210,Predecessor,1\n"
    b"140002,936,Surrey,Oak Special,Community special school,Open,Not applicable,4,19,40\n"
    b"140003,999,Elsewhere,Far Primary,Community school,Open,Primary,4,11,100\n"
)

TERMS = (
    b"academic_year,kind,name,starts_on,ends_on\n"
    b"2024/25,term,Autumn,2024-09-02,2024-12-20\n"
    b"2024/25,term,Spring,2025-01-06,2025-04-04\n"
    b"2024/25,term,Summer,2025-04-22,2025-07-22\n"
    b"2024/25,closure,INSET day,2024-09-02,\n"
    b"2025/26,term,Autumn,2025-09-03,2025-12-19\n"
    b"2025/26,term,Spring,2026-01-05,2026-03-27\n"
    b"2025/26,term,Summer,2026-04-13,2026-07-21\n"
)

CENSUS = (
    b"URN,Census date,Reception,Year 1,Year 2,Year 3,Year 4,Year 5,Year 6,FSM,IDACI,EHC plans\n"
    b"140001,2024-10-03,30,30,30,30,30,30,30,40,25,3\n"
)

PLACES = (
    b"urn,academic_year,provision,places,occupied,occupancy_counted_on\n"
    b"140002,2024/25,special_school,20,18,2025-01-16\n"
    b"140002,2025/26,special_school,20,19,2026-01-15\n"
)

BANDS = b"urn,financial_year,band,annual_rate\n140002,2025-26,1,4000.00\n140002,2025-26,2,8000.00\n"


def _problems(importer, content: bytes, **kwargs) -> list[str]:
    with pytest.raises(ImportRejected) as caught:
        importer(content=content, filename="file.csv", **kwargs)
    return [str(e) for e in caught.value.errors]


@pytest.fixture
def la():
    schools_import(content=GIAS, filename="gias.csv")
    return administering_la_set(code="936")


# ---- first run ----


@pytest.mark.django_db
def test_setup_la_makes_an_imported_la_the_only_administering_la():
    schools_import(content=GIAS, filename="gias.csv")
    call_command("setup_la", "999")
    call_command("setup_la", "936")
    assert list(LocalAuthority.objects.filter(is_administering=True).values_list("code")) == [
        ("936",)
    ]
    with pytest.raises(ValidationError, match="no LA with code 123. Import the GIAS"):
        administering_la_set(code="123")


@pytest.mark.django_db
def test_the_system_admin_chooses_the_administering_la_on_a_page(client, django_user_model):
    schools_import(content=GIAS, filename="gias.csv")
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "x")
    client.force_login(admin)
    la = LocalAuthority.objects.get(code="936")

    response = client.post(reverse("schools:setup"), {"la": la.pk})

    assert response.status_code == 302
    assert LocalAuthority.objects.get(is_administering=True) == la


# ---- term dates (R7) ----


@pytest.mark.django_db
def test_term_dates_import_is_idempotent_and_a_corrected_file_replaces_the_year(la):
    result = term_dates_import(content=TERMS, filename="terms.csv")
    assert result.created == {"terms": 6, "closure days": 1}
    again = term_dates_import(content=TERMS, filename="terms.csv")
    assert again.unchanged == {"terms": 6, "closure days": 1}

    # The 2025/26 file alone, with its summer term moved: only 2025/26 is replaced.
    corrected = b"academic_year,kind,name,starts_on,ends_on\n" + b"\n".join(
        line.replace(b"2026-04-13", b"2026-04-20")
        for line in TERMS.splitlines()
        if line.startswith(b"2025/26")
    )
    term_dates_import(content=corrected, filename="terms.csv")
    assert TermDate.objects.filter(la=la, academic_year=2025).count() == 3
    assert TermDate.objects.filter(la=la, starts_on=dt.date(2026, 4, 20)).exists()
    assert not TermDate.objects.filter(starts_on=dt.date(2026, 4, 13)).exists()
    assert TermDate.objects.filter(la=la, academic_year=2024).count() == 3
    assert ClosureDay.objects.filter(la=la).count() == 1


@pytest.mark.django_db
def test_bad_term_dates_are_all_named_by_row_and_nothing_is_written(la):
    bad = (
        b"academic_year,kind,name,starts_on,ends_on\n"
        b"2025/27,term,Autumn,2025-09-03,2025-12-19\n"
        b"2025/26,term,Autumn,2025-09-03,2025-08-01\n"
        b"2025/26,term,Spring,2026-01-05,2026-03-27\n"
        b"2025/26,term,Overlap,2026-03-01,2026-03-30\n"
        b"2025/26,holiday,Summer,2026-04-13,2026-07-21\n"
        b"2025/26,closure,INSET,2026-08-20,\n"
    )

    problems = _problems(term_dates_import, bad)

    assert "row 2, academic_year: '2025/27' is not an academic year (write it as 2025/26)" in (
        problems
    )
    assert "row 3, ends_on: 01/08/2025 is before the start 03/09/2025" in problems
    assert "row 5, starts_on: this term overlaps the term in row 4" in problems
    assert any(p.startswith("row 6, kind: 'holiday' is not one of") for p in problems)
    assert "row 7, starts_on: 20/08/2026 is not inside any term in this file" in problems
    assert TermDate.objects.count() == 0


# ---- census ----


@pytest.mark.django_db
def test_census_from_our_template_with_any_header_spelling(la):
    result = census_import(content=CENSUS, filename="census.csv")
    assert result.created == {"censuses": 1}
    census = SchoolCensus.objects.get(school__urn=140001)
    # R1: 7 primary year groups x 30 = 210 on roll.
    assert (census.primary_roll, census.fsm, census.idaci, census.ehc_plans) == (210, 40, 25, 3)
    assert census_import(content=CENSUS, filename="census.csv").unchanged == {"censuses": 1}


def test_nor_is_spread_over_the_year_groups_the_statutory_ages_cover():
    # 285 aged 4-11 = Reception..Year 6, 7 groups: 285 = 7 x 40 + 5 -> R-Y4 get 41, Y5-Y6 get 40.
    counts = spread_roll(285, 4, 11)
    assert [counts[g] for g in ("reception", "year_4", "year_5", "year_6", "year_7")] == [
        41, 41, 40, 40, 0,
    ]  # fmt: skip
    assert sum(counts.values()) == 285
    # 11-16: Years 7-11.
    assert [g for g, n in spread_roll(500, 11, 16).items() if n] == [
        "year_7", "year_8", "year_9", "year_10", "year_11",
    ]  # fmt: skip


DFE = (
    "\ufeffURN,LA,ESTAB,SCHOOLTYPE,NOR,TSENELSE,TSENELK,NUMEAL,NUMFSM\n"
    "140001,936,2001,State-funded primary,210,4,30,12,NA\n"
    "140002,936,7001,State-funded special school,NA,NA,NA,NA,NA\n"
    "100000,201,3614,State-funded primary,285,5,50,141,32\n"
    "NAT,,,Total,8000000,1,1,1,1\n"
).encode()


@pytest.mark.django_db
def test_the_dfe_census_layout_imports_with_the_date_from_the_page(la):
    assert _problems(census_import, DFE) == [f"file: {CENSUS_DATE_NEEDED}"]

    result = census_import(content=DFE, filename="england_census.csv", census_date=dt.date(
        2025, 1, 16))  # fmt: skip

    census = SchoolCensus.objects.get(school__urn=140001)
    # 210 over Reception..Year 6 = 30 each; EHC plans TSENELSE 4, SEN support TSENELK 30,
    # EAL 12, FSM suppressed ("NA") -> 0.
    assert (census.primary_roll, census.reception, census.year_6) == (210, 30, 30)
    assert (census.ehc_plans, census.sen_support, census.eal, census.fsm) == (4, 30, 12, 0)
    assert result.created == {"censuses": 1}
    assert result.unchanged == {
        "national or regional total rows skipped": 1,
        "rows for schools not in this system skipped": 1,
        "schools with a suppressed number on roll skipped": 1,
        "suppressed figures read as 0": 1,
    }


@pytest.mark.django_db
def test_a_census_row_for_an_unknown_school_names_the_fix(la):
    problems = _problems(census_import, b"urn,census_date,reception\n123456,2024-10-03,-1\n")
    assert "row 2, urn: no school with URN 123456: import the GIAS file that lists it first" in (
        problems
    )
    assert "row 2, reception: -1 is below 0" in problems


# ---- places and bands ----


@pytest.mark.django_db
def test_planned_places_and_band_rates_import_and_reimport_unchanged(la):
    assert planned_places_import(content=PLACES, filename="p.csv").created == {"planned places": 2}
    assert band_rates_import(content=BANDS, filename="b.csv").created == {"band rates": 2}
    assert planned_places_import(content=PLACES, filename="p.csv").unchanged == {
        "planned places": 2
    }
    raised = BANDS.replace(b"8000.00", b"8200.00")
    assert band_rates_import(content=raised, filename="b.csv").updated == {"band rates": 1}
    assert SpecialSchoolBand.objects.get(band=2).annual_rate == Decimal("8200.00")
    assert PlannedPlaces.objects.get(academic_year=2025).occupied == 19


@pytest.mark.django_db
def test_bad_places_and_bands_say_what_is_wrong(la):
    places = _problems(
        planned_places_import,
        b"urn,academic_year,provision,places\n140002,2025/26,hospital,10\n140002,2025,ap,x\n",
    )
    assert any(p.startswith("row 2, provision: 'hospital' is not one of") for p in places)
    assert "row 3, places: 'x' is not a whole number" in places
    bands = _problems(
        band_rates_import,
        b"urn,financial_year,band,annual_rate\n140002,2025-26,6,1.00\n140002,2025-26,1,1.005\n"
        b"140002,2025-26,1,2.00\n",
    )
    assert "row 2, band: 6 is not a band: bands run from 1 to 5" in bands
    assert "row 3, annual_rate: 1.005 has more than 2 decimal places" in bands
    assert SpecialSchoolBand.objects.count() == 0


# ---- pages ----


@pytest.mark.django_db
def test_the_upload_page_shows_every_problem_and_offers_the_template(client, la, la_officer):
    client.force_login(la_officer)
    url = reverse("schools:la_data_import", kwargs={"kind": "band-rates"})
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        url, {"file": SimpleUploadedFile("bands.csv", b"urn,financial_year,band,annual_rate\n")}
    )
    assert response.status_code == 422
    assert [str(e) for e in response.context["rejected"].errors] == [
        "file: the file has no data rows"
    ]

    template = client.get(reverse("schools:la_data_template", kwargs={"kind": "band-rates"}))
    assert template["Content-Disposition"] == 'attachment; filename="band-rates-template.csv"'
    assert template.content.decode("utf-8-sig").startswith("urn,financial_year,band,annual_rate")
    assert client.get(reverse("schools:la_data_import", kwargs={"kind": "nope"})).status_code == 404


# ---- readiness and the whole way in ----


UPN_A = make_upn("936", "2001", 15, 1)
UPN_B = make_upn("936", "7001", 15, 2)


def _pupils() -> bytes:
    base = {
        "date_of_birth": "2016-03-14", "home_la_code": "936", "placement_kind": "mainstream",
        "admission_kind": "first_admission", "plan_kind": "ehcp", "plan_issued": "2024-01-10",
        "annual_review_due": "2026-01-10", "support_from": "2024-01-10",
        "placement_start": "2023-09-04",
    }  # fmt: skip
    rows = [
        base | {"UPN": UPN_A, "given_name": "Amara", "family_name": "Okafor",
                "school_urn": "140001", "ta_hours": "25"},
        base | {"UPN": UPN_B, "given_name": "Ben", "family_name": "Hart", "school_urn": "140002",
                "placement_kind": "special_school", "band": "2"},
    ]  # fmt: skip
    lines = [",".join(PUPIL_COLUMNS)]
    lines += [",".join(str(r.get(c, "")) for c in PUPIL_COLUMNS) for r in rows]
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.django_db
def test_readiness_names_every_missing_piece_and_where_to_fix_it():
    assert not_ready(2025) == ["No LA has been chosen to administer this installation."]
    schools_import(content=GIAS, filename="gias.csv")
    administering_la_set(code="936")

    lines = {line.title: line for line in readiness(2025)}

    assert lines["Administering LA"].ready
    assert not lines["Funding scheme for 2025-26"].ready
    assert lines["Term dates"].detail.startswith("No term dates for 2024/25 or 2025/26")
    assert lines["Term dates"].fix_url == "/schools/data/term-dates/"
    assert lines["School censuses"].missing == ["Hill Primary"]
    assert lines["Planned places"].missing == ["Oak Special"]
    assert lines["Special school band rates"].missing == ["Oak Special"]
    assert not lines["Pupils with plans"].ready


@pytest.mark.django_db
def test_r1_r11_a_small_la_loaded_from_files_only_gets_a_run():
    """GIAS -> setup -> term dates -> census -> places -> band rates -> preset -> pupils -> run.

    Oak Special's place funding (R11, R11+): 5/12 x 20 places (2024/25) + 7/12 x 20 (2025/26)
    = 20 places x £10,000 = £200,000.00.
    """
    schools_import(content=GIAS, filename="gias.csv")
    call_command("setup_la", "936")
    term_dates_import(content=TERMS, filename="terms.csv")
    census_import(content=CENSUS, filename="census.csv")
    planned_places_import(content=PLACES, filename="places.csv")
    band_rates_import(content=BANDS, filename="bands.csv")
    scheme_load_preset(preset="west-sussex", financial_year=2025)
    pupils_import(content=_pupils(), filename="pupils.csv")
    assert not_ready(2025) == []

    run = run_allocation(fy=2025, kind="initial")

    assert run.status == RunStatus.DONE
    oak = School.objects.get(urn=140002)
    place = AllocationLine.objects.filter(run=run, school=oak, element=Element.PLACE)
    assert place.aggregate(total=Sum("amount"))["total"] == Decimal("200000.00")
    hill_e1 = AllocationLine.objects.filter(
        run=run, school__urn=140001, element=Element.ELEMENT_1
    ).aggregate(total=Sum("amount"))["total"]
    assert hill_e1 and hill_e1 > 0


SHARED_CENSUS = Path(__file__).resolve().parents[3] / "shared" / "data" / "england_census.csv"


@pytest.mark.django_db
@pytest.mark.skipif(not SHARED_CENSUS.exists(), reason="../shared/data/england_census.csv absent")
def test_the_real_england_census_imports_for_the_schools_we_hold(la):
    School.objects.filter(urn=140001).update(urn=100000)  # a real URN from the census file

    result = census_import(
        content=SHARED_CENSUS.read_bytes(), filename="england_census.csv",
        census_date=dt.date(2019, 1, 17),
    )  # fmt: skip

    # Our other two schools' URNs are real URNs in the file too: three censuses.
    assert result.created == {"censuses": 3}
    assert result.unchanged["rows for schools not in this system skipped"] == 23939 - 3
    # URN 100000: NOR 285, TSENELSE 5, NUMFSM 32 (the file's first row).
    census = SchoolCensus.objects.get(school__urn=100000)
    assert (census.total_roll, census.ehc_plans, census.fsm) == (285, 5, 32)
