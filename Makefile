# Comptoir: `make demo` runs it, `make test` tests it. `make` alone lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
VENV := .venv
UV := $(TOOLS)/bin/uv
STAMP := $(VENV)/.installed
BIN := $(VENV)/bin
# uv installs into .venv and never downloads a Python (tool.uv python-downloads = "never").
export UV_PROJECT_ENVIRONMENT := $(VENV)

# Extra arguments: make test PYTEST_ARGS="-k siret"; make bench BENCH_ARGS="--sizes 1000".
PYTEST_ARGS ?=
# Two workers suit the 2-core machines; PYTEST_WORKERS=0 runs in one process.
PYTEST_WORKERS ?= auto
BENCH_ARGS ?=

.PHONY: help install demo test lint bench build smoke clean

help: ## List the targets
	@echo "Comptoir. Targets:"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'
	@echo "Environment: DATABASE_URL, TASKS_BACKEND, REDIS_URL, PORT... (see README.md)"

install: $(STAMP) ## Create .venv with the locked dependencies (again only when they change)

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(STAMP): pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

demo: install ## Run the demo on 127.0.0.1:8000 (PORT=...): database, data, web server, worker
	COMPTOIR_MODE=demo $(BIN)/comptoir rundemo

test: install ## Run the whole test suite (PostgreSQL when DATABASE_URL is set)
	@if [ -n "$$DATABASE_URL" ]; then echo "Tests on $${DATABASE_URL%%:*} at $${DATABASE_URL##*@}"; \
	  else echo "Tests on SQLite (set DATABASE_URL=postgres://... for PostgreSQL)"; fi
	@workers="$(PYTEST_WORKERS)"; \
	if [ "$$workers" = "0" ]; then dist=(); else dist=(-n "$$workers"); fi; \
	$(BIN)/pytest -p no:cacheprovider "$${dist[@]}" $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "make test: pytest collected no test: that is a failure." >&2; fi; \
	exit $$status

# Every check runs, even after a failure, so that one run shows everything to fix.
LINT_CHECKS := \
	"$(BIN)/ruff check src tests bench djlint_rules" \
	"$(BIN)/ruff format --check src tests bench djlint_rules" \
	"$(BIN)/mypy" \
	"$(BIN)/djhtml --check --tabwidth 2 src/comptoir" \
	"$(BIN)/djlint --lint src/comptoir" \
	"env COMPTOIR_MODE=test DATABASE_URL=sqlite://:memory: $(BIN)/comptoir makemigrations --check --dry-run"

lint: install ## ruff (lint and format), mypy, templates (djhtml, djLint), no missing migration
	@failed=(); for check in $(LINT_CHECKS); do echo "+ $$check"; \
	  $$check || failed+=("$$check"); done; \
	if [ $${#failed[@]} -gt 0 ]; then printf 'make lint: failed: %s\n' "$${failed[@]}" >&2; exit 1; fi

bench: install ## Time scenarios against their baselines, write bench/results.json (BENCH_DATABASE_URL: PostgreSQL)
	$(BIN)/python -m bench.run $(BENCH_ARGS)

build: install ## Release build: compile the translations, collect the static files (comptoir build)
	$(BIN)/comptoir build

smoke: install ## Production smoke on PostgreSQL: serve, workers, sweep, deliveries, backup/restore
	$(BIN)/python deploy/smoke/run.py

clean: ## Remove the environments, caches and var/ (demo database, e-mails, secret key)
	rm -rf $(VENV) $(TOOLS) var test-results .mypy_cache .ruff_cache .pytest_cache .hypothesis
	find . -name __pycache__ -type d -not -path './.git/*' -prune -exec rm -rf {} +
