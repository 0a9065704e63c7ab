# Lockgate: the two commands are `make demo` and `make test`. Both set up what they need first.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.lockgate-installed
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed
PYTEST_ARGS ?=
# make test runs the suite on 2 workers (CI's cores), a test file per worker at a time (module fixtures such
# as the Spark session stay in one process): 7.8 min against 15 min in one process on a slow 2-core machine.
TEST_WORKERS ?= 2
# Every install comes from a lock of exact versions (uv.lock for Lockgate, requirements/checkov.lock for
# checkov), so a fresh clone installs what the last green run tested. uv itself is pinned here and lives
# in a tools environment of its own; it never downloads a Python (the machine's 3.11 is used).
UV_VERSION := 0.13.9
TOOLS := .venv-tools
UV := $(TOOLS)/bin/uv
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: setup bytecode test test-deploy demo lint typecheck bench package render clean upgrade lock-check

setup: $(STAMP) $(CHECKOV_STAMP)

# Bytecode is compiled ahead, the dependencies' at install (uv sync --compile-bytecode) and ours here (only
# what changed): where PYTHONDONTWRITEBYTECODE is set, as in many container images and CI machines, every
# process would otherwise compile each module it imports from source again, which cost 4.4 of the 11.4 s
# of a local run over 250 MB (pandas, numpy, sqlglot, DuckDB's and pyarrow's Python modules).
bytecode: setup
	$(BIN)/python -m compileall -q -j 0 orchestration lambdas glue_jobs crawlers examples benchmarks tests

$(UV):
	test -x $(TOOLS)/bin/python || $(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install -q --disable-pip-version-check 'uv==$(UV_VERSION)'

$(STAMP): pyproject.toml uv.lock scripts/system-deps.sh | $(UV)
	bash scripts/system-deps.sh
	$(UV) sync --frozen --compile-bytecode --extra glue --extra dev --python $(PYTHON)
	touch $@

# checkov pins many packages of its own, so it lives in a virtual environment of its own, from its own lock.
$(CHECKOV_STAMP): requirements/checkov.lock | $(UV)
	test -x $(CHECKOV_VENV)/bin/python || $(UV) venv -q --python $(PYTHON) $(CHECKOV_VENV)
	$(UV) pip sync -q --compile-bytecode --python $(CHECKOV_VENV)/bin/python requirements/checkov.lock
	touch $@

# Fails when pyproject.toml and uv.lock disagree (someone edited a dependency without re-locking).
lock-check: $(UV)
	$(UV) lock --check --python $(PYTHON)

# Refresh both locks to what is on PyPI today, install them and run the whole suite: commit the new
# locks only when it is green.
upgrade: $(UV)
	d=$$(date -u +%Y-%m-%dT00:00:00Z) && \
	sed -i "s/^exclude-newer = .*/exclude-newer = \"$$d\"/" pyproject.toml && \
	$(UV) lock --upgrade --python $(PYTHON) && \
	$(UV) pip compile -q --python $(PYTHON) --python-version 3.11 --universal --generate-hashes \
	  --exclude-newer "$$d" requirements/checkov.in -o requirements/checkov.lock
	$(MAKE) test

test: setup bytecode lock-check
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# terraform apply of the example environment against the AWS emulator (about a minute; CI runs it too).
test-deploy: setup bytecode
	$(BIN)/pytest -m deploy tests/terraform/test_apply.py $(PYTEST_ARGS)

demo: setup bytecode
	$(BIN)/python -m examples.demo

lint: setup
	$(BIN)/ruff check orchestration lambdas glue_jobs crawlers tests examples benchmarks

typecheck: setup
	$(BIN)/mypy orchestration lambdas crawlers glue_jobs

bench: setup bytecode
	$(BIN)/python -m benchmarks

package: setup
	$(BIN)/python -m orchestration.packaging --out build/package

render: setup
	$(BIN)/lockgate render --out build/render

clean:
	rm -rf build .pytest_cache
