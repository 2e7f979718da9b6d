# Two commands on a fresh machine: `make run` and `make test`. Both install what is missing.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
PYTHON ?= $(shell command -v python3.11 || command -v python3)
PY := .venv/bin/python
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export DEBIAN_FRONTEND := noninteractive

.PHONY: help install install-test run test lint test-sqlite test-postgres bench soak clean

help:
	@echo "make run    install what is missing, migrate, seed the demo, start everything"
	@echo "make test   install what is missing, then run every test (SQLite and PostgreSQL)"
	@echo "make bench  run the benchmarks and write bench/results.json (BENCH=clients_list for one)"
	@echo "make soak   the long crash-safety soak of sync on PostgreSQL, then the load test"

install: .venv/.installed node_modules/.installed

install-test: install
	scripts/system_packages chromium postgresql

.venv/.installed: pyproject.toml requirements.lock agent/pyproject.toml
	@test -x $(PY) || { scripts/system_packages venv && $(PYTHON) -m venv .venv; }
	$(PY) -m pip install --quiet -r requirements.lock
	# The APS sync agent is a program of its own (`tandem-agent`); its dependencies are locked above.
	$(PY) -m pip install --quiet --no-deps -e agent
	@touch $@

# The benchmarks' peers (recordlinkage and friends) stay out of `make run` and `make test`.
.venv/.installed-bench: .venv/.installed requirements-bench.lock
	$(PY) -m pip install --quiet -r requirements-bench.lock
	@touch $@

node_modules/.installed: package.json package-lock.json
	scripts/system_packages node
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py demo_seed
	# Resume runs a stopped worker left behind, and watch the sync schedules again.
	$(PY) manage.py sync_tick
	$(PY) scripts/run_demo

lint: install
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run >/dev/null

test: install-test lint test-sqlite test-postgres

# pytest exits 5 when it collects no test; an empty selection is a note, not a failure.
PYTEST = scripts/pytest_allow_empty $(PY) -m pytest

test-sqlite: install-test
	$(PYTEST) -n 2 --dist loadfile

# The tests that exercise locking, concurrency and the task queue, again on a real server.
test-postgres: install-test
	database_url=$$(scripts/pg_test_server start); \
	DATABASE_URL=$$database_url $(PYTEST) -m postgres -n 2 --dist loadfile

bench: install .venv/.installed-bench
	scripts/system_packages postgresql
	postgres_url=$$(scripts/pg_test_server start); \
	BENCH_POSTGRES_URL=$$postgres_url $(PY) -m bench $(BENCH)

# The long versions of what `make test` runs briefly: many more worker kills over more clients,
# then the load test (staff and API users while refreshes of 10,000 clients run).
SOAK_TRIALS ?= 20
SOAK_CLIENTS ?= 5000
soak: install-test .venv/.installed-bench
	database_url=$$(scripts/pg_test_server start); \
	DATABASE_URL=$$database_url SOAK_TRIALS=$(SOAK_TRIALS) SOAK_CLIENTS=$(SOAK_CLIENTS) \
		$(PY) -m pytest tests/test_sync_soak.py -q -s; \
	BENCH_POSTGRES_URL=$$database_url $(PY) -m bench load

clean:
	-scripts/pg_test_server stop
	rm -rf .venv node_modules var
