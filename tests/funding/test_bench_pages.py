"""The pages benchmark (`manage.py bench pages`): its server and its virtual users, for real.

A small synthetic LA is built in the test database and committed (a transactional test), so
the gunicorn the benchmark starts (a separate process) reads the same rows; the measured run at
600 schools / 25,000 pupils is `manage.py bench pages` itself.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from django.db import connection

from funding.bench import pages, synthetic

pytestmark = pytest.mark.django_db(transaction=True)

PAGES = {"schools list", "school page", "pupils list", "pupil page", "annual reviews"}


def _urls_of_every_page(user: pages.VirtualUser, pages_wanted: set[str]) -> dict[str, str]:
    """One URL of each page the user visits (drawn from the user's own choices, no request)."""
    urls: dict[str, str] = {}
    for _ in range(1000):
        page, path = user.next_page()
        urls.setdefault(page, path)
        if set(urls) >= pages_wanted:
            break
    return urls


def test_the_benchmark_serves_every_page_from_sync_workers_to_signed_in_users():
    """By default the server is gunicorn's advice behind a proxy (sync workers, 2 x cores + 1
    of them, the app preloaded): each answer closes its connection, the virtual users open the
    next one, every page they load is a 200, the officers' and the school manager's, and the
    CPU the server's processes spent on them is read from /proc."""
    synthetic.build_synthetic_la(schools=20, pupils=100, seed=1)
    usernames, targets = pages._users_and_targets(3, seed=1)  # 2 LA officers, 1 school manager
    lines: list[str] = []
    with tempfile.TemporaryDirectory(prefix="test-bench-pages-") as tmp:
        env = pages._server_env(Path(tmp) / "static", Path(tmp))
        port = pages._free_port()
        server = pages._start_gunicorn(env, port, workers=2, threads=1, out=lines.append)
        try:
            officer = pages.VirtualUser(port, usernames[0], targets, seed=1)
            manager = pages.VirtualUser(port, usernames[-1], targets, seed=2)
            for user, wanted in (
                (officer, PAGES),
                (manager, {"school page", "pupil page", "annual reviews"}),
            ):
                user.sign_in()
                urls = _urls_of_every_page(user, wanted)
                assert set(urls) == wanted
                for page, path in urls.items():
                    status, body = user._request("GET", path)
                    assert status == 200, (user.username, page, path)
                    assert b"govuk-width-container" in body
                    # a sync worker answers one request per connection
                    assert user.conn is None
            cpu = pages.ServerCpu(server.pid, connection.settings_dict["NAME"])
            samples = pages.drive(
                port,
                usernames,
                targets,
                seconds=2,
                think=0.05,
                warmup=0,
                seed=1,
                out=lines.append,
                cpu=cpu,
            )
        finally:
            server.terminate()
            server.wait(timeout=20)
    assert lines[0].startswith("Serving: config.wsgi:application")
    assert "--worker-class sync" in lines[0] and "--preload" in lines[0]
    assert samples and {s.status for s in samples} == {200}
    # what the pages cost the server's processes, whatever else the machine was doing
    assert cpu.used["app"] > 0 and cpu.used["database"] > 0
    assert lines[-1].startswith("Server CPU a page (warm-up included, ")


def test_before_measuring_the_bench_database_is_vacuumed_and_analyzed():
    """A freshly built LA has no planner statistics or visibility map until autovacuum gets to
    it, which it would do while the pages are measured; the benchmark does it first."""
    synthetic.build_synthetic_la(schools=20, pupils=100, seed=1)
    said: list[str] = []

    pages._vacuum_analyze(said.append)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_stat_user_tables WHERE relname IN "
            "('pupils_pupil', 'pupils_plan', 'pupils_placement', 'pupils_supportlevel') "
            "AND last_vacuum IS NOT NULL AND last_analyze IS NOT NULL"
        )
        done = {row[0] for row in cursor.fetchall()}
    assert done == {"pupils_pupil", "pupils_plan", "pupils_placement", "pupils_supportlevel"}
    assert said[0].startswith(f"VACUUM (ANALYZE) of {connection.settings_dict['NAME']}:")
