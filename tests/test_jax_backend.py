"""Cross-checks of the JAX fast path against arb: every JAX bound must contain the arb value of f
at sampled points of its box, and degree-0 widths must be close to arb's interval widths."""
import functools
import math
import zlib

import numpy as np
import pytest
from flint import arb

from verinum import ir, jax_affine, jax_backend, jax_kernels, jax_slopes, rounding, tracing
from verinum.arb_backend import range_eval
from verinum.errors import DomainError, InputError

pytestmark = pytest.mark.skipif(not jax_backend.available(),
                                reason="JAX fast path switched off by its self-test")


def expr(text, n):
    return tracing.to_expression(text, n, True)[0]


def arb_point(root, x):
    """arb ball ends of f at the exact float point x, or None where f is undefined."""
    try:
        with rounding.precision():
            lo, hi = range_eval(root, [(arb(float(p)), arb(float(p))) for p in x])
    except (DomainError, ZeroDivisionError, ValueError):
        return None
    return lo, hi


def arb_box(root, lo, hi):
    with rounding.precision():
        r = range_eval(root, [(arb(float(a)), arb(float(b))) for a, b in zip(lo, hi)])
        return rounding.arb_lower(r[0]), rounding.arb_upper(r[1])


def check_contains(root, lo, hi, lower, upper, rng, boxes=40, per_box=3):
    """The JAX bound of each sampled box contains the arb value at corners/random points.
    A failure is an arb enclosure (128 bits, width ~1e-38 relative) lying wholly outside."""
    checked = 0
    for b in rng.choice(len(lo), size=min(boxes, len(lo)), replace=False):
        pts = [lo[b], hi[b]] + [rng.uniform(lo[b], hi[b]) for _ in range(per_box)]
        for x in pts:
            x = np.clip(x, lo[b], hi[b])
            ref = arb_point(root, x)
            if ref is None:
                continue
            assert not (ref[1] < arb(float(lower[b])) or ref[0] > arb(float(upper[b]))), \
                (b, list(x), lower[b], upper[b], ref)
            checked += 1
    return checked


# -- random expressions -----------------------------------------------------------------------------
UNARY = ["exp", "log", "sqrt", "sin", "cos", "tan", "atan", "tanh", "erf", "sigmoid", "softplus",
         "swish", "relu", "abs", "expm1", "log1p", "sinh", "cosh"]


def random_expression(rng, n, depth):
    if depth == 0 or rng.random() < 0.2:
        if rng.random() < 0.25:
            return str(rng.choice(["0.5", "2", "1/3", "3", "pi", "-1.25"]))
        return f"x{rng.integers(n)}"
    kind = rng.random()
    if kind < 0.45:
        return f"{rng.choice(UNARY)}({random_expression(rng, n, depth - 1)})"
    if kind < 0.55:
        return f"({random_expression(rng, n, depth - 1)})**{rng.choice([2, 3, -1, 4])}"
    op = rng.choice(["+", "-", "*", "/", "max", "min"])
    a, b = random_expression(rng, n, depth - 1), random_expression(rng, n, depth - 1)
    return f"{op}({a}, {b})" if op in ("max", "min") else f"({a}){op}({b})"


BOX_KINDS = {
    "tiny": lambda rng, c: (c - abs(c) * 1e-13 - 1e-300, c + abs(c) * 1e-13 + 1e-300),
    "small": lambda rng, c: (c - 1e-4, c + 1e-4),
    "wide": lambda rng, c: (c - rng.uniform(0, 3, c.shape), c + rng.uniform(0, 3, c.shape)),
    "point": lambda rng, c: (c, c),
}


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("degree", [0, 1, 2])
def test_random_expressions_contain_arb_values(seed, degree):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 4))
    text = random_expression(rng, n, 3)
    root = expr(text, n)
    centers = rng.uniform(-3, 3, size=(256, n))
    for kind, make in BOX_KINDS.items():
        lo, hi = make(rng, centers)
        lower, upper = jax_backend.bound_boxes(root, lo, hi, degree)
        assert lower.shape == upper.shape == (256,)
        assert np.all(lower <= upper), text
        check_contains(root, lo, hi, lower, upper, rng, boxes=12)


