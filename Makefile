# Two commands for a newcomer: `make run` and `make test`. Nothing but Python is assumed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HALL_PORT ?= 8000
IDP_PORT ?= 8001
# The demo's accounts belong to the development identity provider's issuer.
DEV_IDENTITY := OIDC_ISSUER=http://127.0.0.1:$(IDP_PORT) OIDC_CLIENT_ID=mobile-hall

.PHONY: install lock run serve test lint alerts-test sbom bench soak clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/activate
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

## lock: compile requirements.txt (run time) and requirements-dev.txt (run time, tests, tools)
## from the *.in files: every package of the tree pinned, with hashes; run after editing a .in
PIP_COMPILE := CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet --generate-hashes \
	--allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links
lock: install
	$(PIP_COMPILE) --output-file requirements.txt requirements.in
	$(PIP_COMPILE) --output-file requirements-dev.txt requirements.in requirements-dev.in

## run: migrate, load the demo data, serve the hall on :8000 and the dev identity provider on :8001
run: install
	$(FLASK) db upgrade
	$(DEV_IDENTITY) $(FLASK) demo load
	$(MAKE) --no-print-directory serve

serve:
	@$(BIN)/python scripts/dev_servers.py --hall-port $(HALL_PORT) --idp-port $(IDP_PORT)

## test: the whole suite (SQLite by default; TEST_DATABASE_URL for PostgreSQL) with the coverage
## of mobile_hall; the browser journeys need Debian's chromium, installed here when it is missing
test: install
	@command -v chromium >/dev/null || (apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)
	$(BIN)/pytest --cov --cov-report=term:skip-covered

## lint: ruff, mypy on mobile_hall (configured in pyproject.toml), then bandit on mobile_hall:
## no finding of medium severity or higher (a justified exception says `# nosec BNNN` and why)
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/bandit --quiet --recursive --severity-level medium mobile_hall

## alerts-test: promtool's unit tests of the alert rules in deploy/prometheus (Debian's
## prometheus package provides promtool, installed here when it is missing)
alerts-test:
	@command -v promtool >/dev/null || (apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus >/dev/null)
	promtool check rules deploy/prometheus/alerts.yml
	cd deploy/prometheus && promtool test rules alerts_test.yml

## sbom: the software bill of materials (CycloneDX JSON) of the locked run-time requirements,
## in sbom/ (not kept in the repository): hand it to a scanner that can reach a vulnerability
## database, since these machines cannot
sbom: install
	@mkdir -p sbom
	$(BIN)/cyclonedx-py requirements --pyproject pyproject.toml --of JSON \
		--output-reproducible -o sbom/mobile-hall.cdx.json requirements.txt
	@echo "SBOM written to sbom/mobile-hall.cdx.json"

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .coverage

## bench: the hall under gunicorn (2 sync workers) on 500 items and 100 000 applications, driven
## by wrk, on SQLite then PostgreSQL (BENCH_PG_URL), then a 200 000-row stock licence import
## (bench/imports.py); never part of `make test` (docs/performance.md)
bench: install
	@command -v wrk >/dev/null || apt-get install -y wrk
	$(BIN)/python bench/run.py
	$(BIN)/python bench/imports.py

## soak: 200 simulated citizens and 10 clerks (locust, headless) for SOAK_SECONDS (default 120)
## against gunicorn on a fresh PostgreSQL database (SOAK_PG_URL); exits 1 on any 5xx, lost,
## duplicated or contradictory application (docs/operations.md); never part of `make test`
soak: install
	$(BIN)/python soak/run.py
