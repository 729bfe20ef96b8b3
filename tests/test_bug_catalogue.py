"""The bug catalogue stays applicable, broad, and its committed result stays current.

tools/bug_hunt.py applies each catalogued bug in a temporary copy (``make bugs``, minutes). These
cheap tests keep the catalogue honest between runs: every entry still finds its text exactly once
in lib/ (so a refactor cannot silently make a bug a no-op), the bugs cover every lib module, and
verification/bug-hunt.json records a run of exactly the current catalogue with every bug as expected.
"""
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import bug_hunt  # noqa: E402

CATALOGUES = sorted((ROOT / "verification" / "bugs").glob("*.yaml"))
RESULT = ROOT / "verification" / "bug-hunt.json"


def test_every_entry_applies_exactly_once():
    bugs = bug_hunt.load(CATALOGUES)
    assert len(bugs) >= 30, f"the catalogue must hold at least 30 bugs; it has {len(bugs)}"


def test_the_bugs_cover_every_lib_module():
    bugs = bug_hunt.load(CATALOGUES)
    hit = {Path(b["file"]).stem for b in bugs}
    # plotting only sets styles and scale only picks sizes: no claim depends on them.
    modules = {p.stem for p in (ROOT / "lib").glob("*.py")} - {"__init__", "plotting", "scale"}
    missing = sorted(modules - hit)
    assert not missing, f"no catalogued bug in lib modules {missing}"


def test_the_committed_result_matches_the_catalogue():
    bugs = bug_hunt.load(CATALOGUES)
    result = json.loads(RESULT.read_text())
    ran = {r["id"]: r for r in result["bugs"]}
    assert set(ran) == {b["id"] for b in bugs}, "verification/bug-hunt.json is stale: run `make bugs`"
    for b in bugs:
        r = ran[b["id"]]
        assert r["as_expected"], f"{b['id']}: expected {b['expected']}, but caught={r['caught']} (by {r['by']})"
        assert r["file"] == b["file"] and r["why"] == b["why"], f"{b['id']} changed since the last `make bugs`"


def test_a_malformed_entry_is_refused(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("- id: x\n  file: lib/nets.py\n  find: 'no such text anywhere'\n  replace: y\n  why: z\n  targets: []\n")
    try:
        bug_hunt.load([bad])
    except bug_hunt.CatalogueError as exc:
        assert "occurs 0 times" in str(exc)
    else:
        raise AssertionError("a find text that does not occur must be refused")
