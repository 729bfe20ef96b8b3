"""Run chapters under many values of BOOK_SEED and count, per claim, how many seeds passed.

    python tools/seed_sweep.py --seeds 20 [--jobs 2] [--out verification/seed-sweep.json] [--merge] [chapter.md ...]

With ``--merge`` the named chapters replace their own rows in an existing ``--out`` file and the
other chapters' rows are kept (to re-sweep only the chapters that changed).

By default each chapter runs in a fresh Python process that executes its code cells in order,
once per seed, with errors allowed (a failing check does not hide the checks after it), a fresh
namespace and a cleared claim record for every seed, and the non-interactive ``agg`` backend, so
figures are built but not rasterised. Kernel start-up, imports and PNG encoding are then paid once
per chapter instead of once per seed, which halves the sweep. ``--kernel`` runs each (chapter,
seed) pair in a fresh Jupyter kernel instead, exactly as the build does, and reads the verdicts
from the cell outputs. The verdict records that lib.checks leaves in the outputs are
collected; a claim that a seed never reached (its cell was not run, or raised before the check)
counts as a failure for that seed. Exit status 1 if any claim failed any seed.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from book_ext import claims_in_html  # the same reader the claims ledger uses

ROOT = Path(__file__).resolve().parents[1]
FIRST_SWEEP_SEED = 1000
CLAIM_KEYS = ("claim", "source", "verdict", "measured", "margin")  # what a run keeps of each record


def toc_chapters() -> list[Path]:
    """The notebooks of the book in reading order (from _toc.yml), those with code only."""
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [c["file"] for c in part.get("chapters", [])]
    out = []
    for f in files:
        p = ROOT / f"{f}.md"
        if p.exists() and "```{code-cell}" in p.read_text():
            out.append(p)
    return out


def run_one(path: str, seed: int | None, timeout: int = 300) -> dict:
    """Execute one chapter under ``BOOK_SEED=seed`` (``None``: the environment as it is)."""
    import jupytext
    import nbclient

    if seed is not None:
        os.environ["BOOK_SEED"] = str(seed)
    nb = jupytext.read(path)
    t0 = time.perf_counter()
    client = nbclient.NotebookClient(nb, timeout=timeout, allow_errors=True, kernel_name="python3",
                                     resources={"metadata": {"path": str(Path(path).parent)}})
    client.execute()
    errors, claims = [], []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                errors.append(f"{out.get('ename')}: {out.get('evalue', '')[:300]}")
            text = out.get("data", {}).get("text/html", "") if "data" in out else ""
            if isinstance(text, list):
                text = "".join(text)
            claims += claims_in_html(text)
    return {"chapter": str(Path(path).relative_to(ROOT)), "seed": seed, "seconds": time.perf_counter() - t0,
            "claims": [{k: c[k] for k in CLAIM_KEYS} for c in claims],
            "errors": errors}


def run_chapter(path: str, seeds: list[int]) -> list[dict]:
    """Execute one chapter once per seed in this process (see the module docstring)."""
    import contextlib
    import io
    import traceback

    os.environ["MPLBACKEND"] = "agg"
    import jupytext
    import matplotlib

    matplotlib.use("agg")
    import matplotlib.pyplot as plt

    from lib import checks

    try:
        import torch

        torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    except ImportError:  # pragma: no cover
        pass
    nb = jupytext.read(path)
    cells = [(i, c.source) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    os.chdir(Path(path).parent)
    out = []
    for seed in seeds:
        os.environ["BOOK_SEED"] = str(seed)
        checks.reset()
        ns = {"__name__": "__main__"}
        errors = []
        t0 = time.perf_counter()
        for i, src in cells:
            try:
                with contextlib.redirect_stdout(io.StringIO()):
                    exec(compile(src, f"{Path(path).name}:cell{i}", "exec"), ns)
            except Exception as exc:  # a failed check or a crash; the later cells still run
                errors.append(f"{type(exc).__name__}: {str(exc)[:300]}")
                if not isinstance(exc, AssertionError):
                    errors[-1] += " | " + traceback.format_exc(limit=-1).strip().splitlines()[-2][:200]
            finally:
                plt.close("all")
        claims = []
        for r in checks.RECORDS:  # rendered and read back as the build and --kernel read them
            try:
                claims += claims_in_html(r.to_html())
            except Exception as exc:
                errors.append(f"{r.claim}: record cannot be rendered: {type(exc).__name__}: {exc}")
        out.append({"chapter": str(Path(path).relative_to(ROOT)), "seed": seed,
                    "seconds": time.perf_counter() - t0,
                    "claims": [{k: c[k] for k in CLAIM_KEYS} for c in claims], "errors": errors})
    return out


def summarise(runs: list[dict]) -> dict:
    by_chapter = defaultdict(list)
    for r in runs:
        by_chapter[r["chapter"]].append(r)
    table = []
    for chapter, rs in by_chapter.items():
        seeds = sorted(r["seed"] for r in rs)
        ids = []
        for r in rs:
            for c in r["claims"]:
                if c["claim"] not in ids:
                    ids.append(c["claim"])
        for cid in ids:
            passed = sum(any(c["claim"] == cid and c["verdict"] == "PASS" for c in r["claims"]) for r in rs)
            failed_seeds = [r["seed"] for r in rs if not any(c["claim"] == cid and c["verdict"] == "PASS" for c in r["claims"])]
            table.append({"chapter": chapter, "claim": cid, "passed": passed, "seeds": len(seeds), "failed_seeds": failed_seeds})
    seconds = defaultdict(float)
    for r in runs:
        seconds[r["chapter"]] += r["seconds"]
    return {"claims": table, "runs": len(runs), "errors": [(r["chapter"], r["seed"], e) for r in runs for e in r["errors"]],
            "chapter_seconds": {c: round(t, 1) for c, t in seconds.items()}}


def merge(old: dict, new: dict) -> dict:
    """``new``'s chapters replace theirs in ``old``; both must have used the same seeds."""
    if (old.get("first_seed"), old.get("n_seeds")) != (new["first_seed"], new["n_seeds"]):
        raise SystemExit("--merge needs the same --first-seed and --seeds as the file it merges into")
    done = set(new["chapter_seconds"])
    kept = [c for c in old["claims"] if c["chapter"] not in done]
    old_runs = {c: t for c, t in old.get("chapter_seconds", {}).items() if c not in done}
    order = [c for c in toc_order() if c in old_runs or c in done]
    claims = sorted(kept + new["claims"], key=lambda c: order.index(c["chapter"]) if c["chapter"] in order else len(order))
    return {"claims": claims, "runs": new["runs"] + len(old_runs) * new["n_seeds"],
            "errors": [e for e in old["errors"] if e[0] not in done] + new["errors"],
            "chapter_seconds": old_runs | new["chapter_seconds"], "seconds": round(old.get("seconds", 0) + new["seconds"], 1),
            "first_seed": new["first_seed"], "n_seeds": new["n_seeds"]}


