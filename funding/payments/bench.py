"""`manage.py bench payments --schools 600 --pupils 25000`: one payment period through a real
worker. Not a test.

Builds (or reuses, `build=False`) the synthetic LA (`funding.bench.synthetic`), empties the
payments tables, creates FY 2025's monthly periods and generates April through a real Celery
worker (the returns bench's worker subprocess: it runs every task of the app) on a queue of
its own: the parent task fans out one task per school and the chord records the finish.
Prints the seconds from queueing to `generated_at`, the lines written, and the load average.
Target: at most 10 s for the period.
"""

from __future__ import annotations

import os
import subprocess
import time
import uuid

TARGET_SECONDS = 10.0


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
    from funding.payments import services, tasks
    from funding.payments.models import PaymentLine, PaymentPeriod
    from funding.returns import bench as returns_bench

    database = use_bench_database()
    out(f"Machine at start: {_load()}")
    if build:
        out(f"Database {database}: building a synthetic LA of {schools} schools, {pupils} pupils")
        summary = build_synthetic_la(schools=schools, pupils=pupils, seed=seed)
        out(f"  built in {summary.seconds:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE payments_interlainvoice, payments_historicalinterlainvoice, "
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
        started = time.perf_counter()
        tasks.generate_period_payments.delay(period.pk, timezone.now().isoformat()).get(timeout=120)
        while period.generated_at is None:
            time.sleep(0.02)
            period.refresh_from_db()
            if time.perf_counter() - started > 600:
                raise RuntimeError("The period did not finish within 10 minutes.")
        seconds = time.perf_counter() - started
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
    out(f"Machine at the end: {_load()}")
    return {
        "seconds": seconds,
        "lines": lines,
        "figures": [
            {
                "figure": f"payments: one period, {schools} schools",
                "value": seconds,
                "unit": "s",
                "target": TARGET_SECONDS,
            }
        ],
    }
