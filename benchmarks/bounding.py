"""Boxes bounded per second, and median bound widths, for the JAX fast path, the arb backend and
AutoBound, on a 1-D function, a 3-D function, a 10-D log-sum-exp and a 10-32-32-1 MLP.

    .venv/bin/python benchmarks/bounding.py [--boxes 4096] [--arb-seconds 3] [--check-seconds 3]

Writes the table to stdout and to benchmarks/results/bounding.txt. Width = upper − lower of the
bound on f over the box (boxes: random centres in [-1, 1]^n, half-width 0.05).

AutoBound 0.1.4 (`autobound.jax.taylor_bounds`, jax.jit(jax.vmap(...)) over the boxes, the
enclosure reduced to an interval by its own `enclose_enclosure`) predates jax 0.10; `_autobound`
patches four API changes in this process only (see there). AutoBound rounds to nearest, so its
bounds are checked: f at sample points of each box (corners lo and hi, the centre, the two
corners extreme for the linearisation at the centre, two random points) is enclosed with arb,
and a bound that excludes the arb enclosure counts as a violation. The JAX bounds get the same
check.
"""
import argparse
import functools
import inspect
import os
import platform
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from verinum import jax_backend, rounding, tracing  # noqa: E402
from verinum.arb_backend import range_eval, taylor_eval  # noqa: E402

jax.config.update("jax_enable_x64", True)
HALF_WIDTH = 0.05
RNG = np.random.default_rng(0)
W1, B1 = RNG.normal(size=(10, 32)) / np.sqrt(10), RNG.normal(size=32) / 4
W2, B2 = RNG.normal(size=(32, 32)) / np.sqrt(32), RNG.normal(size=32) / 4
W3 = RNG.normal(size=32) / np.sqrt(32)


def mlp(x, relu=jax.nn.relu):
    h = relu(x @ W1 + B1)
    h = relu(h @ W2 + B2)
    return jnp.dot(h, W3)


def abs_relu(z):
    """relu(z) = (z + |z|)/2: AutoBound has no rule for max (jax.nn.relu)."""
    return 0.5 * (z + jnp.abs(z))


def log_sum_exp(x):
    return jnp.log(jnp.sum(jnp.exp(x)))


# (name, n, function for verinum, function for AutoBound: the same real function)
CASES = [
    ("1-D exp(-x^2)sin(3x)+sqrt(1+x^2)", 1, lambda x: jnp.exp(-x[0] ** 2) * jnp.sin(3 * x[0])
     + jnp.sqrt(1 + x[0] ** 2), None),
    ("3-D exp/sin/log", 3, lambda x: jnp.exp(-x[0] ** 2) * jnp.sin(3 * x[1])
     + jnp.log(1 + x[2] ** 2) - x[0] * x[1] * x[2], None),
    ("10-D log-sum-exp log(sum(exp x))", 10, log_sum_exp, None),
    ("10-D jax.scipy logsumexp (max-shifted)", 10, jax.scipy.special.logsumexp, None),
    ("MLP 10-32-32-1 relu (AB: (z+|z|)/2)", 10, mlp, lambda x: mlp(x, abs_relu)),
]


