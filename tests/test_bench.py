"""Fast tests of the benchmark harness (issue 10): it imports, its reference Jacobian is right, and
its report has the schema. No timings are asserted here: budgets live in the benchmark's targets."""
from __future__ import annotations

import importlib
import importlib.util
import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
BENCH_MODULES = sorted(p.stem for p in (ROOT / "benchmarks").glob("*.py") if p.stem != "__init__")


def _driver():
    spec = importlib.util.spec_from_file_location("tools_bench", ROOT / "tools" / "bench.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("name", BENCH_MODULES)
def test_benchmark_modules_import(name):
    importlib.import_module(f"benchmarks.{name}")


def test_benchmarks_are_not_collected_by_make_test():
    """The benchmark files are named bench_*.py, outside the testpaths of make test."""
    assert BENCH_MODULES and not list((ROOT / "benchmarks").glob("test_*.py"))
    assert "benchmarks" not in (ROOT / "pyproject.toml").read_text().split("testpaths", 1)[1].split("\n", 1)[0]


def test_hand_jacobian_equals_empirical_ntk():
    from benchmarks.bench_ntk import torch_model, two_layer_ntk_by_hand
    from lib import ntk

    r = np.random.default_rng(0)
    m, d, n = 7, 3, 5
    a, V, X = r.standard_normal(m), r.standard_normal((m, d)), r.standard_normal((n, d))
    K_hand = two_layer_ntk_by_hand(a, V, X)
    K_func = ntk.empirical_ntk(torch_model(a, V), X)
    assert np.max(np.abs(K_hand - K_func)) < 1e-10
    # the comparison can fail: the outer layer's part of the kernel alone is visibly different
    Z = np.maximum(X @ V.T, 0.0) / math.sqrt(m)
    assert np.max(np.abs(Z @ Z.T - K_func)) > 1e-3


def _rows():
    def row(group, role, median, **info):
        return {"name": f"{group}-{role}", "group": group, "role": role, "threads": 1, "median": median,
                "iqr": 0.0, "rounds": 3, "min": median, "max": median, "info": info}

    return [row("propagate/c", "lib", 2.0, flops=4e9), row("propagate/c", "baseline:torch.matmul", 1.0, flops=4e9),
            row("sample_layers/c", "lib", 0.5, entries=10, matmul_group="propagate/c"),
            row("sample_layers/c", "baseline:rng.standard_normal", 0.25, entries=10),
            row("relu_ntk/n10", "lib", 3.0, n=10, depth=2), row("relu_ntk/n10", "baseline:numpy.matmul", 1.5, n=10),
            *[row("memorize", "lib", 0.1 * K**0.5, K=K) for K in (10, 20, 40, 80)]]


def test_ratios_from_measurements():
    ratios = _driver().ratios_from(_rows())
    (p,) = ratios["propagate"]
    assert p["lib_gflops"] == pytest.approx(2.0) and p["ratio_vs_torch"] == pytest.approx(0.5)
    (s,) = ratios["sample_layers"]
    assert s["ratio_vs_standard_normal"] == pytest.approx(0.5) and s["ratio_vs_torch_matmul"] == pytest.approx(2.0)
    assert ratios["relu_ntk"][0]["time_ratio_vs_gemm"] == pytest.approx(2.0)
    assert ratios["memorize"][0]["exponent"] == pytest.approx(0.5)


def test_report_schema_round_trip(tmp_path):
    bench = _driver()
    rows = _rows()
    report = bench.make_report(mode="quick", command="test", threads=[1], machine_info=bench.machine(),
                               versions_info={"python": "x"}, parts={}, rows=rows, ratios=bench.ratios_from(rows),
                               peer={"status": "not installed"}, chapters=None, book=None, paper=None, load={})
    out = tmp_path / "bench.json"
    bench.write_report(report, out)
    loaded = json.loads(out.read_text())
    bench.check_report(loaded)
    kinds = {t["kind"] for t in loaded["targets"]}
    assert kinds == set(bench.TARGET_KINDS)
    unmeasured = [t for t in loaded["targets"] if t["kind"] == "book_cold"]
    assert unmeasured[0]["met"] is None and unmeasured[0]["measured"] is None
    assert [t["met"] for t in loaded["targets"] if t["kind"] == "propagate_vs_matmul"] == [True]
    del loaded["targets"][0]
    loaded["targets"] = [t for t in loaded["targets"] if t["kind"] != "warm_rebuild"]
    with pytest.raises(ValueError, match="warm_rebuild"):
        bench.check_report(loaded)


def test_committed_report_has_schema():
    path = ROOT / "verification" / "bench.json"
    if not path.exists():
        pytest.skip("verification/bench.json not written yet (make bench)")
    bench = _driver()
    report = json.loads(path.read_text())
    bench.check_report(report)
    assert {t["kind"] for t in report["targets"]} >= set(bench.TARGET_KINDS)


def _report(bench, **parts):
    rows = _rows()
    return bench.make_report(mode="full", command="test", threads=[1], machine_info={}, versions_info={},
                             parts={"kernels": False, "chapters": False, "book": False, "paper_scale": False, **parts},
                             rows=rows, ratios=bench.ratios_from(rows), peer={"status": "x"}, chapters=None, book=None,
                             paper=None, load={})


def test_merge_keeps_the_parts_not_measured_again():
    bench = _driver()
    old = _report(bench, chapters=True)
    old["chapters"] = {"runs": [{"chapter": "chapters/index.md", "seconds": 3.0, "errors": [], "claims": 0}],
                       "max_seconds": 50.0, "max_chapter": "chapters/index.md", "threads": 1, "total_seconds": 3.0}
    new = _report(bench, paper_scale=True)
    new["paper_scale"] = {"runs": [{"chapter": "chapters/index.md", "paper_seconds": 4.0, "paper_errors": [],
                                    "laptop_seconds": 3.0, "laptop_errors": []}]}
    merged = bench.merge_reports(old, new)
    bench.check_report(merged)
    assert merged["chapters"] == old["chapters"] and merged["paper_scale"] == new["paper_scale"]
    assert set(merged["parts"]["measured"]) == {"chapters", "paper_scale"}
    (slowest,) = [t for t in merged["targets"] if t["kind"] == "notebook_max"]
    assert slowest["measured"] == 50.0 and slowest["met"] is False  # the targets follow the merged parts
    assert bench.merge_reports({}, new)["chapters"] is None


def test_paper_part_rejects_bad_jobs_and_timeouts():
    bench = _driver()
    with pytest.raises(ValueError, match="jobs"):
        bench.time_paper([], jobs=0)
    with pytest.raises(ValueError, match="timeout"):
        bench.time_paper([], timeout=float("nan"))


def test_scaled_chapters_are_those_that_call_lib_scale():
    names = {str(p.relative_to(ROOT)) for p in _driver().scaled_chapters()}
    assert "chapters/trajectory-growth/03b-symmetry-by-monte-carlo.md" in names
    assert "chapters/foundations/conventions.md" not in names


def test_readme_table_is_the_committed_report():
    """The README's chapter-time table is what ``tools/bench.py --readme`` writes from bench.json."""
    path = ROOT / "verification" / "bench.json"
    if not path.exists():
        pytest.skip("verification/bench.json not written yet (make bench)")
    bench = _driver()
    readme = (ROOT / "README.md").read_text()
    table = bench.readme_table(json.loads(path.read_text()))
    assert table in readme, "README.md's chapter-time table is stale: run `python tools/bench.py --readme`"
