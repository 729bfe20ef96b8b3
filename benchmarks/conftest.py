"""Fixtures and a compatibility shim for the benchmarks.

* One thread limit for the whole session (``common.threads``, set by ``tools/bench.py``).
* pytest 9.2 no longer has the private ``Node._nodeid`` that pytest-benchmark 5.2.3 reads when it
  builds the ``benchmark`` fixture (ionelmc/pytest-benchmark#321), so every collected item gets it
  as an alias of the public ``nodeid``. A no-op on pytest versions that still have it.
"""
import pytest

from benchmarks import common


def pytest_collection_modifyitems(items):
    for item in items:
        if not hasattr(item, "_nodeid"):
            item._nodeid = item.nodeid


@pytest.fixture(scope="session", autouse=True)
def _thread_limit():
    limits = common.limit_threads()
    yield
    limits.restore_original_limits()
