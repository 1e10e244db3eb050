"""Adversarial soundness review of the JAX affine maps (jax_kernels.affine, both paths) and of
the slope forms of jax_backend.bound_boxes: every returned interval must contain the exact
(Fraction) range of an affine map, or arb's value of f at points of the box."""
import functools
import math
from fractions import Fraction

import jax
import numpy as np
import pytest
from flint import arb

from verinum import ir, jax_affine, jax_backend, jax_kernels, rounding
from verinum.arb_backend import range_eval
from verinum.errors import DomainError

pytestmark = pytest.mark.skipif(not jax_backend.available(),
                                reason="JAX fast path switched off by its self-test")

INF = math.inf


# -- exact references ----------------------------------------------------------------------------
def exact_row_range(weights, lo, hi):
    """Exact (lower, upper) of Σ w_k·x_k over x_k in [lo_k, hi_k] (±inf where unbounded)."""
    low, high, low_inf, high_inf = Fraction(0), Fraction(0), False, False
    for w, a, b in zip(weights, lo, hi):
        if w == 0:
            continue
        ends = (a, b) if w > 0 else (b, a)  # ends giving the smallest, largest product
        if math.isinf(ends[0]):
            low_inf = True
        else:
            low += w * Fraction(ends[0])
        if math.isinf(ends[1]):
            high_inf = True
        else:
            high += w * Fraction(ends[1])
    return (-INF if low_inf else low), (INF if high_inf else high)


def assert_encloses(out_lo, out_hi, exact_lo, exact_hi, info):
    assert not (math.isnan(out_lo) or math.isnan(out_hi)), ("NaN end", info)
    assert out_lo == -INF or (exact_lo != -INF and Fraction(out_lo) <= exact_lo), \
        ("lower end above the exact minimum", out_lo, exact_lo, info)
    assert out_hi == INF or (exact_hi != INF and Fraction(out_hi) >= exact_hi), \
        ("upper end below the exact maximum", out_hi, exact_hi, info)


def arb_at(root, x):
    """arb ball ends of f at the float point x, or None where f is undefined."""
    try:
        with rounding.precision():
            return range_eval(root, [(arb(float(p)), arb(float(p))) for p in x])
    except (DomainError, ZeroDivisionError, ValueError):
        return None


def sample_points(lo, hi, rng, extra=2):
    """Corners (up to 8), the centre, extra random points: finite points of the box."""
    fin_lo = np.where(np.isfinite(lo), lo, np.where(np.isfinite(hi), np.minimum(hi, 0) - 1e300,
                                                    -1e300))
    fin_hi = np.where(np.isfinite(hi), hi, np.maximum(fin_lo, 0) + 1e300)
    n = len(lo)
    pts = [np.where(np.arange(n) % 2 == k % 2, fin_lo, fin_hi) for k in range(2)]
    if n <= 3:
        pts = [np.array([(fin_lo, fin_hi)[(k >> i) & 1][i] for i in range(n)])
               for k in range(2 ** n)]
    pts.append(np.clip(0.5 * fin_lo + 0.5 * fin_hi, fin_lo, fin_hi))
    pts += [np.clip(rng.uniform(fin_lo / 2, fin_hi / 2) * 2, fin_lo, fin_hi)
            for _ in range(extra)]
    return pts


def check_boxes(root, lo, hi, lower, upper, rng, boxes=None, extra=2):
    """Every sampled f value (arb) lies in the JAX interval of its box; returns the count."""
    checked = 0
    for b in range(len(lo)) if boxes is None else boxes:
        assert not (np.isnan(lower[b]) or np.isnan(upper[b])), b
        for x in sample_points(lo[b], hi[b], rng, extra):
            ref = arb_at(root, x)
            if ref is None:
                continue
            assert not (ref[1] < arb(float(lower[b])) or ref[0] > arb(float(upper[b]))), \
                ("value outside the bound", b, list(lo[b]), list(hi[b]), list(x),
                 lower[b], upper[b], ref)
            checked += 1
    return checked


