# Lockgate: the two commands are `make demo` and `make test`. Both set up what they need first.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.lockgate-installed
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed
PYTEST_ARGS ?=

.PHONY: setup test demo lint typecheck bench package render clean

setup: $(STAMP) $(CHECKOV_STAMP)

$(STAMP): pyproject.toml scripts/system-deps.sh
	bash scripts/system-deps.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[glue,dev]'
	touch $@

# checkov pins many packages of its own, so it lives in a virtual environment of its own.
$(CHECKOV_STAMP):
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install -q --upgrade pip
	$(CHECKOV_VENV)/bin/python -m pip install -q 'checkov>=3.2,<4'
	touch $@

test: setup
	$(BIN)/pytest $(PYTEST_ARGS)

demo: setup
	$(BIN)/python -m examples.demo

lint: setup
	$(BIN)/ruff check orchestration lambdas glue_jobs crawlers tests examples benchmarks

typecheck: setup
	$(BIN)/mypy orchestration lambdas crawlers glue_jobs

bench: setup
	$(BIN)/python -m benchmarks

package: setup
	$(BIN)/python -m orchestration.packaging --out build/package

render: setup
	$(BIN)/lockgate render --out build/render

clean:
	rm -rf build .pytest_cache
