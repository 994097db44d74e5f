"""A synthetic local authority for benchmarks (PostgreSQL), reusable by every benchmark.

    from funding.bench.synthetic import use_bench_database, build_synthetic_la
    use_bench_database()            # switch to <DB>_bench, create and migrate it if needed
    summary = build_synthetic_la(schools=600, pupils=25000, seed=1)

`build_synthetic_la` EMPTIES the schools, pupils, clusters and funding tables of the database
it runs on (TRUNCATE ... CASCADE, so every table that refers to them too) and fills them with
one administering LA ("990 Synthetic Shire") and five neighbours: `schools` schools of its own
(primary, secondary, special, SSC hosts, AP, FE) plus 30 in neighbouring LAs, term dates for
FY 2025-26, January and November censuses, planned places, special school band rates, the
West Sussex scheme for FY 2025, and `pupils` pupils each with a placement, an EHCP and a
support level. About a fifth of pupils have an in-year change in FY 2025-26: a move, a support
change, a plan issued in year, leaving, or joining; about 1% have a personal supplement.
Deterministic for a given seed. Bulk inserts throughout.
"""

from __future__ import annotations

import random

from django.db import connection, transaction

from funding.bench.census_la import (
    CENSUS_PATH,
    CENSUS_TYPES,
    LA_NAMES_PATH,
    NATIONAL_LA,
    OLD_LA_NAMES,
    _count,
    _la_names,
    build_census_la,
    read_census,
)
from funding.bench.la_common import (
    BATCH,
    FY,
    LA_CODE,
    NEIGHBOURS,
    TERMS,
    D,
    SyntheticLA,
    _bands,
    _census,
    _dob_for_year_group,
    _more,
    _pupil_history,
    _setup,
    _support_for,
    _truncate,
    _write_pupils,
    use_bench_database,
)

__all__ = [
    "BATCH",
    "CENSUS_PATH",
    "CENSUS_TYPES",
    "D",
    "ESTABLISHMENT_RANGES",
    "FY",
    "LA_CODE",
    "LA_NAMES_PATH",
    "NATIONAL_LA",
    "NEIGHBOURS",
    "OLD_LA_NAMES",
    "TERMS",
    "SyntheticLA",
    "_bands",
    "_census",
    "_count",
    "_dob_for_year_group",
    "_establishment_number",
    "_la_names",
    "_more",
    "_pupil_history",
    "_school_specs",
    "_setup",
    "_support_for",
    "_truncate",
    "_write_pupils",
    "build_census_la",
    "build_synthetic_la",
    "read_census",
    "use_bench_database",
]


