"""The peer: neural-tangents' analytic NNGP/NTK on given inputs, run in its own venv (.venv-peer).

    .venv-peer/bin/python benchmarks/peer_ntk.py --depth L --W-std S --b-std B --rounds R IN.npy:OUT.npz ...

For each ``IN.npy`` (an ``(n, d)`` float64 array) the kernel of
``stax.serial(Dense(W_std, b_std), Relu) * L + Dense(1, W_std, b_std)`` (NTK parameterisation,
float64 via ``jax_enable_x64``) is computed with a jitted ``kernel_fn(X, X, ('nngp', 'ntk'))``.
``OUT.npz`` holds ``nngp``, ``ntk``, ``first_seconds`` (the first call: tracing, compilation and
one evaluation) and ``seconds`` (``R`` timed calls after it), plus ``versions`` (a JSON string).
Run by ``benchmarks/bench_peer.py``; never imported by the book.
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pairs", nargs="+", help="IN.npy:OUT.npz pairs")
    ap.add_argument("--depth", type=int, required=True)
    ap.add_argument("--W-std", type=float, required=True)
    ap.add_argument("--b-std", type=float, required=True)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args(argv)
    if args.depth < 1 or args.rounds < 1:
        ap.error("--depth and --rounds must be at least 1")

    import jax

    jax.config.update("jax_enable_x64", True)
    import neural_tangents as nt
    from neural_tangents import stax

    layers = []
    for _ in range(args.depth):
        layers += [stax.Dense(512, W_std=args.W_std, b_std=args.b_std), stax.Relu()]
    _, _, kernel_fn = stax.serial(*layers, stax.Dense(1, W_std=args.W_std, b_std=args.b_std))
    kernel_fn = jax.jit(kernel_fn, static_argnames="get")
    versions = json.dumps({"jax": jax.__version__, "neural_tangents": nt.__version__, "numpy": np.__version__,
                           "backend": jax.default_backend()})
    for pair in args.pairs:
        src, dst = pair.split(":")
        X = jax.numpy.asarray(np.load(src), dtype=jax.numpy.float64)
        t0 = time.perf_counter()
        k = kernel_fn(X, X, ("nngp", "ntk"))
        k.ntk.block_until_ready()
        first = time.perf_counter() - t0
        seconds = []
        for _ in range(args.rounds):
            t0 = time.perf_counter()
            k = kernel_fn(X, X, ("nngp", "ntk"))
            k.ntk.block_until_ready()
            seconds.append(time.perf_counter() - t0)
        np.savez(dst, nngp=np.asarray(k.nngp), ntk=np.asarray(k.ntk), first_seconds=first,
                 seconds=np.array(seconds), versions=versions)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
