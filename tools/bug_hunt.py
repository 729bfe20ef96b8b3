"""Apply a catalogue of plausible bugs to lib/, one at a time, and see which checks catch each.

    python tools/bug_hunt.py [CATALOGUE.yaml ...] [--only ID ...] [--jobs 2] [--out FILE] [--baseline]
                             [--merge] [--chapters-only]

A catalogue (``verification/bugs/*.yaml`` by default, all of them) is a YAML list of entries::

    - id: nets-bug-bias            # unique across catalogues
      file: lib/nets.py            # the file to break
      find: "z = z + b"            # text that occurs exactly once in the file
      replace: "z = z"             # the bug
      why: "the bias is dropped"   # the plausible mistake, in one line
      targets:                     # the tests and chapter notebooks that should catch it
        - tests/test_nets.py
        - chapters/foundations/conventions.md
      expected: caught             # or "survives", with a `reason:` saying why it cannot matter

Each bug is applied in a fresh temporary copy of the repository (never in the work tree), and the
targets are run there by pytest (with nbval for the notebooks) with ``PYTHONPATH`` pointing at the
copy, so the kernels import the broken ``lib``. A bug is *caught* when pytest reports a failure or
an error; the first failing test (or notebook cell) and its message are recorded. ``--baseline``
first runs every target unbroken: a catalogue is only meaningful when its targets pass.

The result (``--out``, default ``verification/bug-hunt.json``) lists, per bug, whether it was
caught, by what, and how long it took. ``--merge`` replaces only the rows of the bugs run in an
existing ``--out`` file (and drops rows whose bug left the catalogue).

``--chapters-only`` asks a second question: would the *chapters' own checks* catch the bug if
``lib``'s unit tests did not exist? Each bug with a chapter among its targets is run against its
chapters alone, and the answer is stored in that bug's row under ``chapters_only`` (with
``--merge``, the main verdicts are kept). Exit status 1 when a bug expected to be caught survives,
or a catalogue entry is malformed.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
COPY_IGNORE = shutil.ignore_patterns(".venv*", ".git", "_build", "_paired", "__pycache__", ".hypothesis",
                                     "*.egg-info", ".pytest_cache", "screenshots")
REQUIRED = ("id", "file", "find", "replace", "why", "targets")


class CatalogueError(ValueError):
    pass


def load(paths: list[Path]) -> list[dict]:
    """All entries of the catalogues, validated: unique ids, existing files and targets, and a
    ``find`` text that occurs exactly once in its file."""
    bugs, seen = [], set()
    for path in paths:
        entries = yaml.safe_load(path.read_text()) or []
        if not isinstance(entries, list):
            raise CatalogueError(f"{path}: a catalogue must be a YAML list of entries")
        for e in entries:
            where = f"{path}: entry {e.get('id', '?')!r}" if isinstance(e, dict) else f"{path}: {e!r}"
            if not isinstance(e, dict) or any(k not in e for k in REQUIRED):
                raise CatalogueError(f"{where} must have the keys {REQUIRED}")
            if e["id"] in seen:
                raise CatalogueError(f"{where}: id used twice")
            seen.add(e["id"])
            src = ROOT / e["file"]
            if not src.is_file():
                raise CatalogueError(f"{where}: file {e['file']} does not exist")
            n = src.read_text().count(e["find"])
            if n != 1:
                raise CatalogueError(f"{where}: find text occurs {n} times in {e['file']} (must be exactly once)")
            if e["find"] == e["replace"]:
                raise CatalogueError(f"{where}: replace equals find")
            for t in e["targets"]:
                if not (ROOT / t.split("::")[0]).exists():
                    raise CatalogueError(f"{where}: target {t} does not exist")
            e.setdefault("expected", "caught")
            if e["expected"] not in ("caught", "survives"):
                raise CatalogueError(f"{where}: expected must be 'caught' or 'survives'")
            if e["expected"] == "survives" and not e.get("reason"):
                raise CatalogueError(f"{where}: a bug expected to survive needs a reason")
            e["catalogue"] = str(path.relative_to(ROOT))
            bugs.append(e)
    return bugs


_CLAIM_FAIL = re.compile(r"FAIL \[([^\]\s]+)\][^\n]*")
_FAILED = re.compile(r"^(FAILED|ERROR) (.+?)(?: - (.*))?$", re.M)  # nbval ids hold spaces
_CLAIM = re.compile(r"\b([a-z]+-[a-z0-9-]+)\b")


def run_targets(copy: Path, targets: list[str], timeout: int) -> dict:
    env = dict(os.environ, PYTHONPATH=str(copy), OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               MKL_NUM_THREADS="1", PYTHONDONTWRITEBYTECODE="1")
    env.pop("BOOK_SEED", None)
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-rfE", "--tb=line", "-p", "no:cacheprovider",
           "-p", "no:randomly", "-o", "addopts=--nbval-lax -p no:cacheprovider", *targets]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=copy, env=env, capture_output=True, text=True, timeout=timeout)
        out, code = proc.stdout + proc.stderr, proc.returncode
    except subprocess.TimeoutExpired as exc:
        out, code = (exc.stdout or "") if isinstance(exc.stdout, str) else "", -1
    seconds = time.perf_counter() - t0
    m = _FAILED.search(out)
    by, message = (m.group(2), (m.group(3) or "").strip()[:300]) if m else (None, "")
    claim = _CLAIM_FAIL.search(out)  # a chapter's failing check names its claim in the traceback
    if by and claim and by.startswith("chapters/"):
        by, message = f"{by} [{claim.group(1)}]", claim.group(0)[:300]
    if code == -1:
        by, message = "timeout", f"targets still running after {timeout} s"
    elif code not in (0, 1) and not by:
        tail = [l for l in out.strip().splitlines() if l.strip()][-3:]
        by, message = "pytest exit %d" % code, " | ".join(tail)[:300]
    return {"exit": code, "caught": code != 0, "by": by, "message": message, "seconds": round(seconds, 1)}


def hunt(bug: dict, timeout: int, chapters_only: bool = False) -> dict:
    if chapters_only:
        bug = dict(bug, targets=[t for t in bug["targets"] if t.startswith("chapters/")])
    with tempfile.TemporaryDirectory(prefix="bughunt-") as tmp:
        copy = Path(tmp) / "book"
        shutil.copytree(ROOT, copy, ignore=COPY_IGNORE)
        target = copy / bug["file"]
        target.write_text(target.read_text().replace(bug["find"], bug["replace"], 1))
        result = run_targets(copy, bug["targets"], timeout)
    ok = result["caught"] == (bug["expected"] == "caught")
    return {k: bug[k] for k in ("id", "catalogue", "file", "why", "targets", "expected")} | result | {"as_expected": ok}


def baseline(bugs: list[dict], timeout: int) -> dict:
    targets = sorted({t for b in bugs for t in b["targets"]})
    with tempfile.TemporaryDirectory(prefix="bughunt-") as tmp:
        copy = Path(tmp) / "book"
        shutil.copytree(ROOT, copy, ignore=COPY_IGNORE)
        return run_targets(copy, targets, timeout * 4)


def _chapters_summary(results: list[dict]) -> dict | None:
    ran = [r["chapters_only"] for r in results if "chapters_only" in r]
    if not ran:
        return None
    return {"run": len(ran), "caught": sum(c["caught"] for c in ran)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("catalogues", nargs="*", type=Path)
    ap.add_argument("--only", nargs="*", default=None, help="ids of the bugs to run")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=int, default=600, help="seconds per bug")
    ap.add_argument("--out", type=Path, default=None, help="write the result here (JSON)")
    ap.add_argument("--baseline", action="store_true", help="first run all targets without a bug")
    ap.add_argument("--merge", action="store_true", help="replace only these bugs' rows in --out")
    ap.add_argument("--chapters-only", action="store_true", help="run each bug against its chapters alone")
    args = ap.parse_args(argv)
    paths = [p.resolve() for p in args.catalogues] or sorted((ROOT / "verification" / "bugs").glob("*.yaml"))
    try:
        bugs = load(paths)
    except CatalogueError as exc:
        print(f"bug_hunt: {exc}", file=sys.stderr)
        return 1
    if args.only:
        unknown = set(args.only) - {b["id"] for b in bugs}
        if unknown:
            print(f"bug_hunt: no bug with id {sorted(unknown)}", file=sys.stderr)
            return 1
        bugs = [b for b in bugs if b["id"] in args.only]
    all_paths = sorted((ROOT / "verification" / "bugs").glob("*.yaml"))
    catalogue_ids = [b["id"] for b in load(sorted(set(all_paths) | set(paths)))]
    if args.chapters_only:
        bugs = [b for b in bugs if any(t.startswith("chapters/") for t in b["targets"])]
    if args.out and (args.merge or args.chapters_only) and not args.out.exists():  # before the slow part
        ap.error("--merge and --chapters-only need an existing --out file")
    t0 = time.perf_counter()
    if args.baseline:
        base = baseline(bugs, args.timeout)
        print(f"baseline: {'FAILS' if base['caught'] else 'passes'} ({base['seconds']} s) {base['by'] or ''}")
        if base["caught"]:
            print(f"bug_hunt: the targets fail without any bug: {base['by']}: {base['message']}", file=sys.stderr)
            return 1
    results = []
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for r in pool.map(lambda b: hunt(b, args.timeout, args.chapters_only), bugs):
            flag = "caught  " if r["caught"] else "SURVIVED"
            mark = "" if r["as_expected"] else "   <-- not as expected"
            print(f"{flag} {r['id']:<34} {r['seconds']:>6.1f} s  by {r['by']}{mark}", flush=True)
            results.append(r)
    caught = sum(r["caught"] for r in results)
    bad = [r for r in results if not r["as_expected"]]
    print(f"\n{caught} of {len(results)} bugs caught; {len(bad)} not as expected; {time.perf_counter() - t0:.0f} s")
    if args.chapters_only:
        bad = []  # a bug the chapters alone miss is information, not a failure: the tests catch it
    if args.out and (args.merge or args.chapters_only):
        old = json.loads(args.out.read_text())
        rows = {r["id"]: r for r in old["bugs"] if r["id"] in catalogue_ids}
        for r in results:
            if args.chapters_only:
                rows.setdefault(r["id"], {"id": r["id"]})["chapters_only"] = {
                    k: r[k] for k in ("targets", "caught", "by", "message", "seconds")}
            else:
                rows[r["id"]] = r | ({"chapters_only": rows[r["id"]]["chapters_only"]}
                                     if "chapters_only" in rows.get(r["id"], {}) else {})
        results = [rows[i] for i in catalogue_ids if i in rows]
        caught = sum(bool(r.get("caught")) for r in results)
        bad = [r for r in results if not r.get("as_expected", False)]
        paths = sorted(set(paths) | {ROOT / c for c in old["catalogues"]})
    if args.out:
        import numpy
        import torch

        record = {"when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                  "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                              "python": platform.python_version(), "numpy": numpy.__version__,
                              "torch": torch.__version__},
                  "catalogues": [str(p.relative_to(ROOT)) for p in paths],
                  "caught": caught, "total": len(results), "not_as_expected": [r["id"] for r in bad],
                  "chapters_only": _chapters_summary(results),
                  "bugs": results}
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(record, indent=1) + "\n")
        print(f"wrote {args.out}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
