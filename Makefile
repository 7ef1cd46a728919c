# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
DB ?= koppelkans.gpkg
PG_SERVER ?= postgresql://postgres@127.0.0.1:5432/postgres
export KOPPELKANS_TEST_POSTGIS ?= $(PG_SERVER)

VENDOR := koppelkans/web/static/vendor
MAPLIBRE := node_modules/maplibre-gl/dist

.PHONY: install reports vendor demo test lint bench postgis chromium screenshots clean

$(BIN)/koppelkans: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e ".[test]"
	touch $@

# MapLibre GL JS from the npm registry (version pinned in package.json / package-lock.json), copied
# into the static folder the web app serves: no CDN at run time.
$(MAPLIBRE)/maplibre-gl.js $(MAPLIBRE)/maplibre-gl.css: package.json package-lock.json
	command -v npm >/dev/null || (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q npm)
	npm ci --no-audit --no-fund --loglevel=error
	touch $(MAPLIBRE)/maplibre-gl.js $(MAPLIBRE)/maplibre-gl.css

$(VENDOR)/%: $(MAPLIBRE)/%
	mkdir -p $(VENDOR)
	cp $< $@

vendor: $(VENDOR)/maplibre-gl.js $(VENDOR)/maplibre-gl.css

install: $(BIN)/koppelkans reports vendor

# Pango and fonts for the PDF reports (WeasyPrint), pdftoppm for their tests: from Debian, once.
reports:
	bash scripts/ensure-weasyprint-libs.sh

demo: install
	rm -f $(DB)
	$(BIN)/koppelkans --db $(DB) init
	$(BIN)/koppelkans --db $(DB) demo --scale 1
	$(BIN)/koppelkans --db $(DB) info
	$(BIN)/koppelkans --db $(DB) forecast > /dev/null
	$(BIN)/koppelkans --db $(DB) couplings > /dev/null
	-$(BIN)/koppelkans --db $(DB) plan --time-limit 30 > /dev/null
	@echo "Koppelkans is served on http://127.0.0.1:8000 (map /, couplings /couplings, timeline /timeline, works /works; API /api, OGC /ogc, docs /docs)"
	$(BIN)/koppelkans --db $(DB) serve --host 127.0.0.1 --port 8000

postgis:
	bash scripts/ensure-postgis.sh

chromium:
	bash scripts/ensure-chromium.sh

# Both cores: one worker per core, each test file on one worker (its module fixtures are built once).
test: install postgis chromium
	$(BIN)/pytest -n auto --dist loadfile

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: install postgis
	$(BIN)/koppelkans bench import --n 100000 --postgis $(PG_SERVER)

screenshots: install chromium
	$(BIN)/python scripts/screenshots.py --out screenshots

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache .hypothesis $(DB) $(VENDOR) node_modules
