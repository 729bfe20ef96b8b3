"""The book's Sphinx extension: the execution cache follows lib/, and the ledger reads the outputs.

The integration tests build a tiny book in a temporary folder with the real extension, so they
exercise exactly what `make book` does: a rebuild with nothing changed executes nothing, a change
to the library re-executes the chapter, and a failing check fails the build naming the chapter.
"""
import subprocess
import sys
from pathlib import Path

import pytest
from docutils import nodes

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import book_ext  # noqa: E402

JB = str(Path(sys.executable).parent / "jupyter-book")
HEADER = """---
jupytext:
  text_representation: {extension: .md, format_name: myst, format_version: 0.13}
kernelspec: {display_name: Python 3, language: python, name: python3}
---
"""


def test_source_hash_tracks_contents_and_names(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text("x = 1\n")
    (tmp_path / "pins.txt").write_text("numpy==2\n")
    h1 = book_ext.source_hash(tmp_path, ["pkg", "pins.txt"])
    assert h1 == book_ext.source_hash(tmp_path, ["pkg", "pins.txt"])
    (tmp_path / "pkg" / "a.py").write_text("x = 2\n")
    h2 = book_ext.source_hash(tmp_path, ["pkg", "pins.txt"])
    (tmp_path / "pkg" / "b.py").write_text("")
    h3 = book_ext.source_hash(tmp_path, ["pkg", "pins.txt"])
    (tmp_path / "pins.txt").write_text("numpy==3\n")
    h4 = book_ext.source_hash(tmp_path, ["pkg", "pins.txt"])
    assert len({h1, h2, h3, h4}) == 4


def test_source_hash_includes_the_seed(tmp_path, monkeypatch):
    (tmp_path / "f").write_text("")
    monkeypatch.delenv("BOOK_SEED", raising=False)
    a = book_ext.source_hash(tmp_path, ["f"])
    monkeypatch.setenv("BOOK_SEED", "3")
    assert a != book_ext.source_hash(tmp_path, ["f"])


def test_guard_cache_clears_only_on_a_new_digest(tmp_path):
    cache = tmp_path / ".jupyter_cache"
    cache.mkdir()
    (cache / "db").write_text("cached")
    assert book_ext.guard_cache(cache, "aaa") is True  # no stamp yet: the cache cannot be trusted
    cache.mkdir()
    (cache / "db").write_text("cached")
    assert book_ext.guard_cache(cache, "aaa") is False and (cache / "db").exists()
    assert book_ext.guard_cache(cache, "bbb") is True and not cache.exists()


def test_claims_in_reads_the_records_of_lib_checks():
    from lib import checks

    checks.reset()
    rec = checks.exact("t-ledger", 1, 1, source="src <&>", statement='says "one"')
    checks.reset()
    doc = nodes.document(None, None)
    doc += nodes.raw("", rec.to_html(), format="html")
    doc += nodes.raw("", "<p>no claim here</p>", format="html")
    found = book_ext.claims_in(doc)
    assert len(found) == 1
    assert found[0]["claim"] == "t-ledger" and found[0]["source"] == "src <&>" and found[0]["verdict"] == "PASS"


def _tiny_book(root: Path, value: int, *, fail: bool = False) -> None:
    (root / "tinylib").mkdir(exist_ok=True)
    (root / "tinylib" / "__init__.py").write_text(f"VALUE = {value}\n")
    (root / "_config.yml").write_text(
        "title: tiny\nonly_build_toc_files: true\n"
        "exclude_patterns: [_build, tinylib]\n"
        "execute: {execute_notebooks: cache, cache: _build/.jupyter_cache, timeout: 60}\n"
        "sphinx:\n"
        f"  local_extensions: {{book_ext: {ROOT / 'tools'}}}\n"
        "  config: {nb_execution_raise_on_error: true, book_lib_paths: [tinylib]}\n"
    )
    (root / "_toc.yml").write_text("format: jb-book\nroot: chap\n")
    check = 'assert False, "the claim failed on purpose"' if fail else 'print("value is", tinylib.VALUE)'
    (root / "chap.md").write_text(HEADER + "\n# Tiny\n\n```{code-cell} ipython3\nimport tinylib\n" + check + "\n```\n")


def _build(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([JB, "build", "-W", "-n", "--keep-going", str(root)], capture_output=True, text=True,
                          cwd=root, timeout=300)


def test_cache_follows_the_library(tmp_path):
    _tiny_book(tmp_path, 1)
    first = _build(tmp_path)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    html = tmp_path / "_build" / "html" / "chap.html"
    assert "value is 1" in html.read_text()

    again = _build(tmp_path)
    assert again.returncode == 0
    assert "Executing notebook" not in again.stdout + again.stderr, "a rebuild with nothing changed executed a notebook"

    (tmp_path / "tinylib" / "__init__.py").write_text("VALUE = 2\n")
    third = _build(tmp_path)
    assert third.returncode == 0, third.stdout[-3000:]
    assert "value is 2" in html.read_text(), "a change to the library did not re-execute the chapter"
    assert "execution cache cleared" in third.stdout + third.stderr


def test_a_failing_check_fails_the_build_and_names_the_chapter(tmp_path):
    _tiny_book(tmp_path, 1, fail=True)
    res = _build(tmp_path)
    out = res.stdout + res.stderr
    assert res.returncode != 0
    assert "the claim failed on purpose" in out and "chap" in out


def test_a_failing_check_fails_nbval(tmp_path):
    _tiny_book(tmp_path, 1, fail=True)
    # the book's conftest.py is loaded as a plugin, as it is for the chapters under the repository
    res = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "conftest",
                          "--nbval-lax", "--rootdir", str(tmp_path), str(tmp_path / "chap.md")],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert res.returncode == 1, res.stdout[-2000:]
    # Cell 0 is the network guard that conftest.py puts first; the chapter's own cells follow
    assert "the claim failed on purpose" in res.stdout and "chap.md::Cell 1" in res.stdout
