"""The rendered book, as a reader sees it, in headless Chromium.

The fixture builds the book exactly as `make book` does (the execution cache makes this cheap when
nothing changed). Every page is then opened in Chromium: the test fails if any maths is left
untypeset or typeset with a MathJax error, if an image is missing or broken, if a page shows an
execution error or a failed check, or if a page asks for anything from the network. A screenshot
of each page is saved under _build/screenshots/ for a person to look at.

Determinism: chapters are executed once more, in a fresh kernel with the same seed, and their
claim values must equal the ones the build put on the page (and so in the claims ledger). Two chapters
of each part (those whose paths hash lowest, so the sample moves as chapters are added) keep
`make test` within CI's time; BOOK_DETERMINISM=all re-executes every chapter.
"""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
SHOTS = ROOT / "_build" / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]

# Collected in the page: what a reader would see as broken.
PROBE = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
  const maths = [...document.querySelectorAll('span.math, div.math')];
  const untypeset = maths.filter(m => !m.querySelector('mjx-container')).map(m => m.textContent.slice(0, 80));
  const mathErrors = [...document.querySelectorAll('mjx-merror')].map(e => e.getAttribute('data-mjx-error') || e.textContent);
  const brokenImages = [...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src);
  const tracebacks = [...document.querySelectorAll('.output.traceback, .output.error, .cell_output .traceback')]
        .map(e => e.textContent.slice(0, 200));
  const failedChecks = [...document.querySelectorAll('.claim-fail')].map(e => e.textContent.slice(0, 200));
  const outputs = [...document.querySelectorAll('.cell_output')].map(e => e.textContent);
  const errorText = outputs.filter(t => /Traceback \\(most recent call last\\)|CellExecutionError/.test(t)).map(t => t.slice(0, 200));
  return {maths: maths.length, untypeset, mathErrors, brokenImages, tracebacks, failedChecks, errorText,
          checks: document.querySelectorAll('.claim-check').length,
          claimIds: [...document.querySelectorAll('.claim-check')].map(e => JSON.parse(e.dataset.claim).claim),
          ledgerRows: document.querySelectorAll('table.claims-ledger tbody tr').length};
}"""


@pytest.fixture(scope="module")
def built_book():
    pre = subprocess.run([sys.executable, str(ROOT / "tools" / "pre_execute.py"), "--jobs", "2"],
                         capture_output=True, text=True, cwd=ROOT)
    assert pre.returncode == 0, "a chapter failed to execute:\n" + (pre.stdout + pre.stderr)[-6000:]
    jb = Path(sys.executable).parent / "jupyter-book"
    res = subprocess.run([str(jb), "build", "-W", "-n", "--keep-going", "--path-output", str(ROOT), str(ROOT)],
                         capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0, "the book did not build:\n" + (res.stdout + res.stderr)[-6000:]
    # pre_execute.py must have filled the cache exactly as the build reads it: the build itself
    # executes only the pages it always re-executes (book_always_rebuild)
    executed = [l for l in (res.stdout + res.stderr).splitlines() if "Executing notebook" in l]
    assert all("chapters/appendix/verification" in l for l in executed), \
        "the build re-executed notebooks that pre_execute.py had cached:\n" + "\n".join(executed)
    assert (HTML / "index.html").exists()
    return HTML


def pages():
    return sorted(p for p in (HTML / "chapters").rglob("*.html"))


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is required in CI: apt-get install chromium")
        pytest.skip("Chromium not installed (apt-get install chromium); rendered pages not checked")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


def test_every_page_renders_cleanly(built_book, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems, total_checks, ledger_rows, n, ids = [], 0, None, 0, {}
    for page_path in pages():
        n += 1
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        remote = []
        page.on("request", lambda r: remote.append(r.url) if not r.url.startswith(("file:", "data:", "blob:")) else None)
        page.goto(page_path.as_uri(), wait_until="load")
        info = page.evaluate(PROBE)
        rel = page_path.relative_to(HTML)
        page.screenshot(path=str(SHOTS / (str(rel.with_suffix("")).replace("/", "__") + ".png")), full_page=True)
        page.close()
        for key in ("untypeset", "mathErrors", "brokenImages", "tracebacks", "failedChecks", "errorText"):
            if info[key]:
                problems.append(f"{rel}: {key}: {json.dumps(info[key][:3])}")
        if remote:
            problems.append(f"{rel}: requests the network: {remote[:3]}")
        if "claims-ledger" in str(rel):
            ledger_rows = info["ledgerRows"]
        else:
            total_checks += info["checks"]
            for cid in info["claimIds"]:
                ids.setdefault(cid, []).append(str(rel))
    assert n >= 4, f"expected the built chapters under {HTML / 'chapters'}, found {n} pages"
    assert not problems, "\n".join(problems)
    dup = {c: where for c, where in ids.items() if len(where) > 1}
    assert not dup, f"claim ids must be unique across the book (the ledger is keyed by them): {dup}"
    assert ledger_rows == total_checks, (
        f"the claims ledger lists {ledger_rows} checks but the pages show {total_checks}")


def test_maths_is_typeset_offline(built_book, browser):
    page = browser.new_page()
    page.goto((HTML / "chapters" / "foundations" / "conventions.html").as_uri())
    info = page.evaluate(PROBE)
    page.close()
    assert info["maths"] > 10 and not info["untypeset"]
    assert (HTML / "_static" / "mathjax" / "tex-chtml.js").exists(), "MathJax must be served from the book itself"


def determinism_sample(chapters, per_part=2):
    """From each part of the book, the ``per_part`` executable chapters whose paths hash lowest."""
    import zlib

    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    executable = {c.relative_to(ROOT).with_suffix("").as_posix(): c for c in chapters}
    sample = []
    for part in toc.get("parts", []):
        files = [c["file"] for c in part.get("chapters", []) if c["file"] in executable]
        files.sort(key=lambda f: zlib.crc32(f.encode()))
        sample += [executable[f] for f in files[:per_part]]
    return sample


def test_a_second_execution_gives_the_same_claim_values(built_book):
    """Same seed, same numbers: each chapter re-executed gives the claims of the built page exactly."""
    sys.path.insert(0, str(ROOT / "tools"))
    from book_ext import claims_in_html
    from seed_sweep import run_one, toc_chapters

    keys = ("claim", "measured", "margin", "verdict")
    differences, compared = [], 0
    everything = os.environ.get("BOOK_DETERMINISM", "").strip() == "all"
    sample = toc_chapters() if everything else determinism_sample(toc_chapters())
    assert len(sample) >= 8, f"the determinism sample is too small: {sample}"
    for chapter in sample:
        rel = chapter.relative_to(ROOT)
        page = built_book / rel.with_suffix(".html")
        built = [tuple(c[k] for k in keys) for c in claims_in_html(page.read_text(encoding="utf-8"))]
        run = run_one(str(chapter), None)
        again = [tuple(c[k] for k in keys) for c in run["claims"]]
        compared += len(built)
        if run["errors"] or built != again:
            changed = [(b, a) for b, a in zip(built, again) if b != a][:3]
            differences.append(f"{rel}: {len(built)} claims built, {len(again)} re-executed; "
                               f"first differences {changed}; errors {run['errors'][:2]}")
    assert compared > 0, "no claims found in the built pages"
    assert not differences, "chapters are not deterministic for a fixed seed:\n" + "\n".join(differences)