@pytest.mark.parametrize("op", UNARY)
def test_each_function_on_its_domain(op):
    rng = np.random.default_rng(zlib.crc32(op.encode()))  # hash() varies per run
    root = expr(f"{op}(x0)", 1)
    c = np.concatenate([rng.uniform(-5, 5, 200), 10.0 ** rng.uniform(-300, 2.8, 56)])[:, None]
    w = 10.0 ** rng.uniform(-15, 0, size=(256, 1)) * np.abs(c)
    lo, hi = c - w * rng.integers(0, 2, (256, 1)), c + w
    lower, upper = jax_backend.bound_boxes(root, lo, hi)
    assert check_contains(root, lo, hi, lower, upper, rng, boxes=60) > 50
    # widths close to arb's interval evaluation (the same method at 128 bits)
    for b in range(0, 256, 16):
        try:
            alo, ahi = arb_box(root, lo[b], hi[b])
        except DomainError:
            continue
        scale = max(abs(alo), abs(ahi))
        assert upper[b] - lower[b] <= 1.01 * (ahi - alo) + 2.0 ** -36 * (scale + 1), \
            (op, lo[b], hi[b], (lower[b], upper[b]), (alo, ahi))


def test_width_close_to_arb_on_multivariate_expressions():
    rng = np.random.default_rng(3)
    root = expr("exp(-x0**2)*sin(3*x1) + log(1 + x0**2) - x0*x1/(2 + cos(x1))", 2)
    c = rng.uniform(-2, 2, size=(128, 2))
    w = 10.0 ** rng.uniform(-6, 0, size=(128, 1))
    lo, hi = c - w, c + w
    lower, upper = jax_backend.bound_boxes(root, lo, hi)
    check_contains(root, lo, hi, lower, upper, rng)
    ratios = []
    for b in range(0, 128, 8):
        alo, ahi = arb_box(root, lo[b], hi[b])
        ratios.append((upper[b] - lower[b]) / (ahi - alo))
    assert max(ratios) < 1.01 and min(ratios) > 0.99


def test_batch_sizes_from_1_to_5000():
    rng = np.random.default_rng(11)
    root = expr("x0*exp(x1) - sin(x0*x1)", 2)
    for size in (1, 5, 1000, 5000):
        c = rng.uniform(-2, 2, size=(size, 2))
        lower, upper = jax_backend.bound_boxes(root, c - 0.01, c + 0.01)
        assert lower.shape == (size,)
        check_contains(root, c - 0.01, c + 0.01, lower, upper, rng, boxes=10)


@pytest.mark.parametrize("degree", [0, 1, 2])
def test_inner_blocks_give_the_same_bounds(monkeypatch, degree):
    """A batch run in inner blocks (jax.lax.map) gives the same bounds (up to rounding), sound."""
    rng = np.random.default_rng(13)
    root = expr("log(exp(x0) + exp(x1) + exp(x2)) * sin(x0 - x2)", 3)
    c = rng.uniform(-2, 2, size=(300, 3))
    lo, hi = c - 0.03, c + 0.03
    monkeypatch.setattr(jax_backend, "_KERNELS", {})
    whole = jax_backend.bound_boxes(root, lo, hi, degree)
    monkeypatch.setattr(jax_backend, "_KERNELS", {})
    monkeypatch.setattr(jax_backend, "BLOCK_ELEMENTS", 64)  # blocks of 8 boxes
    blocked = jax_backend.bound_boxes(root, lo, hi, degree)
    assert np.allclose(whole, blocked, rtol=1e-12, atol=0)
    assert check_contains(root, lo, hi, *blocked, rng, boxes=20) > 0


def test_products_with_float_constants():
    """Products by exact float constants (2 products per interval) and by non-floats (1/3,
    an interval constant), including 0·inf, contain the arb values."""
    rng = np.random.default_rng(17)
    root = expr("0.0*exp(x0) - 0.125*exp(x0) + (1/3)*x1 + x1*(-2.5) + x0*x1", 2)
    lo = np.array([[700.0, -1.0], [-3.0, 0.5], [709.0, -1e-300], [-1.0, -2.0]])
    hi = np.array([[800.0, 1.0], [2.0, 0.75], [709.5, 1e-300], [-1.0, 3.0]])
    for degree in (0, 1, 2):
        lower, upper = jax_backend.bound_boxes(root, lo, hi, degree)
        assert lower[0] == -math.inf and math.isfinite(upper[0])  # -exp(800)/8 overflows
        assert check_contains(root, lo, hi, lower, upper, rng, per_box=4) > 0


