# jvtracker: `make demo` serves the tracker on an embedded SQLite database with Celery
# eager; `make test` runs ruff and the whole pytest suite. Requires GNU make.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
PYTEST_ARGS ?=

# Installed into the virtualenv only when the lock file is newer than the stamp.
RUNTIME_STAMP := $(VENV)/.installed-requirements.lock
DEV_STAMP := $(VENV)/.installed-requirements-dev.lock

SCHEMA_DATABASE_URL := postgres://localhost/jvtracker
JA_FONT_PACKAGES := fonts-ipaexfont-gothic fonts-ipaexfont-mincho

# The demo never uses a database or broker meant for the test suite: it always runs on
# var/db.sqlite3 with Celery eager, under the local settings.
DEMO_ENV := env -u DATABASE_URL -u CELERY_BROKER_URL DJANGO_SETTINGS_MODULE=jvtracker.settings.local

# apt-get is used only when we are root and it exists; otherwise we warn and go on.
define apt_install
if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
  echo "Installing $(1) with apt-get ..."; \
  export DEBIAN_FRONTEND=noninteractive; \
  apt-get install -y --no-install-recommends $(1) >/dev/null \
    || { apt-get update >/dev/null && apt-get install -y --no-install-recommends $(1) >/dev/null; } \
    || echo "WARNING: could not install $(1)." >&2; \
else \
  echo "WARNING: $(2) Install the Debian packages: $(1)" >&2; \
fi
endef

# Japanese fonts for the PDF reports (WeasyPrint). Never fails.
define ensure_ja_fonts
if command -v fc-list >/dev/null 2>&1 && [ -n "$$(fc-list :lang=ja 2>/dev/null)" ]; then \
  :; \
else \
  $(call apt_install,$(JA_FONT_PACKAGES),No Japanese fonts found (fc-list :lang=ja): PDF reports will show empty boxes.); \
fi
endef

# Debian's Chromium for the browser tests (Playwright drives it; it cannot download its
# own browsers here). Never fails: without it those tests skip, or fail under
# REQUIRE_SERVICES=1.
define ensure_chromium
if [ -x "$${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then \
  :; \
else \
  $(call apt_install,chromium,Chromium not found: the browser tests will be skipped.); \
fi
endef

# Compile locale/*.po with gettext's msgfmt, installing gettext if we can.
define compile_messages
if ! command -v msgfmt >/dev/null 2>&1; then \
  $(call apt_install,gettext,msgfmt (gettext) is missing: translations are not compiled.); \
fi; \
if [ -z "$$(find . -path ./$(VENV) -prune -o -name '*.po' -print -quit)" ]; then \
  echo "No .po files to compile."; \
elif command -v msgfmt >/dev/null 2>&1; then \
  DJANGO_SETTINGS_MODULE=jvtracker.settings.local $(BIN)/python manage.py compilemessages \
    --ignore=$(VENV) --verbosity 0; \
fi
endef

.PHONY: help demo test lint lock clean bench bench-reports bench-api bench-pages schema

help:
	@echo "make demo   serve the demo on http://127.0.0.1:$(PORT)/admin/ (SQLite, Celery eager)"
	@echo "make test   ruff check, then the whole pytest suite (PYTEST_ARGS are passed through)"
	@echo "make lint   ruff check"
	@echo "make bench  the KPI benchmark on PostgreSQL (docs/BENCHMARKS.md; BENCH_ARGS=--quick to try it)"
	@echo "make bench-reports  the stage-gate report benchmark on the same data (BENCH_ARGS likewise)"
	@echo "make bench-api  the API against a plain Django view under gunicorn and wrk (BENCH_ARGS likewise)"
	@echo "make bench-pages  the site's pages beside the admin's on the demo data (BENCH_ARGS likewise)"
	@echo "make schema  write the API's OpenAPI document to docs/api/openapi.yaml (a test compares them)"
	@echo "make lock   regenerate requirements.lock and requirements-dev.lock from pyproject.toml"
	@echo "make clean  remove the virtualenv, var/, artifacts/, compiled translations and caches"

$(VENV)/pyvenv.cfg: requirements-pip.lock
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "ERROR: $(PYTHON) not found on PATH." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); exit 1; }
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements-pip.lock \
		|| { rm -rf $(VENV); exit 1; }

$(RUNTIME_STAMP): requirements.lock $(VENV)/pyvenv.cfg
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	@touch $@

$(DEV_STAMP): requirements-dev.lock $(VENV)/pyvenv.cfg
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.lock
	@touch $@

demo: $(RUNTIME_STAMP)
	@$(ensure_ja_fonts)
	@$(compile_messages)
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEMO_ENV) $(BIN)/python manage.py seed_demo
	@echo "jvtracker demo: http://127.0.0.1:$(PORT)/  (sign in as any user below; the admin is at /admin/; Ctrl-C to stop)"
	$(DEMO_ENV) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: $(DEV_STAMP)
	@$(ensure_ja_fonts)
	@$(ensure_chromium)
	@$(compile_messages)
	$(BIN)/ruff check .
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(DEV_STAMP)
	$(BIN)/ruff check .

# Creates and drops its own database at BENCH_DATABASE_URL (default: jvtracker_bench on the
# local PostgreSQL); DATABASE_URL is not used.
bench: $(RUNTIME_STAMP)
	$(BIN)/python bench/kpis.py $(BENCH_ARGS)

# The stage-gate report on the KPI benchmark's data (BENCH_ARGS="--reuse --keep" measures
# a database kept by `make bench BENCH_ARGS=--keep`); --quick uses jvtracker_bench_quick.
bench-reports: $(RUNTIME_STAMP)
	$(BIN)/python bench/reports.py $(BENCH_ARGS)

# GET /api/v1/kpis/ and /api/v1/contracts/ beside a plain Django view returning the same
# rows, under gunicorn on loopback, loaded by wrk; its own database, like the others.
bench-api: $(RUNTIME_STAMP)
	$(BIN)/python bench/api.py $(BENCH_ARGS)

# The site's pages (issue 7) beside the admin pages doing the same jobs, in-process through
# Django's test client, on the demo data set; its own database (jvtracker_bench_pages).
bench-pages: $(RUNTIME_STAMP)
	$(BIN)/python bench/pages.py $(BENCH_ARGS)

# The committed OpenAPI document, in English; tests/api/test_schema.py fails when the code
# and this file drift apart.
# The schema states production's (PostgreSQL's) integer ranges whatever DATABASE_URL says
# here; generating it opens no connection.
schema: $(RUNTIME_STAMP)
	DJANGO_SETTINGS_MODULE=jvtracker.settings.local DATABASE_URL=$(SCHEMA_DATABASE_URL) \
		$(BIN)/python manage.py \
		spectacular --validate --fail-on-warn --lang en --file docs/api/openapi.yaml

lock: $(VENV)/pyvenv.cfg
	@[ -x $(BIN)/uv ] || $(BIN)/pip install --quiet --disable-pip-version-check uv
	$(BIN)/uv pip compile --quiet pyproject.toml --python-version 3.11 --generate-hashes \
		-o requirements.lock
	$(BIN)/uv pip compile --quiet pyproject.toml --extra dev --python-version 3.11 \
		--generate-hashes -o requirements-dev.lock
	@echo "Updated requirements.lock and requirements-dev.lock; review and commit them."

clean:
	rm -rf $(VENV) var artifacts staticfiles .ruff_cache .pytest_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
	find . -name '*.mo' -path '*/LC_MESSAGES/*' -delete
