"""Benchmark (not a test): `manage.py bench imports`, the pupil import at 25,000 and 100,000 rows.

For each size it empties `<DATABASE>_bench` (never the working database), creates one
administering LA, a neighbour LA and `schools` schools, writes a pupil CSV of that many rows (one
pupil, placement, plan and support period per row; every tenth pupil gets a second support
period, so a row count is not a pupil count) and times `pupils_import` of it into the empty
database, then the same file again (the idempotent re-import: everything unchanged). Prints
seconds, rows per second and the load average (the machine is shared). Target: 100,000 rows in
60 s or less.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import random
import time

from django.db import connection

from funding.bench.synthetic import _truncate, use_bench_database
from pupils.upn import make_upn

SIZES = (25_000, 100_000)
TARGET_S = 60.0


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
        verdict = "" if rows != 100_000 else (" OK" if first <= TARGET_S else " OVER TARGET")
        out(
            f"{rows:>7,} rows ({len(content) / 1e6:.1f} MB, {sum(result.created.values()):,} "
            f"records): import {first:6.1f} s ({rows / first:,.0f} rows/s){verdict}; "
            f"re-import {again:6.1f} s; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
        )
        results[rows] = {"import_s": first, "reimport_s": again, "load": load}
    connection.close()
    return results