def test_extreme_arguments():
    rng = np.random.default_rng(5)
    cases = [
        ("exp(x0)", [[709.7, 709.78], [709.78, 709.79], [-745.2, -744.0], [700.0, 800.0]]),
        ("sin(x0)", [[1e22, 1e22], [6381956970095103 * 2.0 ** 797] * 2, [1e300, 1e300],
                     [2.0 ** 60, 2.0 ** 60 + 2 ** 8]]),
        ("cos(x0)", [[1e22, 1e22], [6381956970095103 * 2.0 ** 797] * 2, [355.0, 355.0]]),
        ("x0*1e300", [[1e-310, 2e-310], [-3e-310, -1e-320], [0.0, 5e-324]]),
        ("x0*x0*1e-300", [[1e-10, 1e-9], [-1e-150, 1e-150]]),
        ("log(x0)", [[2.3e-308, 2.4e-308], [1 - 2 ** -52, 1 + 2 ** -52], [1e308, 1.7e308]]),
        ("sqrt(x0)", [[2.3e-308, 1e-300], [0.0, 1e-320]]),
        ("1/x0", [[1e-300, 1e-299], [-1e308, -1e307]]),
    ]
    for text, boxes in cases:
        root = expr(text, 1)
        lo, hi = np.array(boxes)[:, :1], np.array(boxes)[:, 1:]
        lower, upper = jax_backend.bound_boxes(root, lo, hi)
        assert check_contains(root, lo, hi, lower, upper, rng, per_box=4) > 0, text
    # sin at a huge point is still a tight bound (not [-1, 1])
    lower, upper = jax_backend.bound_boxes(expr("sin(x0)", 1), np.array([[1e22]]),
                                           np.array([[1e22]]))
    assert upper[0] - lower[0] < 1e-10


# -- affine maps (matrix products) and slopes --------------------------------------------------
def mixed_weights(rng, size):
    """Weights from 1e-320 (subnormal) to 1e300, both signs, some zero, some exactly 1."""
    w = rng.standard_normal(size) * 10.0 ** rng.integers(-300, 300, size)
    w[rng.random(size) < 0.1] = 0.0
    w[rng.random(size) < 0.1] = 1.0
    w[rng.random(size) < 0.05] = 1e-320 * rng.choice([-1, 1])
    return w


def test_affine_maps_with_mixed_magnitudes_contain_arb_values():
    """Long sums of weight·leaf (floats from subnormal to 1e300, decimals like 0.1 and 1/3 that
    are not floats, π) over many leaves: enclosures contain arb's values and are as tight as
    arb's interval evaluation of the same expression."""
    rng = np.random.default_rng(23)
    n = 6
    x = [ir.var(i) for i in range(n)]
    leaves = x + [ir.apply("exp", x[0]), ir.apply("sin", x[1]), ir.apply("relu", x[2])]
    rows = []
    for r in range(8):
        w = mixed_weights(rng, 60)
        terms = [float(wk) * leaves[k % len(leaves)] for k, wk in enumerate(w)]
        terms += [ir.const("0.1") * x[r % n], ir.const("1/3") * leaves[-1], 2 * ir.PI]
        rows.append(functools.reduce(lambda a, b: a + b, terms))
    root = functools.reduce(lambda a, b: a + ir.apply("tanh", b), rows[1:], rows[0])
    for target in (rows[0], rows[3], root):
        for kind, make in BOX_KINDS.items():
            c = rng.uniform(-2, 2, size=(64, n))
            lo, hi = make(rng, c)
            for degree in (0, 1):
                lower, upper = jax_backend.bound_boxes(target, lo, hi, degree)
                assert check_contains(target, lo, hi, lower, upper, rng, boxes=8) > 0
            if target is root:
                continue
            for b in range(0, 64, 16):  # degree 0 = interval evaluation, like arb's
                alo, ahi = arb_box(target, lo[b], hi[b])
                scale = max(abs(alo), abs(ahi))
                assert upper[b] - lower[b] <= 1.01 * (ahi - alo) + 1e-12 * scale, (kind, b)


