"""Benchmarks of the book (issue 10): hot kernels against the machine's own limits, chapter and book times.

    python tools/bench.py [--quick] [--kernels] [--chapters] [--book] [--paper CHAPTER.md ... | --paper scaled]
                          [--jobs N] [--timeout S] [--threads 1,2] [--merge] [--out FILE]
    python tools/bench.py --readme [--out FILE]      # rewrite README.md's table of chapter times from FILE

Parts (each recorded in the output JSON, default ``verification/bench.json``):

* **kernels** (``--kernels``): the pytest-benchmark suite in ``benchmarks/`` (run in a subprocess per thread
  count, ``BENCH_THREADS``), with every lib kernel's baseline measured in the same run, reduced
  to ratios: propagation GFLOP/s vs ``torch.matmul`` / NumPy ``@`` of the same shapes; sampling
  entries/s vs ``rng.standard_normal`` and its matmul-equivalent; ``relu_ntk`` vs one ``n x n``
  GEMM; ``empirical_ntk`` vs a hand-written Jacobian; ``memorize`` time vs ``K`` with a fitted
  exponent; ``relu_ntk`` vs neural-tangents when the peer's venv exists (``make bench-peer``;
  ``.venv-peer``, or the directory in ``BENCH_PEER_VENV``).
* **chapters** (``--chapters``): every notebook of ``_toc.yml`` executed cold, one after the
  other, each in a fresh kernel (``tools/seed_sweep.run_one``), one BLAS thread (as ``make test``).
* **book** (``--book``): ``jupyter-book build`` of a temporary copy of the repository with an
  empty cache (cold), then again with nothing changed (warm), with ``make book``'s flags.
* **paper_scale** (``--paper CH.md ...``, or ``--paper scaled`` for every chapter whose sizes depend
  on ``BOOK_SCALE``): the named chapters under ``BOOK_SCALE=paper`` and, for comparison, ``laptop``,
  in the same conditions: ``--jobs`` chapters at a time (default 1), each in its own process with
  ``cores // jobs`` threads, and stopped after ``--timeout`` seconds (default 1800; recorded as
  timed out, not as an error of the chapter).

``--merge`` keeps the parts of the existing output file that this run does not measure (each part
records when it was measured), so the slow paper-scale part can be run on its own. The paper part
appends each finished chapter to a journal beside the output file; ``--resume`` continues from it.

Naming any of ``--kernels``/``--chapters``/``--book``/``--paper`` runs exactly those parts; naming none runs
all three (about 20 minutes on two quiet cores), or only the kernels with ``--quick``, which also
makes the kernels small and single-threaded (under 2 minutes). Exit status 1 when a part failed to run (a
benchmark error, a chapter error, a failed build); missed targets are recorded, not fatal.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
SCHEMA = 1
# Every kind of target the issue names; each appears in "targets" (measured or not).
TARGET_KINDS = ("propagate_vs_matmul", "ntk_vs_peer", "book_cold", "notebook_max", "warm_rebuild",
                "paper_scale_cpu")
TOP_KEYS = ("schema", "date", "command", "mode", "threads_policy", "machine", "versions", "parts",
            "measurements", "ratios", "peer", "chapters", "book", "paper_scale", "targets", "load_average")
COPY_IGNORE = shutil.ignore_patterns(".venv*", ".git", "_build", "_paired", "__pycache__", ".hypothesis",
                                     "*.egg-info", ".pytest_cache", "screenshots")
THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


# ------------------------------------------------------------------------------------------------
# Machine and versions
# ------------------------------------------------------------------------------------------------
def cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def machine() -> dict:
    """CPU model, cores, memory and OS."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gb = round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return {"cpu": cpu, "cores": cores(), "logical_cpus": os.cpu_count(), "memory_gb": mem_gb,
            "os": platform.platform(), "machine": platform.machine()}


def versions() -> dict:
    """Python, numpy, scipy, torch, pytest-benchmark, and the BLAS numpy uses (threadpoolctl)."""
    import numpy
    import scipy
    import torch
    from importlib.metadata import version
    from threadpoolctl import threadpool_info

    blas = [{k: i.get(k) for k in ("internal_api", "version", "num_threads", "threading_layer", "architecture")}
            for i in threadpool_info()]
    return {"python": platform.python_version(), "numpy": numpy.__version__, "scipy": scipy.__version__,
            "torch": torch.__version__, "torch_threads_default": torch.get_num_threads(),
            "pytest_benchmark": version("pytest-benchmark"), "blas": blas}


