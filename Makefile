# East Midlands RIEP improvement targets: everyday commands.
#
#   make run     install what is missing, migrate, load reference + demo data, serve on :$(PORT)
#                with the task worker beside the web server
#   make test    lint, then the whole pytest suite on SQLite and again on a throwaway PostgreSQL 15
#   make lint    ruff check + ruff format --check
#   make bench   benchmarks into docs/benchmarks.md (make bench-load: the load benchmark alone)
#   make clean   remove caches and build output (distclean: also .venv and the local database)
#
# Everything is idempotent and quick when already installed: Debian packages are checked with
# dpkg-query (apt only runs when one is missing), and pip only runs when a requirements file
# changed (stamp files named after their hash, inside .venv).

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
# The steps of `make test` must run one after the other, even under `make -j`.
.NOTPARALLEL:

PYTHON ?= python3.11
VENV ?= .venv
PORT ?= 8000
# Extra arguments for pytest, e.g. make test-sqlite PYTEST_ARGS="-k login -x"
PYTEST_ARGS ?=

VENV_PY := $(VENV)/bin/python
RUN_SETTINGS := riep.settings.local
TEST_SETTINGS := riep.settings.test

RUN_REQ_SHA := $(shell cat requirements.txt | sha256sum | cut -c1-16)
DEV_REQ_SHA := $(shell cat requirements.txt requirements-dev.txt | sha256sum | cut -c1-16)
RUN_STAMP := $(VENV)/.stamp-run-$(RUN_REQ_SHA)
DEV_STAMP := $(VENV)/.stamp-dev-$(DEV_REQ_SHA)
BENCH_REQ_SHA := $(shell cat requirements.txt requirements-dev.txt requirements-bench.txt | sha256sum | cut -c1-16)
BENCH_STAMP := $(VENV)/.stamp-bench-$(BENCH_REQ_SHA)

export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PIP_NO_INPUT := 1

# pytest without its cache provider, so that a read-only clone works.
PYTEST := $(VENV_PY) -m pytest -p no:cacheprovider
MANAGE := $(VENV_PY) manage.py

# Each target runs on its own settings, whatever the caller's environment says.
run: export DJANGO_SETTINGS_MODULE := $(RUN_SETTINGS)
test-sqlite test-postgres: export DJANGO_SETTINGS_MODULE := $(TEST_SETTINGS)

.PHONY: help run test lint bench bench-load clean distclean \
	deps-run deps-test system-run system-test test-sqlite test-postgres

help:
	@echo "make run      serve the demo on http://127.0.0.1:$(PORT)/ with its task worker (SQLite under var/ unless DATABASE_URL)"
	@echo "make test     lint + pytest on SQLite + pytest on a throwaway PostgreSQL 15"
	@echo "make lint     ruff check . && ruff format --check ."
	@echo "make bench    benchmarks (make bench-load: the load benchmark alone)"
	@echo "make clean    remove caches and build output; make distclean also removes .venv and var/*.sqlite3"
	@echo "make test-sqlite / test-postgres [PYTEST_ARGS=...]   one pass of the suite"

# ---------------------------------------------------------------- dependencies

system-run:
	@scripts/ensure-system-packages.sh run

system-test:
	@scripts/ensure-system-packages.sh test

$(VENV_PY):
	$(PYTHON) -m venv $(VENV)

# Runtime requirements only (make run). The dev stamp below implies this one.
$(RUN_STAMP): | $(VENV_PY)
	rm -f $(VENV)/.stamp-run-*
	$(VENV_PY) -m pip install --quiet -r requirements.txt
	touch $@

# Runtime + test/lint requirements (make test, make lint).
$(DEV_STAMP): | $(VENV_PY)
	rm -f $(VENV)/.stamp-dev-* $(VENV)/.stamp-run-*
	$(VENV_PY) -m pip install --quiet -r requirements-dev.txt
	touch $@ $(RUN_STAMP)

# Runtime + test/lint + benchmark requirements (make bench: locust).
$(BENCH_STAMP): | $(VENV_PY)
	rm -f $(VENV)/.stamp-bench-* $(VENV)/.stamp-dev-* $(VENV)/.stamp-run-*
	$(VENV_PY) -m pip install --quiet -r requirements-bench.txt
	touch $@ $(DEV_STAMP) $(RUN_STAMP)

deps-run: system-run $(RUN_STAMP)

# axe-core for the accessibility checks of the browser tests (package-lock.json pins it).
NODE_STAMP := node_modules/.stamp-$(shell cat package-lock.json | sha256sum | cut -c1-16)
$(NODE_STAMP): package.json package-lock.json
	rm -f node_modules/.stamp-*
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

deps-test: system-test $(DEV_STAMP) $(NODE_STAMP)

# ---------------------------------------------------------------- the demo

# DEMO_PASSWORD and DATABASE_URL, if set, pass through the environment to the commands.
# The web server and the task worker (PDFs, issues, large exports) run side by side under
# scripts/supervise.sh: Ctrl-C stops both, and either one exiting stops the other.
run: deps-run
	mkdir -p var
	$(MANAGE) migrate --noinput
	$(MANAGE) load_reference_data
	$(MANAGE) setup_demo
	$(MANAGE) rebuild_ratings
	scripts/supervise.sh \
	  web "$(MANAGE) runserver 127.0.0.1:$(PORT)" \
	  worker "$(MANAGE) db_worker"

# ---------------------------------------------------------------- checks

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Any pytest exit code but 0 fails, including 5 (no tests collected).
test: deps-test
	@t0=$$(date +%s); $(MAKE) --no-print-directory lint; \
	  echo "==> lint: $$(( $$(date +%s) - t0 )) s"
	@t0=$$(date +%s); $(MAKE) --no-print-directory test-sqlite; \
	  echo "==> pytest on SQLite: $$(( $$(date +%s) - t0 )) s"
	@t0=$$(date +%s); $(MAKE) --no-print-directory test-postgres; \
	  echo "==> pytest on PostgreSQL 15: $$(( $$(date +%s) - t0 )) s"

test-sqlite: deps-test
	@echo "==> pytest on SQLite"
	env -u DATABASE_URL $(PYTEST) $(PYTEST_ARGS)

test-postgres: deps-test
	@echo "==> pytest on a throwaway PostgreSQL 15 cluster"
	PYTHON=$(VENV_PY) scripts/with-postgres.sh $(PYTEST) $(PYTEST_ARGS)

# Each script replaces its own section of docs/benchmarks.md, with ratios measured in the run.
# The national data (and its 10× copy) is built once, by bench_dashboards.py, in a temporary
# directory the re-rating and papers benchmarks reuse; it is removed at the end, whatever happens.
bench: system-test $(BENCH_STAMP)
	$(VENV_PY) bench/bench_import.py
	data=$$(mktemp -d "$${TMPDIR:-/tmp}/riep-bench-data.XXXXXX"); \
	  trap 'rm -rf "$$data"' EXIT; \
	  $(VENV_PY) bench/bench_dashboards.py --keep "$$data"; \
	  $(VENV_PY) bench/bench_rerating.py --databases "$$data"; \
	  $(VENV_PY) bench/bench_papers.py --databases "$$data"
	$(MAKE) --no-print-directory bench-load

# gunicorn (production settings) under locust, on a throwaway PostgreSQL cluster of its own.
bench-load: system-test $(BENCH_STAMP)
	$(VENV_PY) bench/bench_load.py

# ---------------------------------------------------------------- cleaning

clean:
	rm -rf .pytest_cache .ruff_cache .hypothesis staticfiles test-results
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) node_modules
	rm -f var/*.sqlite3
