# Gawah: `make demo` runs the main job on the embedded defaults; `make test` passes the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_WORKSPACE ?= demo-workspace

.PHONY: demo test lint typecheck pytest bench eval system-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@ $(VENV)/.installed

## demo: build the environment, load the demonstration data, serve http://$(HOST):$(PORT)
demo: $(VENV)/.installed
	$(BIN)/gawah demo --workspace $(DEMO_WORKSPACE) --data demo/reports --host $(HOST) --port $(PORT)

system-deps:
	@scripts/system-deps.sh

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests $(wildcard bench scripts)

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

pytest: $(VENV)/.installed-test system-deps
	$(BIN)/pytest

## test: ruff, mypy and pytest (SQLite; PostgreSQL too when GAWAH_TEST_POSTGRES_URL is set, as in CI)
test: lint typecheck pytest

## bench: every benchmark prints its figures and compares with a baseline measured in the same run
bench: $(VENV)/.installed-test
	@set -e; for script in bench/bench_*.py; do echo "== $$script"; $(BIN)/python $$script; done

## eval: extraction (../shared/corpus scored by ../shared/eval/score_extraction.py), name matching
## (FEBRL, transliteration, gazetteer names) and estimation (../shared/eval/mse_cases.json)
eval: $(VENV)/.installed-test
	$(BIN)/python scripts/eval_extraction.py
	@echo "== extraction, invented set (tests/fixtures/extraction_eval)"
	$(BIN)/python scripts/eval_extraction.py tests/fixtures/extraction_eval/docs eval-out/extraction_eval tests/fixtures/extraction_eval/gold.json
	$(BIN)/python scripts/eval_linkage.py
	$(BIN)/python scripts/eval_estimation.py

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache test-artifacts eval-out
