# Two commands a newcomer needs: `make demo` and `make test`. Each does its own set-up.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test bench lint system-deps clean

install: $(STAMP)

# Re-run only when the project's metadata changed; the install is editable, so source edits
# need no reinstall.
$(STAMP): pyproject.toml
	@$(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "rentwatch needs Python 3.11 or newer; set PY=/path/to/python3.11")'
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

# System tools the tests use: pdftoppm (poppler-utils) renders report pages to PNG; headless
# Chromium (the Debian package, driven by the playwright Python package with no browser
# download) opens the economist's HTML report. Installed when missing, as root or with sudo.
SYSTEM_PACKAGES := $(if $(shell command -v pdftoppm),,poppler-utils) $(if $(wildcard /usr/bin/chromium),,chromium)
system-deps:
	@if [ -n "$(strip $(SYSTEM_PACKAGES))" ]; then \
	  echo "installing $(strip $(SYSTEM_PACKAGES)) for the report tests"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; fi; \
	fi

demo: install
	$(BIN)/rentwatch demo

test: install system-deps
	$(BIN)/python -m pytest -n 2 -q

bench: install
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) demo test-artifacts .pytest_cache .mypy_cache .ruff_cache
