"""England's national shape from the January 2019 school census, for benchmarks (PostgreSQL).

    from funding.bench.census_la import build_census_la
    summary = build_census_la(schools=200, seed=1)   # or schools=None for every school

`build_census_la` reads the shared data folder's England census (`CENSUS_PATH`, via
`read_census`) and, like `funding.bench.synthetic.build_synthetic_la`, empties the school,
pupil, clusters and funding tables and fills them: one administering LA holding every school of
the census, the census LAs as the pupils' home LAs, and one pupil with an EHC plan per plan the
census counts. Also importable from `funding.bench.synthetic`.
"""

from __future__ import annotations

import random
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

from funding.bench.la_common import (
    BATCH,
    FY,
    SyntheticLA,
    _bands,
    _census,
    _setup,
    _truncate,
    _write_pupils,
)

# ---- the national shape from the January 2019 school census ----------------------------------

CENSUS_PATH = Path(settings.BASE_DIR).parent / "shared" / "data" / "england_census.csv"
LA_NAMES_PATH = CENSUS_PATH.with_name("la_and_region_codes_meta.csv")
#: The census still uses Dorset's, Poole's and Bournemouth's codes from before their 2019
#: reorganisation; the codes list has only the new ones (838 Dorset, 839 BCP).
OLD_LA_NAMES = {
    "835": "Dorset (pre-2019)",
    "836": "Poole (pre-2019)",
    "837": "Bournemouth (pre-2019)",
}
#: Census SCHOOLTYPE -> (phase, establishment type, placement kind of its pupils with a plan).
CENSUS_TYPES = {
    "State-funded primary": ("primary", "community", "mainstream"),
    "State-funded secondary": ("secondary", "academy", "mainstream"),
    "State-funded nursery": ("nursery", "nursery", "mainstream"),
    "State-funded special school": ("not_applicable", "special", "special_school"),
    "Non-maintained special school": ("not_applicable", "independent_special", "special_school"),
    "Independent school": ("not_applicable", "independent_special", "special_school"),
    "Pupil referral unit": ("not_applicable", "ap_pru", "ap"),
}
NATIONAL_LA = ("990", "England (national benchmark)")


def _count(value: str) -> int | None:
    """A census count; None where it is suppressed ("NA") or empty."""
    return None if value in ("NA", "", "x") else int(value)


def read_census(path: Path = CENSUS_PATH) -> list[dict]:
    """The census rows of schools (the national total rows, URN "NAT", skipped), by URN."""
    import csv

    if not path.exists():
        raise FileNotFoundError(
            f"{path} is missing: --from-census reads the shared data folder's England census."
        )
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = [row for row in csv.DictReader(f) if row["URN"].isdigit()]
    rows.sort(key=lambda row: int(row["URN"]))
    return rows


def _la_names(codes) -> dict[str, str]:
    import csv

    names = dict(OLD_LA_NAMES)
    if LA_NAMES_PATH.exists():
        with LA_NAMES_PATH.open(encoding="utf-8-sig", newline="") as f:
            names.update({row["LEA"]: row["LA Name"] for row in csv.DictReader(f)})
    return {code: names.get(code, f"LA {code}") for code in codes}


