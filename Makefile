# The two commands a new machine needs: `make run` and `make test`. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# uv from PATH, else the copy that `make uv` installs with pip.
UV = $$(command -v uv || echo python3 -m uv)

# Debian packages: WeasyPrint's libraries (harfbuzz-subset makes it twice as fast) and two fonts
# that print a name in any script we see at the counter: DejaVu (Latin, Greek, Cyrillic, Arabic,
# Hebrew) and WenQuanYi Micro Hei (Chinese, Japanese, Korean in 1.6 MB; fonts-noto-cjk is 57 MB).
# Chromium for the browser tests (Debian's build: a test never downloads a browser).
DEBS_RUN := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-wqy-microhei
DEBS_TEST := $(DEBS_RUN) chromium

.PHONY: help run test lint bench install install-test uv debs-run debs-test

help:
	@echo "make run    install, start the database, migrate, load demo data, serve on :$(PORT)"
	@echo "make test   install, lint, run the whole test suite"
	@echo "make lint   ruff check, ruff format --check, makemigrations --check, mypy"
	@echo "make bench  run every benchmark in bench/"

define ensure_debs
	@missing=""; for p in $(1); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		sudo=""; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
		$$sudo apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
endef

debs-run:
	$(call ensure_debs,$(DEBS_RUN))

debs-test:
	$(call ensure_debs,$(DEBS_TEST))

uv:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || \
		python3 -m pip install --quiet --disable-pip-version-check uv || \
		python3 -m pip install --quiet --disable-pip-version-check --break-system-packages uv

# Django 6.1 needs Python 3.12 or later: use one that is on the machine, else let uv fetch one.
install: uv debs-run
	@python="$$(scripts/find-python)"; \
	if [ -z "$$python" ]; then $(UV) python install 3.12 && python=3.12; fi; \
	$(UV) sync --frozen --quiet --python "$$python"

install-test: install debs-test

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo "Serving on http://127.0.0.1:$(PORT)/ (Ctrl-C stops it)"
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/mypy cashiering ledger billing payments reconciliation audit

# Two workers (CI has two cores): each gets its own test database. The embedded server is
# started once here, before the workers, so that they do not race to start it.
TEST_WORKERS ?= 2
test: install-test lint
	DATABASE_URL="$${DATABASE_URL:-$$($(PY) -m cashiering.embedded_pg)}" \
		$(PY) -m pytest -n $(TEST_WORKERS)

bench: install
	@for f in bench/[!_]*.py; do echo "== $$f"; $(PY) "$$f" || exit 1; done