# -- boxes -----------------------------------------------------------------------------------------
def adversarial_boxes(rng, batch, n, *, big=True, infinite=True):
    """(lo, hi) of shape (batch, n): points, tiny, small, wide, subnormal ends, zero-width
    dimensions, ends at 0 (kinks), huge (1e300) and infinite ends."""
    c = rng.uniform(-3, 3, (batch, n))
    half = np.abs(c) * 10.0 ** rng.uniform(-16, 0.5, (batch, n))
    kind = np.broadcast_to((np.arange(batch) % 9)[:, None], (batch, n))
    lo, hi = c - half, c + half
    lo[kind == 0], hi[kind == 0] = c[kind == 0], c[kind == 0]                       # points
    sub = rng.choice([0.0, 1e-310, -1e-310, 5e-324, -2.2e-308], (batch, n))
    lo[kind == 1] = np.minimum(sub, -sub)[kind == 1]                                # subnormal
    hi[kind == 1] = np.maximum(sub, -sub)[kind == 1]
    zero = rng.random((batch, n)) < 0.5                                              # one end 0
    lo[(kind == 2) & zero], hi[(kind == 2) & ~zero] = 0.0, 0.0
    lo[kind == 2], hi[kind == 2] = np.minimum(lo, hi)[kind == 2], np.maximum(lo, hi)[kind == 2]
    flat = rng.random((batch, n)) < 0.5                                              # 0-width dims
    lo[(kind == 3) & flat] = hi[(kind == 3) & flat]
    lo[kind == 4], hi[kind == 4] = -1.0, 1.0                                         # centre 0
    if big:
        lo[kind == 5], hi[kind == 5] = c[kind == 5] * 1e299, c[kind == 5] * 1e299 + 1e299
    if infinite:
        lo[(kind == 6) & flat], hi[(kind == 7) & flat] = -INF, INF
    return lo, hi


# -- jax_kernels.affine on its own: exact references ----------------------------------------------
def float_rows(rng, rows, width):
    """Exact-float weights (the elementwise path when width ≤ 4): catastrophic cancellation
    (huge weights of opposite signs), 1e308, zeros, ones, mixed magnitudes."""
    w = rng.standard_normal((rows, width)) * 10.0 ** rng.integers(-300, 290, (rows, width))
    w[0] = 1e16 * np.resize([1.0, -1.0], width)
    w[0, -1] = 3.0
    w[1] = np.resize([1e300, -1e300, 1.0], width)
    w[2] = 0.0
    w[2, 0] = -1.0
    w[3, ::2] = 1.0
    return [[Fraction(float(v)) for v in row] for row in w]


def rational_rows(rng, rows, width):
    """Weights that are not floats (0.1, 1/3, 2^-1080, 1e-320 as exact value) next to floats."""
    palette = [Fraction(1, 10), Fraction(-1, 3), Fraction(1, 2 ** 1080), Fraction(1e-320),
               Fraction(-1e-320), Fraction(10) ** 300 / 3, Fraction(7, 2), Fraction(0)]
    out = [[palette[int(k)] for k in rng.integers(0, len(palette), width)] for _ in range(rows)]
    out[0] = [Fraction(10) ** 16 / 3 * (-1) ** k for k in range(width)]  # cancels on equal x
    return out


def affine_inputs(rng, width, batch, big):
    """x as (width, batch) boxes; column 0 has all leaves equal (for the cancelling rows)."""
    lo, hi = adversarial_boxes(rng, batch, width, big=big, infinite=big)
    scale = 10.0 ** rng.integers(-5, 5 if not big else 290, (batch, 1))
    with np.errstate(over="ignore"):
        lo, hi = lo * scale, hi * scale
    lo[0], hi[0] = 0.7, 0.7
    lo[1], hi[1] = 1e-310, 2e-310
    return lo.T.copy(), hi.T.copy()


def run_affine(mats, gather, lo, hi):
    clean_lo, clean_hi = jax_backend._clean_lower(lo), jax_backend._clean_upper(hi)
    fn = jax.jit(lambda a, b, m: jax_kernels.affine(jax_kernels.IV(a, b), m, gather))
    out = fn(clean_lo, clean_hi, mats)
    return np.asarray(out.lo), np.asarray(out.hi)


