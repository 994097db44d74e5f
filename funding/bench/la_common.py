"""What the benchmark LA builders share (`funding.bench.synthetic` and `funding.bench.census_la`).

The bench database switch (`use_bench_database`), emptying the school/pupil/funding tables
(`_truncate`), the constants (FY 2025, the synthetic LA's code and neighbours, term dates, bulk
insert batch size), the build summary (`SyntheticLA`) and the pieces both builders write with:
the LAs and term dates, a school's censuses, special school band rates, and pupils with their
placements, plans, support levels and funding items (with about a fifth changing in year).
Everything here is re-exported by `funding.bench.synthetic`.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import asdict, dataclass
from decimal import Decimal

from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections

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


def _review_due(issued: dt.date, today: dt.date, *, overdue: bool) -> dt.date:
    """The plan's next annual review as a live LA's list has it: the next anniversary of its
    issue on or after `today`, or for the one plan in eight that is `overdue`, the one before
    (so the reviews page has a realistic overdue share, not every plan overdue)."""

    def anniversary(year: int) -> dt.date:
        return issued.replace(
            year=year, day=28 if (issued.month, issued.day) == (2, 29) else issued.day
        )

    due = anniversary(today.year)
    if due < today:
        due = anniversary(today.year + 1)
    # Never before the first review (a plan issued less than a year ago is not yet overdue).
    return max(anniversary(due.year - 1) if overdue else due, anniversary(issued.year + 1))


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
    today = dt.date.today()
    for n, (pupil, (placements, issued, ceased, _supports, item)) in enumerate(
        zip(created_pupils, plans_spec, strict=True)
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
                annual_review_due=_review_due(issued, today, overdue=n % 8 == 0),
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