# ------------------------------------------------------------------------------------------------
# Kernels: run the pytest-benchmark suite and reduce it
# ------------------------------------------------------------------------------------------------
def thread_env(n: int) -> dict:
    return {k: str(n) for k in THREAD_ENV}


def run_kernels(mode: str, threads: int, workdir: Path) -> tuple[list[dict], str | None]:
    """Run ``benchmarks/`` once at ``threads`` threads; returns (measurements, error or None)."""
    out = workdir / f"kernels-{threads}.json"
    env = dict(os.environ, BENCH_MODE=mode, BENCH_THREADS=str(threads), **thread_env(threads))
    cmd = [PYTHON, "-m", "pytest", "benchmarks", "-o", "python_files=bench_*.py", "-p", "no:cacheprovider",
           "-q", "--benchmark-json", str(out), "--benchmark-columns=median,iqr,rounds"]
    print(f"[bench] kernels, {threads} thread(s): {' '.join(cmd[2:])}", flush=True)
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    tail = "\n".join(proc.stdout.splitlines()[-3:])
    print(tail, flush=True)
    error = None if proc.returncode == 0 else f"pytest exit {proc.returncode}: {proc.stdout[-3000:]}{proc.stderr[-2000:]}"
    if not out.exists():
        return [], error or "pytest wrote no benchmark JSON"
    return measurements_from(json.loads(out.read_text())), error


def measurements_from(data: dict) -> list[dict]:
    """One row per benchmark of a pytest-benchmark JSON: name, group, role, threads, stats (s)."""
    rows = []
    for b in data.get("benchmarks", []):
        info = dict(b.get("extra_info", {}))
        s = b["stats"]
        rows.append({"name": b["name"], "group": info.pop("group", b.get("group")), "role": info.pop("role", "lib"),
                     "threads": info.pop("threads", None), "median": s["median"], "iqr": s["iqr"],
                     "rounds": s["rounds"], "min": s["min"], "max": s["max"], "info": info})
    return rows


def _by(rows, **match):
    return [r for r in rows if all(r.get(k) == v for k, v in match.items())]


def _one(rows, **match):
    found = _by(rows, **match)
    return found[0] if found else None


