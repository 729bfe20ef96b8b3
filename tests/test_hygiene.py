"""Hygiene of the sources: what a reader clones must be clean, portable and complete."""
import re
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "chapters"


def chapter_sources():
    return sorted(p for p in CHAPTERS.rglob("*") if p.suffix in {".md", ".ipynb"} and "_paired" not in p.parts)


def toc_files():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        assert part.get("chapters"), f"part {part.get('caption')!r} has no chapters: empty topics must not appear"
        files += [c["file"] for c in part["chapters"]]
    return files


def test_every_toc_entry_exists_and_every_chapter_is_in_the_toc():
    listed = toc_files()
    for f in listed:
        assert any((ROOT / f"{f}{ext}").exists() for ext in (".md", ".ipynb")), f"_toc.yml lists missing {f}"
    on_disk = {str(p.relative_to(ROOT).with_suffix("")) for p in chapter_sources()}
    orphans = sorted(on_disk - set(listed))
    assert not orphans, f"chapters not in _toc.yml (they would be tested but never shown): {orphans}"


def test_sources_carry_no_outputs():
    import json

    for p in CHAPTERS.rglob("*.ipynb"):
        nb = json.loads(p.read_text())
        assert all(not c.get("outputs") for c in nb["cells"]), f"{p} stores outputs"


def test_no_absolute_paths_in_the_book_or_lib():
    pattern = re.compile(r"[\"'](/(home|root|tmp|work|Users|usr)/[^\"']*)[\"']")
    for p in list(CHAPTERS.rglob("*.md")) + list((ROOT / "lib").rglob("*.py")):
        hits = pattern.findall(p.read_text())
        assert not hits, f"{p.relative_to(ROOT)} has absolute paths: {hits[:3]}"


def test_each_notebook_has_one_title_and_jupytext_front_matter():
    for p in CHAPTERS.rglob("*.md"):
        text = p.read_text()
        body = text.split("---", 2)[2] if text.startswith("---") else text
        body = re.sub(r"```.*?```", "", body, flags=re.S)
        titles = re.findall(r"^# ", body, flags=re.M)
        assert len(titles) == 1, f"{p.relative_to(ROOT)} must have exactly one '# ' title, has {len(titles)}"
        title = re.search(r"^# (.*)$", body, flags=re.M).group(1)
        # titles appear in the navigation of every page, and pages without maths load no MathJax
        assert "$" not in title, f"{p.relative_to(ROOT)}: no maths in a chapter title: {title!r}"
        if "```{code-cell}" in text:
            assert re.search(r"^kernelspec:", text.split("---", 2)[1], flags=re.M), f"{p} lacks a kernelspec"


def test_the_build_leaves_the_repository_clean():
    """Everything a build or test run writes is ignored by git (checked on the current tree)."""
    out = subprocess.run(["git", "status", "--porcelain", "--ignored=no"], cwd=ROOT, capture_output=True, text=True)
    if out.returncode != 0:
        return  # not a git checkout (e.g. an unpacked archive): nothing to compare
    generated = [l for l in out.stdout.splitlines() if re.search(r"(_build|\.ipynb_checkpoints|_paired|__pycache__|\.jupyter_cache)", l)]
    assert not generated, f"build products not ignored by git: {generated[:5]}"


def test_github_workflow_parses_and_uses_existing_make_targets():
    wf = yaml.safe_load((ROOT / ".github" / "workflows" / "book.yml").read_text())
    assert set(wf["jobs"]) >= {"test", "pages", "weekly"}
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-zA-Z][\w-]*):", makefile, flags=re.M))
    used = set()
    for job in wf["jobs"].values():
        for step in job["steps"]:
            used |= set(re.findall(r"\bmake ([a-z][\w-]*)", step.get("run", "")))
    assert used and used <= targets, f"workflow calls make targets that do not exist: {sorted(used - targets)}"
    assert "test" in used and "book" in used
