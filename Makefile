# The two commands of the README: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: setup run test bench lint clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

# A secret key of this checkout's own, kept out of git.
.env:
	@$(PYTHON) -c "import secrets; print('DEBUG=true'); print('SECRET_KEY=' + secrets.token_urlsafe(50))" > $@
	@echo "wrote .env (DEBUG on, a new SECRET_KEY)"

# Front-end test tools (axe-core) from the npm registry, when npm is there.
node_modules/.installed: package.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --no-audit --no-fund --silent && touch $@; \
	else echo "npm not found: the accessibility checks will be skipped"; fi

setup: $(VENV)/.installed .env $(if $(wildcard package.json),node_modules/.installed)

# The demo runs as users see it (its own 404 and 500 pages, every static file hashed and
# compressed), over plain HTTP on this machine: `make run DEBUG=true` for Django's debug pages.
DEBUG ?= false
run: export DEBUG := $(DEBUG)
run: export SECURE_COOKIES ?= false
run: export SECURE_SSL_REDIRECT ?= false
run: export SECURE_HSTS_SECONDS ?= 0
run: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	@# Hashed, compressed copies of static files: plotly.js is sent once, gzipped.
	$(PY) manage.py collectstatic --noinput --verbosity 0
	@echo "Serving on http://localhost:$(PORT)/ (Ctrl-C to stop; security keys work at this name)"
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# The tests that need PostgreSQL (the staged import, concurrent writers, row locks) run
# wherever it is: on this machine's PostgreSQL when it answers on 127.0.0.1:5432 and no
# DATABASE_URL is given (in the environment or .env), on the embedded SQLite otherwise.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/inspect
test: setup
	@if [ -z "$$DATABASE_URL" ] && ! grep -qs '^DATABASE_URL=' .env && \
		$(PY) -c "import psycopg2; psycopg2.connect('$(TEST_DATABASE_URL)'.rsplit('/', 1)[0] + '/postgres', connect_timeout=3).close()" 2>/dev/null; then \
		echo "make test: on PostgreSQL at $(TEST_DATABASE_URL) (it answered)"; \
		DATABASE_URL='$(TEST_DATABASE_URL)' $(PY) -m pytest $(PYTEST_ARGS); \
	else \
		$(PY) -m pytest $(PYTEST_ARGS); \
	fi

# Full size; `BENCH_SIZE=smoke make bench` runs each in seconds, as CI does.
bench: setup
	$(PY) -m bench

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 .pytest_cache