def ratios_from(rows: list[dict]) -> dict:
    """The ratios of the issue, per group and thread count, from the measurements of one run."""
    out = {"propagate": [], "sample_layers": [], "gaussian_net": [], "relu_ntk": [], "empirical_ntk": [],
           "memorize": [], "peer": []}
    for lib_row in _by(rows, role="lib"):
        g, t = lib_row["group"], lib_row["threads"]
        kind = g.split("/")[0]
        same = [r for r in rows if r["group"] == g and r["threads"] == t and r["role"] != "lib"]
        base = {r["role"].split(":", 1)[1]: r for r in same}
        info = lib_row["info"]
        if kind == "propagate":
            rate = info["flops"] / lib_row["median"] / 1e9
            entry = {"case": g.split("/", 1)[1], "threads": t, "lib_gflops": rate}
            for name, r in base.items():
                key = name.split(".")[0]
                entry[f"{key}_gflops"] = r["info"]["flops"] / r["median"] / 1e9
                entry[f"ratio_vs_{key}"] = rate / entry[f"{key}_gflops"]
            out["propagate"].append(entry)
        elif kind in ("sample_layers", "gaussian_net"):
            n = info["entries"]
            entry = {"case": g.split("/", 1)[1], "threads": t, "lib_entries_per_s": n / lib_row["median"]}
            normal = base.get("rng.standard_normal")
            if normal:
                entry["normal_entries_per_s"] = n / normal["median"]
                entry["ratio_vs_standard_normal"] = normal["median"] / lib_row["median"]
            mm = _one(rows, group=info.get("matmul_group"), threads=t, role="baseline:torch.matmul")
            if mm:  # GFLOP/s-equivalent: flops of propagating T points through the sampled stack
                entry["gflops_equivalent"] = mm["info"]["flops"] / lib_row["median"] / 1e9
                entry["ratio_vs_torch_matmul"] = mm["median"] / lib_row["median"]
            out[kind].append(entry)
        elif kind == "relu_ntk":
            gemm = next(iter(base.values()), None)
            out["relu_ntk"].append({"n": info["n"], "threads": t, "depth": info["depth"], "lib_seconds": lib_row["median"],
                                    "gemm_seconds": gemm and gemm["median"],
                                    "time_ratio_vs_gemm": gemm and lib_row["median"] / gemm["median"],
                                    "baseline": gemm and gemm["role"]})
        elif kind == "empirical_ntk":
            hand = next(iter(base.values()), None)
            out["empirical_ntk"].append({"threads": t, "size": {k: info[k] for k in ("n", "d", "m")},
                                         "torch_func_seconds": lib_row["median"], "hand_seconds": hand and hand["median"],
                                         "time_ratio_vs_hand": hand and lib_row["median"] / hand["median"],
                                         "max_abs_diff": info.get("max_abs_diff_vs_hand")})
        elif kind == "peer":
            p = info["peer"]
            out["peer"].append({"n": info["n"], "threads": t, "lib_seconds": lib_row["median"], "peer_seconds": p["median"],
                                "peer_first_call_seconds": p["first_call_seconds"],
                                "time_ratio_lib_over_peer": lib_row["median"] / p["median"],
                                "max_rel_nngp": info["max_rel_nngp"], "max_rel_ntk": info["max_rel_ntk"],
                                "max_rel_ntk_offdiag": info.get("max_rel_ntk_offdiag"), "peer_versions": p["versions"]})
    for t in sorted({r["threads"] for r in _by(rows, group="memorize")}):
        pts = sorted((r["info"]["K"], r["median"]) for r in _by(rows, group="memorize", threads=t))
        entry = {"threads": t, "K": [k for k, _ in pts], "seconds": [s for _, s in pts]}
        if len(pts) >= 3:
            from lib.checks import fit_loglog

            fit = fit_loglog([k for k, _ in pts], [s for _, s in pts], delta=0.05)
            entry.update(exponent=fit.slope, exponent_halfwidth_95=fit.halfwidth)
        out["memorize"].append(entry)
    return out


# ------------------------------------------------------------------------------------------------
# Chapters, book, paper scale
# ------------------------------------------------------------------------------------------------
def _seed_sweep():
    sys.path.insert(0, str(ROOT / "tools"))
    import seed_sweep

    return seed_sweep


def run_chapter(path: Path, env: dict, timeout: int = 300) -> dict:
    """Execute one chapter cold (fresh kernel) with ``env`` added to the environment (``timeout``:
    seconds a cell may take)."""
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        r = _seed_sweep().run_one(str(path), None, timeout=timeout)
    finally:
        for k, v in saved.items():
            os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)
    return {"chapter": r["chapter"], "seconds": r["seconds"], "errors": r["errors"], "claims": len(r["claims"])}


def time_chapters(chapters: list[Path]) -> dict:
    env = thread_env(1)
    runs = []
    for c in chapters:
        r = run_chapter(c, env)
        print(f"[bench] chapter {r['chapter']}: {r['seconds']:.1f} s{'  ERRORS' if r['errors'] else ''}", flush=True)
        runs.append(r)
    worst = max(runs, key=lambda r: r["seconds"]) if runs else None
    return {"threads": 1, "runs": runs, "total_seconds": sum(r["seconds"] for r in runs),
            "max_seconds": worst and worst["seconds"], "max_chapter": worst and worst["chapter"]}