def check_affine(rows, leaves_of_row, mats, gather, lo, hi):
    out_lo, out_hi = run_affine(mats, gather, lo, hi)
    for i, row in enumerate(rows):
        cols = leaves_of_row(i)
        for b in range(lo.shape[1]):
            ref = exact_row_range(row, lo[cols, b], hi[cols, b])
            assert_encloses(out_lo[i, b], out_hi[i, b], *ref, (i, b))


@pytest.mark.parametrize("width", [1, 3, 4, 5, 12])
@pytest.mark.parametrize("kind", ["float", "rational"])
def test_dense_affine_contains_exact_range(width, kind):
    """Dense W·x (≤ 4 float columns: elementwise; otherwise midpoint-radius matrix products)
    contains the exact range, on point, subnormal, huge and infinite boxes (no overflow of
    products of opposite signs on the elementwise path: see the regression test below)."""
    rng = np.random.default_rng(width * 7 + len(kind))
    rows = (float_rows if kind == "float" else rational_rows)(rng, 6, width)
    mats = jax_affine._affine_mats(rows, width)
    elementwise = width <= jax_kernels.SMALL_AFFINE and "wr" not in mats
    lo, hi = affine_inputs(rng, width, 96, big=not elementwise)
    check_affine(rows, lambda i: np.arange(width), mats, None, lo, hi)


@pytest.mark.parametrize("terms", [2, 4, 7])
def test_sparse_gathered_affine_contains_exact_range(terms):
    """Sparse rows (K terms per row over 40 leaves, padded), float and rational weights."""
    rng = np.random.default_rng(terms)
    width, nrows = 40, 12
    sparse = []
    for i in range(nrows):
        cols = rng.choice(width, size=int(rng.integers(1, terms + 1)), replace=False)
        weights = (float_rows if i % 2 else rational_rows)(rng, 4, len(cols))[i % 4]
        sparse.append(list(zip(cols.tolist(), weights)))
    mats, _, gather = jax_affine._matrix(sparse, width)
    lo, hi = affine_inputs(rng, width, 48, big=terms > jax_kernels.SMALL_AFFINE)
    dense_rows = [[w for _, w in row] for row in sparse]
    check_affine(dense_rows, lambda i: np.array([j for j, _ in sparse[i]]), mats, gather, lo, hi)


def test_affine_cancellation_to_zero_and_one_ulp():
    """Σ w x with |w| ~ 1e16..1e300 cancelling to exactly 0, or to one ulp of the terms."""
    for width in (3, 6):
        big = [1e300, -1e300, 1e16, -1e16, 2.0 ** 60, -(2.0 ** 60)][:width]
        rows = [[Fraction(v) for v in big]]
        mats = jax_affine._affine_mats(rows, width)
        x = np.array([[1.0, 1.0 + 2 ** -52], [1.0, 1.0], [3.0, 3.0], [3.0, 3.0],
                      [5.0, 5.0], [5.0, 5.0]])[:width]
        lo, hi = x[:, :1].repeat(2, 1), x[:, :1].repeat(2, 1)
        lo[0, 1] = hi[0, 1] = 1.0 + 2 ** -52  # row value 1e300·2^-52 ≈ 2.2e284
        check_affine(rows, lambda i: np.arange(width), mats, None, lo, hi)


def test_elementwise_affine_overflow_of_opposite_signs():
    """2·x0 - 2·x1 at x0 = 1e308, x1 = 1.5e308: exact -1e308; the elementwise path computes
    inf + (-inf) = NaN for both ends."""
    rows = [[Fraction(2), Fraction(-2)]]
    mats = jax_affine._affine_mats(rows, 2)
    lo = np.array([[1e308], [1.5e308]])
    check_affine(rows, lambda i: np.arange(2), mats, None, lo, lo.copy())


# -- bound_boxes end to end --------------------------------------------------------------------------
def mixed_weight(rng):
    k = rng.integers(0, 10)
    return [ir.const("0.1"), ir.const("-1/3"), ir.const(1e-320), 2.5, -1.0, 1e16,
            float(rng.standard_normal() * 10.0 ** rng.integers(-8, 8)), ir.const("7/3"),
            -1e-16, 0.75][k]


