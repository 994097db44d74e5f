"""Production web server settings: gunicorn reads this file when started from the project's
directory (`gunicorn config.wsgi`), and `manage.py bench pages` measures the same set-up.

Sync workers, `2 x cores + 1` of them, as gunicorn's design notes advise for an application
that is CPU-bound between its queries behind a buffering proxy (nginx or a load balancer):
each request has a process to itself, so none waits on another's hold of the interpreter.
The application is loaded once before the workers fork (`preload_app`). `WEB_CONCURRENCY`
sets the number of workers and `GUNICORN_BIND` the address (default 127.0.0.1:8000, for a
proxy on the same host).
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# The cores this process may use (all of the machine's where the OS cannot say, e.g. macOS).
cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * (cores or 1) + 1))
worker_class = "sync"
preload_app = True
# The longest request is an export of every line of a run (a few seconds on 25,000 pupils).
timeout = 120
# The proxy in front ends slow clients; a sync worker needs no long keep-alive.
keepalive = 2
# Behind a proxy on the same host, trust its X-Forwarded-* headers.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