def _school_specs(schools: int) -> list[tuple[str, str]]:
    """(phase, establishment type) of each of the LA's schools: primaries, secondaries (13%),
    special (4%), AP/PRU and FE colleges."""
    n_special = max(1, schools * 4 // 100)
    n_ap = max(1, schools // 150)
    n_fe = max(1, schools // 300)
    n_secondary = schools * 13 // 100
    n_primary = schools - n_special - n_ap - n_fe - n_secondary
    return (
        [("primary", "community")] * n_primary
        + [("secondary", "academy")] * n_secondary
        + [("not_applicable", "special")] * n_special
        + [("not_applicable", "ap_pru")] * n_ap
        + [("16_plus", "fe_college")] * n_fe
    )


#: DfE establishment-number ranges by type (first number, how many): a number is 4 digits, so
#: past a range's size (e.g. more than 2,000 primaries in one LA) numbers repeat; the URN is
#: what identifies a school.
ESTABLISHMENT_RANGES = {
    "community": (2000, 2000),
    "academy": (4000, 2000),
    "special": (7000, 1000),
    "ap_pru": (1100, 900),
    "fe_college": (8000, 1000),
    "nursery": (1000, 100),
    "independent_special": (6000, 1000),
}


def _establishment_number(kind: str, k: int) -> str:
    first, size = ESTABLISHMENT_RANGES[kind]
    return f"{first + k % size:04d}"


def build_synthetic_la(schools: int, pupils: int, seed: int = 1) -> SyntheticLA:
    """Empty the database's school/pupil/funding tables and build a synthetic LA (see module).

    Any number of schools up to the national 24,000 and beyond: URNs run from 100000, names
    carry a five-digit number, establishment numbers stay within four digits by type."""
    import time

    from funding import services
    from schools.models import PlannedPlaces, School, SchoolCensus, SpecialSchoolBand

    started = time.perf_counter()
    rng = random.Random(seed)
    _truncate()
    with transaction.atomic():
        la, neighbours = _setup(LA_CODE, "Synthetic Shire", NEIGHBOURS)
        # --- schools ---------------------------------------------------------------------
        specs = _school_specs(schools)
        per_kind: dict[str, int] = {}
        school_objs = []
        for i, (phase, kind) in enumerate(specs):
            k = per_kind[kind] = per_kind.get(kind, -1) + 1
            school_objs.append(
                School(
                    urn=100000 + i,
                    name=f"Synthetic {kind.replace('_', ' ')} {phase.replace('_', ' ')} {i:05d}",
                    la=la,
                    establishment_number=_establishment_number(kind, k),
                    phase=phase,
                    establishment_type=kind,
                )
            )
        n_out = 30
        school_objs += [
            School(
                urn=900000 + i,
                name=f"Neighbour school {i:03d}",
                la=neighbours[i % len(neighbours)],
                establishment_number=f"{3000 + i:04d}",
                phase="primary" if i % 3 else "secondary",
                establishment_type="academy",
            )
            for i in range(n_out)
        ]
        created = School.objects.bulk_create(school_objs, batch_size=BATCH)
        ours = created[:schools]
        outside = created[schools:]
        primary = [s for s in ours if s.phase == "primary"]
        secondary = [s for s in ours if s.phase == "secondary"]
        special = [s for s in ours if s.establishment_type == "special"]
        ap = [s for s in ours if s.establishment_type == "ap_pru"]
        fe = [s for s in ours if s.establishment_type == "fe_college"]
        ssc_hosts = (
            primary[: max(1, len(primary) // 40)] + secondary[: max(1, len(secondary) // 20)]
        )

        # --- censuses, places, bands -----------------------------------------------------
        censuses = []
        for s in primary + secondary:
            groups = range(0, 7) if s.phase == "primary" else range(7, 12)
            per = {
                g: rng.randint(25, 60) if s.phase == "primary" else rng.randint(150, 220)
                for g in groups
            }
            roll = sum(per.values())
            ehc = (rng.randint(0, roll // 20), rng.randint(0, roll // 15))
            censuses += _census(rng, s, per, ehc)
        SchoolCensus.objects.bulk_create(censuses, batch_size=BATCH)
        places = []
        for ay in (FY - 1, FY):
            places += [
                PlannedPlaces(
                    school=s,
                    academic_year=ay,
                    provision="special_school",
                    places=100,
                    occupied=rng.randint(80, 100),
                )
                for s in special
            ]
            places += [
                PlannedPlaces(
                    school=s,
                    academic_year=ay,
                    provision="ssc",
                    places=12,
                    occupied=rng.randint(6, 12),
                )
                for s in ssc_hosts
            ]
            places += [
                PlannedPlaces(school=s, academic_year=ay, provision="ap", places=40) for s in ap
            ]
            places += [
                PlannedPlaces(school=s, academic_year=ay, provision="fe", places=100) for s in fe
            ]
        PlannedPlaces.objects.bulk_create(places, batch_size=BATCH)
        SpecialSchoolBand.objects.bulk_create(_bands(rng, special), batch_size=BATCH)
        services.scheme_load_preset(preset="west-sussex", financial_year=FY, la=la)

        # --- pupils ----------------------------------------------------------------------
        n_special_pupils = min(pupils // 10, len(special) * 95)
        n_ap_pupils = min(pupils // 150, len(ap) * 40)
        n_fe_pupils = min(pupils // 120, len(fe) * 100)
        n_ssc_pupils = min(pupils // 80, len(ssc_hosts) * 12)
        counts = {"from_other": 0, "placed_out": 0}

        def assignments():
            for n in range(pupils):
                if n < n_special_pupils:
                    school, kind, group = (
                        special[n % len(special)],
                        "special_school",
                        rng.randint(0, 11),
                    )
                elif n < n_special_pupils + n_ap_pupils:
                    school, kind, group = ap[n % len(ap)], "ap", rng.randint(7, 11)
                elif n < n_special_pupils + n_ap_pupils + n_fe_pupils:
                    school, kind, group = fe[n % len(fe)], "fe", rng.randint(12, 13)
                elif n < n_special_pupils + n_ap_pupils + n_fe_pupils + n_ssc_pupils:
                    school = ssc_hosts[n % len(ssc_hosts)]
                    kind = "ssc"
                    group = rng.randint(0, 6) if school.phase == "primary" else rng.randint(7, 11)
                else:
                    kind = "mainstream"
                    if rng.random() < 0.03:
                        school = outside[n % len(outside)]
                        counts["placed_out"] += 1
                    elif rng.random() < 0.8:
                        school = primary[n % len(primary)]
                    else:
                        school = secondary[n % len(secondary)]
                    group = rng.randint(0, 6) if school.phase == "primary" else rng.randint(7, 11)
                home = la
                if school.la_id == la.pk and rng.random() < 0.10:
                    home = neighbours[n % len(neighbours)]
                    counts["from_other"] += 1
                yield school, kind, group, home

        written = _write_pupils(
            rng, la, assignments(), {"primary": primary, "secondary": secondary}
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return SyntheticLA(
        la_id=la.pk,
        financial_year=FY,
        schools=len(ours),
        neighbour_schools=len(outside),
        special_schools=len(special),
        ssc_hosts=len(ssc_hosts),
        pupils_from_other_las=counts["from_other"],
        pupils_placed_out=counts["placed_out"],
        local_authorities=1 + len(neighbours),
        seconds=time.perf_counter() - started,
        **written,
    )
