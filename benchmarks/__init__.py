"""pytest-benchmark benchmarks of the book's hot kernels (issue 10); driven by ``tools/bench.py``.

Not part of ``make test``: the files are named ``bench_*.py`` and pytest's testpaths are
``tests/`` and ``chapters/``. Run them with
``pytest benchmarks -o python_files='bench_*.py' -p no:cacheprovider --benchmark-json=FILE``.
"""