def random_mlp(rng, sizes, activation):
    weights = [rng.standard_normal((a, b)) * 10.0 ** rng.uniform(-3, 1, (a, b))
               for a, b in zip(sizes, sizes[1:])]
    weights[0][0, 0] = 1e-320  # a subnormal weight (XLA reads it as 0)
    biases = [rng.standard_normal(b) for b in sizes[1:]]

    def f(v):
        for k, (w, b) in enumerate(zip(weights, biases)):
            v = v @ w + b
            if k < len(weights) - 1:
                v = activation(v)
        return v[0]
    return f


@pytest.mark.parametrize("activation", ["relu", "tanh", "abs"])
def test_mlps_contain_arb_values(activation):
    """jnp MLPs (layers as matrix products, relu via chord slopes) at every degree: sound, and
    the slope forms tighten the interval bound."""
    import jax
    import jax.numpy as jnp
    act = {"relu": jax.nn.relu, "tanh": jnp.tanh, "abs": jnp.abs}[activation]
    rng = np.random.default_rng(len(activation))
    f = random_mlp(rng, [5, 16, 12, 1], act)
    root = tracing.to_expression(f, 5, True)[0]
    c = rng.uniform(-1, 1, size=(200, 5))
    signs = np.sign(np.asarray(jax.vmap(jax.grad(f))(jnp.asarray(c))))
    widths = []
    for half in (1e-3, 0.05, 0.5):
        lo, hi = c - half, c + half
        for degree in (0, 1, 2):
            lower, upper = jax_backend.bound_boxes(root, lo, hi, degree)
            assert check_contains(root, lo, hi, lower, upper, rng, boxes=10, per_box=4) > 0
            for b in range(0, 200, 10):  # the corners where a linear bound is attained
                for x in (c[b] + half * signs[b], c[b] - half * signs[b]):
                    ref = arb_point(root, x)
                    assert not (ref[1] < arb(float(lower[b])) or ref[0] > arb(float(upper[b])))
            widths.append(np.median(upper - lower))
    assert widths[1] < widths[0] and widths[2] <= widths[1] * (1 + 1e-9)  # half-width 1e-3


@pytest.mark.parametrize("op", ["relu", "abs"])
def test_kink_slopes_contain_every_chord_slope(op):
    """(φ(y) - φ(yc))/(y - yc) lies in the slope interval for y in Y, yc in Yc ⊂ Y."""
    rng = np.random.default_rng(31)
    phi = {"relu": lambda v: max(v, 0), "abs": abs}[op]
    a, b = np.sort(rng.standard_normal((2, 4000)) * 10.0 ** rng.integers(-3, 3, 4000), axis=0)
    a[:200], b[:200] = 0.0, np.abs(b[:200])  # Y = [0, b] and [a, 0]
    a[200:400], b[200:400] = -np.abs(a[200:400]), 0.0
    u = rng.uniform(0, 1, (3, 4000))
    yc = a + (b - a) * u[0]
    yc_lo, yc_hi = np.maximum(a, yc - u[1] * 1e-3), np.minimum(b, yc + u[1] * 1e-3)
    yc_lo[400:500], yc_hi[400:500] = 0.0, 0.0
    s = jax_slopes._kink_slope(op, jax_kernels.IV(a, b), jax_kernels.IV(yc_lo, yc_hi))
    s_lo, s_hi = np.asarray(s.lo), np.asarray(s.hi)
    for i in range(4000):
        for y in (a[i], b[i], a[i] + (b[i] - a[i]) * u[2, i]):
            for yc_i in (yc_lo[i], yc_hi[i]):
                if y == yc_i:
                    continue
                ref = (arb(phi(y)) - arb(phi(yc_i))) / (arb(y) - arb(yc_i))
                assert not (ref < s_lo[i] or ref > s_hi[i]), (i, a[i], b[i], yc_i, y)


