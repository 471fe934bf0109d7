# Two commands: `make run` serves the API on a local, embedded AWS; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
STAGE ?= dev
PYTEST_ARGS ?=

.PHONY: run test package clean browser

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

run: $(STAMP)
	exec $(BIN)/python -m scripts.local_stack

test: $(STAMP) browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The browser test drives Debian's Chromium through chromedriver (never a download at test time).
# As root (CI) they are installed here; otherwise README "Tests" says what to install.
browser:
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; \
	else echo "chromium and chromium-driver are missing and make is not root: the browser test will fail (README, Tests)"; fi

# Package the stage into build/<stage>/ with the infra template merged in, then lint it.
package: $(STAMP)
	$(BIN)/python -m scripts.package $(STAGE)

clean:
	rm -rf $(VENV) build .local .pytest_cache