def best_time(run, repeats=10, warm_s=1.0):
    """(shortest wall time of `repeats` calls, last result), after `warm_s` seconds of untimed
    calls (the first calls after compiling run up to 2x slower): the machine is shared."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < warm_s:
        run()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = run()
        best = min(best, time.perf_counter() - t0)
    return best, out


def bench_jax(root, lo, hi, degree):
    t0 = time.perf_counter()
    jax_backend.bound_boxes(root, lo, hi, degree)
    compile_s = time.perf_counter() - t0
    run_s, (lower, upper) = best_time(lambda: jax_backend.bound_boxes(root, lo, hi, degree))
    return len(lo) / run_s, (lower, upper), compile_s


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


@functools.cache
def _autobound():
    """(autobound.jax, enclosure_arithmetic) made to run on this jax, or a reason string.

    Patches, all for API changes in jax since AutoBound 0.1.4: jax.core.Jaxpr, Var, Literal,
    Primitive, ClosedJaxpr come from jax.extend.core; Var.count (gone) reads -1 for a dropped
    output only, the one use left once the jaxpr rewriter is skipped; the rewriter (it turns
    jax.nn.sigmoid/softplus/swish into AutoBound primitives, and needs Var.count) is skipped:
    none of the functions here uses those; primitive parameters added since (exp's
    `accuracy`, mul's `out_dtype`) are dropped where AutoBound passes them on."""
    import jax.core
    import jax.extend.core as core
    for name in ("Jaxpr", "Var", "Literal", "Primitive", "ClosedJaxpr"):
        setattr(jax.core, name, getattr(core, name))
    try:
        import autobound.jax as ab
        from autobound import enclosure_arithmetic as ea
        from autobound.jax import jax_bound
    except Exception as err:  # noqa: BLE001
        return f"n/a: import fails ({type(err).__name__})"
    core.Var.count = property(lambda v: -1 if isinstance(v, core.DropVar) else 0)
    jax_bound._rewrite_jaxpr = lambda jaxpr: jaxpr
    funs = jax_bound._pushforward_funs

    def tolerant(fun):
        names = inspect.signature(fun).parameters
        if any(p.kind == p.VAR_KEYWORD for p in names.values()):
            return fun
        return lambda *args, **params: fun(*args, **{k: v for k, v in params.items()
                                                     if k in names})
    jax_bound._pushforward_funs = lambda arith: {p: tolerant(f) for p, f in funs(arith).items()}
    return ab, ea


def bench_autobound(f, lo, hi, degree):
    """AutoBound vmapped over the boxes: (boxes/s, (lower, upper)) or a reason string."""
    modules = _autobound()
    if isinstance(modules, str):
        return modules
    ab, ea = modules
    bound = ab.taylor_bounds(f, degree)

    def one(lo_, hi_):
        x0 = (lo_ + hi_) / 2
        coeffs = bound(x0, (lo_, hi_)).coefficients
        return ea.enclose_enclosure(coeffs, (lo_ - x0, hi_ - x0), 0, jnp)[0]
    run = jax.jit(jax.vmap(one))
    try:
        jax.block_until_ready(run(lo, hi))
    except NotImplementedError as err:
        what = err.args[0] if err.args else err
        return f"n/a: no rule for {getattr(what, 'name', what)}" + (
            f" at degree {what.derivative_order}" if hasattr(what, "derivative_order") else "")
    run_s, out = best_time(lambda: jax.block_until_ready(run(lo, hi)))
    return len(lo) / run_s, (np.asarray(out[0]), np.asarray(out[1]))


def sample_points(f, lo, hi, rng):
    """Points of one box: corners lo and hi, centre, c ± h·sign(∇f(c)), two random points."""
    c, h = (lo + hi) / 2, (hi - lo) / 2
    s = np.sign(np.asarray(jax.grad(f)(jnp.asarray(c))))
    return [lo, hi, c, np.clip(c + h * s, lo, hi), np.clip(c - h * s, lo, hi),
            rng.uniform(lo, hi), rng.uniform(lo, hi)]


def violations(root, f, lo, hi, bounds, budget_s):
    """(points checked, [violations for each (lower, upper) in bounds]): f at sample points of
    the first boxes, enclosed by arb, against each bound."""
    from flint import arb
    rng, t0, checked = np.random.default_rng(1), time.perf_counter(), 0
    bad = [0] * len(bounds)
    with rounding.precision():
        for b in range(len(lo)):
            for x in sample_points(f, lo[b], hi[b], rng):
                y_lo, y_hi = range_eval(root, [(arb(float(v)), arb(float(v))) for v in x])
                checked += 1
                for k, (lower, upper) in enumerate(bounds):
                    if y_hi < arb(float(lower[b])) or y_lo > arb(float(upper[b])):
                        bad[k] += 1
            if time.perf_counter() - t0 > budget_s:
                break
    return checked, bad


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--boxes", type=int, default=4096)
    parser.add_argument("--arb-seconds", type=float, default=3.0)
    parser.add_argument("--check-seconds", type=float, default=3.0)
    args = parser.parse_args()
    if not jax_backend.available():
        print("JAX fast path unavailable:", jax_backend._STATE["reason"])
    lines = [f"verinum bounding benchmark: {args.boxes} boxes of half-width {HALF_WIDTH}, "
             f"jax {jax.__version__}, {platform.machine()} CPU x{os.cpu_count()}",
             "width: median over all boxes; 'same': jax median on the boxes arb bounded "
             "(arb runs one box at a time for a few seconds)",
             "autobound: 0.1.4, taylor_bounds jit(vmap) over all boxes, with the compatibility "
             "patches in _autobound (jax.core names from jax.extend.core, jaxpr rewriter "
             "skipped); the MLP row gives it relu as (z+|z|)/2",
             "viol ab/jax: sample points (of the first boxes) where f, enclosed with arb, is "
             "outside AutoBound's / the JAX bound; jax/ab: ratio of boxes/s (same degree)",
             "boxes/s: best of 10 runs of all the boxes after 1 s of warm-up runs (compile "
             f"excluded); jax splits the batch into {jax_backend.THREADS} parts run on as "
             "many threads (XLA runs one call on one core); AutoBound's single call already "
             "uses the cores through XLA's own threads",
             f"{'function':40s} {'deg':>3s} | {'jax boxes/s':>11s} {'width':>9s} "
             f"{'compile':>7s} | {'arb boxes/s':>11s} {'width':>9s} {'jax same':>9s} | "
             f"{'autobound':>11s} {'width':>9s} {'viol ab/jax':>15s} {'jax/ab':>7s}"]
    print("\n".join(lines), flush=True)
    for name, n, f, f_ab in CASES:
        f_ab = f_ab or f
        root = tracing.to_expression(f, n, True)[0]
        c = RNG.uniform(-1, 1, size=(args.boxes, n))
        lo, hi = c - HALF_WIDTH, c + HALF_WIDTH
        for degree in (0, 1, 2):
            j_rate, j_bounds, j_compile = bench_jax(root, lo, hi, degree)
            a_rate, a_widths = bench_arb(root, lo, hi, degree, args.arb_seconds)
            j_widths = j_bounds[1] - j_bounds[0]
            j_width, a_width = float(np.median(j_widths)), float(np.median(a_widths))
            j_same = float(np.median(j_widths[:len(a_widths)]))
            ab = bench_autobound(f_ab, lo, hi, degree)
            if isinstance(ab, tuple):
                checked, (ab_bad, j_bad) = violations(root, f_ab, lo, hi, [ab[1], j_bounds],
                                                      args.check_seconds)
                ab_text = (f"{ab[0]:11.0f} {float(np.median(ab[1][1] - ab[1][0])):9.3g} "
                           f"{f'{ab_bad}/{j_bad} of {checked}':>15s} {j_rate / ab[0]:7.1f}")
            else:
                ab_text = ab[:40]
            line = (f"{name:40s} {degree:3d} | {j_rate:11.0f} {j_width:9.3g} {j_compile:6.1f}s"
                    f" | {a_rate:11.1f} {a_width:9.3g} {j_same:9.3g} | {ab_text}")
            print(line, flush=True)
            lines.append(line)
    out = os.path.join(os.path.dirname(__file__), "results", "bounding.txt")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as fh:
        fh.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
