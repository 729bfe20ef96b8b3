# The two commands of the README: `make book` and `make test`.
# Both create .venv on first use and install the pinned requirements into it.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
JOBS ?= 2
SEEDS ?= 20

.PHONY: book test venv clean clean-all verify-seeds bugs bench

venv: $(STAMP)

# Re-install whenever the pins or the package metadata change.
$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

# Build the HTML book, executing every chapter (cached; the cache is cleared when lib/ or the
# pins change). tools/pre_execute.py first executes the uncached chapters JOBS at a time into the
# build's own cache (Jupyter Book alone would run them one by one); the build then only renders.
# -W: warnings are errors; -n: nitpicky references; failing cells abort the build.
book: $(STAMP)
	$(BIN)/python tools/pre_execute.py --jobs $(JOBS)
	$(BIN)/jupyter-book build -W -n --keep-going --path-output . .
	@echo "Open _build/html/index.html"

# Every test in one pytest run: lib's unit tests, every chapter through nbval, the environment
# file, cache invalidation, and the rendered pages in headless Chromium (which builds the book).
# One BLAS/OpenMP thread per process: the build's kernel and the pytest workers share the cores.
# The build executes the chapters under the default seed; nbval runs each chapter under one of
# the sweep seeds (BOOK_SEED_ROTATE, see conftest.py), so every run checks a second seed.
test: $(STAMP)
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 BOOK_SEED_ROTATE=1000:$(SEEDS) \
		$(BIN)/python -m pytest -n $(JOBS) --dist loadscope

clean:
	rm -rf _build/html _build/jupyter_execute _build/.doctrees

clean-all:
	rm -rf _build

# Every chapter under SEEDS values of BOOK_SEED; per claim, how many seeds passed (issue: seed robustness).
verify-seeds: $(STAMP)
	$(BIN)/python tools/seed_sweep.py --seeds $(SEEDS) --jobs $(JOBS) --out verification/seed-sweep.json

# The bug catalogue (verification/bugs/*.yaml): each bug applied to lib/ in a temporary copy, the
# checks and tests that should catch it run there (issue: checks that can fail).
bugs: $(STAMP)
	$(BIN)/python tools/bug_hunt.py --jobs $(JOBS) --baseline --out verification/bug-hunt.json

# Benchmarks (issue: performance): chapter times, kernels against the machine's matmul rate.
# Everything takes ~20 min on 2 quiet cores; `make bench BENCH_ARGS=--quick` takes < 2 min.
# The peer (neural-tangents) is benchmarked when .venv-peer exists: `make bench-peer` first.
BENCH_ARGS ?=
bench: $(STAMP)
	BENCH_PEER_VENV=$(abspath $(PEER_VENV)) $(BIN)/python tools/bench.py --out verification/bench.json $(BENCH_ARGS)

# The peer's own venv, never .venv: jax and neural-tangents must not touch the book's pins.
# PEER_VENV may live outside the repository (tools/bench.py finds it through BENCH_PEER_VENV).
PEER_VENV ?= .venv-peer
.PHONY: bench-peer
bench-peer:
	test -x $(PEER_VENV)/bin/python || $(PYTHON) -m venv $(PEER_VENV)
	$(PEER_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-peer.txt
