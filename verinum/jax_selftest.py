"""Self-test of the JAX fast path, run once at first use (jax_backend.available).

One job: check on this platform the assumptions jax_kernels relies on (x64, flush-to-zero as
measured, NaN-propagating min/max, libm within 16 ulp at known hard spots, widened + - * / sqrt
and matrix products enclosing exact results). Guarantee: a non-empty list of problems is
returned when a check fails, and the fast path is then switched off.
"""
import math
from fractions import Fraction

import jax
import jax.numpy as jnp
import numpy as np

from . import rounding
from .jax_affine import _affine_mats
from .jax_kernels import IV, TINY, Arith, affine

_TOLERANCE_ULP = 16  # libm errors must stay far below the LIBM_K = 1024 ulp widening
_HOT_SPOTS = {
    "exp": [-745.0, -708.5, -1e-20, 0.0, 1e-20, 0.5, 1.0, 700.0, 709.78, 709.79, 710.0, -30.5],
    "log": [2.2250738585072014e-308, 1e-300, 0.5, 1 - 2 ** -53, 1.0, 1 + 2 ** -52, 2.0, 1e308,
            0.7, 0.55, 0.62],
    "expm1": [1e-20, -1e-10, 0.3, -0.3, 700.0, -40.0, 2.0, 1e-5],
    "sin": [6381956970095103 * 2.0 ** 797, 1e22, 1e300, math.pi, math.pi / 2, 1e-300, 0.5,
            100.0, 2.0 ** 60, 355.0],
    "cos": [6381956970095103 * 2.0 ** 797, 1e22, 1e300, math.pi, math.pi / 2, 1e-300, 0.5,
            100.0, 2.0 ** 60, 355.0],
    "tan": [6381956970095103 * 2.0 ** 797, 1e22, math.pi / 2, 1e-300, 0.5, 1.5, 355.0],
    "atan": [1e-20, 0.5, 1.0, 1e10, -3.0, 0.1],
    "tanh": [1e-20, 0.01, 0.3, 0.7, 1.5, 5.0, 20.0, -0.55],
    "erf": [1e-20, 0.5, 3.0, 6.0, -2.0, 0.01],
}
_RAW = {"exp": jnp.exp, "log": jnp.log, "expm1": jnp.expm1, "sin": jnp.sin, "cos": jnp.cos,
        "tan": jnp.tan, "atan": jnp.arctan, "tanh": jnp.tanh,
        "erf": lambda x: jax.scipy.special.erf(x)}


def _probe(x, x_small, a, b):
    raw = [{name: fn(xs) for name, fn in _RAW.items()} for xs in (x, x_small)]
    ar = Arith()
    p, q = IV(a, a), IV(b, b)
    m = IV(jnp.abs(a), jnp.abs(a))
    arith = (ar.add(p, q), ar.sub(p, q), ar.mul(p, q), ar.div(p, q), ar.sqrt(m))
    nan_a = jnp.where(a == a, jnp.nan, a)  # NaN arrays (not constants) against literals too
    return raw, arith, a * b, jnp.stack([jnp.minimum(a, jnp.nan), jnp.minimum(nan_a, 0.0)]), \
        jnp.stack([jnp.maximum(jnp.nan, b), jnp.maximum(nan_a, 0.0)])


