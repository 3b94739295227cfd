# INMSS committee appendices. `make help` lists the targets.
# Every target creates the virtual environment (.venv) first when it is missing.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
REPORTS := $(wildcard reports/*.yml)
SAMPLE_REPORTS := reports/25-00065.yml reports/25-00007.yml reports/res-2021.yml

.DEFAULT_GOAL := help
.PHONY: help setup report reports test test-fast lint format lab bench verify synth clean

help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

setup: $(STAMP) ## Create .venv and install the project with its dev tools

report: $(STAMP) ## Render the sample appendices into reports/<id>/
	$(PY) -m pipeline render $(SAMPLE_REPORTS)

reports: $(STAMP) ## Render every report definition in reports/ (2 at a time)
	$(PY) -m pipeline render $(REPORTS) --jobs 2

test: $(STAMP) ## Run the whole test suite (unit, notebooks, back-test)
	$(PY) -m pytest

test-fast: $(STAMP) ## Unit tests only
	$(PY) -m pytest tests/unit

lint: $(STAMP) ## ruff lint and format check
	$(BIN)/ruff check pipeline tests
	$(BIN)/ruff format --check pipeline tests

format: $(STAMP) ## Format the code with ruff
	$(BIN)/ruff format pipeline tests

lab: $(STAMP) ## Open the notebooks in JupyterLab
	$(BIN)/jupyter lab notebooks/

bench: $(STAMP) ## Measure speed and memory; writes bench/results/
	$(PY) -m pipeline.bench
	$(PY) -m pipeline.bench_render
	$(PY) -m pipeline.bench_startup
	$(PY) -m pipeline.bench_context

verify: $(STAMP) ## Rerun the sample appendices from their manifests; compare with the papers
	$(PY) -m pipeline render $(SAMPLE_REPORTS)
	$(PY) -m pipeline verify reports/25-00065 reports/25-00007 reports/res-2021-kent --against data/published/published-figures.yml

synth: $(STAMP) ## Rewrite the synthetic sample exports in data/raw/ (byte-identical)
	$(PY) -m pipeline synth

clean: ## Remove rendered outputs and interim data (keeps .venv)
	rm -rf data/interim reports/*/ .pytest_cache
