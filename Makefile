# HRflow: `make run` to try it, `make test` to prove it. Both set up from nothing.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup run test bench messages chromium demo clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

# Compiled catalogues are build output (.gitignore); msgfmt comes with gettext.
messages: $(VENV)/.installed
	@command -v msgfmt >/dev/null || apt-get install -y gettext >/dev/null
	DEBUG=1 $(PY) manage.py compilemessages --ignore=.venv --verbosity 0

setup: $(VENV)/.installed messages
	@mkdir -p var

demo: setup
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py seed_demo

run: demo
	@DEBUG=1 $(PY) manage.py demo_logins --url http://$(HOST):$(PORT)/
	DEBUG=1 HRFLOW_SITE_URL=$${HRFLOW_SITE_URL:-http://$(HOST):$(PORT)} $(PY) manage.py runserver $(HOST):$(PORT)

# Browser tests drive Debian's Chromium (Playwright cannot download browsers here), with a
# CJK font so that screenshots of the Chinese UI show characters, not boxes.
chromium:
	@command -v chromium >/dev/null || apt-get install -y chromium >/dev/null || \
		(apt-get update >/dev/null && apt-get install -y chromium >/dev/null)
	@fc-list 2>/dev/null | grep -qi "wqy\|noto sans cjk" || apt-get install -y fonts-wqy-microhei >/dev/null

test: setup chromium
	$(PY) -m pytest $(PYTEST_ARGS)

# On BENCH_DATABASE_URL, else DATABASE_URL, else a fresh var/bench.sqlite3; the load section needs
# PostgreSQL (it generates the province if missing), e.g.
#   make bench DATABASE_URL=postgres://postgres@127.0.0.1:5432/hrflow_bench_scale BENCH_ARGS="--only load"
bench: setup
	$(PY) -m tests.bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var staticfiles