def time_book() -> dict:
    """Cold and warm ``jupyter-book build`` of a temporary copy of the repository."""
    jb = Path(PYTHON).with_name("jupyter-book")
    result = {"command": "python tools/pre_execute.py --jobs 2 && jupyter-book build -W -n --keep-going --path-output . .",
              "threads": "as make book (one BLAS thread per kernel, two kernels)"}
    with tempfile.TemporaryDirectory(prefix="bench-book-") as tmp:
        copy = Path(tmp) / "book"
        shutil.copytree(ROOT, copy, ignore=COPY_IGNORE)
        env = dict(os.environ, PYTHONPATH=str(copy))
        for phase in ("cold", "warm"):
            t0 = time.perf_counter()
            proc = subprocess.run([PYTHON, "tools/pre_execute.py", "--jobs", "2"], cwd=copy, env=env,
                                  capture_output=True, text=True)
            result[f"{phase}_pre_execute_seconds"] = time.perf_counter() - t0
            if proc.returncode == 0:
                proc = subprocess.run([str(jb), "build", "-W", "-n", "--keep-going", "--path-output", ".", "."], cwd=copy,
                                      env=env, capture_output=True, text=True)
            secs = time.perf_counter() - t0
            result[f"{phase}_seconds"] = secs
            result[f"{phase}_returncode"] = proc.returncode
            if proc.returncode:  # the build's own warnings and errors say why; the traceback does not
                lines = (proc.stdout + proc.stderr).splitlines()
                why = [l for l in lines if "WARNING" in l or "ERROR" in l or "Error" in l][:30]
                result[f"{phase}_error"] = "\n".join(why or lines[-40:])
            print(f"[bench] book {phase} build: {secs:.1f} s (exit {proc.returncode})", flush=True)
    return result


SCALED = re.compile(r"\b(pick|is_paper|book_scale)\(")


def scaled_chapters() -> list[Path]:
    """The notebooks of the toc whose sizes depend on ``BOOK_SCALE`` (they call :mod:`lib.scale`)."""
    return [p for p in _seed_sweep().toc_chapters() if SCALED.search(p.read_text())]


