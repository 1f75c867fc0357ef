# adaptlab — everything a fresh machine needs comes from here.
#
#   make demo   set up, build, run the embedded demo suite, write report/report.{md,html}
#   make test   set up (with the Python reference libraries), build, run every test
#
# libtorch comes from PyPI's torch==2.13.0 in a project-local venv (.venv), the version
# tch 0.26 expects. Options:
#   TORCH_INDEX=https://download.pytorch.org/whl/cu126 make demo   another torch build (CUDA 12.x)
#   LIBTORCH=/opt/libtorch make demo                                an existing libtorch 2.13.0

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PIP := $(VENV)/bin/pip install --quiet --disable-pip-version-check -c python/constraints.txt
TORCH_INDEX ?=

ifeq ($(strip $(LIBTORCH)),)
  # torch-sys asks the `python3` on PATH (the venv's) where torch's headers and libraries are.
  CARGO_ENV := PATH="$(CURDIR)/$(VENV)/bin:$$PATH" LIBTORCH_USE_PYTORCH=1
  TORCH_STAMP := $(VENV)/.torch-installed
else
  CARGO_ENV := LIBTORCH="$(LIBTORCH)"
  TORCH_STAMP :=
endif

ifneq ($(strip $(TORCH_INDEX)),)
  TORCH_SOURCE := --index-url $(TORCH_INDEX) --extra-index-url https://pypi.org/simple
endif

.PHONY: demo test build setup setup-ref clean

demo: build
	./target/release/adaptlab --report --suite demo --out report
	@echo "Report: $(CURDIR)/report/report.md and $(CURDIR)/report/report.html"

test: build setup-ref
	$(CARGO_ENV) cargo test --release

build: setup
	$(CARGO_ENV) cargo build --release

setup: $(TORCH_STAMP)

setup-ref: $(VENV)/.ref-installed

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.torch-installed: python/constraints.txt | $(VENV)/bin/python
	$(PIP) $(TORCH_SOURCE) torch==2.13.0
	touch $@

$(VENV)/.ref-installed: python/constraints.txt python/requirements-ref.txt | $(VENV)/bin/python
	$(PIP) -r python/requirements-ref.txt
	touch $@

clean:
	cargo clean
	rm -rf $(VENV) report
