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

import datetime as dt
import random
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections, transaction

D = Decimal
FY = 2025
LA_CODE = "990"
NEIGHBOURS = [
    ("991", "North Neighbour"),
    ("992", "East Neighbour"),
    ("993", "South Neighbour"),
    ("994", "West Neighbour"),
    ("995", "Far County"),
]
TERMS = [
    ("Summer 1", 2024, dt.date(2025, 4, 22), dt.date(2025, 5, 23)),
    ("Summer 2", 2024, dt.date(2025, 6, 2), dt.date(2025, 7, 22)),
    ("Autumn 1", 2025, dt.date(2025, 9, 3), dt.date(2025, 10, 24)),
    ("Autumn 2", 2025, dt.date(2025, 11, 3), dt.date(2025, 12, 19)),
    ("Spring 1", 2025, dt.date(2026, 1, 5), dt.date(2026, 2, 13)),
    ("Spring 2", 2025, dt.date(2026, 2, 23), dt.date(2026, 3, 27)),
]
BATCH = 5000


@dataclass
class SyntheticLA:
    la_id: int
    financial_year: int
    schools: int
    neighbour_schools: int
    special_schools: int
    ssc_hosts: int
    pupils: int
    placements: int
    plans: int
    support_levels: int
    funding_items: int
    pupils_with_in_year_changes: int
    pupils_from_other_las: int
    pupils_placed_out: int
    local_authorities: int = 6
    suppressed_plan_counts: int = 0
    source: str = "synthetic"
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return asdict(self)


def use_bench_database(suffix: str = "_bench") -> str:
    """Point the default connection at `<name><suffix>` (created and migrated if needed) so a
    benchmark never touches the working database. PostgreSQL only. Returns the name."""
    db = settings.DATABASES["default"]
    if connection.vendor != "postgresql":
        raise RuntimeError("Benchmarks run on PostgreSQL: set DATABASE_URL to a postgres URL.")
    name = db["NAME"]
    if name.endswith(suffix):
        return name
    target = f"{name}{suffix}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [target])
        exists = cursor.fetchone() is not None
    if not exists:
        connection.close()
        # CREATE DATABASE cannot run in a transaction: use an autocommit connection.
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{target}"')
    connections.close_all()
    db["NAME"] = target
    connection.settings_dict["NAME"] = target
    call_command("migrate", verbosity=0, interactive=False)
    return target


def _truncate() -> None:
    from django.apps import apps

    tables = []
    for label in ("schools", "pupils", "clusters", "funding"):
        for model in apps.get_app_config(label).get_models():
            tables.append(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
        )


def _dob_for_year_group(rng: random.Random, group: int) -> dt.date:
    """A date of birth in the cohort that is in `group` during academic year 2025/26."""
    # Reception in 2025/26: born 1 Sep 2020 - 31 Aug 2021.
    start = dt.date(2020 - group, 9, 1)
    return start + dt.timedelta(days=rng.randrange(365))


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


def _setup(la_code: str, la_name: str, others: list[tuple[str, str]]):
    """The administering LA, the other LAs and the year's term dates."""
    from schools.models import LocalAuthority, TermDate

    la = LocalAuthority.objects.create(code=la_code, name=la_name, is_administering=True)
    other_las = LocalAuthority.objects.bulk_create(
        [LocalAuthority(code=c, name=n) for c, n in others]
    )
    TermDate.objects.bulk_create(
        [
            TermDate(la=la, academic_year=ay, name=name, starts_on=s, ends_on=e)
            for name, ay, s, e in TERMS
        ]
    )
    return la, other_las


def _census(rng: random.Random, school, per_group: dict[int, int], ehc: int, **figures):
    """January and November censuses of a school from its pupils per year group."""
    from schools.models import SchoolCensus

    roll = sum(per_group.values())
    fields = {("reception" if g == 0 else f"year_{g}"): n for g, n in per_group.items()}
    censuses = []
    for census_date, plans in ((dt.date(2025, 1, 16), ehc[0]), (dt.date(2025, 11, 6), ehc[1])):
        values = {
            "fsm": roll * rng.randint(5, 30) // 100,
            "idaci": roll * rng.randint(5, 25) // 100,
            "low_prior_attainment": roll * rng.randint(5, 20) // 100,
        }
        values.update(figures)
        censuses.append(
            SchoolCensus(
                school=school, census_date=census_date, ehc_plans=plans, **values, **fields
            )
        )
    return censuses


def _pupil_history(rng: random.Random, n: int, school, kind: str, pools: dict):
    """A pupil's placements and support levels: about a fifth change in FY 2025-26 (a move, a
    support change, a plan issued in year, leaving at Christmas or joining in September).
    Returns (placements, plan issued, plan ceased, supports, changed)."""
    support = _support_for(rng, kind, school)
    placements = [(school, kind, dt.date(2024, 9, 1), None)]
    issued, ceased = dt.date(2023, 9, 1) + dt.timedelta(days=rng.randrange(300)), None
    supports = [(issued, None, support)]
    change = rng.random() < 0.2
    if change:
        what = n % 5
        if what == 0:  # moves school on 3 Nov 2025
            pool = pools.get(school.phase, [school]) if kind == "mainstream" else [school]
            other = pool[(n * 7 + 3) % len(pool)]
            if other.pk == school.pk:
                other = pool[(n * 7 + 4) % len(pool)]
            if other.pk != school.pk:
                placements = [
                    (school, kind, dt.date(2024, 9, 1), dt.date(2025, 11, 2)),
                    (other, kind, dt.date(2025, 11, 3), None),
                ]
        elif what == 1:  # support changes on 1 January 2026
            supports = [
                (issued, dt.date(2025, 12, 31), support),
                (dt.date(2026, 1, 1), None, _more(support)),
            ]
        elif what == 2:  # plan issued in year
            issued = dt.date(2025, 6, 16) + dt.timedelta(days=rng.randrange(150))
            supports = [(issued, None, support)]
        elif what == 3:  # leaves at Christmas
            placements = [(school, kind, dt.date(2024, 9, 1), dt.date(2025, 12, 19))]
        else:  # joins in September
            placements = [(school, kind, dt.date(2025, 9, 3), None)]
    return placements, issued, ceased, supports, change


