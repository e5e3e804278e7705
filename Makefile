# The README's two commands: `make run` (the app with its embedded defaults) and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HYBRIDPLAN_K8S_CACHE ?= /var/cache/hybridplan
KUBE_APISERVER_BIN ?= $(HYBRIDPLAN_K8S_CACHE)/kube-apiserver-v1.20.2
# The suite runs on PostgreSQL and Redis; override these to point it elsewhere.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/hybridplan
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
# Tests that also run on the embedded SQLite (a file; see tests/conftest.py).
SQLITE_TESTS ?= tests/test_parallel_carving.py tests/test_changelog.py tests/api/test_sync_api.py

.PHONY: run test lint venv kube-apiserver browser bench

venv: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

run: venv
	PYTHON=$(PY) scripts/run-local.sh

kube-apiserver:
	HYBRIDPLAN_K8S_CACHE=$(HYBRIDPLAN_K8S_CACHE) scripts/build-kube-apiserver.sh

# Debian's chromium, which the UI's browser tests drive (tests/frontend/test_browser.py).
browser:
	scripts/install-browser.sh

# The checks run first, and a failing one stops the run before the suite.
# The embedded default's SQLite is tested where it differs (parallel writers), then the whole
# suite runs on PostgreSQL and Redis.
test: venv lint kube-apiserver browser
	DATABASE_URL=sqlite://:memory: $(PY) -m pytest $(SQLITE_TESTS)
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
	KUBE_APISERVER_BIN=$(KUBE_APISERVER_BIN) $(PY) -m pytest

# Lint, formatting, and the layering contracts in pyproject.toml [tool.importlinter].
lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
