"""Benchmark (not a test): the workspace pages under load. `manage.py bench pages`.

Builds the synthetic LA (funding.bench.synthetic: 600 schools, 25,000 pupils by default) in
`<DATABASE>_bench` on PostgreSQL, vacuums and analyzes it (a live LA's database has planner
statistics, and autovacuum must not race the measurement), serves the app with gunicorn on a
free 127.0.0.1 port with production settings (DEBUG off, persistent database connections; plain
HTTP on the loopback) the way gunicorn advises behind a proxy (`gunicorn_command`: 2 x cores + 1
sync workers, application preloaded), signs in `users` users (four in five LA officers, the rest
school business managers of one school each) and drives them concurrently over the list and
detail pages for `seconds` seconds with a bounded pool of threads, each one user with its own
HTTP connection and session. Each user waits `think` seconds on average between pages, like a
person reading them (think=0 measures the saturated server). The first `warmup` seconds are not
counted.

Prints p50/p95/p99 latency and requests per second for each page. Target: p95 <= 150 ms.
"""

from __future__ import annotations

import http.client
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

from django.conf import settings
from django.db import connection

from funding.bench.all import machine

BASE_DIR = Path(settings.BASE_DIR)
PASSWORD = "bench-password-not-secret"
TARGET_P95_MS = 150.0


@dataclass
class Sample:
    page: str
    ms: float
    status: int


@dataclass
class Targets:
    """What the virtual users ask for: real URNs, UPNs, names and filter values."""

    urns: list[int]
    upns: list[str]
    family_names: list[str]
    school_ids: list[int]
    manager_schools: list[tuple[str, int, list[str]]] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


# --- data -------------------------------------------------------------------------------------