def _self_test():
    """Problems found (empty: the fast path may be used): x64 on, flush-to-zero as measured,
    NaN-propagating min/max, libm within 16 ulp at the known hard spots (two array shapes),
    and the widened + - * / sqrt and matrix products enclosing exact results on random and
    extreme operands."""
    from flint import arb
    if jnp.asarray(1.0).dtype != jnp.float64:
        return ["jax_enable_x64 is off"]
    rng = np.random.default_rng(20240601)
    a = np.concatenate([rng.standard_normal(120) * 10.0 ** rng.integers(-300, 300, 120),
                        [1e-300, -1e-300, 2.2250738585072014e-308, 1e308, -1e308, 0.0]])
    b = np.concatenate([rng.standard_normal(120) * 10.0 ** rng.integers(-300, 300, 120),
                        [1e-10, 1e-10, 0.5, 10.0, 3.0, 1.0]])
    b = np.where(b == 0, 1.0, b)
    points = sorted({v for pts in _HOT_SPOTS.values() for v in pts})
    probe = jax.jit(_probe)
    problems = []
    with rounding.precision(256):
        raw, arith, products, mins, maxs = probe(np.array(points), np.array(points[:5]), a, b)
        for values, xs in zip(raw, (points, points[:5])):  # two array shapes
            problems += _check_libm(values, xs)
        flushed = products[-6:-4]  # 1e-300 * 1e-10: flushed to 0 or correctly rounded
        if not all(f in (0.0, 1e-300 * 1e-10) for f in np.abs(np.asarray(flushed))):
            problems.append(f"FTZ probe: 1e-300*1e-10 gave {flushed}")
        if not (np.isnan(mins).all() and np.isnan(maxs).all()):
            problems.append("min/max do not propagate NaN")
        for k, name in enumerate(("add", "sub", "mul", "div", "sqrt")):
            lo, hi = np.asarray(arith[k].lo), np.asarray(arith[k].hi)
            for i in range(len(a)):
                x, y = arb(float(a[i])), arb(float(b[i]))
                ref = [x + y, x - y, x * y, x / y, abs(x).sqrt()][k]
                if ref < arb(float(lo[i])) or ref > arb(float(hi[i])):
                    problems.append(f"{name}({a[i]!r}, {b[i]!r}) not enclosed")
                    break
        problems += _check_affine(rng)
    return problems


def _check_affine(rng):
    """affine() on weights of mixed magnitudes (a row that cancels exactly, whatever the
    summation order computes; a subnormal weight) and on point and interval arguments contains
    the exact range of every row."""
    from flint import arb
    w = rng.standard_normal((6, 40)) * 10.0 ** rng.integers(-20, 20, (6, 40))
    w[0, :20] = rng.standard_normal(20) * 1e16
    w[0, 20:] = -w[0, :20]
    w[1, 0] = 1e-320
    x = np.tile(rng.standard_normal(20), 2)  # row 0 · x = 0 exactly
    x_lo = rng.standard_normal(40) * 10.0 ** rng.integers(-10, 10, 40)
    x_hi = x_lo + np.abs(x_lo) * rng.uniform(0, 1e-3, 40)
    mats = _affine_mats([[Fraction(v) for v in row] for row in w], 40)
    run = jax.jit(affine)
    problems = []
    for lo, hi in ((x, x), (x_lo, x_hi)):
        out = run(IV(lo[:, None], hi[:, None]), mats)
        for i in range(6):
            ends = [(arb(float(w[i, k])) * arb(float(lo[k])),
                     arb(float(w[i, k])) * arb(float(hi[k]))) for k in range(40)]
            low = sum((p if p < q else q for p, q in ends), arb(0))
            high = sum((q if p < q else p for p, q in ends), arb(0))
            if low < arb(float(out.lo[i, 0])) or high > arb(float(out.hi[i, 0])):
                problems.append(f"matrix product row {i} not enclosed")
    return problems


def _check_libm(raw, xs):
    from flint import arb
    problems = []
    big = arb(np.finfo(np.float64).max)
    for name, values in raw.items():
        values = np.asarray(values)
        for i, x in enumerate(xs):
            if x not in _HOT_SPOTS[name]:
                continue
            ref, y = _arb_reference(name, x), float(values[i])
            if math.isinf(y) and abs(ref) > big and (y > 0) == (ref > 0):
                continue
            allowed = arb(_TOLERANCE_ULP * float(np.spacing(abs(y)))) + arb(TINY)
            if not math.isfinite(y) or abs(arb(y) - ref) > allowed:
                problems.append(f"{name}({x!r}) gave {y!r}, true value {ref.str(17)}")
    return problems


def _arb_reference(name, x):
    from flint import arb
    a = arb(float(x))
    return a.erf() if name == "erf" else getattr(a, name)()
