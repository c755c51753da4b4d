# kundresa — the commands the README names. Needs only python3 and make.
VENV      := .venv
PY        := $(VENV)/bin/python
KUNDRESA  := $(VENV)/bin/kundresa
STAMP     := $(VENV)/.installed
DEMO_CUSTOMERS ?= 10000
DEMO_SEED ?= 42
export KUNDRESA_DUCKDB  ?= data/warehouse.duckdb
export KUNDRESA_LANDING ?= data/landing
export KUNDRESA_OUTBOX  ?= data/outbox
export DAGSTER_HOME     ?= $(CURDIR)/.dagster_home

.PHONY: install demo generate run test lint ui bench clean audiences

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check uv
	$(VENV)/bin/uv pip install --quiet --python $(PY) -e '.[dev]' \
	  || $(VENV)/bin/python -m pip install --quiet -e '.[dev]'
	cd dbt_project && ../$(VENV)/bin/dbt parse --quiet --profiles-dir . --project-dir .
	touch $(STAMP)

install: $(STAMP)

generate: install
	$(KUNDRESA) generate --customers $(DEMO_CUSTOMERS) --seed $(DEMO_SEED) --out $(KUNDRESA_LANDING)

demo: generate
	$(KUNDRESA) run

run: install
	$(KUNDRESA) run

test: install
	cd dbt_project && ../$(VENV)/bin/dbt parse --quiet --profiles-dir . --project-dir .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest -q -p no:cacheprovider -n 2 --dist loadfile --durations=15

lint: install
	$(VENV)/bin/ruff check .
	# dbt templater opens a DuckDB connection: use a scratch file, not the (maybe locked) warehouse
	KUNDRESA_DUCKDB=$${TMPDIR:-/tmp}/kundresa-sqlfluff.duckdb $(VENV)/bin/sqlfluff lint dbt_project/models

ui: install
	$(KUNDRESA) ui

bench: install
	$(KUNDRESA) bench --customers $(DEMO_CUSTOMERS)

clean:
	rm -rf data dbt_project/target dbt_project/logs .dagster_home

audiences: install
	$(PY) -m orchestration.activation.compile
