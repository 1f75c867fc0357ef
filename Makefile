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
# No wheel cache (torch and its CUDA libraries would be stored twice) and pip's scratch
# space inside the project, on the disk that must hold the venv anyway.
PIP_TMP := $(CURDIR)/$(VENV)/.pip-tmp
PIP := mkdir -p $(PIP_TMP) && TMPDIR=$(PIP_TMP) $(VENV)/bin/pip install --quiet --no-cache-dir \
	--disable-pip-version-check -c python/constraints.txt
# torch with its CUDA libraries takes ~5.5 GB installed; the release build ~2 GB.
NEED_GB ?= 8
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

.PHONY: demo test build setup setup-ref nasm pdf-tools clean fuzz

demo: build
	./target/release/adaptlab --report --suite demo --out report
	@echo "Report: $(CURDIR)/report/report.md and $(CURDIR)/report/report.html"

test: build setup-ref pdf-tools
	$(CARGO_ENV) cargo test --release

# Every reader of outside files under mutated inputs, FUZZ_SECONDS each (readers: FUZZ=...).
FUZZ_SECONDS ?= 600
FUZZ ?=
fuzz: setup
	$(CARGO_ENV) cargo run --release --example fuzz -- --seconds $(FUZZ_SECONDS) $(FUZZ)

build: setup
	$(CARGO_ENV) cargo build --release

setup: $(TORCH_STAMP) nasm

# The PDF check prints the report with a headless Chromium and reads the pages back with
# poppler's tools; Noto Sans Arabic gives the Persian text a font to embed.
pdf-tools:
	@command -v chromium >/dev/null && command -v pdftoppm >/dev/null && exit 0; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils fonts-noto-core >/dev/null) \
	    || echo "warning: apt-get could not install chromium/poppler-utils; the PDF test will fail." >&2; \
	else \
	  echo "warning: chromium or pdftoppm missing; install them (apt install chromium poppler-utils fonts-noto-core) for the PDF test." >&2; \
	fi

# libjpeg-turbo's SIMD decoder is assembled with nasm when the JPEG crate is built; without
# it JPEG decoding falls back to plain C (same pixels, about 1.7x slower).
nasm:
	@command -v nasm >/dev/null && exit 0; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nasm >/dev/null) \
	    || echo "warning: apt-get could not install nasm; JPEG decoding will build without SIMD." >&2; \
	else \
	  echo "warning: nasm not found; JPEG decoding will build without SIMD (same pixels, slower)." \
	       "Install nasm (apt install nasm), then: cargo clean -p mozjpeg-sys && make build" >&2; \
	fi

setup-ref: $(VENV)/.ref-installed

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.torch-installed: python/constraints.txt | $(VENV)/bin/python
	@free_kb=$$(df -Pk . | awk 'NR==2 {print $$4}'); \
	if [ "$$free_kb" -lt $$(( $(NEED_GB) * 1024 * 1024 )) ]; then \
	  echo "error: $$(( free_kb / 1024 )) MB free on the disk of $(CURDIR); installing torch 2.13.0" \
	       "and building needs about $(NEED_GB) GB. Free space (or run with LIBTORCH=/path/to/libtorch" \
	       "to use an existing libtorch 2.13.0), then run make again; NEED_GB=0 skips this check." >&2; \
	  exit 1; \
	fi
	$(PIP) $(TORCH_SOURCE) torch==2.13.0
	rm -rf $(PIP_TMP)
	touch $@

$(VENV)/.ref-installed: python/constraints.txt python/requirements-ref.txt | $(VENV)/bin/python
	$(PIP) -r python/requirements-ref.txt
	rm -rf $(PIP_TMP)
	touch $@

clean:
	cargo clean
	rm -rf $(VENV) report
