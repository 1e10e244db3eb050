"""Boxes bounded per second, and median bound widths, for the JAX fast path, the arb backend and
AutoBound, on a 1-D function, a 3-D function, a 10-D log-sum-exp and a 10-32-32-1 MLP.

    .venv/bin/python benchmarks/bounding.py [--boxes 4096] [--arb-seconds 3]

Writes the table to stdout and to benchmarks/results/bounding.txt. Width = upper − lower of the
bound on f over the box (boxes: random centres in [-1, 1]^n, half-width 0.05).
"""
import argparse
import os
import platform
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from verinum import jax_backend, rounding, tracing  # noqa: E402
from verinum.arb_backend import taylor_eval  # noqa: E402

jax.config.update("jax_enable_x64", True)
HALF_WIDTH = 0.05
RNG = np.random.default_rng(0)
W1, B1 = RNG.normal(size=(10, 32)) / np.sqrt(10), RNG.normal(size=32) / 4
W2, B2 = RNG.normal(size=(32, 32)) / np.sqrt(32), RNG.normal(size=32) / 4
W3 = RNG.normal(size=32) / np.sqrt(32)


def mlp(x):
    h = jax.nn.relu(x @ W1 + B1)
    h = jax.nn.relu(h @ W2 + B2)
    return jnp.dot(h, W3)


CASES = [
    ("1-D exp(-x^2)sin(3x)+sqrt(1+x^2)", 1, lambda x: jnp.exp(-x[0] ** 2) * jnp.sin(3 * x[0])
     + jnp.sqrt(1 + x[0] ** 2)),
    ("3-D exp/sin/log", 3, lambda x: jnp.exp(-x[0] ** 2) * jnp.sin(3 * x[1])
     + jnp.log(1 + x[2] ** 2) - x[0] * x[1] * x[2]),
    ("10-D log-sum-exp", 10, lambda x: jax.scipy.special.logsumexp(x)),
    ("MLP 10-32-32-1 relu", 10, mlp),
]


def bench_jax(root, lo, hi, degree):
    t0 = time.perf_counter()
    jax_backend.bound_boxes(root, lo, hi, degree)
    compile_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    lower, upper = jax_backend.bound_boxes(root, lo, hi, degree)
    run_s = time.perf_counter() - t0
    return len(lo) / run_s, upper - lower, compile_s


def bench_arb(root, lo, hi, degree, budget_s):
    from flint import arb
    widths, t0, count = [], time.perf_counter(), 0
    with rounding.precision():
        for b in range(len(lo)):
            c = [arb(float(v)) for v in (lo[b] + hi[b]) / 2]
            _, rng = taylor_eval(root, c, [arb(float(v)) for v in lo[b]],
                                 [arb(float(v)) for v in hi[b]], degree)
            widths.append(rounding.arb_upper(rng[1]) - rounding.arb_lower(rng[0]))
            count += 1
            if time.perf_counter() - t0 > budget_s and count >= 3:
                break
    return count / (time.perf_counter() - t0), widths


def bench_autobound(f, lo, hi, degree):
    """AutoBound vmapped over the boxes; returns (boxes/s, median width) or a reason string."""
    try:
        import autobound.jax as ab
        from autobound import enclosure_arithmetic as ea
    except Exception as err:  # noqa: BLE001
        return f"n/a: import fails on jax {jax.__version__}"
    try:
        bound = ab.taylor_bounds(f, degree)

        def one(l, h):
            x0 = (l + h) / 2
            coeffs = bound(x0, (l, h)).coefficients
            return ea.enclose_enclosure(coeffs, (l - x0, h - x0), 0, jnp)[0]
        run = jax.jit(jax.vmap(one))
        out = run(jnp.asarray(lo), jnp.asarray(hi))
        jax.block_until_ready(out)
        t0 = time.perf_counter()
        out = jax.block_until_ready(run(jnp.asarray(lo), jnp.asarray(hi)))
        rate = len(lo) / (time.perf_counter() - t0)
        lo_b, hi_b = (out if isinstance(out, tuple) else (out, out))
        return rate, float(np.median(np.asarray(hi_b) - np.asarray(lo_b)))
    except Exception as err:  # noqa: BLE001
        return f"n/a: fails on jax {jax.__version__}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--boxes", type=int, default=4096)
    parser.add_argument("--arb-seconds", type=float, default=3.0)
    args = parser.parse_args()
    if not jax_backend.available():
        print("JAX fast path unavailable:", jax_backend._STATE["reason"])
    lines = [f"verinum bounding benchmark: {args.boxes} boxes of half-width {HALF_WIDTH}, "
             f"jax {jax.__version__}, {platform.machine()} CPU x{os.cpu_count()}",
             "width: median over all boxes; 'same': jax median on the boxes arb bounded "
             "(arb runs one box at a time for a few seconds)",
             f"{'function':34s} {'deg':>3s} | {'jax boxes/s':>11s} {'width':>9s} "
             f"{'compile':>7s} | {'arb boxes/s':>11s} {'width':>9s} {'jax same':>9s} | "
             f"{'autobound':>11s} {'width':>9s}"]
    print("\n".join(lines), flush=True)
    for name, n, f in CASES:
        root = tracing.to_expression(f, n, True)[0]
        c = RNG.uniform(-1, 1, size=(args.boxes, n))
        lo, hi = c - HALF_WIDTH, c + HALF_WIDTH
        for degree in (0, 1, 2):
            j_rate, j_widths, j_compile = bench_jax(root, lo, hi, degree)
            a_rate, a_widths = bench_arb(root, lo, hi, degree, args.arb_seconds)
            j_width, a_width = float(np.median(j_widths)), float(np.median(a_widths))
            j_same = float(np.median(j_widths[:len(a_widths)]))
            ab = bench_autobound(f, lo, hi, degree) if degree >= 1 else "n/a (deg 0)"
            ab_text = (f"{ab[0]:11.0f} {ab[1]:9.3g}" if isinstance(ab, tuple)
                       else f"{ab[:40]}")
            line = (f"{name:34s} {degree:3d} | {j_rate:11.0f} {j_width:9.3g} {j_compile:6.1f}s"
                    f" | {a_rate:11.1f} {a_width:9.3g} {j_same:9.3g} | {ab_text}")
            print(line, flush=True)
            lines.append(line)
    out = os.path.join(os.path.dirname(__file__), "results", "bounding.txt")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as fh:
        fh.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
