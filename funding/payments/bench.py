"""`manage.py bench payments --schools 600 --pupils 25000`: one payment period through a real
worker. Not a test.

Builds (or reuses, `build=False`) the synthetic LA (`funding.bench.synthetic`), empties the
payments tables, creates FY 2025's monthly periods and generates April through a real Celery
worker (the returns bench's worker subprocess: it runs every task of the app) on a queue of
its own: the parent task fans out one task per school and the chord records the finish.
Prints the seconds from queueing to `generated_at`, the lines written, the load average, and
the CPU used by the worker (its pool processes and the database's backends, from /proc) and by
the bench process: on a busy machine the CPU a school is the figure that holds.
Target: at most 10 s for the period.

The synthetic LA is written with bulk inserts that leave no history, while a period reads the
data as it stood at its moment (`schools.asat`, from the history tables): so the bench first
records one history row for every row that has none (without it a period finds no schools and
writes 0 lines). Then it approves the period and times, for the school with the most lines, the
remittance page and its CSV, XLSX and PDF (target 2 s each, like the reports' pages).
"""

from __future__ import annotations

import os
import subprocess
import time
import uuid

TARGET_SECONDS = 10.0
PAGE_TARGET_SECONDS = 2.0
STORAGE = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
#: Apps whose rows a period reads as at its moment.
HISTORY_APPS = ("schools", "pupils", "funding", "clusters")


def record_missing_history(out=print) -> int:
    """One "+" history row, dated now, for every row of a history-keeping model of
    `HISTORY_APPS` that has none (bulk-created rows). Answers the rows recorded."""
    from django.utils import timezone
    from simple_history.models import registered_models

    now = timezone.now()
    done = 0
    for model in sorted(set(registered_models.values()), key=lambda m: m._meta.label):
        if model._meta.app_label not in HISTORY_APPS or not hasattr(model, "history"):
            continue
        missing = model._default_manager.exclude(pk__in=model.history.values("id")).order_by("pk")
        batch = []
        for row in missing.iterator(chunk_size=2000):
            batch.append(row)
            if len(batch) == 2000:
                done += _history(model, batch, now)
                batch = []
        if batch:
            done += _history(model, batch, now)
    out(f"  history recorded for {done:,} bulk-created rows")
    return done


def _history(model, rows, when) -> int:
    model.history.bulk_history_create(
        rows, batch_size=2000, default_date=when, default_change_reason="Bench: bulk-created"
    )
    return len(rows)


def _officers():
    from django.contrib.auth.models import Group, User

    from schools.roles import LA_OFFICER

    group = Group.objects.get_or_create(name=LA_OFFICER)[0]
    users = []
    for name in ("bench-preparer", "bench-approver"):
        user, _ = User.objects.get_or_create(username=name)
        user.groups.add(group)
        users.append(user)
    return users


def _time_pages(period, out) -> list[dict]:
    """Approve the period, then time the remittance page and exports for the school with the
    most lines (warm: the second of two requests)."""
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import reverse

    from funding.payments import services
    from funding.payments.models import PaymentLine

    preparer, approver = _officers()
    period = services.payment_period_prepare(period=period, user=preparer)
    period = services.payment_period_approve(period=period, user=approver)
    top = (
        PaymentLine.objects.filter(period=period)
        .values("school__urn")
        .annotate(n=Count("id"))
        .order_by("-n", "school__urn")
        .first()
    )
    if top is None:
        out("No lines: nothing to time.")
        return []
    urn, count = top["school__urn"], top["n"]
    url = reverse("payments:remittance", args=[period.pk, urn])
    pages = [
        ("remittance page", url),
        ("remittance CSV", f"{url}?_export=csv"),
        ("remittance XLSX", f"{url}?_export=xlsx"),
        ("remittance PDF", reverse("payments:remittance_pdf", args=[period.pk, urn])),
    ]
    client = Client()
    client.force_login(approver)
    figures = []
    out(f"Largest school (URN {urn}): {count:,} lines")
    with override_settings(
        ALLOWED_HOSTS=["*"], STORAGES=STORAGE, DEBUG=False, SECURE_SSL_REDIRECT=False
    ):
        for label, page in pages:
            client.get(page)
            started = time.perf_counter()
            response = client.get(page)
            seconds = time.perf_counter() - started
            if response.status_code != 200:
                raise RuntimeError(f"{label}: HTTP {response.status_code}")
            verdict = "met" if seconds <= PAGE_TARGET_SECONDS else "OVER"
            size = len(response.content) / 1024
            out(f"  {label:<18}{seconds:>7.2f} s  {size:>8.0f} KB  {verdict}")
            figures.append(
                {
                    "figure": f"payments: {label}, largest school ({count:,} lines)",
                    "value": seconds,
                    "unit": "s",
                    "target": PAGE_TARGET_SECONDS,
                }
            )
    return figures


