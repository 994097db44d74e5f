"""`manage.py bench returns --schools 600 --pupils 25000`: monthly returns through a real worker.

Builds a synthetic LA in `<DATABASE>_bench` (`funding.bench.synthetic`), starts a real Celery
worker (a prefork subprocess) against Redis on a queue of its own, queues the parent task for a
month, and waits for its chord to finish. Prints the total seconds from queueing to the tally,
and per-school figures from the run's record: the seconds each school's task spent in the
service (p50 / p95 / max) and each school's latency from the start of the run to its return
being written (p50 / p95 / max). Then does the same again to show a re-run (every return
rebuilt, since none is opened). Targets: the first run in at most 5 s, and at most 10 ms of
CPU a school (worker and database backends: the figure that holds on a busy machine). Not a test.

The worker subprocess is `python -m funding.returns.bench worker`, which points the Celery app
at the bench queue before starting (so the parent's fan-out and the chord stay on that queue).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid

REDIS_URL = os.environ.get("RETURNS_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
QUEUE_ENV = "RETURNS_BENCH_QUEUE"
TARGET_SECONDS = 5.0
TARGET_CPU_MS = 10.0


def _machine() -> str:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores, load average {load} (1, 5, 15 min)"


def run(
    schools: int = 600,
    pupils: int = 25000,
    seed: int = 1,
    month: str = "2025-10",
    concurrency: int | None = None,
    amounts: bool = True,
    build: bool = True,
    out=print,
) -> dict:
    from django.conf import settings
    from django.db import connection

    from funding.bench.synthetic import build_synthetic_la, use_bench_database
    from funding.returns.models import ReturnLine

    database = use_bench_database()
    out(f"Machine at start: {_machine()}")
    if build:
        out(f"Database {database}: building a synthetic LA of {schools} schools, {pupils} pupils")
        summary = build_synthetic_la(schools=schools, pupils=pupils, seed=seed)
        out(
            f"  built in {summary.seconds:.1f} s: {summary.placements} placements, "
            f"{summary.plans} plans, {summary.support_levels} support levels"
        )
    else:
        out(f"Database {database}: the synthetic LA already there")
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE returns_returnline, returns_monthlyreturn, returns_returngeneration"
        )
    concurrency = concurrency or os.cpu_count() or 2
    queue = f"returns-bench-{uuid.uuid4().hex[:8]}"
    app = _point_app_at_redis(queue)
    db = settings.DATABASES["default"]
    worker = _start_worker(queue, concurrency, db, amounts)
    try:
        _wait_until_ready(app, timeout=60)
        out(
            f"Worker ready: prefork, concurrency {concurrency}, queue {queue} on {REDIS_URL}; "
            f"monthly amounts from the engine: {'on' if amounts else 'off'}"
        )
        results = {}
        for label in ("first run (create)", "second run (rebuild)"):
            before = _cpu_snapshot(worker.pid)
            figures = _generate(month)
            figures["cpu"] = _cpu_used(before, _cpu_snapshot(worker.pid))
            results[label] = figures
            _print(out, label, figures)
        figures = results["first run (create)"]
        lines = ReturnLine.objects.filter(monthly_return__month=figures["month"]).count()
        out(f"Lines written: {lines}")
        cpu_ms = figures["cpu"] / max(figures["schools"], 1) * 1000
        verdict = "met" if figures["seconds"] <= TARGET_SECONDS else "OVER"
        out(f"Target <= {TARGET_SECONDS:.0f} s: {verdict} ({figures['seconds']:.2f} s)")
        verdict = "met" if cpu_ms <= TARGET_CPU_MS else "OVER"
        out(f"Target <= {TARGET_CPU_MS:.0f} ms CPU a school: {verdict} ({cpu_ms:.1f} ms)")
        out(f"Machine at the end: {_machine()}")
        results["figures"] = [
            {
                "figure": f"returns: {figures['schools']} schools, first run",
                "value": figures["seconds"],
                "unit": "s",
                "target": TARGET_SECONDS,
            },
            {
                "figure": "returns: CPU a school (worker + database)",
                "value": cpu_ms,
                "unit": "ms",
                "target": TARGET_CPU_MS,
            },
        ]
        return results
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
        _cleanup(queue)


def _point_app_at_redis(queue: str):
    from config.celery import app

    app.conf.update(
        broker_url=REDIS_URL,
        result_backend=REDIS_URL,
        task_always_eager=False,
        task_default_queue=queue,
        result_expires=600,
    )
    app._pool = None
    app.__dict__.pop("amqp", None)
    app._backend_cache = None
    return app


def _start_worker(queue: str, concurrency: int, db: dict, amounts: bool) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(db),
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_RESULT_BACKEND": REDIS_URL,
        QUEUE_ENV: queue,
        "RETURNS_BENCH_CONCURRENCY": str(concurrency),
        "RETURNS_BENCH_AMOUNTS": "1" if amounts else "0",
        # The worker only runs tasks: Django's system checks (URLs, admin) are `check`'s job.
        "CELERY_SKIP_CHECKS": "1",
    }
    return subprocess.Popen(  # noqa: S603 - our own module with a fixed argument list
        [sys.executable, "-m", "funding.returns.bench", "worker"],
        env=env,
        cwd=os.getcwd(),
    )


def _database_url(db: dict) -> str:
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}{port}/{db['NAME']}"


def _wait_until_ready(app, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if app.control.ping(timeout=0.5):
            return
    raise RuntimeError("The bench worker did not start within a minute.")


def _generate(month: str) -> dict:
    from funding.returns import tasks
    from funding.returns.models import ReturnGeneration

    started = time.perf_counter()
    generation_id = tasks.generate_returns_for_month.delay(month).get(timeout=120)
    generation = ReturnGeneration.objects.get(pk=generation_id)
    while not generation.is_finished:
        time.sleep(0.02)
        generation.refresh_from_db()
        if time.perf_counter() - started > 600:
            raise RuntimeError("The generation did not finish within 10 minutes.")
    seconds = time.perf_counter() - started
    return {
        "month": generation.month,
        "seconds": seconds,
        "schools": generation.schools,
        "created": generation.created,
        "rebuilt": generation.rebuilt,
        "left_alone": generation.left_alone,
        "failed": generation.failed,
        "timings": generation.timings,
    }


def _cpu_snapshot(worker_pid: int) -> dict[int, float]:
    """CPU seconds so far of the worker, its pool processes and this database's other
    PostgreSQL backends (Linux /proc), so the run's CPU cost can be read apart from the wall
    clock on a shared machine."""
    from django.db import connection

    tick = os.sysconf("SC_CLK_TCK")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        pids = {row[0] for row in cursor.fetchall()}
    pids.add(worker_pid)
    for entry in os.listdir("/proc"):
        if entry.isdigit() and _stat(int(entry)) and _stat(int(entry))[1] == worker_pid:
            pids.add(int(entry))
    out = {}
    for pid in pids:
        stat = _stat(pid)
        if stat:
            out[pid] = (stat[11] + stat[12]) / tick
    return out


def _stat(pid: int) -> list[int] | None:
    """/proc/<pid>/stat fields after the command name: [state, ppid, ..., utime, stime, ...]."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            text = handle.read()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return [0, int(fields[1]), *[int(f) if f.lstrip("-").isdigit() else 0 for f in fields[2:]]]


