# Two commands do all the set-up on a fresh machine:
#   make book   set up .venv, execute every chapter, build site and PDF
#   make test   the same set-up and build, then the whole test suite
# `make help` lists every target.

# The Pythons the pins resolve for, newest first. Without PYTHON=...,
# the newest python3.X of these on PATH is used, then python3 if its
# version is one of them.
SUPPORTED_PYTHONS := 3.13 3.12 3.11
# PyTorch on Linux: `cpu` (the default) installs the CPU build of the
# pinned torch, as PyTorch's install guide does for machines without a
# GPU; `cuda` takes the default build from PyPI (CUDA, several GB).
TORCH ?= cpu
TORCH_CPU_INDEX := https://download.pytorch.org/whl/cpu

empty :=
space := $(empty) $(empty)
comma := ,

VENV   := .venv
PY     := $(VENV)/bin/python
SETUP  := $(VENV)/.setup-done

# The major.minor version of interpreter $(1), empty if it does not run.
python_version = $(shell $(1) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
supported = $(filter $(SUPPORTED_PYTHONS),$(call python_version,$(1)))
# Evaluated only by the targets that create the venv.
PYTHON ?= $(firstword $(foreach p,$(addprefix python,$(SUPPORTED_PYTHONS)) python3,$(if $(call supported,$(p)),$(p))))

.PHONY: help book test test-quick lab pdf bench clean setup i18n

help:  ## list the targets
	@echo "make book    set up .venv, execute every chapter, build the site and PDFs"
	@echo "make test    the same, then the whole test suite"
	@echo "make test-quick  the tests that build no book and start no browser"
	@echo "make pdf     rebuild the PDFs from the built book"
	@echo "make i18n    extract the English text, update locales/*/*.po, list what to translate"
	@echo "make lab     JupyterLab with the chapters as notebooks"
	@echo "make bench   measure the speed of every implementation (code/gradbook/runs/)"
	@echo "make setup   only create .venv and install the pins"
	@echo "make clean   remove _build (the site, the PDFs, the execution cache) and the tests' JAX compilations"
	@echo "Options: PYTHON=python3.X (one of $(SUPPORTED_PYTHONS)); TORCH=cuda on Linux"

book: $(SETUP)
	$(PY) -m bookbuild.build

test: book
	$(PY) -m pytest -n auto --dist loadscope --durations=25

# The quick loop for contributors: no build, no browser (see README;
# tests/test_markers.py and the conftest guard keep it so).
test-quick: $(SETUP)
	$(PY) -m pytest -m "not slow" -n auto

# The editions' catalogues (bookbuild.catalogues): after an English
# edit, this marks the changed messages and lists them; the build
# (bookbuild.i18n) refuses to publish an edition with any message left.
i18n: $(SETUP)
	$(PY) -m bookbuild.catalogues

pdf: $(SETUP)
	$(PY) -m bookbuild.pdf
	$(PY) -m bookbuild.pdf --language ko

bench: $(SETUP)
	$(PY) -m gradbook.bench --json code/gradbook/runs/bench.json
	$(PY) -m gradbook.bench_modes --json code/gradbook/runs/modes.json
	$(PY) -m gradbook.bench_memory --json code/gradbook/runs/memory.json
	$(PY) -m gradbook.bench_cheap --json code/gradbook/runs/cheap.json

# JupyterLab at the repository's root: book/*.md are the pages' sources
# (they open as notebooks); after `make book`, the readers' notebooks
# (rendered Markdown, with outputs) are in _build/html/_sources/book/.
lab: $(SETUP)
	$(VENV)/bin/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) \
	    --ServerApp.root_dir=. --LabApp.default_url=/lab/tree/book

setup: $(SETUP)

# Reinstall only when the pins change. The venv is created if missing.
$(SETUP): requirements.txt pyproject.toml
	$(if $(PYTHON),,$(error no supported Python found: install Python $(subst $(space),$(comma) ,$(SUPPORTED_PYTHONS)) or name one with PYTHON=...))
	$(if $(call supported,$(PYTHON)),,$(error $(PYTHON) is Python $(or $(call python_version,$(PYTHON)),(not found)); the book needs Python $(subst $(space),$(comma) ,$(SUPPORTED_PYTHONS))))
	$(if $(filter cpu cuda,$(TORCH)),,$(error TORCH=$(TORCH): expected cpu or cuda))
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
ifeq ($(shell uname -s),Linux)
ifeq ($(TORCH),cpu)
	$(PY) -m pip install --quiet --no-deps --timeout 15 --retries 1 \
	    --index-url $(TORCH_CPU_INDEX) \
	    "torch==$$(sed -n 's/^torch==//p' requirements.txt)" \
	  || echo "make: PyTorch's CPU index is not reachable;" \
	      "torch comes from the default index"
endif
endif
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m bookbuild.labsetup
	touch $@

# _build, and the compilations JAX keeps for the tests (tests/conftest.py)
clean:
	rm -rf _build .pytest_cache/jax-compilations
