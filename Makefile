# The two commands: `make run` and `make test`. Everything else is a helper.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SIZE ?= 10000
CUSTOMERS ?= 400

# The newest Python 3.12+ on this machine (pyenv shims that fail are skipped).
PYTHON ?= $(shell for p in python3.14 python3.13 python3.12 python3 \
	$$(ls -d $$HOME/.pyenv/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV); do \
	  if $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then echo $$p; break; fi; \
	done)

.PHONY: run test install lint format bench bench-reporting e2e messages clean check-python demo-reset

check-python:
	@if [ -z "$(PYTHON)" ]; then \
	  echo "Python 3.12 or newer is needed (Django 6). Install it, or run: make PYTHON=/path/to/python3.12 ..."; exit 1; fi

$(STAMP): requirements.lock pyproject.toml | check-python
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	@touch $(STAMP)

install: $(STAMP)

run: install
	@mkdir -p var
	DEBUG=true $(PY) manage.py migrate --noinput
	DEBUG=true $(PY) manage.py createcachetable
	DEBUG=true $(PY) manage.py sync_schedules
	DEBUG=true $(PY) manage.py seed_demo --if-empty --customers $(CUSTOMERS)
	DEBUG=true $(PY) manage.py seed_bureau
	DEBUG=true $(PY) manage.py demo_logins
	DEBUG=true $(PY) manage.py seed_decisions
	@echo "Daily workflow of the last 3 weeks (idempotent; log in var/demo-workflow.log)"
	DEBUG=true EMAIL_BACKEND=django.core.mail.backends.locmem.EmailBackend \
	  $(PY) manage.py run_daily --catch-up 21 --demo-customers > var/demo-workflow.log 2>&1
	@echo "Web: http://127.0.0.1:8000  (Ctrl-C stops the server and the worker)"
	@trap 'kill 0' INT TERM EXIT; \
	  DEBUG=true $(PY) manage.py qcluster & \
	  DEBUG=true $(PY) manage.py runserver 127.0.0.1:8000

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

e2e: install
	$(PY) -m pytest tests/e2e $(PYTEST_ARGS)

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

bench: install
	$(PY) tests/bench/run.py --size $(SIZE)

# Needs gettext (msgfmt); the compiled catalogs are committed, so users never need it.
messages: install
	DEBUG=true $(PY) manage.py makemessages -l nl --ignore=.venv --ignore=var --ignore=tests
	DEBUG=true $(PY) manage.py compilemessages --ignore=.venv

demo-reset:
	rm -f var/db.sqlite3*

clean:
	rm -rf $(VENV) var

bench-reporting: install
	$(PY) tests/bench/bench_reporting.py --customers $(SIZE)