def run_chapter_isolated(path: Path, env: dict, timeout: float) -> dict:
    """:func:`run_chapter` in a child process with ``env``; stopped after ``timeout`` seconds.

    A run that is stopped is recorded with ``timed_out`` and ``seconds`` = None; its error list stays
    empty (the chapter did not fail, it was not allowed to finish)."""
    rel = str(path.resolve().relative_to(ROOT))
    cmd = [PYTHON, str(Path(__file__).resolve()), "--one", str(path), "--timeout", str(timeout)]
    try:
        proc = subprocess.run(cmd, cwd=ROOT, env=dict(os.environ, **env), capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return _stopped(rel, timeout)
    lines = proc.stdout.strip().splitlines()
    try:
        return json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        return {"chapter": rel, "seconds": None, "claims": 0,
                "errors": [f"child exit {proc.returncode}: {(proc.stdout + proc.stderr)[-1500:]}"]}


def _stopped(chapter: str, timeout: float) -> dict:
    """The row of a run that was stopped after ``timeout`` seconds."""
    return {"chapter": chapter, "seconds": None, "errors": [], "claims": 0, "timed_out": timeout}


def _child_run(path: str, timeout: float) -> int:
    """The child of :func:`run_chapter_isolated`: one cold run, printed as one JSON line."""
    import nbclient.exceptions

    try:
        row = run_chapter(Path(path), {}, timeout=int(timeout))
    except nbclient.exceptions.CellTimeoutError:
        row = _stopped(str(Path(path).resolve().relative_to(ROOT)), timeout)
    print(json.dumps(row))
    return 0


def time_paper(chapters: list[Path], jobs: int = 1, timeout: float = 1800, journal: Path | None = None,
               resume: bool = False) -> dict:
    """Each chapter at both scales, ``jobs`` runs at a time, each with ``cores // jobs`` threads.

    Each finished chapter is appended to ``journal`` (JSON lines); with ``resume``, the chapters
    already in it are not run again (the slow paper part survives an interruption)."""
    if jobs < 1:
        raise ValueError(f"jobs must be >= 1; got {jobs}")
    if not timeout > 0:
        raise ValueError(f"timeout must be > 0 seconds; got {timeout}")
    threads = max(1, cores() // jobs)
    done = {}
    if journal is not None and resume and journal.exists():
        for line in journal.read_text().splitlines():
            row = json.loads(line)
            done[row["chapter"]] = row
    elif journal is not None and journal.exists():
        journal.unlink()
    lock = threading.Lock()

    def both(c: Path) -> dict:
        rel = str(c.resolve().relative_to(ROOT))
        if rel in done:
            return done[rel]
        row = {"chapter": rel}
        for scale in ("laptop", "paper"):
            r = run_chapter_isolated(c, {**thread_env(threads), "BOOK_SCALE": scale, "MPLBACKEND": "agg"}, timeout)
            row.update({f"{scale}_seconds": r["seconds"], f"{scale}_errors": r["errors"],
                        f"{scale}_claims": r["claims"]})
            if r.get("timed_out"):
                row[f"{scale}_timed_out"] = True
            took = ("timed out" if r.get("timed_out") else "no time (the run failed)" if r["seconds"] is None
                    else f"{r['seconds']:.1f} s")
            errs = f"  ERRORS: {r['errors'][0][:300]}" if r["errors"] else ""
            print(f"\n[bench] {scale} scale {rel}: {took}{errs}", flush=True)
        if journal is not None:
            with lock, journal.open("a") as fh:
                fh.write(json.dumps(row) + "\n")
        return row

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        runs = list(pool.map(both, chapters))
    import torch

    return {"device": "cuda" if torch.cuda.is_available() else "cpu", "threads": threads, "jobs": jobs,
            "timeout_seconds": timeout, "runs": runs}


# ------------------------------------------------------------------------------------------------
# Targets and the report
# ------------------------------------------------------------------------------------------------
def target(kind, name, goal, measured, ok, note=None) -> dict:
    """One target row; ``met`` is None when the quantity was not measured in this run."""
    row = {"kind": kind, "name": name, "target": goal, "measured": measured, "met": None if measured is None else bool(ok)}
    if note:
        row["note"] = note
    return row


def targets_from(ratios: dict, peer: dict, chapters: dict | None, book: dict | None, paper: dict | None) -> list[dict]:
    rows = []
    for e in ratios["propagate"]:
        if "ratio_vs_torch" in e:
            rows.append(target("propagate_vs_matmul", f"propagate {e['case']}, {e['threads']} thread(s)",
                               ">= 0.5 x torch.matmul GFLOP/s", e["ratio_vs_torch"], e["ratio_vs_torch"] >= 0.5))
    if not ratios["propagate"]:
        rows.append(target("propagate_vs_matmul", "propagate", ">= 0.5 x torch.matmul GFLOP/s", None, None,
                           "not measured in this run"))
    for e in ratios["peer"]:
        rows.append(target("ntk_vs_peer", f"relu_ntk vs neural-tangents, n={e['n']}, {e['threads']} thread(s)",
                           "time(lib) / time(peer) <= 1", e["time_ratio_lib_over_peer"], e["time_ratio_lib_over_peer"] <= 1))
    if not ratios["peer"]:
        status = peer.get("status", "")
        rows.append(target("ntk_vs_peer", "relu_ntk vs neural-tangents", "time(lib) / time(peer) <= 1", None, None,
                           status if status.startswith("not installed") else "not measured in this run"))
    not_run = "not measured in this run (use --book / --chapters)"
    cold = book and book.get("cold_returncode") == 0 and book.get("cold_seconds")
    warm = book and book.get("warm_returncode") == 0 and book.get("warm_seconds")
    rows.append(target("book_cold", "whole book, cold build (s)", "< 300", cold or None, (cold or 0) < 300,
                       None if cold else (not_run if not book else "build failed")))
    rows.append(target("warm_rebuild", "warm rebuild (s)", "< 20", warm or None, (warm or 0) < 20,
                       None if warm else (not_run if not book else "build failed")))
    worst = chapters and chapters.get("max_seconds")
    rows.append(target("notebook_max", f"slowest notebook ({chapters['max_chapter']})" if worst else "slowest notebook",
                       "< 45 s", worst, (worst or 0) < 45, None if worst else not_run))
    ok = [r for r in (paper or {}).get("runs", []) if not r["paper_errors"] and r.get("paper_seconds") is not None]
    rows.append(target("paper_scale_cpu", "BOOK_SCALE=paper runs end to end for at least one chapter",
                       ">= 1 chapter without errors", len(ok) if paper else None, bool(ok),
                       None if paper else "not measured in this run (use --paper CHAPTER.md)"))
    return rows


def make_report(*, mode, command, threads, machine_info, versions_info, parts, rows, ratios, peer, chapters, book,
                paper, load) -> dict:
    """The bench.json document (keys ``TOP_KEYS``)."""
    return {
        "schema": SCHEMA,
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "command": command,
        "mode": mode,
        "threads_policy": {
            "kernels": threads,
            "note": "kernels are measured at each listed BLAS/torch thread count (1 = the setting of make test, "
                    "whose notebooks run with OMP_NUM_THREADS=1); ratios compare lib and baseline at the same count. "
                    "Chapter timings use 1 thread; the book build uses make book's environment (all cores).",
        },
        "machine": machine_info,
        "versions": versions_info,
        "parts": parts,
        "measurements": rows,
        "ratios": ratios,
        "peer": peer,
        "chapters": chapters,
        "book": book,
        "paper_scale": paper,
        "targets": targets_from(ratios, peer, chapters, book, paper),
        "load_average": load,
    }

PART_KEYS = {"kernels": ("measurements", "ratios", "peer"), "chapters": ("chapters",), "book": ("book",),
             "paper_scale": ("paper_scale",)}


def merge_reports(old: dict, new: dict) -> dict:
    """``new``, with the parts it did not measure taken from ``old`` (and the targets recomputed).

    ``parts["measured"]`` says, for each part, the date and command of the run that measured it."""
    out = dict(new)
    parts = dict(new["parts"])
    when = dict((old.get("parts") or {}).get("measured") or {})
    for part, keys in PART_KEYS.items():
        if parts.get(part):
            when[part] = {"date": new["date"], "command": new["command"]}
        elif (old.get("parts") or {}).get(part):
            for k in keys:
                out[k] = old.get(k)
            parts[part] = True
            if part == "kernels":
                out["threads_policy"] = old.get("threads_policy", out["threads_policy"])
            when.setdefault(part, {"date": old.get("date"), "command": old.get("command")})
    parts["measured"] = when
    out["parts"] = parts
    out["targets"] = targets_from(out["ratios"], out["peer"], out["chapters"], out["book"], out["paper_scale"])
    return out


def check_report(report: dict) -> None:
    """Raise ValueError if ``report`` lacks a key of the schema or a kind of target."""
    missing = [k for k in TOP_KEYS if k not in report]
    if missing:
        raise ValueError(f"report must have the keys {TOP_KEYS}; missing {missing}")
    kinds = {t.get("kind") for t in report["targets"]}
    if not set(TARGET_KINDS) <= kinds:
        raise ValueError(f"report must name every target kind {TARGET_KINDS}; missing {sorted(set(TARGET_KINDS) - kinds)}")
    for t in report["targets"]:
        if set(t) - {"note"} != {"kind", "name", "target", "measured", "met"}:
            raise ValueError(f"a target must have kind, name, target, measured, met; got {sorted(t)}")
        if t["met"] is not None and not isinstance(t["met"], bool):
            raise ValueError(f"target {t['name']!r}: met must be a bool or null")
    for r in report["measurements"]:
        for k in ("name", "group", "role", "threads", "median", "iqr", "rounds"):
            if k not in r:
                raise ValueError(f"measurement {r.get('name')!r} lacks {k!r}")


def write_report(report: dict, path: Path) -> None:
    check_report(report)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=1, default=_jsonable) + "\n")


