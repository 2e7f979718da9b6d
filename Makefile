# Two commands on a fresh machine: `make run` and `make test`. Both install what is missing.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PY := .venv/bin/python
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help install run test test-sqlite test-postgres lint bench clean

help:
	@echo "make run    install what is missing, migrate, seed the demo, start everything"
	@echo "make test   install what is missing, then run every test (SQLite and PostgreSQL)"
	@echo "make bench  run the benchmarks and write bench/results.json"

install: .venv/.installed node_modules/.installed

.venv/.installed: pyproject.toml requirements.lock
	@test -x $(PY) || python3 -m venv .venv
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $@

node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || (apt-get update -qq && apt-get install -y -qq nodejs npm)
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

/usr/bin/chromium:
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null

.PHONY: postgres-binaries
postgres-binaries:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null)

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo_seed
	scripts/run_demo

lint: install
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run >/dev/null

test: install /usr/bin/chromium postgres-binaries lint test-sqlite test-postgres

test-sqlite: install /usr/bin/chromium
	$(PY) -m pytest -n 2 --dist loadfile

# The tests that exercise locking, concurrency and the task queue, again on a real server.
test-postgres: install postgres-binaries
	DATABASE_URL=$$(scripts/pg_test_server start) $(PY) -m pytest -m postgres

bench: install postgres-binaries
	$(PY) -m bench

clean:
	rm -rf .venv node_modules var
