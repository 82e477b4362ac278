# The two set-up commands of the README: `make demo` and `make test`. Each creates .venv when
# missing and installs what it needs; nothing is installed by hand.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
PYTHON ?= python3
# DuckDB 2.0's bindings print nanobind reference-leak notes at interpreter exit; they are noise
# after the test summary, so they are filtered out of what a person (or CI) reads.
QUIET_EXIT := grep -v -E '^nanobind: |^ - leaked |leaked [0-9]+ (types|functions|instances)|^See https://nanobind' || true
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
TEST_STAMP := $(VENV)/.test-installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: demo test bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test,spark]'
	@# Spark needs Java 17+: Debian's headless JRE when none is on PATH.
	command -v java >/dev/null || (apt-get update -q && apt-get install -y -q --no-install-recommends openjdk-17-jre-headless)
	@# Browser tests drive Debian's Chromium (Playwright's own browser download is never used).
	command -v chromium >/dev/null || (apt-get update -q && apt-get install -y -q chromium)
	touch $@

demo: $(STAMP)
	$(BIN)/hashtide demo

test: $(TEST_STAMP)
	$(BIN)/python -m pytest 2>&1 | { $(QUIET_EXIT); }

bench: $(TEST_STAMP)
	$(BIN)/python -m pip install -q -e '.[bench]'
	@echo "benchmarks: see benchmarks/README.md"

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache
