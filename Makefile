# The README's commands. `make run` serves the app and its notification worker (honcho runs the
# Procfile: gunicorn and `flask worker`, stopped together); `make test` runs every test.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app marketplace
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install run test lint format bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

run: install
	$(FLASK) db upgrade
	$(FLASK) demo load
	PATH="$(abspath $(BIN)):$$PATH" HOST=$(HOST) $(BIN)/honcho start --port $(PORT) -f Procfile

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	$(BIN)/python bench/catalog.py
	$(BIN)/python bench/media.py
	$(BIN)/python bench/flash_sale.py
	$(BIN)/python bench/reports.py
	$(BIN)/python bench/notifications.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
