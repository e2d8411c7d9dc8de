# The README's commands. `make run` serves the app and its notification worker (honcho runs the
# Procfile: gunicorn and `flask worker`, stopped together); `make test` runs every test.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app marketplace
HOST ?= 127.0.0.1
PORT ?= 5000
# gunicorn's largest request line (its default is 4094 bytes): every query the OpenAPI document
# allows fits, so that no valid call meets gunicorn's own HTML 414 instead of the API's answer.
GUNICORN_LIMITS := --limit-request-line 8190

PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check

.PHONY: install install-test run test schemathesis lint format bench clean

# Two installs, each remembered by a stamp file: `install` what serving needs (`make run`),
# `install-test` the test extras on top (pytest, Playwright, moto, localstripe, ruff, …).
install: $(VENV)/.installed
	$(BIN)/python -m marketplace.i18n compile

install-test: install $(VENV)/.installed-test

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PIP) -e '.[test]'
	touch $@

run: install
	$(FLASK) db upgrade
	$(FLASK) demo load
	PATH="$(abspath $(BIN)):$$PATH" HOST=$(HOST) GUNICORN_LIMITS="$(GUNICORN_LIMITS)" \
		$(BIN)/honcho start --port $(PORT) -f Procfile

test: install-test
	$(BIN)/pytest $(PYTEST_ARGS)

# schemathesis against /api/openapi.json on a live server with the demo world, four roles
# (SCHEMATHESIS_ARGS, e.g. --database-url postgresql+psycopg://… or --max-examples 50).
schemathesis: install-test
	$(BIN)/python tests/schemathesis/run.py $(SCHEMATHESIS_ARGS)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install-test
	$(BIN)/python bench/catalog.py
	$(BIN)/python bench/media.py
	$(BIN)/python bench/flash_sale.py
	$(BIN)/python bench/reports.py
	$(BIN)/python bench/notifications.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
