"""Execute the book's notebooks in parallel into the execution cache, then let Jupyter Book build.

    python tools/pre_execute.py [--jobs 2]

Jupyter Book 1.x executes the notebooks one after another while Sphinx reads them, so a cold
build uses one core. This script does the same executions beforehand, ``--jobs`` at a time, with
MyST-NB's own notebook reader and jupyter-cache's own executor, and stores each result in the
cache exactly where the build looks for it (same notebook, same hash, same working directory).
The build that follows finds every notebook cached and only renders. Nothing is different in
the outputs: they are the outputs the build would have made itself.

It first applies the build's own cache guard (``tools/book_ext.py``): a change to ``lib/``, the
pins, ``BOOK_SEED`` or ``BOOK_SCALE`` clears the cache. Notebooks already cached are skipped.
Pages the build always re-executes (``book_always_rebuild``) are left to the build. Each kernel
gets one BLAS/OpenMP thread unless the environment says otherwise, so ``--jobs`` kernels share
the cores instead of fighting over them. The longest notebooks start first (their times from the
last ``make bench``, ``verification/bench.json``), so no core waits alone for a long one at the end.
Exit status 1 if a notebook fails; its traceback is printed, as the build would print it.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import book_ext  # noqa: E402  the build's own cache guard
from seed_sweep import toc_chapters  # noqa: E402  the toc's notebooks, as the sweep reads them

ROOT = Path(__file__).resolve().parents[1]


def config() -> dict:
    return yaml.safe_load((ROOT / "_config.yml").read_text())


def toc_notebooks(always: set[str]) -> list[Path]:
    """The toc's MyST notebooks (files with code cells), minus the always-rebuilt pages."""
    return [p for p in toc_chapters() if str(p.relative_to(ROOT).with_suffix("")) not in always]


def longest_first(paths: list[str], bench: Path = ROOT / "verification" / "bench.json") -> list[str]:
    """``paths`` by decreasing cold execution time in ``bench`` (a notebook it does not list counts as
    the median one); ``paths`` unchanged when there is no benchmark to read."""
    try:
        runs = json.loads(bench.read_text())["chapters"]["runs"]
        seconds = {str(ROOT / r["chapter"]): float(r["seconds"]) for r in runs}
    except (OSError, ValueError, KeyError, TypeError):
        return list(paths)
    if not seconds:
        return list(paths)
    typical = statistics.median(seconds.values())
    return sorted(paths, key=lambda p: -seconds.get(str(p), typical))


def read_notebook(path: Path):
    """The notebook MyST-NB builds from ``path``, and the reader record jupyter-cache stores."""
    from myst_nb.core.config import NbParserConfig
    from myst_nb.core.read import create_nb_reader
    from myst_parser.config.main import MdParserConfig

    text = path.read_text()
    reader = create_nb_reader(str(path), MdParserConfig(), NbParserConfig(), text)
    if reader is None:
        raise ValueError(f"{path} is not a MyST notebook")
    return reader.read(text), reader.read_fmt


def execute(path: str, timeout: int) -> tuple[str, str | None, float, str | None]:
    """Execute one notebook in its own folder; (path, executed notebook as JSON, seconds, error)."""
    import nbformat
    from jupyter_cache.executors.utils import single_nb_execution

    nb, _ = read_notebook(Path(path))
    res = single_nb_execution(nb, cwd=str(Path(path).parent), timeout=timeout, allow_errors=False,
                              meta_override=True)
    if res.err is not None:
        return path, None, res.time, res.exc_string
    return path, nbformat.writes(nb), res.time, None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=2, help="kernels at a time (default 2)")
    args = ap.parse_args(argv)
    if args.jobs < 1:
        ap.error("--jobs must be at least 1")
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")

    import nbformat
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cfg = config()
    sphinx_cfg = cfg.get("sphinx", {}).get("config", {})
    cache_dir = ROOT / cfg["execute"]["cache"]
    timeout = int(cfg["execute"].get("timeout", 120))
    book_ext.guard_cache(cache_dir, book_ext.source_hash(ROOT, sphinx_cfg.get("book_lib_paths", ["lib"])))
    cache = get_cache(str(cache_dir))

    todo = {}  # path -> the reader record jupyter-cache stores with the result
    for path in toc_notebooks(set(sphinx_cfg.get("book_always_rebuild", []))):
        nb, fmt = read_notebook(path)
        try:
            cache.match_cache_notebook(nb)
        except KeyError:
            todo[str(path)] = fmt
    print(f"pre_execute: {len(todo)} notebooks to execute, {args.jobs} at a time", flush=True)
    t0, failed = time.perf_counter(), []
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(execute, p, timeout) for p in longest_first(list(todo))]
        for fut in as_completed(futures):
            path, text, seconds, err = fut.result()
            rel = Path(path).relative_to(ROOT)
            if err is not None:
                failed.append(rel)
                print(f"pre_execute: FAILED {rel} after {seconds:.1f} s\n{err}", flush=True)
                continue
            record = cache.add_nb_to_project(path, read_data=todo[path])
            cache.cache_notebook_bundle(CacheBundleIn(nbformat.reads(text, as_version=4), record.uri,
                                                      data={"execution_seconds": seconds}),
                                        check_validity=False, overwrite=True)
            print(f"pre_execute: {rel} {seconds:.1f} s", flush=True)
    print(f"pre_execute: done in {time.perf_counter() - t0:.1f} s" + (f", {len(failed)} failed" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
