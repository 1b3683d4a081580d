# CivicGate: `make run` serves the product with demo data; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export CIVICGATE_DEBUG ?= 1

.PHONY: run test lint typecheck messages serve-prod deps test-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.deps: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.test-deps: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.deps

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --silent

deps: $(VENV)/.deps node_modules/.package-lock.json

test-deps: $(VENV)/.test-deps node_modules/.package-lock.json
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
	  else echo "Browser tests need Debian's chromium: sudo apt-get install chromium" >&2; exit 1; fi; }

run: deps
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py seed_demo_passes
	$(BIN)/python manage.py seed_demo_appointments
	$(BIN)/python manage.py seed_demo_services
	$(BIN)/python manage.py seed_demo_chatbot
	$(BIN)/python manage.py chatbot_model
	@echo "CivicGate is serving on http://$(HOST):$(PORT)/"
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: test-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: test-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: test-deps
	$(BIN)/mypy civicgate

messages: test-deps
	cd civicgate && ../$(BIN)/django-admin makemessages -l bn -l hi --no-obsolete --ignore 'tests/*'
	cd civicgate && ../$(BIN)/django-admin makemessages -d djangojs -l bn -l hi --no-obsolete --ignore 'tests/*'
	$(BIN)/python manage.py compilemessages --ignore '.venv' --ignore node_modules

# The production server the benchmarks use: granian (deploy/serve), one worker per core, static
# files by WhiteNoise.
serve-prod: deps
	CIVICGATE_DEBUG=0 $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	CIVICGATE_DEBUG=0 deploy/serve

clean:
	rm -rf $(VENV) node_modules var
