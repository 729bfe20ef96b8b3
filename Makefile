# The two commands of the README: `make book` and `make test`.
# Both create .venv on first use and install the pinned requirements into it.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
JOBS ?= 2

.PHONY: book test venv clean clean-all verify-seeds

venv: $(STAMP)

# Re-install whenever the pins or the package metadata change.
$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

# Build the HTML book, executing every chapter (cached; the cache is cleared when lib/ or the
# pins change). -W: warnings are errors; -n: nitpicky references; failing cells abort the build.
book: $(STAMP)
	$(BIN)/jupyter-book build -W -n --keep-going --path-output . .
	@echo "Open _build/html/index.html"

# Every test in one pytest run: lib's unit tests, every chapter through nbval, the environment
# file, cache invalidation, and the rendered pages in headless Chromium (which builds the book).
# One BLAS/OpenMP thread per process: the build's kernel and the pytest workers share the cores.
test: $(STAMP)
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/python -m pytest -n $(JOBS) --dist loadscope

clean:
	rm -rf _build/html _build/jupyter_execute _build/.doctrees

clean-all:
	rm -rf _build

# Every chapter under SEEDS values of BOOK_SEED; per claim, how many seeds passed (issue: seed robustness).
SEEDS ?= 20
verify-seeds: $(STAMP)
	$(BIN)/python tools/seed_sweep.py --seeds $(SEEDS) --jobs $(JOBS) --out verification/seed-sweep.json