def _users_and_targets(users: int, seed: int) -> tuple[list[str], Targets]:
    """Bench users (re-made each run) and the URLs' parameters, from the synthetic LA."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.db.models import Count

    from pupils.models import Placement, Pupil
    from schools import roles
    from schools.models import School, SchoolAccess
    from schools.selectors import administering_la

    rng = random.Random(seed)
    user_model = get_user_model()
    # Only this benchmark's own users (bench-00, bench-01, ...): other benchmarks' users (the
    # payments bench's preparer and approver) are named in money history and cannot go.
    user_model.objects.filter(username__regex=r"^bench-[0-9]+$").delete()
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in roles.ALL_ROLES}
    password = make_password(PASSWORD)

    la = administering_la()
    schools = list(School.objects.filter(la=la).values_list("pk", "urn"))
    busiest = list(
        School.objects.filter(la=la)
        .annotate(n=Count("placements"))
        .order_by("-n")
        .values_list("pk", flat=True)[:50]
    )
    upns = list(Pupil.objects.values_list("upn", flat=True))
    family_names = sorted(set(Pupil.objects.values_list("family_name", flat=True)))
    targets = Targets(
        urns=[urn for _pk, urn in schools],
        upns=upns,
        family_names=family_names,
        school_ids=[pk for pk, _urn in schools],
    )

    managers = max(1, users // 5) if users > 1 else 0
    names = []
    for n in range(users):
        username = f"bench-{n:02d}"
        user = user_model.objects.create(
            username=username, password=password, first_name="Bench", last_name=f"User {n}"
        )
        if n < users - managers:
            user.groups.add(groups[roles.LA_OFFICER])
        else:
            school_id = busiest[rng.randrange(len(busiest))]
            user.groups.add(groups[roles.SCHOOL_BUSINESS_MANAGER])
            SchoolAccess.objects.create(user=user, school_id=school_id)
            urn = School.objects.get(pk=school_id).urn
            own = list(
                Placement.objects.filter(school_id=school_id, ends_on__isnull=True).values_list(
                    "pupil__upn", flat=True
                )[:200]
            )
            targets.manager_schools.append((username, urn, own))
        names.append(username)
    return names, targets


# --- the server -------------------------------------------------------------------------------


def _server_env(static_root: Path, settings_dir: Path) -> dict[str, str]:
    db = settings.DATABASES["default"]
    url = "postgres://{user}{password}@{host}:{port}/{name}".format(
        user=urllib.parse.quote(db.get("USER") or "postgres"),
        password=(":" + urllib.parse.quote(db["PASSWORD"])) if db.get("PASSWORD") else "",
        host=db.get("HOST") or "127.0.0.1",
        port=db.get("PORT") or 5432,
        name=db["NAME"],
    )
    # Static files are served from the finders by their plain names: `collectstatic` with the
    # manifest storage currently fails on chart.js's missing source map (reported), and the
    # benchmark measures the HTML pages, not static files.
    (settings_dir / "bench_pages_settings.py").write_text(
        "from config.settings import *  # noqa: F403\n"
        f"STATIC_ROOT = {str(static_root)!r}\n"
        "STORAGES = {**STORAGES, 'staticfiles': {'BACKEND': "  # noqa: F405
        "'django.contrib.staticfiles.storage.StaticFilesStorage'}}\n"
        "LOGGING['root']['level'] = 'ERROR'  # noqa: F405\n"
        # the hashers the bench users' passwords were made with (the same as production's,
        # except under the tests' fast hasher)
        f"PASSWORD_HASHERS = {list(settings.PASSWORD_HASHERS)!r}\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench_pages_settings",
        "PYTHONPATH": os.pathsep.join([str(settings_dir), str(BASE_DIR)]),
        "DATABASE_URL": url,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        # Plain HTTP on the loopback: no TLS redirect, cookies without the Secure flag.
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "CONN_MAX_AGE": "600",
        "AXES_ENABLED": "false",
    }
    env.pop("CELERY_BROKER_URL", None)
    return env


def gunicorn_command(port: int, workers: int | None, threads: int) -> list[str]:
    """The server the benchmark measures, production's (`gunicorn.conf.py`): as gunicorn's
    design notes advise for a CPU-bound app behind a buffering proxy, sync workers (one request
    at a time in a process, so no request waits on another's hold of the GIL between its
    queries), `2 x cores + 1` of them, the application loaded once before the workers fork
    (`preload_app`). `threads` > 1 serves with gthread workers instead (each keep-alive
    connection then stays with the worker that accepted it)."""
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [
        str(gunicorn),
        "config.wsgi:application",
        # Production's settings (`gunicorn.conf.py`: its number of workers unless one is
        # asked for), with the bench's address.
        "--config",
        str(Path(settings.BASE_DIR) / "gunicorn.conf.py"),
        "--bind",
        f"127.0.0.1:{port}",
        "--preload",
        "--log-level",
        "warning",
    ]
    if workers:
        command += ["--workers", str(workers)]
    if threads > 1:
        command += ["--worker-class", "gthread", "--threads", str(threads), "--keep-alive", "30"]
    else:
        command += ["--worker-class", "sync"]
    return command


def _start_gunicorn(
    env: dict, port: int, workers: int | None, threads: int, out
) -> subprocess.Popen:
    command = gunicorn_command(port, workers, threads)
    out(f"Serving: {' '.join(command[1:])}")
    process = subprocess.Popen(command, cwd=BASE_DIR, env=env)  # noqa: S603
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/login/")
            if conn.getresponse().status == 200:
                conn.close()
                return process
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise RuntimeError("gunicorn did not answer within 60 s")


# --- a virtual user ---------------------------------------------------------------------------


class VirtualUser:
    def __init__(self, port: int, username: str, targets: Targets, seed: int):
        self.port = port
        self.username = username
        self.targets = targets
        self.rng = random.Random(seed)
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None
        manager = next((m for m in targets.manager_schools if m[0] == username), None)
        self.own_urn = manager[1] if manager else None
        self.own_upns = manager[2] if manager else []
        self.pages_loaded = 0  # warm-up included

    def _request(self, method: str, path: str, body: str | None = None) -> tuple[int, bytes]:
        headers = {"Host": f"127.0.0.1:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
                continue
            for header in response.headers.get_all("Set-Cookie") or []:
                cookie = SimpleCookie(header)
                for key, morsel in cookie.items():
                    self.cookies[key] = morsel.value
            if response.headers.get("Connection", "").lower() == "close":
                self.conn.close()
                self.conn = None
            return response.status, data
        raise RuntimeError("unreachable")

    def sign_in(self) -> None:
        self._request("GET", "/login/")
        body = urllib.parse.urlencode(
            {
                "username": self.username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": self.cookies.get("csrftoken", ""),
            }
        )
        status, _ = self._request("POST", "/login/", body)
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"{self.username} could not sign in (HTTP {status})")

    def next_page(self) -> tuple[str, str]:
        rng, t = self.rng, self.targets
        if self.own_urn is not None:
            choice = rng.random()
            if choice < 0.4:
                return "school page", f"/schools/{self.own_urn}/"
            if choice < 0.85 and self.own_upns:
                return "pupil page", f"/pupils/{rng.choice(self.own_upns)}/"
            return "annual reviews", "/pupils/reviews/"
        choice = rng.random()
        if choice < 0.15:
            query = rng.choice(
                [
                    {},
                    {"page": rng.randint(1, 20)},
                    {"q": rng.choice(["primary", "school", "academy", "st"])},
                    {"phase": "primary", "sort": "-urn"},
                    {"open_closed": "open", "sort": "cluster"},
                ]
            )
            return "schools list", "/schools/?" + urllib.parse.urlencode(query)
        if choice < 0.35:
            return "school page", f"/schools/{rng.choice(t.urns)}/"
        if choice < 0.60:
            query = rng.choice(
                [
                    {},
                    {"page": rng.randint(1, 500)},
                    {"q": rng.choice(t.family_names)},
                    {"q": rng.choice(t.upns)},
                    {"school": rng.choice(t.school_ids)},
                    {"review_overdue": "yes"},
                    {"band": rng.randint(1, 5)},
                    {"hours_min": 10, "hours_max": 20, "sort": "school"},
                ]
            )
            return "pupils list", "/pupils/?" + urllib.parse.urlencode(query)
        if choice < 0.90:
            return "pupil page", f"/pupils/{rng.choice(t.upns)}/"
        query = rng.choice([{}, {"status": "overdue"}, {"page": rng.randint(1, 5)}])
        return "annual reviews", "/pupils/reviews/?" + urllib.parse.urlencode(query)

    def run(self, start_at: float, stop_at: float, think: float, samples: list[Sample], lock):
        while time.monotonic() < stop_at:
            page, path = self.next_page()
            began = time.perf_counter()
            status, _ = self._request("GET", path)
            self.pages_loaded += 1
            elapsed = (time.perf_counter() - began) * 1000
            if time.monotonic() >= start_at:  # after the warm-up
                with lock:
                    samples.append(Sample(page, elapsed, status))
            if think:
                time.sleep(self.rng.uniform(0, 2 * think))


# --- the benchmark ----------------------------------------------------------------------------


def _report(samples: list[Sample], seconds: float, out) -> dict[str, float]:
    pages = sorted({s.page for s in samples})
    out(
        f"{'page':<16}{'requests':>10}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}"
        f"{'p99 ms':>9}{'errors':>8}"
    )
    p95s: dict[str, float] = {}
    for page in [*pages, "all pages"]:
        rows = samples if page == "all pages" else [s for s in samples if s.page == page]
        ms = [s.ms for s in rows]
        errors = sum(1 for s in rows if s.status != 200)
        p95 = _percentile(ms, 95)
        p95s[page] = p95
        out(
            f"{page:<16}{len(rows):>10}{len(rows) / seconds:>9.1f}{_percentile(ms, 50):>9.1f}"
            f"{p95:>9.1f}{_percentile(ms, 99):>9.1f}{errors:>8}"
        )
    if samples:
        out(f"mean {statistics.fmean(s.ms for s in samples):.1f} ms over {len(samples)} requests")
    return p95s


class ServerCpu:
    """CPU time (user + system, from /proc) of the gunicorn workers and of the PostgreSQL
    backends serving the bench database, between `start()` and `stop()`: what a page costs the
    machine whatever else runs on it (the latencies are not)."""

    def __init__(self, server_pid: int, database: str):
        self.server_pid = server_pid
        self.database = database
        self.tick = os.sysconf("SC_CLK_TCK")
        self.before: dict[str, dict[int, float]] = {}
        self.used: dict[str, float] = {}

    def _cpu(self, pid: int) -> float | None:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / self.tick  # utime, stime

    def _pids(self) -> dict[str, list[int]]:
        workers = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == self.server_pid:
                    workers.append(int(stat.parent.name))
            except (OSError, ValueError, IndexError):
                continue
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [self.database],
            )
            backends = [pid for (pid,) in cursor.fetchall()]
        connection.close()
        return {"app": workers, "database": backends}

    def _snapshot(self) -> dict[str, dict[int, float]]:
        return {
            kind: {pid: cpu for pid in pids if (cpu := self._cpu(pid)) is not None}
            for kind, pids in self._pids().items()
        }

    def start(self) -> None:
        self.before = self._snapshot()

    def stop(self) -> None:
        after = self._snapshot()
        self.used = {
            kind: sum(cpu - self.before.get(kind, {}).get(pid, 0.0) for pid, cpu in now.items())
            for kind, now in after.items()
        }


def drive(
    port, usernames, targets, *, seconds, think, warmup, seed, out, cpu: ServerCpu | None = None
) -> list[Sample]:
    virtual_users = [
        VirtualUser(port, name, targets, seed * 1000 + n) for n, name in enumerate(usernames)
    ]
    for user in virtual_users:
        user.sign_in()
    if cpu is not None:  # after the sign-ins (a password hash each)
        cpu.start()
    samples: list[Sample] = []
    lock = threading.Lock()
    start_at = time.monotonic() + warmup
    stop_at = start_at + seconds
    threads = [
        threading.Thread(target=u.run, args=(start_at, stop_at, think, samples, lock))
        for u in virtual_users
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if cpu is not None:
        cpu.stop()
        loaded = sum(user.pages_loaded for user in virtual_users)
        if loaded and cpu.used:
            app, database = cpu.used.get("app", 0.0), cpu.used.get("database", 0.0)
            out(
                f"Server CPU a page (warm-up included, {loaded} pages): "
                f"{(app + database) / loaded * 1000:.1f} ms = gunicorn workers "
                f"{app / loaded * 1000:.1f} ms + PostgreSQL {database / loaded * 1000:.1f} ms"
            )
    return samples


def _vacuum_analyze(out) -> None:
    """Planner statistics and visibility maps for the freshly built LA, as a live LA's database
    has them, and nothing left for autovacuum to do while the pages are being measured (the
    build inserts every table's rows at once, which queues each table for autovacuum)."""
    began = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    name = connection.settings_dict["NAME"]
    out(f"VACUUM (ANALYZE) of {name}: {time.perf_counter() - began:.1f} s")


def _env_number(name: str, value, kind):
    """An explicit argument wins; else BENCH_PAGES_<NAME> from the environment; else default."""
    return value if value is not None else kind(os.environ[name]) if name in os.environ else None


def run(
    schools: int = 600,
    pupils: int = 25000,
    users: int | None = None,
    seconds: int | None = None,
    seed: int = 1,
    think: float | None = None,
    warmup: int | None = None,
    workers: int | None = None,
    threads: int | None = None,
    build: bool | None = None,
    out=print,
) -> dict:
    """Build the synthetic LA, serve it with gunicorn and load the pages. Returns the figures.

    `manage.py bench pages` passes schools, pupils and seed; the rest can come from the
    environment: BENCH_PAGES_USERS (20), BENCH_PAGES_SECONDS (60), BENCH_PAGES_THINK (1.0),
    BENCH_PAGES_WARMUP (10), BENCH_PAGES_WORKERS (2 x CPUs + 1), BENCH_PAGES_THREADS (1: sync
    workers; more: gthread workers with that many threads),
    BENCH_PAGES_BUILD (1; 0 reuses the synthetic LA already in the bench database).
    """
    from funding.bench.synthetic import build_synthetic_la, use_bench_database

    users = _env_number("BENCH_PAGES_USERS", users, int) or 20
    seconds = _env_number("BENCH_PAGES_SECONDS", seconds, int) or 60
    think = _env_number("BENCH_PAGES_THINK", think, float)
    think = 1.0 if think is None else think
    warmup = _env_number("BENCH_PAGES_WARMUP", warmup, int)
    warmup = 10 if warmup is None else warmup
    workers = _env_number("BENCH_PAGES_WORKERS", workers, int)
    threads = _env_number("BENCH_PAGES_THREADS", threads, int) or 1
    build = _env_number("BENCH_PAGES_BUILD", build, int)
    build = True if build is None else bool(build)

    name = use_bench_database()
    out(f"Benchmark database: {name}")
    if build:
        summary = build_synthetic_la(schools, pupils, seed)
        out(
            f"Synthetic LA built in {summary.seconds:.1f} s: {summary.schools} schools, "
            f"{summary.pupils:,} pupils, {summary.placements:,} placements, "
            f"{summary.support_levels:,} support levels"
        )
    usernames, targets = _users_and_targets(users, seed)
    _vacuum_analyze(out)
    connection.close()

    with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp:
        tmp_path = Path(tmp)
        static_root = tmp_path / "static"
        env = _server_env(static_root, tmp_path)
        port = _free_port()
        server = _start_gunicorn(env, port, workers, threads, out)
        cpu = ServerCpu(server.pid, name) if Path("/proc/self/stat").exists() else None
        try:
            out(
                f"{users} users ({len(targets.manager_schools)} school business managers), "
                f"think time {think:.1f} s on average, {warmup} s warm-up, {seconds} s measured"
            )
            samples = drive(
                port,
                usernames,
                targets,
                seconds=seconds,
                think=think,
                warmup=warmup,
                seed=seed,
                out=out,
                cpu=cpu,
            )
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
    p95s = _report(samples, seconds, out)
    worst = max((ms for page, ms in p95s.items() if page != "all pages"), default=0.0)
    out(
        f"Target p95 <= {TARGET_P95_MS:.0f} ms on every page: "
        f"{'met' if worst <= TARGET_P95_MS else 'NOT met'} (worst page p95 {worst:.1f} ms)"
    )
    out(f"Machine at the end: {machine()}")
    figures = [
        {
            "figure": f"pages: {page} p95 ({users} users)",
            "value": ms,
            "unit": "ms",
            "target": TARGET_P95_MS,
        }
        for page, ms in p95s.items()
    ]
    return {"samples": len(samples), "worst_p95_ms": worst, "figures": figures}
