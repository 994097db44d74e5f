# SEN funding administration: `make demo` and `make test` are the two commands.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/sen_funding
# pytest-xdist: one worker a CPU, each with its own test database (test_<name>_gw0, _gw1...).
# --dist load keeps pytest-django's order on each worker (TestCase-like tests, then the
# transactional ones that flush); loadfile would not, when a module has both. The modules with
# a seeded demo (module-scoped) go first (tests/conftest.py). Not loadgroup: xdist 3.8 cannot
# tag node ids under pytest 9.2, so its groups are silently ignored.
PYTEST_WORKERS ?= auto
PYTEST_ARGS ?= --create-db -n $(PYTEST_WORKERS) --dist load --durations=15

# Newest Python >= 3.12: $(PYTHON) if given, else python3.13/python3.12/python3 on PATH, else pyenv's.
PYTHON ?= $(shell for p in python3.14 python3.13 python3.12 python3 \
	$$(ls -d $$(pyenv root 2>/dev/null || echo $$HOME/.pyenv)/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -Vr); do \
	  command -v $$p >/dev/null 2>&1 || continue; \
	  $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { command -v $$p; break; }; \
	done)

.PHONY: help python venv lock demo demo-data serve test lint services vendor clean bench

help:
	@echo "make demo   - install, load the demo LA and serve it on http://127.0.0.1:8000"
	@echo "make test   - install and run the whole suite on PostgreSQL (starts PostgreSQL and Redis)"

python:
	@if [ -z "$(PYTHON)" ]; then \
	  echo "No Python 3.12 or newer found (Django 6 needs it)."; \
	  echo "Install one, e.g. 'pyenv install 3.13' or 'apt-get install python3.13', or run 'make PYTHON=/path/to/python3.12'."; \
	  exit 1; fi

# Installs exactly what requirements-dev.lock pins, each file checked against its hash; then the
# project itself without resolving anything again. `make lock` rewrites the locks from pyproject.toml.
$(VENV)/.installed: pyproject.toml requirements-dev.lock | python
	@[ -x $(PY) ] && $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' || { rm -rf $(VENV); "$(PYTHON)" -m venv $(VENV); }
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet --require-hashes -r requirements-dev.lock
	$(PIP) install --quiet --no-deps -e .
	@touch $@

venv: $(VENV)/.installed

# Recompile the hash-pinned locks (pip-tools in a throwaway venv). The locks are compiled on
# Python 3.13 (what .venv, CI and the demo run on).
LOCK_PYTHON ?= python3.13
LOCK_VENV := /tmp/sen-funding-piptools
LOCK_ARGS := --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links --quiet
lock:
	@[ -x $(LOCK_VENV)/bin/pip-compile ] || { $(LOCK_PYTHON) -m venv $(LOCK_VENV) && $(LOCK_VENV)/bin/pip install --quiet pip-tools; }
	$(LOCK_VENV)/bin/pip-compile $(LOCK_ARGS) -o requirements.lock pyproject.toml
	$(LOCK_VENV)/bin/pip-compile $(LOCK_ARGS) --extra dev -o requirements-dev.lock pyproject.toml

# The demo runs on SQLite (no DATABASE_URL) with DEBUG on and mail to the console.
DEMO_ENV := env -u DATABASE_URL DEBUG=true CELERY_BROKER_URL= EMAIL_BACKEND=django.core.mail.backends.console.EmailBackend

demo-data: venv
	$(DEMO_ENV) $(PY) manage.py migrate --noinput
	$(DEMO_ENV) $(PY) manage.py seed_demo

demo: demo-data
	$(DEMO_ENV) $(PY) manage.py runserver 127.0.0.1:8000

services:
	@bash .ci/services

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: venv services lint
	DATABASE_URL=$(TEST_DATABASE_URL) SECRET_KEY=ci DEBUG=false $(PY) manage.py makemigrations --check --dry-run
	DATABASE_URL=$(TEST_DATABASE_URL) $(VENV)/bin/pytest $(PYTEST_ARGS)
	@$(MAKE) --no-print-directory demo-data-check

# The demo's non-serving part, on a throwaway SQLite file (its own, so runs side by side do not
# share one), so it cannot rot.
demo-data-check: venv
	@set -e; dir=$$(mktemp -d); trap 'rm -rf "$$dir"' EXIT; db=sqlite:///$$dir/demo.sqlite3; set -x; \
	env DATABASE_URL=$$db DEBUG=true CELERY_BROKER_URL= $(PY) manage.py migrate --noinput -v 0; \
	env DATABASE_URL=$$db DEBUG=true CELERY_BROKER_URL= $(PY) manage.py seed_demo; \
	env DATABASE_URL=$$db DEBUG=true SECRET_KEY=x $(PY) manage.py check

# Re-vendor GOV.UK Frontend (and axe-core for the browser tests) from npm into static/.
vendor:
	bash .ci/vendor

clean:
	rm -rf $(VENV) demo.sqlite3
