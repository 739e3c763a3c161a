.DEFAULT_GOAL := help
UV ?= uv
# The template's tools need Python 3.12 (schemathesis' Hypothesis crashes on 3.11.7):
# python3.12 on PATH, else the newest pyenv 3.12. uv downloads no interpreter here.
PYTHON ?= $(or $(shell command -v python3.12 2>/dev/null | grep -v shims),$(lastword $(sort $(wildcard $(or $(PYENV_ROOT),$(HOME)/.pyenv)/versions/3.12.*/bin/python3.12))))
# Only the template's own venv gets it: rendered projects under test pick their own.
export UV_PYTHON_DOWNLOADS := never
# An activated virtualenv is not this venv: uv would warn about it on every call.
unexport VIRTUAL_ENV
PYTEST := $(UV) run --no-sync pytest

# Run one test tier and print how long it took, keeping pytest's exit status.
define tier
	@start=$$(date +%s); $(PYTEST) -m $(1) $(2); status=$$?; \
	echo "== tier $(1): $$(( $$(date +%s) - start ))s (exit $$status)"; exit $$status
endef

.PHONY: help install test test-tier1 test-hooks test-update test-tier2 test-contract test-fuzz test-browser test-tier3 lint docs refresh-versions bench bench-smoke bench-options bench-relay clean

help: ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  %-13s %s\n", $$1, $$2}'

install: ## Create .venv with the test and docs tools
	@command -v $(UV) >/dev/null 2>&1 || { echo "uv is required: install it with its installer, pipx or your package manager (https://docs.astral.sh/uv/getting-started/installation/)" >&2; exit 1; }
	@test -n "$(PYTHON)" || { echo "Python 3.12 is required: put python3.12 on PATH or set PYTHON=/path/to/python3.12" >&2; exit 1; }
	$(UV) sync --quiet --python $(PYTHON)

test: install test-tier1 test-hooks test-update test-tier2 test-contract test-fuzz test-browser test-tier3 ## Run the whole template test suite, tier by tier

test-tier1: install ## Every combination (strength 3 beyond 300): render, residue, ownership, ruff, validators
	$(call tier,tier1,-n auto)

test-hooks: install ## Answer validation
	$(call tier,hooks,-n auto)

test-update: install ## cruft update of a cruft and a cookiecutter rendering from a local template clone
	$(call tier,update,-n 0 tests/test_update.py)

test-tier2: install ## Pairwise covering array: install, mypy --strict, own tests on SQLite, PostgreSQL, MongoDB
	$(call tier,tier2,-n 3 --dist loadgroup)

test-contract: install ## Every database variant served by uvicorn passes one HTTP contract
	$(call tier,contract,-n 2 --dist loadgroup)

test-fuzz: install ## Schemathesis, every check, against every database x auth variant served by uvicorn
	$(call tier,fuzz,-n 2 --dist loadgroup)

test-browser: install ## /docs and /redoc in headless Chromium, network blocked; Authorize flows
	$(call tier,browser,-n 0)

test-tier3: install ## Representatives: build the image with podman, run it, smoke-test over HTTP
	$(call tier,tier3,)

lint: install ## Lint the template's own Python (hooks, tests, bench)
	$(UV) run --no-sync ruff check hooks tests bench local_extensions.py
	$(UV) run --no-sync ruff format --check hooks tests bench local_extensions.py

docs: install ## Build the documentation site with strict warnings
	NO_MKDOCS_2_WARNING=1 $(UV) run --no-sync mkdocs build --strict --quiet

refresh-versions: install ## Re-resolve every dependency set the template renders; rewrite the tested versions
	$(UV) run --no-sync python -m tests.tested_versions

bench: install ## Load-test the renderings against their baselines; print the target table
	$(UV) run --no-sync python bench/run.py $(BENCH_ARGS)

bench-smoke: install ## Every bench case (run.py's, options.py's) for a few seconds: fails on a crash, errors or a stall, never on a ratio
	$(UV) run --no-sync python bench/run.py --smoke $(BENCH_ARGS)
	$(UV) run --no-sync python bench/options.py --smoke

bench-options: install ## Issue 13: tracing off/10 %/100 %, cached read vs raw asyncpg, Zipf hit ratio, Redis down
	$(UV) run --no-sync python bench/options.py $(BENCH_ARGS)

bench-relay: install ## Events/s through the outbox relay, per broker (backlog and live)
	$(UV) run --no-sync python bench/relay.py $(BENCH_ARGS)

clean: ## Remove the virtualenv, caches and the built site
	rm -rf .venv site .pytest_cache .ruff_cache
