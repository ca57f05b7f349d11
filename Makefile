# Two commands do all the set-up on a fresh machine:
#   make book   set up .venv, execute every chapter, build site and PDF
#   make test   the same set-up and build, then the whole test suite
# Also: make lab, make pdf, make bench, make clean.

PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
SETUP  := $(VENV)/.setup-done

.PHONY: book test lab pdf bench clean setup

book: $(SETUP)
	$(PY) -m bookbuild.build

test: book
	$(PY) -m pytest

pdf: $(SETUP)
	$(PY) -m bookbuild.pdf

bench: $(SETUP)
	$(PY) -m gradbook.bench --json book/data/bench.json

lab: $(SETUP)
	$(VENV)/bin/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) book/

setup: $(SETUP)

# Reinstall only when the pins change. The venv is created if missing.
$(SETUP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m bookbuild.labsetup
	touch $@

clean:
	rm -rf _build
