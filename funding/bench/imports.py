"""Benchmark (not a test): `manage.py bench imports`, the pupil import at 25,000 and 100,000 rows.

For each size it empties `<DATABASE>_bench` (never the working database), creates one
administering LA, a neighbour LA and `schools` schools, writes a pupil CSV of that many rows (one
pupil, placement, plan and support period per row; every tenth pupil gets a second support
period, so a row count is not a pupil count) and times `pupils_import` of it into the empty
database, then the same file again (the idempotent re-import: everything unchanged). Prints
seconds, rows per second and the load average (the machine is shared). Target: 100,000 rows in
60 s or less.

Then the census import: every school in the DfE school-level census file
(`../shared/data/england_census.csv`, about 24,000 rows) is put in one synthetic administering LA
and `census_import` reads that file as it comes (DfE layout, census date given) into the empty
censuses, then again (everything unchanged). Target: 30 s or less for the 25,000 pupil rows and
for the census file, each.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import random
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

from funding.bench.synthetic import _truncate, use_bench_database
from pupils.upn import make_upn

SIZES = (25_000, 100_000)
TARGET_S = 60.0
TARGET_25K_S = 30.0  # issue 13: 25,000 pupil rows and 24,000 census rows, each in 30 s
CENSUS_FILE = Path(settings.BASE_DIR).parent / "shared" / "data" / "england_census.csv"
CENSUS_DATE = dt.date(2019, 1, 17)  # the January 2019 census the file holds


def pupil_file(rows: int, urns: list[int], seed: int = 1) -> bytes:
    """A valid pupil CSV of exactly `rows` data rows."""
    from pupils.imports import COLUMNS

    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    written, n = 0, 0
    while written < rows:
        n += 1
        born = dt.date(2010, 9, 1) + dt.timedelta(days=rng.randrange(3000))
        start = dt.date(2023, 9, 4)
        base = {
            "UPN": make_upn("999", str(1000 + n // 1000), 2010, n % 1000),
            "given_name": f"Given{n}",
            "family_name": f"Family{n}",
            "date_of_birth": born.isoformat(),
            "home_la_code": "999" if n % 7 else "888",
            "school_urn": rng.choice(urns),
            "placement_start": start.isoformat(),
            "plan_kind": "ehcp",
            "plan_issued": "2023-06-01",
            "lsa_hours": f"{rng.randrange(5, 30)}.00",
        }
        if n % 10 == 0 and written + 2 <= rows:
            writer.writerow(base | {"support_from": "2023-09-04", "support_to": "2024-08-31"})
            writer.writerow(base | {"support_from": "2024-09-01", "lsa_hours": "25.00"})
            written += 2
        else:
            writer.writerow(base | {"support_from": "2023-09-04"})
            written += 1
    return out.getvalue().encode()


def _setup(schools: int) -> list[int]:
    from schools.models import LocalAuthority, School

    _truncate()
    la = LocalAuthority.objects.create(code="999", name="Bench Borough", is_administering=True)
    LocalAuthority.objects.create(code="888", name="Neighbour County")
    made = School.objects.bulk_create(
        [
            School(
                urn=100000 + k,
                name=f"Bench School {k}",
                la=la,
                phase="primary",
                establishment_type="community",
            )
            for k in range(schools)
        ]
    )
    return [s.urn for s in made]


def run(schools: int = 600, pupils: int | None = None, seed: int = 1, out=print) -> dict:
    from pupils.imports import pupils_import

    name = use_bench_database()
    sizes = (pupils,) if pupils else SIZES
    out(f"Pupil import benchmark on {name} ({schools} schools)")
    results = {}
    for rows in sizes:
        urns = _setup(schools)
        content = pupil_file(rows, urns, seed)
        started = time.perf_counter()
        result = pupils_import(content=content, filename="bench.csv")
        first = time.perf_counter() - started
        started = time.perf_counter()
        pupils_import(content=content, filename="bench.csv")
        again = time.perf_counter() - started
        load = os.getloadavg()
        target = {100_000: TARGET_S, 25_000: TARGET_25K_S}.get(rows)
        verdict = "" if target is None else (" OK" if first <= target else " OVER TARGET")
        out(
            f"{rows:>7,} rows ({len(content) / 1e6:.1f} MB, {sum(result.created.values()):,} "
            f"records): import {first:6.1f} s ({rows / first:,.0f} rows/s){verdict}; "
            f"re-import {again:6.1f} s; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
        )
        results[rows] = {"import_s": first, "reimport_s": again, "load": load}
    results["census"] = census_run(out=out)
    connection.close()
    return results


def _census_setup(content: bytes) -> int:
    """One administering LA holding every school the census file lists (by URN), with statutory
    ages from its phase so NOR is spread over the right year groups."""
    from schools.models import LocalAuthority, School

    _truncate()
    la = LocalAuthority.objects.create(
        code="990", name="England (census bench)", is_administering=True
    )
    reader = csv.DictReader(io.StringIO(content.decode("utf-8-sig")))
    made = []
    for row in reader:
        urn = (row.get("URN") or "").strip()
        if not urn.isdigit():
            continue
        kind = (row.get("SCHOOLTYPE") or "").lower()
        if "secondary" in kind:
            phase, low, high = "secondary", 11, 16
        elif "special" in kind:
            phase, low, high = "not_applicable", 4, 19
        elif "nursery" in kind:
            phase, low, high = "nursery", 2, 5
        else:
            phase, low, high = "primary", 4, 11
        made.append(
            School(
                urn=int(urn), name=f"Census School {urn}", la=la, phase=phase,
                establishment_type="community", statutory_low_age=low, statutory_high_age=high,
            )
        )  # fmt: skip
    School.objects.bulk_create(made, batch_size=2000)
    return len(made)


def census_run(out=print, path: Path = CENSUS_FILE) -> dict:
    """Time the DfE-layout census import of the whole England file (about 24,000 rows)."""
    from schools.imports.census import census_import

    content = path.read_bytes()
    schools = _census_setup(content)
    rows = content.count(b"\n") - 1
    started = time.perf_counter()
    result = census_import(content=content, filename=path.name, census_date=CENSUS_DATE)
    first = time.perf_counter() - started
    started = time.perf_counter()
    census_import(content=content, filename=path.name, census_date=CENSUS_DATE)
    again = time.perf_counter() - started
    load = os.getloadavg()
    verdict = " OK" if first <= TARGET_25K_S else " OVER TARGET"
    out(
        f"{rows:>7,} census rows (DfE layout, {len(content) / 1e6:.1f} MB, {schools:,} schools, "
        f"{sum(result.created.values()):,} censuses): import {first:6.1f} s "
        f"({rows / first:,.0f} rows/s){verdict}; re-import {again:6.1f} s; "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    return {"import_s": first, "reimport_s": again, "load": load, "rows": rows}
