# Two commands do all the set-up on a fresh machine: `make build` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# npm ci writes this file; the LogQL lint runs Grafana's grammar from node_modules under Node.
NODE_STAMP := node_modules/.package-lock.json
# Debian's prometheus package gives promtool and prometheus; prometheus-alertmanager gives amtool;
# prometheus-blackbox-exporter the prober the health-probe test runs (tests/test_probe_e2e.py);
# redis-server and prometheus-redis-exporter the exporter the catalog is checked against
# (tests/test_exporter_contract.py).
DEB_PACKAGES := prometheus prometheus-alertmanager prometheus-blackbox-exporter redis-server prometheus-redis-exporter

.PHONY: build test test-fast check verify tools clean

build: $(STAMP) $(NODE_STAMP)
	$(PY) build.py

check: $(STAMP) $(NODE_STAMP)
	$(PY) build.py --check

verify: $(STAMP) $(NODE_STAMP) tools
	$(PY) build.py verify

test: $(STAMP) $(NODE_STAMP) tools
	$(PY) -m pytest

# The loop to run while changing definitions or the compiler: no real Prometheus or
# Alertmanager, nothing marked slow (pyproject.toml's markers); `make test` runs everything.
test-fast: $(STAMP) $(NODE_STAMP)
	$(PY) -m pytest -q -n auto -m "not e2e and not slow and not house"

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	touch $(STAMP)

# Node and npm from Debian when missing and we may (root); then the pinned packages of
# package-lock.json, exactly (`npm ci`).
$(NODE_STAMP): package.json package-lock.json
	@if ! command -v node >/dev/null || ! command -v npm >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing nodejs and npm from Debian"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null; \
	  else echo "node/npm missing: install Debian's nodejs and npm (the LogQL lint needs them)"; exit 1; fi; \
	fi
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

# Installs the Prometheus tools when one is missing and we may (root); otherwise
# the tests that need them say which package to install.
tools:
	@missing=""; for t in promtool prometheus amtool prometheus-alertmanager prometheus-blackbox-exporter \
	    redis-server prometheus-redis-exporter; do command -v $$t >/dev/null || missing="$$missing $$t"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing$$missing from Debian ($(DEB_PACKAGES))"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(DEB_PACKAGES) >/dev/null; \
	  else echo "missing:$$missing; install Debian's $(DEB_PACKAGES) (tests that need them are skipped)"; fi; \
	fi

clean:
	rm -rf $(VENV) .pytest_cache node_modules
