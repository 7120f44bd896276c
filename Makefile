# Raison's entry points for developers, CI and operators.
# A fresh clone needs only Python >= 3.11 and make: the virtualenv is created
# on first use and reinstalled only when a requirements file changes.

VENV ?= .venv
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
TEST_WORKERS ?= auto

BIN := $(VENV)/bin
PY := $(BIN)/python
MANAGE := $(PY) manage.py
PIP := $(PY) -m pip --disable-pip-version-check --no-input

# The stamps live inside the venv, so deleting the venv also forgets them.
RUNTIME_STAMP := $(VENV)/.raison-runtime.stamp
DEV_STAMP := $(VENV)/.raison-dev.stamp

# Without --ignore, compilemessages also walks into the venv and recompiles
# Django's own catalogues (slow, and it writes into site-packages).
I18N_IGNORE := --ignore=$(notdir $(VENV)) --ignore=node_modules --ignore=staticfiles

# `check --deploy` must judge the production configuration, not the embedded one.
# The key is public on purpose: it only has to look like a real one.
DEPLOY_ENV := RAISON_ENV=production DEBUG=false ALLOWED_HOSTS=raison.example.org \
	SECRET_KEY=make-check-only-not-a-secret-5f0c9e2a7b1d4c8e9a3f6b2d0e7c1a4b9d8f

# The bin/ scripts find gunicorn and celery on PATH, as they do in the image;
# VIRTUAL_ENV stops them from preferring ./.venv over an overridden VENV.
SERVICE_ENV := PATH="$(abspath $(BIN)):$$PATH" VIRTUAL_ENV="$(abspath $(VENV))"

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-16s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
		echo "Raison needs Python 3.11 or newer; '$(PYTHON)' is not. Try: make PYTHON=python3.11 ..." >&2; exit 1; }
	@# A failed venv (Debian without python3-venv) would leave a python but no
	@# pip behind, and every later run would skip this step; remove it instead.
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
		echo "Could not create $(VENV). On Debian/Ubuntu: apt-get install python3-venv" >&2; exit 1; }

$(RUNTIME_STAMP): requirements.txt | $(PY)
	@echo "Installing requirements.txt into $(VENV)"
	$(PIP) install --quiet -r requirements.txt
	@touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(PY)
	@echo "Installing requirements-dev.txt into $(VENV)"
	$(PIP) install --quiet -r requirements-dev.txt
	@# requirements-dev.txt includes requirements.txt: the runtime set is current too.
	@touch $(RUNTIME_STAMP) $@

.PHONY: install install-dev
install: $(RUNTIME_STAMP) ## Create the venv and install the runtime requirements
install-dev: $(DEV_STAMP) ## Same, with the test and lint tools

.PHONY: compilemessages
compilemessages: $(RUNTIME_STAMP)
	@if command -v msgfmt >/dev/null 2>&1; then \
		$(MANAGE) compilemessages $(I18N_IGNORE) --verbosity 0; \
	else \
		echo "Notice: gettext's msgfmt is not installed; using the committed .mo translations."; \
	fi

.PHONY: run
run: $(RUNTIME_STAMP) compilemessages ## Embedded default: SQLite, in-process tasks, demo data, on http://127.0.0.1:8000 (PORT=8101 for another port)
	$(MANAGE) migrate --noinput
	@# Collected even in the embedded default: WhiteNoise serves static files
	@# from STATIC_ROOT once DEBUG is off, which it is by default.
	$(MANAGE) collectstatic --noinput --verbosity 0
	$(MANAGE) load_demo --url http://$(HOST):$(PORT)/
	@echo "Raison is starting on http://$(HOST):$(PORT)/ (Ctrl-C to stop)"
	$(MANAGE) runserver $(HOST):$(PORT)

.PHONY: test
test: $(DEV_STAMP) compilemessages ## Run the tests (extra pytest options: PYTEST_ARGS="-k flags -x")
	@# Two passes: everything but the browser in parallel (TEST_WORKERS processes), then the
	@# browser scenarios one after the other. Exit status 5 is "nothing selected here".
	$(PY) -m pytest -n $(TEST_WORKERS) -m "not e2e" $(PYTEST_ARGS) || test $$? -eq 5
	$(PY) -m pytest -m e2e $(PYTEST_ARGS) || test $$? -eq 5

.PHONY: lint
lint: $(DEV_STAMP) ## ruff check, ruff format --check, import layers
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

.PHONY: check
check: $(RUNTIME_STAMP) ## Migrations are complete; the production configuration passes check --deploy
	$(MANAGE) makemigrations --check --dry-run
	$(DEPLOY_ENV) $(MANAGE) check --deploy --fail-level WARNING

.PHONY: messages
messages: $(RUNTIME_STAMP) ## Refresh the French catalogue from the code and templates
	@command -v xgettext >/dev/null 2>&1 || { echo "makemessages needs gettext (apt-get install gettext)" >&2; exit 1; }
	@# Locations by file only: line numbers would churn the .po on every edit.
	$(MANAGE) makemessages -l fr -d django -e html,txt,py --add-location=file \
		$(I18N_IGNORE) --ignore=tests

.PHONY: migrate
migrate: $(RUNTIME_STAMP) ## Apply database migrations (DATABASE_URL)
	$(MANAGE) migrate --noinput

.PHONY: web worker beat
web: $(RUNTIME_STAMP) compilemessages ## Production web process: migrate, collectstatic, gunicorn (gthread)
	$(MANAGE) migrate --noinput
	$(MANAGE) collectstatic --noinput --verbosity 0
	$(SERVICE_ENV) bin/web

worker: $(RUNTIME_STAMP) ## Celery worker (scale by starting more)
	$(SERVICE_ENV) bin/worker

beat: $(RUNTIME_STAMP) ## Celery beat: run exactly one
	$(SERVICE_ENV) bin/beat

.PHONY: clean distclean
clean: ## Remove caches and collected static files (keeps the venv and the database)
	rm -rf staticfiles .pytest_cache .ruff_cache .import_linter_cache tests/e2e/screenshots
	find . \( -path ./.git -o -path ./$(VENV) -o -path ./node_modules \) -prune \
		-o -type d -name __pycache__ -exec rm -rf {} +

distclean: clean ## Also remove the venv, the SQLite database and the embedded secret key
	rm -rf $(VENV) db.sqlite3 db.sqlite3-shm db.sqlite3-wal .secret_key
