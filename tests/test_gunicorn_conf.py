"""The production web server's settings (`gunicorn.conf.py`), which `bench pages` also serves
with: gunicorn accepts them and they give sync workers, 2 x cores + 1, the app preloaded."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings


def _gunicorn(*args: str, **env: str) -> subprocess.CompletedProcess:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    return subprocess.run(
        [str(gunicorn), *args, "config.wsgi:application"],
        cwd=settings.BASE_DIR,
        # Only the settings under test: none of gunicorn's own variables from the shell.
        env={
            **{
                k: v
                for k, v in os.environ.items()
                if k not in {"WEB_CONCURRENCY", "GUNICORN_BIND", "GUNICORN_CMD_ARGS"}
            },
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )


def _printed(output: str) -> dict[str, str]:
    return {
        name.strip(): value.strip()
        for name, _, value in (line.partition("=") for line in output.splitlines())
        if value
    }


def test_production_server_settings_are_accepted_and_follow_the_cores():
    checked = _gunicorn("--check-config")
    assert checked.returncode == 0, checked.stderr
    config = _printed(_gunicorn("--print-config").stdout)
    cores = len(os.sched_getaffinity(0))
    assert (config["workers"], config["worker_class"], config["preload_app"]) == (
        str(2 * cores + 1),
        "sync",
        "True",
    )
    assert config["bind"] == "['127.0.0.1:8000']"


def test_web_concurrency_and_bind_override_the_defaults():
    config = _printed(
        _gunicorn("--print-config", WEB_CONCURRENCY="3", GUNICORN_BIND="0.0.0.0:9000").stdout
    )
    assert (config["workers"], config["bind"]) == ("3", "['0.0.0.0:9000']")