def build_census_la(schools: int | None = None, seed: int = 1, path: Path = CENSUS_PATH):
    """Empty the database's school/pupil/funding tables and build England from the census.

    A national run: one administering LA ("990 England (national benchmark)") holds every school
    of the census (or the first `schools` by URN), so one run computes every school's lines; the
    152 census LAs are the pupils' home LAs (a pupil's home LA is the LA of the school the census
    counts them at), so top-up is billed across the country's real shape. Each school gets its
    real number on roll (spread evenly over its year groups) and one pupil with an EHC plan for
    each plan the census counts there (`TSENELSE`; suppressed "NA" counts as none and is
    reported). Special and non-maintained schools get band rates and places for their roll;
    independent schools' pupils an agreed annual cost; PRUs AP places. Deterministic.
    """
    import time

    from funding import services
    from schools.models import PlannedPlaces, School, SchoolCensus

    started = time.perf_counter()
    rng = random.Random(seed)
    rows = read_census(path)
    if schools is not None:
        rows = rows[:schools]
    codes = sorted({row["LA"] for row in rows})
    _truncate()
    with transaction.atomic():
        la, home_las = _setup(*NATIONAL_LA, sorted(_la_names(codes).items()))
        home_by_code = {h.code: h for h in home_las}
        school_objs = []
        for row in rows:
            phase, kind, _placement = CENSUS_TYPES.get(
                row["SCHOOLTYPE"], ("not_applicable", "other", "mainstream")
            )
            school_objs.append(
                School(
                    urn=int(row["URN"]),
                    name=f"{row['SCHOOLTYPE']} {row['LA']}/{row['ESTAB']}",
                    la=la,
                    establishment_number=row["ESTAB"][:4],
                    phase=phase,
                    establishment_type=kind,
                    number_on_roll=_count(row["NOR"]),
                )
            )
        created = School.objects.bulk_create(school_objs, batch_size=BATCH)
        censuses, places, special, pools = [], [], [], {"primary": [], "secondary": []}
        plan_places = []  # (school, placement kind, year groups, home LA, plans)
        suppressed = 0
        for school, row in zip(created, rows, strict=True):
            roll = _count(row["NOR"]) or 0
            plans = _count(row["TSENELSE"])
            suppressed += plans is None
            plans = plans or 0
            _phase, kind, placement = CENSUS_TYPES.get(row["SCHOOLTYPE"], (0, 0, "mainstream"))
            if school.phase in ("primary", "secondary", "nursery"):
                groups = {"primary": range(0, 7), "secondary": range(7, 12)}.get(
                    school.phase, range(0, 1)
                )
                per = {
                    g: roll // len(groups) + (i < roll % len(groups)) for i, g in enumerate(groups)
                }
                figures = {
                    name: _count(row[column]) or 0
                    for name, column in (
                        ("fsm", "NUMFSM"),
                        ("eal", "NUMEAL"),
                        ("sen_support", "TSENELK"),
                    )
                }
                censuses += _census(rng, school, per, (plans, plans), **figures)
                if school.phase in pools:
                    pools[school.phase].append(school)
            if kind in ("special", "independent_special") or placement == "ap":
                provision = "ap" if placement == "ap" else "special_school"
                places += [
                    PlannedPlaces(
                        school=school,
                        academic_year=ay,
                        provision=provision,
                        places=max(roll, plans),
                        occupied=min(plans, max(roll, plans)),
                    )
                    for ay in (FY - 1, FY)
                ]
            if kind == "special":
                special.append(school)
            groups = {
                "primary": (0, 6),
                "secondary": (7, 11),
                "nursery": (-1, -1),
            }.get(school.phase, (7, 11) if placement == "ap" else (0, 13))
            plan_places.append((school, placement, groups, home_by_code[row["LA"]], plans))
        SchoolCensus.objects.bulk_create(censuses, batch_size=BATCH)
        PlannedPlaces.objects.bulk_create(places, batch_size=BATCH)
        from schools.models import SpecialSchoolBand

        SpecialSchoolBand.objects.bulk_create(_bands(rng, special), batch_size=BATCH)
        services.scheme_load_preset(preset="west-sussex", financial_year=FY, la=la)

        def assignments():
            for school, placement, (low, high), home, plans in plan_places:
                for _ in range(plans):
                    yield school, placement, rng.randint(low, high), home

        written = _write_pupils(rng, la, assignments(), pools)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return SyntheticLA(
        la_id=la.pk,
        financial_year=FY,
        schools=len(created),
        neighbour_schools=0,
        special_schools=len(special),
        ssc_hosts=0,
        pupils_from_other_las=written["pupils"],
        pupils_placed_out=0,
        local_authorities=1 + len(home_las),
        suppressed_plan_counts=suppressed,
        source=f"census {path.name}",
        seconds=time.perf_counter() - started,
        **written,
    )
