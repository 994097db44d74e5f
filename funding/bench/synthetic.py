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


def build_synthetic_la(schools: int, pupils: int, seed: int = 1) -> SyntheticLA:
    """Empty the database's school/pupil/funding tables and build a synthetic LA (see module)."""
    import time

    from clusters.models import Cluster, ClusterMembership  # noqa: F401  (truncated above)
    from funding import services
    from pupils.models import FundingItem, Placement, Plan, Pupil, SupportLevel
    from pupils.upn import make_upn
    from schools.models import (
        LocalAuthority,
        PlannedPlaces,
        School,
        SchoolCensus,
        SpecialSchoolBand,
        TermDate,
    )

    started = time.perf_counter()
    rng = random.Random(seed)
    _truncate()
    with transaction.atomic():
        la = LocalAuthority.objects.create(
            code=LA_CODE, name="Synthetic Shire", is_administering=True
        )
        neighbours = LocalAuthority.objects.bulk_create(
            [LocalAuthority(code=c, name=n) for c, n in NEIGHBOURS]
        )
        TermDate.objects.bulk_create(
            [
                TermDate(la=la, academic_year=ay, name=name, starts_on=s, ends_on=e)
                for name, ay, s, e in TERMS
            ]
        )
        # --- schools ---------------------------------------------------------------------
        n_special = max(1, schools * 4 // 100)
        n_ap = max(1, schools // 150)
        n_fe = max(1, schools // 300)
        n_secondary = schools * 13 // 100
        n_primary = schools - n_special - n_ap - n_fe - n_secondary
        specs = (
            [("primary", "community")] * n_primary
            + [("secondary", "academy")] * n_secondary
            + [("not_applicable", "special")] * n_special
            + [("not_applicable", "ap_pru")] * n_ap
            + [("16_plus", "fe_college")] * n_fe
        )
        school_objs = [
            School(
                urn=100000 + i,
                name=f"Synthetic {kind.replace('_', ' ')} {phase.replace('_', ' ')} {i:04d}",
                la=la,
                establishment_number=f"{2000 + i:04d}",
                phase=phase,
                establishment_type=kind,
            )
            for i, (phase, kind) in enumerate(specs)
        ]
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
            fields = {("reception" if g == 0 else f"year_{g}"): n for g, n in per.items()}
            for census_date, ehc in (
                (dt.date(2025, 1, 16), rng.randint(0, roll // 20)),
                (dt.date(2025, 11, 6), rng.randint(0, roll // 15)),
            ):
                censuses.append(
                    SchoolCensus(
                        school=s,
                        census_date=census_date,
                        fsm=roll * rng.randint(5, 30) // 100,
                        idaci=roll * rng.randint(5, 25) // 100,
                        low_prior_attainment=roll * rng.randint(5, 20) // 100,
                        ehc_plans=ehc,
                        **fields,
                    )
                )
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
        SpecialSchoolBand.objects.bulk_create(
            [
                SpecialSchoolBand(
                    school=s,
                    financial_year=FY,
                    band=b,
                    annual_rate=D(6000 + 3000 * b + rng.randint(0, 20) * 50),
                )
                for s in special
                for b in range(1, 6)
            ]
        )
        services.scheme_load_preset(preset="west-sussex", financial_year=FY, la=la)

        # --- pupils ----------------------------------------------------------------------
        pupil_objs = []
        plans_spec = []  # per pupil: (placements, plan issued, plan ceased, supports, item)
        n_special_pupils = min(pupils // 10, len(special) * 95)
        n_ap_pupils = min(pupils // 150, len(ap) * 40)
        n_fe_pupils = min(pupils // 120, len(fe) * 100)
        n_ssc_pupils = min(pupils // 80, len(ssc_hosts) * 12)
        changes = 0
        from_other = 0
        placed_out = 0
        items = 0
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
                    placed_out += 1
                elif rng.random() < 0.8:
                    school = primary[n % len(primary)]
                else:
                    school = secondary[n % len(secondary)]
                group = rng.randint(0, 6) if school.phase == "primary" else rng.randint(7, 11)
            home = la
            if school.la_id == la.pk and rng.random() < 0.10:
                home = neighbours[n % len(neighbours)]
                from_other += 1
            pupil_objs.append(
                Pupil(
                    upn=make_upn(LA_CODE, f"{n // 1000:04d}", 15, n % 1000),
                    given_name=f"Pupil{n}",
                    family_name=f"Synthetic{n % 997}",
                    date_of_birth=_dob_for_year_group(rng, group),
                    home_la=home,
                )
            )
            support = _support_for(rng, kind, school)
            placements = [(school, kind, dt.date(2024, 9, 1), None)]
            issued, ceased = dt.date(2023, 9, 1) + dt.timedelta(days=rng.randrange(300)), None
            supports = [(issued, None, support)]
            change = rng.random() < 0.2
            if change:
                changes += 1
                what = n % 5
                if what == 0:  # moves school on 3 Nov 2025
                    pool = (
                        (primary if school.phase == "primary" else secondary)
                        if kind == "mainstream"
                        else [school]
                    )
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
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return SyntheticLA(
        la_id=la.pk,
        financial_year=FY,
        schools=len(ours),
        neighbour_schools=len(outside),
        special_schools=len(special),
        ssc_hosts=len(ssc_hosts),
        pupils=len(created_pupils),
        placements=len(placement_objs),
        plans=len(plan_objs),
        support_levels=len(support_objs),
        funding_items=len(item_objs),
        pupils_with_in_year_changes=changes,
        pupils_from_other_las=from_other,
        pupils_placed_out=placed_out,
        seconds=time.perf_counter() - started,
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
