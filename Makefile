# Munui: the two commands are `make run` (the demo desk) and `make test` (the whole suite).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export FLASK_APP := app:create_app
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/munui_test
# Test processes (pytest-xdist); each has its own database, instance directory and Redis database.
TEST_PROCESSES ?= 2

.PHONY: run prepare test test-pg install install-dev translations worker bench lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt $(VENV)/.runtime
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

## Compile the translation catalogues (.po → .mo); run and test do it for you.
translations: $(VENV)/.runtime
	$(BIN)/pybabel compile -d translations

## Everything `run` does before serving: runtime requirements only, translations, schema, demo data once.
prepare: install translations
	$(BIN)/flask db upgrade
	$(BIN)/flask seed defaults
	$(BIN)/flask seed demo

## Serve the demo desk on http://127.0.0.1:5000 (SQLite, local files, jobs in-process).
PORT ?= 5000
run: prepare
	EMBEDDED_TICKER=1 $(BIN)/flask run --host 127.0.0.1 --port $(PORT)

## Install and run the whole suite (SQLite; PostgreSQL must be reachable for its tests).
test: install-dev translations
	$(BIN)/ruff check .
	$(BIN)/pytest -n $(TEST_PROCESSES)

## The database tests again, against PostgreSQL.
test-pg: install-dev translations
	DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest -n $(TEST_PROCESSES)

## Production mode: REDIS_URL=redis://… make worker (any number of them).
worker: install translations
	$(BIN)/python worker.py

lint: install-dev
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) instance .pytest_cache
