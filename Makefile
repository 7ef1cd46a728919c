# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
DB ?= koppelkans.gpkg
PG_SERVER ?= postgresql://postgres@127.0.0.1:5432/postgres
export KOPPELKANS_TEST_POSTGIS ?= $(PG_SERVER)

.PHONY: install reports demo test lint bench postgis clean

$(BIN)/koppelkans: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e ".[test]"
	touch $@

install: $(BIN)/koppelkans reports

# Pango and fonts for the PDF reports (WeasyPrint), pdftoppm for their tests: from Debian, once.
reports:
	bash scripts/ensure-weasyprint-libs.sh

demo: install
	rm -f $(DB)
	$(BIN)/koppelkans --db $(DB) init
	$(BIN)/koppelkans --db $(DB) demo --scale 1
	$(BIN)/koppelkans --db $(DB) info
	@echo "serving the register on http://127.0.0.1:8000 (API /api, OGC /ogc, tiles /tiles, docs /docs)"
	$(BIN)/koppelkans --db $(DB) serve --host 127.0.0.1 --port 8000

postgis:
	bash scripts/ensure-postgis.sh

test: install postgis
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: install postgis
	$(BIN)/koppelkans bench import --n 100000 --postgis $(PG_SERVER)

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache .hypothesis $(DB)