def _jsonable(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return str(x)


def peer_venv() -> Path:
    """The peer's venv: ``BENCH_PEER_VENV`` if set, else ``.venv-peer`` in the repository."""
    return Path(os.environ.get("BENCH_PEER_VENV") or ROOT / ".venv-peer")


def peer_status() -> dict:
    py = peer_venv() / "bin" / "python"
    if not py.exists():
        return {"status": f"not installed ({peer_venv()} absent; run make bench-peer)"}
    req = ROOT / "requirements-peer.txt"
    pins = [l.strip() for l in req.read_text().splitlines() if l.split("==")[0].strip().lower() in
            ("jax", "jaxlib", "neural-tangents")] if req.exists() else None
    return {"status": "installed", "python": str(py), "pins": pins}


# ------------------------------------------------------------------------------------------------
# README's table of chapter times
# ------------------------------------------------------------------------------------------------
TABLE_START = "<!-- chapter-times: written by `python tools/bench.py --readme` from verification/bench.json -->"
TABLE_END = "<!-- chapter-times: end -->"


def readme_table(report: dict) -> str:
    """The README's table: every notebook of the toc at laptop and at paper scale, from ``report``."""
    chapters = {r["chapter"]: r for r in ((report.get("chapters") or {}).get("runs") or [])}
    paper = report.get("paper_scale") or {}
    runs = {r["chapter"]: r for r in paper.get("runs") or []}
    scaled = {str(p.relative_to(ROOT)) for p in scaled_chapters()}
    when = (report.get("parts") or {}).get("measured") or {}

    def secs(x):
        return "—" if x is None else f"{x:.0f}" if x >= 10 else f"{x:.1f}"

    def paper_cell(name):
        r = runs.get(name)
        if r is None:
            return "same sizes as laptop" if name not in scaled else "not measured"
        if r.get("paper_timed_out"):
            return f"> {paper.get('timeout_seconds', 0):.0f} (stopped)"
        if r.get("paper_errors"):
            return "error: " + r["paper_errors"][0][:60].replace("|", "/")
        return secs(r.get("paper_seconds"))

    lines = [TABLE_START, "",
             f"Laptop: each notebook alone, one thread, fresh kernel (`make bench`, "
             f"{(when.get('chapters') or {}).get('date', report.get('date', '?'))[:10]}). "
             f"Paper: `BOOK_SCALE=paper` on the {paper.get('device', 'cpu').upper()}, {paper.get('jobs', 1)} notebook(s) at a "
             f"time with {paper.get('threads', '?')} thread(s) each "
             f"(`make bench BENCH_ARGS=\"--paper scaled --jobs {paper.get('jobs', 1)} --merge\"`, "
             f"{(when.get('paper_scale') or {}).get('date', '?')[:10]}); the laptop run beside it is in the same "
             f"conditions. Notebooks whose sizes do not depend on `BOOK_SCALE` run the same at both scales.", "",
             "| notebook | laptop (s) | paper (s) | laptop, paper's conditions (s) |", "|---|---:|---:|---:|"]
    names = [str(p.relative_to(ROOT)) for p in _seed_sweep().toc_chapters()]
    for name in names:
        c = chapters.get(name)
        r = runs.get(name) or {}
        short = name.replace("chapters/", "").replace(".md", "")
        lines.append(f"| `{short}` | {secs(c and c['seconds'])} | {paper_cell(name)} | {secs(r.get('laptop_seconds'))} |")
    total = sum(c["seconds"] for c in chapters.values())
    ptot = [r.get("paper_seconds") for r in runs.values()]
    lines += [f"| all ({len(names)}) | {secs(total) if chapters else '—'} | "
              f"{secs(sum(x for x in ptot if x is not None)) + ' (measured ones)' if ptot else '—'} | |", "", TABLE_END]
    return "\n".join(lines)


def write_readme_table(report_path: Path, readme: Path = ROOT / "README.md") -> int:
    """Replace the table between the markers in ``readme`` with :func:`readme_table` of ``report_path``."""
    text = readme.read_text()
    if TABLE_START not in text or TABLE_END not in text:
        raise SystemExit(f"{readme} has no chapter-times markers ({TABLE_START!r} ... {TABLE_END!r})")
    head, rest = text.split(TABLE_START, 1)
    _, tail = rest.split(TABLE_END, 1)
    readme.write_text(head + readme_table(json.loads(report_path.read_text())) + tail)
    print(f"[bench] rewrote the chapter-times table of {readme}")
    return 0


def summary(report: dict) -> str:
    lines = []
    for t in report["targets"]:
        flag = {True: "met ", False: "MISS", None: "--  "}[t["met"]]
        m = t["measured"]
        m = "not measured" if m is None else (f"{m:.3g}" if isinstance(m, float) else str(m))
        lines.append(f"{flag} {t['name']}: {m} (target {t['target']}){'  [' + t['note'] + ']' if t.get('note') else ''}")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "verification" / "bench.json"))
    ap.add_argument("--quick", action="store_true", help="small kernels, one thread; slow parts only if named")
    ap.add_argument("--kernels", action="store_true", help="run the kernel benchmarks")
    ap.add_argument("--chapters", action="store_true", help="time every notebook cold")
    ap.add_argument("--book", action="store_true", help="time the cold and the warm book build")
    ap.add_argument("--paper", nargs="+", default=[], metavar="CHAPTER.md",
                    help="chapters to run at BOOK_SCALE=paper ('scaled': every chapter whose sizes depend on it)")
    ap.add_argument("--jobs", type=int, default=1, help="paper part: chapters run at a time (default 1)")
    ap.add_argument("--timeout", type=float, default=1800, help="paper part: seconds a run may take (default 1800)")
    ap.add_argument("--merge", action="store_true", help="keep the parts of --out that this run does not measure")
    ap.add_argument("--resume", action="store_true",
                    help="paper part: keep the chapters an interrupted run finished (its journal beside --out)")
    ap.add_argument("--readme", action="store_true", help="rewrite README.md's chapter-time table from --out; run nothing")
    ap.add_argument("--one", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--threads", default=None, help="comma-separated thread counts for the kernels "
                                                    "(default: 1 with --quick, else 1 and all cores)")
    args = ap.parse_args(argv)
    if args.one:
        return _child_run(args.one, args.timeout)
    if args.readme:
        return write_readme_table(Path(args.out))
    if args.jobs < 1:
        ap.error(f"--jobs must be >= 1; got {args.jobs}")
    if not args.timeout > 0:
        ap.error(f"--timeout must be > 0 seconds; got {args.timeout}")
    named = args.kernels or args.chapters or args.book or bool(args.paper)  # --paper alone runs only that part
    do_kernels = args.kernels or not named
    do_chapters, do_book = (args.chapters, args.book) if named else (not args.quick, not args.quick)
    mode = "quick" if args.quick else "full"
    try:
        threads = ([int(x) for x in args.threads.split(",")] if args.threads
                   else [1] if args.quick else sorted({1, cores()}))
    except ValueError:
        ap.error(f"--threads must be comma-separated integers; got {args.threads!r}")
    if any(t < 1 for t in threads):
        ap.error("--threads must be positive")
    paper = scaled_chapters() if args.paper == ["scaled"] else [Path(p).resolve() for p in args.paper]
    for p in paper:
        if not p.is_file():
            ap.error(f"--paper: no such chapter {p}")

    sys.path.insert(0, str(ROOT))
    load = {"start": os.getloadavg()}
    errors, rows = [], []
    t_start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        if do_kernels:
            for t in threads:
                got, err = run_kernels(mode, t, Path(tmp))
                rows += got
                if err:
                    errors.append(err)
    peer = peer_status()
    if peer["status"] == "installed" and not any(r["group"].startswith("peer/") for r in rows) and do_kernels:
        peer["status"] = "installed, but no peer benchmark completed (see errors)"
    ratios = ratios_from(rows)
    chapters = book = paper_res = None
    if do_chapters:
        chapters = time_chapters(_seed_sweep().toc_chapters())
        errors += [f"{r['chapter']}: {e}" for r in chapters["runs"] for e in r["errors"]]
    if do_book:
        book = time_book()
        errors += [book[k] for k in ("cold_error", "warm_error") if k in book]
    if paper:
        paper_res = time_paper(paper, jobs=args.jobs, timeout=args.timeout, resume=args.resume,
                               journal=Path(args.out).with_suffix(".paper.journal.jsonl"))
        errors += [f"{r['chapter']} (paper): {e}" for r in paper_res["runs"] for e in r["paper_errors"]]
    load["end"] = os.getloadavg()
    parts = {"kernels": do_kernels, "chapters": do_chapters, "book": do_book, "paper_scale": bool(paper),
             "seconds": time.perf_counter() - t_start, "errors": errors}
    command = " ".join(["tools/bench.py", *(argv if argv is not None else sys.argv[1:])])
    report = make_report(mode=mode, command=command,
                         threads=threads, machine_info=machine(), versions_info=versions(), parts=parts, rows=rows,
                         ratios=ratios, peer=peer, chapters=chapters, book=book, paper=paper_res, load=load)
    old = json.loads(Path(args.out).read_text()) if args.merge and Path(args.out).exists() else {}
    report = merge_reports(old, report)
    write_report(report, Path(args.out))
    print(summary(report))
    print(f"[bench] wrote {args.out} in {parts['seconds']:.0f} s" + (f"; {len(errors)} error(s)" if errors else ""))
    for e in errors:
        print("[bench] error:", e[:1000], file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
