# Two commands: `make run` serves the API on a local, embedded AWS; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
STAGE ?= dev
PYTEST_ARGS ?=
LOAD_ARGS ?=
# Test processes (pytest-xdist): one a core; 0 runs the tests in one process. A file's tests share a worker
# (its module-scoped local stack, say).
PYTEST_WORKERS ?= 2

.PHONY: run demo test readme load package bench clean browser

$(STAMP): requirements.txt requirements-dev.txt
	@echo "Installing into $(VENV): boto3, PynamoDB, pydantic, Chalice, moto, pytest and what they need"
	@echo "(the first time about a minute, more on a slow network; later runs skip this)"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check --progress-bar on -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

# The ports first (stdlib only): a busy PORT or MOTO_PORT stops here, before any install.
run:
	@$(PYTHON) -m scripts.ports
	@$(MAKE) --no-print-directory $(STAMP)
	exec $(BIN)/python -m scripts.local_stack

# `make run` with README's walkthrough run first: a demo bank, customers, a third-party app, a partner, a payment.
demo: export DEMO = 1
demo: run

test: $(STAMP) browser
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# README's generated sections: the walkthrough (scripts/walkthrough.py) and the settings tables.
readme: $(STAMP)
	$(BIN)/python -m scripts.readme

# The browser test drives Debian's Chromium through chromedriver (never a download at test time).
# As root (CI) they are installed here; otherwise README "Tests" says what to install.
browser:
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; \
	else echo "chromium and chromium-driver are missing and make is not root: the browser test will fail (README, Tests)"; fi

# Hot accounts over the local stack (its own, on free loopback ports) and the stack's memory:
# prints the figures and the targets; bounded in count and time (scripts/load.py --help).
load: $(STAMP)
	$(BIN)/python -m scripts.load $(LOAD_ARGS)

# Package the stage into build/<stage>/ with the infra template merged in, then lint it.
package: $(STAMP)
	$(BIN)/python -m scripts.package $(STAGE)

# Cold start of the packaged function against its bare dependencies (a benchmark, not a test):
# builds the package as `make package` does, without the network, and times fresh interpreters.
BENCH_ARGS ?=
bench: $(STAMP)
	$(BIN)/python -m scripts.bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build .local .pytest_cache