def test_sums_of_unrelated_terms_use_sparse_matrices():
    """Many one-leaf heads at one depth (a sparse matrix, gathered) and a leaf used by several
    rows of one group (adjoints added in rounds): sound at every degree."""
    n = 40
    x = [ir.var(i) for i in range(n)]
    inner = [ir.apply("exp", 0.5 * x[i] - 0.25) for i in range(n)]
    root = functools.reduce(lambda a, b: a + b, inner)
    root = root * ir.apply("sin", x[0]) + ir.apply("cos", x[0]) + ir.apply("atan", x[0])
    rng = np.random.default_rng(29)
    c = rng.uniform(-1, 1, size=(64, n))
    for degree in (0, 1, 2):
        lower, upper = jax_backend.bound_boxes(root, c - 0.01, c + 0.01, degree)
        assert check_contains(root, c - 0.01, c + 0.01, lower, upper, rng, boxes=6) > 0
    nodes, constants = ir.walk(root), jax_backend._Constants()
    slots = jax_backend._constant_slots(nodes, constants)
    graph = jax_affine._contract(nodes, slots, constants)
    groups = jax_backend._group_plan(graph, slots, constants)[0][0]
    assert any(op == ("affine",) and data[3] is not None for op, data, _ in groups)


def test_undefined_or_unbounded_boxes_give_the_whole_line():
    lower, upper = jax_backend.bound_boxes(expr("log(x0) + 1/x1", 2),
                                           np.array([[-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]]),
                                           np.array([[1.0, 2.0], [2.0, 1.0], [2.0, 2.0]]))
    assert list(lower[:2]) == [-math.inf] * 2 and list(upper[:2]) == [math.inf] * 2
    assert math.isfinite(lower[2]) and math.isfinite(upper[2])


@pytest.mark.parametrize("text,n", [("exp(-x0**2)*sin(3*x0)", 1),
                                    ("x0*x1 - log(1 + x0**2) + sqrt(x1) + relu(x0 - 0.5)", 2)])
def test_taylor_forms_are_sound_and_tighter(text, n):
    rng = np.random.default_rng(9)
    root = expr(text, n)
    c = rng.uniform(0.2, 2, size=(256, n))
    w = 10.0 ** rng.uniform(-3, -0.7, size=(256, 1))
    lo, hi = c - w, c + w
    widths = []
    for degree in (0, 1, 2):
        lower, upper = jax_backend.bound_boxes(root, lo, hi, degree)
        check_contains(root, lo, hi, lower, upper, rng, boxes=25)
        widths.append(np.median(upper - lower))
    assert widths[1] <= widths[0] and widths[2] <= widths[1]
    assert widths[2] < 0.9 * widths[0]


def test_bad_input_is_rejected():
    root = expr("x0 + x1", 2)
    with pytest.raises(InputError, match="NaN"):
        jax_backend.bound_boxes(root, np.array([[0.0, np.nan]]), np.array([[1.0, 1.0]]))
    with pytest.raises(InputError, match="reversed"):
        jax_backend.bound_boxes(root, np.array([[2.0, 0.0]]), np.array([[1.0, 1.0]]))
    with pytest.raises(InputError, match="degree"):
        jax_backend.bound_boxes(root, np.zeros((1, 2)), np.ones((1, 2)), degree=3)
    with pytest.raises(InputError, match="2 variables"):
        jax_backend.bound_boxes(root, np.zeros((1, 1)), np.ones((1, 1)))


def test_quadratic_min_is_a_sharp_lower_bound():
    """min over s in [tl, th], γ in [gl, gh], α >= a of γ·s + ½·α·s², computed exactly with
    Fractions at the ends and the vertex, is >= quadratic_min and close to it."""
    from fractions import Fraction as Q
    rng = np.random.default_rng(41)
    m = 3000
    scale = 10.0 ** rng.integers(-3, 4, (4, m))
    gl = rng.standard_normal(m) * scale[0]
    gh = gl + np.abs(rng.standard_normal(m)) * scale[1] * (rng.random(m) < 0.7)
    a = rng.standard_normal(m) * scale[2]
    a[:300] = 0.0
    a[300:600] = 1e-300
    tl = -np.abs(rng.standard_normal(m)) * scale[3]
    th = np.abs(rng.standard_normal(m)) * scale[3]
    tl[600:700] = 0.0
    got = np.asarray(jax_kernels.quadratic_min(jax_kernels.IV(gl, gh), a, jax_kernels.IV(tl, th)))
    for i in range(m):
        A = Q(a[i])

        def q(s, g):
            return g * s + A * s * s / 2
        candidates = [q(Q(tl[i]), Q(gh[i])), q(Q(th[i]), Q(gl[i])), Q(0)]
        for g in (Q(gl[i]), Q(gh[i])):
            if A > 0 and Q(tl[i]) <= -g / A <= Q(th[i]):
                candidates.append(-g * g / (2 * A))
        exact = min(candidates)
        assert Q(got[i]) <= exact, i
        assert float(exact) - got[i] <= 1e-12 * (abs(float(exact)) + 1e-300) + 1e-300 or \
            not np.isfinite(got[i]) and A == 0 == exact, (i, got[i], float(exact))