def toc_order() -> list[str]:
    return [str(p.relative_to(ROOT)) for p in toc_chapters()]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("chapters", nargs="*", help="chapter .md files (default: every notebook in _toc.yml)")
    ap.add_argument("--seeds", type=int, default=20, help="number of seeds (default 20)")
    ap.add_argument("--first-seed", type=int, default=FIRST_SWEEP_SEED)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--out", default=None, help="write the results as JSON here")
    ap.add_argument("--kernel", action="store_true", help="a fresh Jupyter kernel per (chapter, seed)")
    ap.add_argument("--resume", action="store_true", help="keep the chapters an interrupted run finished")
    ap.add_argument("--merge", action="store_true", help="replace only these chapters' rows in --out")
    args = ap.parse_args(argv)
    if args.seeds < 1 or args.jobs < 1:
        ap.error("--seeds and --jobs must be at least 1")
    # one BLAS/OpenMP/torch thread per worker, as in make test: workers share the cores, and
    # oversubscribed torch threads on a busy machine are many times slower, not faster
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    chapters = [Path(c).resolve() for c in args.chapters] or toc_chapters()
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    t0 = time.perf_counter()
    if args.kernel:
        jobs = [(str(c), s) for c in chapters for s in seeds]
        with ProcessPoolExecutor(max_workers=args.jobs) as pool:
            runs = list(pool.map(run_one, *zip(*jobs)))
    else:  # slowest chapters first, so the two workers finish together
        known = {}
        if args.out and Path(args.out).exists():
            known = json.loads(Path(args.out).read_text()).get("chapter_seconds", {})
        order = sorted(chapters, key=lambda c: -known.get(str(c.relative_to(ROOT)), 1e9))
        # every finished chapter is appended to a journal, so an interrupted sweep resumes (--resume)
        journal = Path(args.out or "seed-sweep.json").with_suffix(".journal.jsonl")
        done = {}
        if args.resume and journal.exists():
            wanted = {str(c.relative_to(ROOT)) for c in chapters}
            for line in journal.read_text().splitlines():
                rs = json.loads(line)
                if rs and rs[0]["chapter"] in wanted and sorted(r["seed"] for r in rs) == seeds:
                    done[ROOT / rs[0]["chapter"]] = rs
        elif journal.exists():
            journal.unlink()
        todo = [c for c in order if c not in done]
        print(f"seed_sweep: {len(todo)} chapters to run, {len(done)} from the journal", flush=True)
        with ProcessPoolExecutor(max_workers=args.jobs, max_tasks_per_child=1) as pool:
            futures = {pool.submit(run_chapter, str(c), seeds): c for c in todo}
            for fut in as_completed(futures):
                c = futures[fut]
                done[c] = fut.result()
                with journal.open("a") as fh:
                    fh.write(json.dumps(done[c]) + "\n")
                secs = sum(r["seconds"] for r in done[c])
                print(f"seed_sweep: {c.relative_to(ROOT)} {secs:.0f} s ({len(done)}/{len(chapters)})", flush=True)
        runs = [r for c in chapters for r in done[c]]
    summary = summarise(runs)
    summary.update(seconds=round(time.perf_counter() - t0, 1), first_seed=args.first_seed, n_seeds=args.seeds)
    if args.merge:
        if not args.out or not Path(args.out).exists():
            ap.error("--merge needs an existing --out file")
        summary = merge(json.loads(Path(args.out).read_text()), summary)
    width = max((len(c["claim"]) for c in summary["claims"]), default=5)
    for c in summary["claims"]:
        flag = "ok  " if c["passed"] == c["seeds"] else "FAIL"
        extra = f"  failed seeds {c['failed_seeds']}" if c["failed_seeds"] else ""
        print(f"{flag} {c['claim']:<{width}}  {c['passed']}/{c['seeds']}  {c['chapter']}{extra}")
    bad = [c for c in summary["claims"] if c["passed"] < c["seeds"]]
    print(f"{len(summary['claims']) - len(bad)} of {len(summary['claims'])} claims passed every one of "
          f"{args.seeds} seeds ({summary['runs']} chapter runs, {summary['seconds']} s)")
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(summary, indent=1) + "\n")
    return 1 if bad or not summary["claims"] else 0


if __name__ == "__main__":
    sys.exit(main())
