# Every target works from a clean clone with only Python 3.11 and make.
# `make serve` and `make test` set everything up on first use.
PYTHON ?= python3
# Material prints a notice about MkDocs 2 on every build; it says nothing about this site.
export NO_MKDOCS_2_WARNING := 1
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1:8000

.PHONY: install serve build check lint test test-slow bench clean

install: $(STAMP)

# First run: about 90 s on 2 cores (mostly downloading the pinned packages);
# later runs skip it until pyproject.toml or requirements.lock changes.
$(STAMP): pyproject.toml requirements.lock
	@echo "==> Setting up $(VENV): installing the pinned packages of requirements.lock."
	@echo "    The first time takes about 1-2 minutes; later runs skip this step."
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)
	@echo "==> $(VENV) is ready."

node_modules/axe-core/axe.min.js: package.json package-lock.json
	@echo "==> Installing axe-core (accessibility tests) with npm ci."
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error || echo "npm unavailable: accessibility tests will skip"

serve: $(STAMP)
	@echo "==> Building and serving the site at http://$(HOST)/ (saving a tip rebuilds it; Ctrl-C stops)."
	$(BIN)/mkdocs serve --strict --dev-addr $(HOST)

build: $(STAMP)
	$(BIN)/mkdocs build --strict

check: $(STAMP)
	$(BIN)/tips check

# Ruff as CI runs it: lint rules and formatting, both from pyproject.toml.
# `.venv/bin/ruff check --fix` and `.venv/bin/ruff format` apply the fixes.
lint: $(STAMP)
	$(BIN)/ruff check
	$(BIN)/ruff format --check

# Every test except the `slow` ones (large generated libraries and inputs,
# extra site builds, the second engine's build); `make test-slow` runs those,
# and CI runs both. Two workers (pytest-xdist) share the about 85 s of CPU
# the tests take; each takes a whole test file at a time, so module fixtures
# are still built once, and builds the shared sites once for itself.
test: $(STAMP) node_modules/axe-core/axe.min.js
	$(BIN)/python -m pytest -m "not slow" -n 2 --dist loadfile

test-slow: $(STAMP)
	$(BIN)/python -m pytest -m slow

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf site .pytest_cache .hypothesis .cache
