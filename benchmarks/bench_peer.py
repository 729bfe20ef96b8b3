"""``lib.ntk.relu_ntk`` against the peer neural-tangents on the same inputs (optional).

The peer runs in its own venv (``.venv-peer``, made by ``make bench-peer`` from
``requirements-peer.txt``, or the directory named by ``BENCH_PEER_VENV``) and its own process
(``benchmarks/peer_ntk.py``), so the book's pins never meet jax. When the venv is absent the
benchmarks are skipped and the driver records the peer as "not installed". Both sides use
``BENCH_THREADS`` threads (XLA is told through ``XLA_FLAGS``). The peer's times (jitted, after
one compiling call) and the kernels' maximum elementwise relative disagreement are stored in
``extra_info``; ours is timed by pytest-benchmark.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from benchmarks import common
from lib import ntk

ROOT = Path(__file__).resolve().parents[1]
# The peer's venv: BENCH_PEER_VENV if set, else .venv-peer in the repository (make bench-peer).
PEER_VENV = Path(os.environ.get("BENCH_PEER_VENV") or ROOT / ".venv-peer")
PEER_PYTHON = PEER_VENV / "bin" / "python"
SIZES = [200, 500] if common.quick() else [500, 1000, 2000]
DEPTH, W_STD, B_STD, DIM = 3, 1.5, 0.2, 50  # non-default W_std and b_std: the convention is tested


def peer_env() -> dict:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", JAX_PLATFORMS="cpu")
    if common.threads() == 1:
        env["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
    return env


def run_peer(inputs: dict, workdir: Path) -> dict:
    """Run the peer on ``{n: X}``; returns ``{n: npz contents}``. Raises RuntimeError with the peer's
    stderr when it fails."""
    pairs = []
    for n, X in inputs.items():
        np.save(workdir / f"X{n}.npy", X)
        pairs.append(f"{workdir / f'X{n}.npy'}:{workdir / f'K{n}.npz'}")
    cmd = [str(PEER_PYTHON), str(ROOT / "benchmarks" / "peer_ntk.py"), "--depth", str(DEPTH), "--W-std", str(W_STD),
           "--b-std", str(B_STD), "--rounds", str(common.rounds(3, 7)), *pairs]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=peer_env(), timeout=1800)
    if proc.returncode != 0:
        raise RuntimeError(f"peer failed (exit {proc.returncode}): {proc.stderr[-2000:]}")
    return {n: dict(np.load(workdir / f"K{n}.npz")) for n in inputs}


@pytest.fixture(scope="module")
def peer(tmp_path_factory):
    if not PEER_PYTHON.exists():
        pytest.skip(f"peer not installed ({PEER_VENV} absent; run `make bench-peer`)")
    inputs = {n: common.rng(20 + n).standard_normal((n, DIM)) for n in SIZES}
    return inputs, run_peer(inputs, tmp_path_factory.mktemp("peer"))


def max_relative(ours: np.ndarray, theirs: np.ndarray) -> float:
    """``max |ours - theirs| / |theirs|`` over entries (entries of ``theirs`` are bounded away from 0
    here: with ``b_std > 0`` every NNGP and NTK entry is at least ``b_std^2``)."""
    return float(np.max(np.abs(ours - theirs) / np.abs(theirs)))


@pytest.mark.parametrize("n", SIZES)
def test_relu_ntk_vs_peer(benchmark, peer, n):
    inputs, results = peer
    X, res = inputs[n], results[n]
    nngp, K = benchmark.pedantic(ntk.relu_ntk, args=(X,), kwargs={"depth": DEPTH, "W_std": W_STD, "b_std": B_STD},
                                 rounds=common.rounds(3, 7), warmup_rounds=1)
    secs = np.asarray(res["seconds"])
    q1, med, q3 = np.percentile(secs, [25, 50, 75])
    common.tag(benchmark, f"peer/n{n}", "lib", n=n, depth=DEPTH, W_std=W_STD, b_std=B_STD,
               peer={"median": float(med), "iqr": float(q3 - q1), "rounds": int(secs.size),
                     "first_call_seconds": float(res["first_seconds"]), "versions": json.loads(str(res["versions"]))},
               max_rel_nngp=max_relative(nngp, res["nngp"]), max_rel_ntk=max_relative(K, res["ntk"]),
               max_rel_ntk_offdiag=max_relative(K[~np.eye(n, dtype=bool)], res["ntk"][~np.eye(n, dtype=bool)]))
    assert max(benchmark.extra_info["max_rel_nngp"], benchmark.extra_info["max_rel_ntk"]) < 1e-6
