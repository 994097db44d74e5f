"""`manage.py bench reports [--schools 600 --pupils 25000 --seed 1]` (a benchmark, not a test).

On `<DATABASE>_bench` (never the working database) it builds the engine's synthetic LA
(`funding.bench.synthetic.build_synthetic_la`), runs the year's initial allocation, records
in-year changes the way the services do (with history): leavers, support increases and
personal supplements; runs the final allocation; then records a few more changes so the budget
forecast has pupils to work out again. It then times the report pages through Django's test
client as an LA officer, each with its query count:

- the final comparison report (first page, largest differences first, with the reasons),
- the high-needs budget page (budget vs commitment vs forecast, months, snapshots),
and, for information, the final report's full export with every change, one school's final
report, the initial report, the cross-border summary and the per-school list. Target: ≤ 2 s
for the final report and the budget page.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from decimal import Decimal

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

D = Decimal
FY = 2025
STORAGE = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


def _changes(rng: random.Random, *, leave_on: dt.date, more_from: dt.date, share: float, note):
    """Leavers and support increases for `share` of the pupils each, with history rows."""
    from simple_history.utils import bulk_create_with_history, bulk_update_with_history

    from pupils.models import Placement, SupportLevel

    open_placements = list(
        Placement.objects.filter(ends_on__isnull=True, starts_on__lt=leave_on).order_by("pk")
    )
    leavers = rng.sample(open_placements, int(len(open_placements) * share))
    for p in leavers:
        p.ends_on = leave_on
        p.reason = note
    bulk_update_with_history(leavers, Placement, ["ends_on", "reason"], batch_size=2000)
    levels = list(
        SupportLevel.objects.filter(
            effective_to__isnull=True,
            effective_from__lt=more_from,
            band__isnull=True,
            resource_amount__isnull=True,
        ).order_by("pk")
    )
    changed = rng.sample(levels, int(len(levels) * share))
    new = []
    for level in changed:
        level.effective_to = more_from - dt.timedelta(days=1)
        new.append(
            SupportLevel(
                plan_id=level.plan_id,
                effective_from=more_from,
                lsa_hours=min(D("55"), level.lsa_hours + 5),
                lst_hours=level.lst_hours,
                ta_hours=level.ta_hours,
                reason=note,
            )
        )
    bulk_update_with_history(changed, SupportLevel, ["effective_to"], batch_size=2000)
    bulk_create_with_history(new, SupportLevel, batch_size=2000)
    return len(leavers), len(changed)


def _supplements(rng: random.Random, share: float) -> int:
    from simple_history.utils import bulk_create_with_history

    from pupils.models import FundingItem, Placement

    placements = list(
        Placement.objects.filter(
            ends_on__isnull=True, kind="mainstream", school__la__is_administering=True
        ).order_by("pk")
    )
    chosen = rng.sample(placements, int(len(placements) * share))
    items = [
        FundingItem(
            pupil_id=p.pupil_id,
            school_id=p.school_id,
            kind="personal_supplement",
            annual_amount=D(rng.randint(10, 50) * 100),
            starts_on=dt.date(2025, 11, 3),
            ends_on=dt.date(2026, 3, 31),
            reason="SEN Panel (bench)",
        )
        for p in chosen
    ]
    bulk_create_with_history(items, FundingItem, batch_size=2000)
    return len(items)


def _officer():
    from django.contrib.auth.models import Group, User

    from schools.roles import LA_OFFICER

    user, _ = User.objects.get_or_create(username="bench-officer")
    user.groups.add(Group.objects.get_or_create(name=LA_OFFICER)[0])
    return user


def _time(client: Client, url: str) -> tuple[float, float, float, int, int]:
    """(seconds warm, seconds cold, this process's CPU seconds warm, queries, bytes) for a GET.
    The CPU seconds leave out the database's and other processes' work, so they move less with
    the machine's load than the seconds do."""
    started = time.perf_counter()
    response = client.get(url)
    cold = time.perf_counter() - started
    assert response.status_code == 200, (url, response.status_code)
    started, cpu = time.perf_counter(), time.process_time()
    response = client.get(url)
    warm, cpu = time.perf_counter() - started, time.process_time() - cpu
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return warm, cold, cpu, len(queries), len(response.content)


def run(schools: int = 600, pupils: int = 25000, seed: int = 1, out=print) -> dict:
    from funding import services as funding_services
    from funding.bench.synthetic import build_synthetic_la, use_bench_database
    from funding.reports import services
    from funding.reports.demo import demo_budget_rows
    from schools.models import School

    database = use_bench_database()
    out(f"Database {database}: building a synthetic LA of {schools} schools, {pupils} pupils")
    summary = build_synthetic_la(schools=schools, pupils=pupils, seed=seed)
    out(f"  built in {summary.seconds:.1f} s")
    rng = random.Random(seed)
    started = time.perf_counter()
    initial = funding_services.run_allocation(fy=FY, kind="initial", note="bench")
    seconds = time.perf_counter() - started
    out(f"Initial run {initial.pk}: {initial.line_count:,} lines in {seconds:.1f} s")
    with transaction.atomic():
        leavers, more = _changes(
            rng,
            leave_on=dt.date(2026, 2, 13),
            more_from=dt.date(2025, 12, 1),
            share=0.03,
            note="In-year change (bench)",
        )
        items = _supplements(rng, 0.005)
    out(f"In-year: {leavers:,} leavers, {more:,} support increases, {items:,} supplements")
    started = time.perf_counter()
    final = funding_services.run_allocation(fy=FY, kind="final", note="bench")
    out(
        f"Final run {final.pk}: {final.line_count:,} lines in {time.perf_counter() - started:.1f} s"
    )
    with transaction.atomic():
        late_leavers, late_more = _changes(
            rng,
            leave_on=dt.date(2026, 3, 20),
            more_from=dt.date(2026, 3, 2),
            share=0.01,
            note="After the final run (bench)",
        )
    out(f"Since the final run: {late_leavers:,} leavers, {late_more:,} support increases")
    services.budget_load(financial_year=FY, rows=demo_budget_rows(D("250000000")))
    for month in (10, 11, 12):
        services.budget_snapshot_take(financial_year=FY, on=dt.date(2025, month, 20))
    school = (
        School.objects.filter(allocation_lines__run=final, la__is_administering=True)
        .order_by("urn")
        .first()
    )
    client = Client()
    client.force_login(_officer())
    pages = [
        ("final comparison report (LA, page 1)", f"/reports/{FY}/final/", True),
        ("high-needs budget page", f"/reports/{FY}/budget/?as_of=2026-01-15", True),
        ("final report export, every change (CSV)", f"/reports/{FY}/final/?_export=csv", False),
        ("one school's final report", f"/reports/{FY}/final/{school.urn}/", False),
        ("initial allocation report (page 1)", f"/reports/{FY}/initial/", False),
        ("cross-border summary", f"/reports/{FY}/cross-border/", False),
        ("per-school list (LA preview)", f"/reports/{FY}/per-school/", False),
    ]
    results = {}
    started = time.perf_counter()
    services.budget_snapshot_take(financial_year=FY, on=dt.date(2026, 1, 15))
    seconds = time.perf_counter() - started
    out(f"Budget snapshot (the service the monthly task runs): {seconds:.2f} s")
    with override_settings(
        ALLOWED_HOSTS=["*"], STORAGES=STORAGE, DEBUG=False, SECURE_SSL_REDIRECT=False
    ):
        out("")
        out(f"{'page':<44}{'warm s':>8}{'cold s':>8}{'CPU s':>7}{'queries':>9}{'KB':>8}  target")
        for label, url, targeted in pages:
            warm, cold, cpu, queries, size = _time(client, url)
            results[label] = {"seconds": warm, "cold": cold, "cpu": cpu, "queries": queries}
            verdict = ("met" if warm <= 2 else "MISSED") if targeted else ""
            out(
                f"{label:<44}{warm:>8.2f}{cold:>8.2f}{cpu:>7.2f}{queries:>9}{size // 1024:>8}"
                f"  {verdict}"
            )
        # A rate changed since the final run: every pupil is re-forecast (the page says so
        # and advises a revised run).
        from funding.models import HourlyRate

        rate = HourlyRate.objects.filter(scheme=final.scheme, role="lsa").first()
        rate.hourly_rate += D("0.25")
        rate.save()
        label = "budget page after a rate change (whole year)"
        warm, cold, cpu, queries, size = _time(client, f"/reports/{FY}/budget/?as_of=2026-01-15")
        results[label] = {"seconds": warm, "cold": cold, "cpu": cpu, "queries": queries}
        out(f"{label:<44}{warm:>8.2f}{cold:>8.2f}{cpu:>7.2f}{queries:>9}{size // 1024:>8}")
    return results