def _load() -> str:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores, load average {load} (1, 5, 15 min)"


def run(
    schools: int = 600,
    pupils: int = 25000,
    seed: int = 1,
    concurrency: int | None = None,
    build: bool = True,
    out=print,
) -> dict:
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from funding.bench.synthetic import FY, build_synthetic_la, use_bench_database
    from funding.payments import selectors, services, tasks
    from funding.payments.models import PaymentLine, PaymentPeriod
    from funding.returns import bench as returns_bench
    from schools.selectors import administering_la

    database = use_bench_database()
    out(f"Machine at start: {_load()}")
    if build:
        out(f"Database {database}: building a synthetic LA of {schools} schools, {pupils} pupils")
        summary = build_synthetic_la(schools=schools, pupils=pupils, seed=seed)
        out(f"  built in {summary.seconds:.1f} s")
    if record_missing_history(out):
        # Planner statistics for the history rows just written (the synthetic LA's ANALYZE
        # ran before them): without, the as-at reads scan whole history tables.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE payments_interlainvoice, payments_historicalinterlainvoice, "
            "payments_payableinvoice, payments_historicalpayableinvoice, "
            "payments_paymentline, payments_paymentperiod, payments_historicalpaymentperiod "
            "CASCADE"
        )
    period = services.payment_periods_create(financial_year=FY)[0]
    concurrency = concurrency or os.cpu_count() or 2
    queue = f"payments-bench-{uuid.uuid4().hex[:8]}"
    app = returns_bench._point_app_at_redis(queue)
    worker = returns_bench._start_worker(
        queue, concurrency, settings.DATABASES["default"], amounts=False
    )
    try:
        returns_bench._wait_until_ready(app, timeout=60)
        out(f"Worker ready: prefork, concurrency {concurrency}, queue {queue}")
        cpu_before = returns_bench._cpu_snapshot(worker.pid)
        parent_cpu = time.process_time()
        started = time.perf_counter()
        tasks.generate_period_payments.delay(period.pk, timezone.now().isoformat()).get(timeout=120)
        while period.generated_at is None:
            time.sleep(0.02)
            period.refresh_from_db()
            if time.perf_counter() - started > 600:
                raise RuntimeError("The period did not finish within 10 minutes.")
        seconds = time.perf_counter() - started
        parent_cpu = time.process_time() - parent_cpu
        cpu = returns_bench._cpu_used(cpu_before, returns_bench._cpu_snapshot(worker.pid))
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
        returns_bench._cleanup(queue)
    period = PaymentPeriod.objects.get(pk=period.pk)
    lines = PaymentLine.objects.filter(period=period).count()
    verdict = "met" if seconds <= TARGET_SECONDS else "OVER"
    out(
        f"Period {period.label}: {seconds:.2f} s, {lines:,} lines, "
        f"{len(period.generation_failures)} school(s) failed"
    )
    out(f"Target <= {TARGET_SECONDS:.0f} s: {verdict}")
    paid = len(selectors.schools_to_pay(period, administering_la().pk))
    cpus = os.cpu_count() or 1
    out(
        f"  CPU: worker and its database backends {cpu:.1f} s "
        f"({cpu / max(paid, 1) * 1000:.1f} ms a school over {paid} schools; "
        f"{cpu / cpus:.1f} s of wall clock on {cpus} idle cores), bench process {parent_cpu:.2f} s"
    )
    if not lines or period.generation_failures:
        raise RuntimeError(
            f"The period wrote {lines} lines with {len(period.generation_failures)} failure(s): "
            f"{period.generation_failures[:3]}"
        )
    pages = _time_pages(period, out)
    out(f"Machine at the end: {_load()}")
    return {
        "seconds": seconds,
        "lines": lines,
        "cpu": cpu,
        "figures": [
            {
                "figure": f"payments: one period, {schools} schools",
                "value": seconds,
                "unit": "s",
                "target": TARGET_SECONDS,
            },
            *pages,
        ],
    }