def layer(rng, inputs, size, terms):
    """size affine rows of `terms` random inputs each, random (mixed) weights and biases."""
    out = []
    for _ in range(size):
        picks = rng.choice(len(inputs), size=min(terms, len(inputs)), replace=False)
        row = functools.reduce(lambda a, b: a + b,
                               [mixed_weight(rng) * inputs[int(k)] for k in picks])
        out.append(row + float(rng.standard_normal()))
    return out


def adversarial_expression(seed, n):
    """A DAG with shared subexpressions: affine rows of ≤ 4 and > 4 terms, every activation,
    min/max, products of two affine forms, a division, a row cancelling 1e16 weights."""
    rng = np.random.default_rng(seed)
    x = [ir.var(i) for i in range(n)]
    h = layer(rng, x, 6, 4) + layer(rng, x, 2, 2)
    acts = ["relu", "abs", "tanh", "sigmoid", "softplus", "relu", "abs", "swish"]
    a = [ir.apply(acts[k], v) for k, v in enumerate(h)]
    shared = a[0] - a[1] + 0.5 * x[0]                       # used three times below
    g = layer(rng, a + [shared], 5, 6)
    cancel = 1e16 * x[0] - 1e16 * (x[0] + shared) + 1e16 * shared  # exactly 0
    return (ir.apply("max", g[0], shared) * ir.apply("min", g[1], -shared)
            + ir.apply("relu", g[2] - shared) * (g[3] + 0.1 * x[-1])
            + g[4] / (2 + ir.apply("abs", shared)) + cancel
            + ir.apply("tanh", ir.apply("relu", g[0]) + ir.apply("abs", g[1])))


@pytest.mark.parametrize("seed,n,degrees", [(1, 2, (0, 1, 2)), (3, 5, (1,))])
def test_adversarial_dags(seed, n, degrees):
    """Random DAGs on adversarial boxes (no products overflowing: see the overflow regression tests) contain arb's
    value at the corners, the centre and random points (degree 2 compiles slowly: once)."""
    root = adversarial_expression(seed, n)
    rng = np.random.default_rng(seed)
    lo, hi = adversarial_boxes(rng, 72, n, big=False)
    for degree in degrees:
        lower, upper = jax_backend.bound_boxes(root, lo, hi, degree)
        assert check_boxes(root, lo, hi, lower, upper, rng, boxes=range(0, 72, 3)) > 40


@pytest.mark.parametrize("op", ["relu", "abs", "max", "min"])
def test_kinks_at_the_centre_and_at_box_ends(op):
    """Kink arguments y = x0 - x1 (and of an affine row with 5 terms) exactly 0 at the centre,
    at a box end or on a whole face; small and wide boxes, slopes of both signs."""
    x = [ir.var(i) for i in range(3)]
    y = x[0] - x[1]
    z = x[0] + x[1] - x[2] + 0.5 * x[0] * 0 + 0.25 * x[2] - 0.25 * x[2]
    kink = {"relu": lambda v: ir.apply("relu", v), "abs": lambda v: ir.apply("abs", v),
            "max": lambda v: ir.apply("max", v, 0.0), "min": lambda v: ir.apply("min", 0.0, v)}[op]
    root = 3 * kink(y) - 2 * kink(-y) + kink(z) * x[2] - kink(1e-300 * y)
    rng = np.random.default_rng(len(op))
    c = rng.uniform(-2, 2, (60, 3))
    c[:, 1] = c[:, 0]                    # y(c) = 0
    c[20:40, 2] = c[20:40, 0] + c[20:40, 1]  # z(c) = 0 too
    half = 10.0 ** rng.uniform(-12, 0.3, (60, 3))
    lo, hi = c - half, c + half
    lo[40:50, 0], hi[50:60, 1] = c[40:50, 0], c[50:60, 1]  # kink at a box end / corner
    lo[45:50, 1] = hi[45:50, 1] = c[45:50, 1]
    for degree in (0, 1, 2):
        lower, upper = jax_backend.bound_boxes(root, lo, hi, degree)
        assert check_boxes(root, lo, hi, lower, upper, rng, extra=3) > 400


