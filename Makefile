# Two commands: `make run` serves the API on a local, embedded AWS; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
STAGE ?= dev
PYTEST_ARGS ?=
LOAD_ARGS ?=

.PHONY: run test load package clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

run: $(STAMP)
	exec $(BIN)/python -m scripts.local_stack

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Hot accounts over the local stack (its own, on free loopback ports) and the stack's memory:
# prints the figures and the targets; bounded in count and time (scripts/load.py --help).
load: $(STAMP)
	$(BIN)/python -m scripts.load $(LOAD_ARGS)

# Package the stage into build/<stage>/ with the infra template merged in, then lint it.
package: $(STAMP)
	$(BIN)/python -m scripts.package $(STAGE)

clean:
	rm -rf $(VENV) build .local .pytest_cache