def test_degree_2_is_nearly_exact_at_a_minimum():
    """Near the minimiser of a separable quartic (Styblinski-Tang) the degree-2 lower bound
    is within about the box width squared of the true minimum (an interval sum of the
    second-order form is off by about |∇f(c)|·width)."""
    n, xm = 5, -2.903534027771178
    root = expr(" + ".join(f"(x{i}**4 - 16*x{i}**2 + 5*x{i})/2" for i in range(n)), n)
    lo, hi = np.full((2, n), xm - 1e-3), np.full((2, n), xm + 1e-3)
    hi[1] += 0.1
    lower, _ = jax_backend.bound_boxes(root, lo, hi, 2)
    true_min = n * -39.16616570377142
    assert lower[0] <= true_min and true_min - lower[0] < 1e-6
    assert lower[1] <= true_min and true_min - lower[1] < n * 0.1 ** 2


def test_batches_split_over_threads_give_the_same_bounds(monkeypatch):
    pool = jax_backend._pool
    root = expr("relu(x0 - x1) * exp(x1) + sin(3*x0)", 2)
    rng = np.random.default_rng(43)
    c = rng.uniform(-1, 1, size=(3000, 2))
    monkeypatch.setattr(jax_backend, "THREADS", 1)
    one = jax_backend.bound_boxes(root, c - 0.01, c + 0.01, 1)
    monkeypatch.setattr(jax_backend, "THREADS", 3)
    monkeypatch.setattr(jax_backend, "MIN_PART_PER_THREAD", 256)
    calls = []
    monkeypatch.setattr(jax_backend, "_pool", lambda: calls.append(1) or pool())
    split = jax_backend.bound_boxes(root, c - 0.01, c + 0.01, 1)
    assert calls  # the batch was split
    # parts of 1000 boxes padded to 1024: a different shape, so last bits may differ
    for a, b in zip(one, split):
        assert np.allclose(a, b, rtol=1e-12, atol=0)
    check_contains(root, c - 0.01, c + 0.01, *split, rng, boxes=20)


def test_relu_slope_times_infinite_adjoint_stays_sound():
    """exp(x1) overflows to +inf on x1 in [800, 801], relu(x0 - 2) is 0 on x0 in [0, 1]: the
    adjoint of the relu is infinite and its slope 0, so the slope form is NaN and dropped;
    the bound (interval evaluation, 0·inf = 0 there) still contains f = 0."""
    root = expr("exp(x1) * relu(x0 - 2) + x0", 2)
    lo, hi = np.array([[0.0, 800.0]]), np.array([[1.0, 801.0]])
    lower, upper = jax_backend.bound_boxes(root, lo, hi, 1)
    assert -1e-300 <= lower[0] <= 0.0 and 1.0 <= upper[0] <= 1.0 + 1e-12


def test_up_pos_bounds_the_rounded_value_from_above():
    """up_pos(x) ≥ max(x, 0) and ≥ x·(1 + 2^-53) (the largest exact value rounded to nearest
    into x ≥ 0), under XLA (flushed subnormals, possible FMA), from tiny to DBL_MAX."""
    from fractions import Fraction

    import jax
    rng = np.random.default_rng(47)
    x = np.concatenate([rng.random(4000) * 10.0 ** rng.integers(-320, 308, 4000),
                        -rng.random(50), [0.0, 5e-324, 2.0 ** -1022, np.finfo(float).max]])
    y = np.asarray(jax.jit(jax_kernels.up_pos)(x))
    for v, w in zip(x, y):
        assert w >= 0 and (w == np.inf or
                           Fraction(w) >= Fraction(v) * (1 + Fraction(1, 2 ** 53))), v