def mlp(rng, sizes, activation):
    x = [ir.var(i) for i in range(sizes[0])]
    v = x
    for k, (a, b) in enumerate(zip(sizes, sizes[1:])):
        w = rng.standard_normal((a, b)) * 10.0 ** rng.uniform(-2, 1, (a, b))
        v = [functools.reduce(lambda p, q: p + q, [float(w[i, j]) * v[i] for i in range(a)])
             + float(rng.standard_normal()) for j in range(b)]
        if k < len(sizes) - 2:
            v = [ir.apply(activation[k % len(activation)], t) for t in v]
    return v[0]


def test_deep_mlp_with_smooth_activations():
    """A 4-8-3-6-1 MLP (tanh, sigmoid, softplus; a 3-wide layer: rows of ≤ 4 terms) at all
    degrees, on boxes from points to wide; batch sizes 1, 9 and 5000 (buckets, blocks)."""
    rng = np.random.default_rng(41)
    root = mlp(rng, [4, 8, 3, 6, 1], ["tanh", "sigmoid", "softplus"])
    lo, hi = adversarial_boxes(rng, 5000, 4, big=False)
    for degree in (0, 1, 2):
        lower, upper = jax_backend.bound_boxes(root, lo, hi, degree)
        assert check_boxes(root, lo, hi, lower, upper, rng, boxes=range(0, 5000, 250)) > 60
        for size in (1, 9) if degree == 1 else ():
            part = jax_backend.bound_boxes(root, lo[-size:], hi[-size:], degree)
            assert check_boxes(root, lo[-size:], hi[-size:], *part, rng) > 0


def test_huge_and_infinite_boxes_through_dense_rows():
    """Rows of > 4 terms (dense midpoint-radius path) over boxes with ends at ±inf, 1e300 and
    1e-310: bounds are infinite where they must be, and otherwise contain f."""
    x = [ir.var(i) for i in range(5)]
    row = 1e-300 * x[0] + 2 * x[1] - 3 * x[2] + ir.const("1/3") * x[3] + 0.5 * x[4]
    root = ir.apply("tanh", row) + 1e-10 * row
    rng = np.random.default_rng(43)
    lo, hi = adversarial_boxes(rng, 90, 5)
    for degree in (0, 1, 2):
        lower, upper = jax_backend.bound_boxes(root, lo, hi, degree)
        check_boxes(root, lo, hi, lower, upper, rng)
        pos = np.array([True, True, False, True, True])  # signs of the row's weights
        low_inf = ((lo == -INF) & pos).any(1) | ((hi == INF) & ~pos).any(1)
        high_inf = ((hi == INF) & pos).any(1) | ((lo == -INF) & ~pos).any(1)
        assert low_inf.any() and high_inf.any()
        assert np.all(lower[low_inf] == -INF) and np.all(upper[high_inf] == INF)


# -- bugs found --------------------------------------------------------------------------------------
@pytest.mark.parametrize("degree", [0, 1, 2])
def test_overflowing_row_times_a_variable(degree):
    x = [ir.var(i) for i in range(3)]
    root = (2 * x[0] - 2 * x[1]) * x[2]
    lo = np.array([[1e308, 1.5e308, 1.0], [1e308, -INF, 1.0]])
    hi = np.array([[1e308, 1.5e308, 1.0], [1e308, 0.0, 1.0]])
    lower, upper = jax_backend.bound_boxes(root, lo, hi, degree)
    check_boxes(root, lo, hi, lower, upper, np.random.default_rng(0))


@pytest.mark.parametrize("degree", [1, 2])
def test_huge_slopes_of_opposite_signs(degree):
    x = [ir.var(i) for i in range(2)]
    root = 1e300 * ir.apply("sin", 1e10 * x[0]) + 1e300 * ir.apply("sin", -2e10 * x[0] + x[1])
    lo, hi = np.array([[0.0, 0.0]]), np.array([[1e-20, 0.0]])
    lower, upper = jax_backend.bound_boxes(root, lo, hi, degree)
    check_boxes(root, lo, hi, lower, upper, np.random.default_rng(0))