def _write_pupils(rng: random.Random, la, assignments, pools: dict) -> dict:
    """Create a pupil with a plan, placements, support levels and (about 1%) a funding item for
    each (school, placement kind, year group, home LA) of `assignments`. Returns the counts."""
    from pupils.models import FundingItem, Placement, Plan, Pupil, SupportLevel
    from pupils.upn import make_upn

    pupil_objs = []
    plans_spec = []
    changes = items = 0
    for n, (school, kind, group, home) in enumerate(assignments):
        pupil_objs.append(
            Pupil(
                upn=make_upn(LA_CODE, f"{n // 1000:04d}", 15, n % 1000),
                given_name=f"Pupil{n}",
                family_name=f"Synthetic{n % 997}",
                date_of_birth=_dob_for_year_group(rng, group),
                home_la=home,
            )
        )
        placements, issued, ceased, supports, changed = _pupil_history(rng, n, school, kind, pools)
        changes += changed
        item = None
        if rng.random() < 0.01 and school.la_id == la.pk:
            items += 1
            item = (
                school,
                "personal_supplement" if kind == "mainstream" else "enf",
                D(rng.randint(10, 60) * 100),
                dt.date(2025, 9, 1),
                dt.date(2026, 8, 31),
            )
        plans_spec.append((placements, issued, ceased, supports, item))
    created_pupils = Pupil.objects.bulk_create(pupil_objs, batch_size=BATCH)
    placement_objs = []
    plan_objs = []
    item_objs = []
    for pupil, (placements, issued, ceased, _supports, item) in zip(
        created_pupils, plans_spec, strict=True
    ):
        for school, kind, starts_on, ends_on in placements:
            placement_objs.append(
                Placement(
                    pupil=pupil, school=school, kind=kind, starts_on=starts_on, ends_on=ends_on
                )
            )
        plan_objs.append(
            Plan(
                pupil=pupil,
                kind="ehcp",
                issued_on=issued,
                ceased_on=ceased,
                primary_need="ASD",
                annual_review_due=issued.replace(year=issued.year + 1)
                if not (issued.month == 2 and issued.day == 29)
                else issued,
            )
        )
        if item is not None:
            school, kind, amount, starts_on, ends_on = item
            item_objs.append(
                FundingItem(
                    pupil=pupil,
                    school=school,
                    kind=kind,
                    annual_amount=amount,
                    starts_on=starts_on,
                    ends_on=ends_on,
                )
            )
    Placement.objects.bulk_create(placement_objs, batch_size=BATCH)
    created_plans = Plan.objects.bulk_create(plan_objs, batch_size=BATCH)
    support_objs = []
    for plan, (_p, _i, _c, supports, _item) in zip(created_plans, plans_spec, strict=True):
        for starts_on, ends_on, s in supports:
            support_objs.append(
                SupportLevel(plan=plan, effective_from=starts_on, effective_to=ends_on, **s)
            )
    SupportLevel.objects.bulk_create(support_objs, batch_size=BATCH)
    FundingItem.objects.bulk_create(item_objs, batch_size=BATCH)
    return {
        "pupils": len(created_pupils),
        "placements": len(placement_objs),
        "plans": len(plan_objs),
        "support_levels": len(support_objs),
        "funding_items": len(item_objs),
        "pupils_with_in_year_changes": changes,
    }


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


def _bands(rng: random.Random, special) -> list:
    from schools.models import SpecialSchoolBand

    return [
        SpecialSchoolBand(
            school=s,
            financial_year=FY,
            band=b,
            annual_rate=D(6000 + 3000 * b + rng.randint(0, 20) * 50),
        )
        for s in special
        for b in range(1, 6)
    ]


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


def _support_for(rng: random.Random, kind: str, school) -> dict:
    if kind == "special_school":
        return {"band": rng.randint(1, 5)}
    if kind in ("ap", "fe") or (school.phase == "secondary" and rng.random() < 0.1):
        return {"resource_amount": D(rng.randint(20, 120) * 100)}
    support = {"lsa_hours": D(rng.randint(24, 60)) / 2}
    if rng.random() < 0.1:
        support["lst_hours"] = D(rng.randint(2, 5))
    if rng.random() < 0.1:
        support["ta_hours"] = D(rng.randint(2, 10))
    return support


def _more(support: dict) -> dict:
    if "band" in support:
        return {"band": min(5, support["band"] + 1)}
    if "resource_amount" in support:
        return {"resource_amount": support["resource_amount"] + D("1000")}
    more = dict(support)
    more["lsa_hours"] = min(D("55"), support["lsa_hours"] + D("5"))
    return more
