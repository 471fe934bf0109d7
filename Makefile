# Two commands: `make run` serves the API on a local, embedded AWS; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
STAGE ?= dev
PYTEST_ARGS ?=

.PHONY: run test package clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

run: $(STAMP)
	exec $(BIN)/python -m scripts.local_stack

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Package the stage into build/<stage>/ with the infra template merged in, then lint it.
package: $(STAMP)
	$(BIN)/python -m scripts.package $(STAGE)

clean:
	rm -rf $(VENV) build .local .pytest_cache