def _cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def _print(out, label: str, figures: dict) -> None:
    service = figures["timings"].get("service", {})
    latency = figures["timings"].get("latency", {})
    out(
        f"{label}: {figures['schools']} schools in {figures['seconds']:.2f} s "
        f"(created {figures['created']}, rebuilt {figures['rebuilt']}, "
        f"left alone {figures['left_alone']}, failed {figures['failed']})"
    )
    cpus = os.cpu_count() or 1
    out(
        f"  CPU used by the worker and its database backends: {figures['cpu']:.1f} s "
        f"({figures['cpu'] / max(figures['schools'], 1) * 1000:.1f} ms a school; "
        f"{figures['cpu'] / cpus:.1f} s of wall clock on {cpus} idle cores)"
    )
    if service:
        out(
            "  per school, service time: "
            f"p50 {service['p50'] * 1000:.1f} ms, p95 {service['p95'] * 1000:.1f} ms, "
            f"max {service['max'] * 1000:.1f} ms"
        )
    if latency:
        out(
            "  per school, latency from queueing: "
            f"p50 {latency['p50']:.2f} s, p95 {latency['p95']:.2f} s, max {latency['max']:.2f} s"
        )


def _cleanup(queue: str) -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    client.delete(queue, f"_kombu.binding.{queue}")


def _worker_main() -> None:
    """The worker subprocess: the Celery app on the bench queue, prefork pool."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.conf import settings

    from config.celery import app

    settings.RETURNS_MONTHLY_AMOUNTS = os.environ.get("RETURNS_BENCH_AMOUNTS", "1") == "1"
    queue = os.environ[QUEUE_ENV]
    app.conf.task_default_queue = queue
    app.worker_main(
        [
            "worker",
            "-Q",
            queue,
            "-c",
            os.environ.get("RETURNS_BENCH_CONCURRENCY", "3"),
            "--pool",
            "prefork",
            "--loglevel",
            "WARNING",
            "--without-mingle",
            "--without-gossip",
            "--prefetch-multiplier",
            "8",
        ]
    )


if __name__ == "__main__" and sys.argv[1:] == ["worker"]:
    _worker_main()
