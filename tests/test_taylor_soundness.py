"""Soundness of `taylor_bounds`: f(x), computed independently with mpmath at 60 digits, lies in
[lower(x), upper(x)] and in bounds() for points x of the region.

Random expressions (tests/strategies.py) are defined on the whole space, so a DomainError is
acceptable only for a wide region (interval overestimation); outcomes are counted and printed at
the end of the run.
"""
import math

import mpmath
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import verinum
from verinum import DomainError, InputError, ir, taylor_bounds
from strategies import boxes, count, examples, expressions, mlp, mp_eval, mp_eval_text, within

WIDE = 1.0  # a region wider than this may legitimately overestimate into a DomainError

def check_enclosure(f, x0, region, degree, points, reference=None, vector=None):
    """Assert f's enclosure contains f at `points` (reference: IR or a function of the point).
    region: a list of (lo, hi); 1-D calls use the scalar form unless `vector`."""
    vector = len(region) > 1 if vector is None else vector
    enc = taylor_bounds(f, x0 if vector else x0[0], region if vector else region[0], degree)
    whole = enc.bounds()
    for p in points:
        try:
            if callable(reference):
                y = reference(p)
            elif isinstance(reference if reference is not None else f, str):
                y = mp_eval_text(reference or f, p)
            else:
                y = mp_eval(reference if reference is not None else f, p)
        except OverflowError:  # mpmath cannot evaluate e.g. tanh(exp(exp(50))): no reference
            count("reference overflow (point skipped)")
            continue
        arg = p if vector else p[0]
        lo, hi = enc.lower(arg), enc.upper(arg)
        assert lo <= hi
        assert within(y, lo, hi), f"f{tuple(p)} = {mpmath.nstr(y, 20)} not in [{lo!r}, {hi!r}]"
        assert within(y, whole.lo, whole.hi), \
            f"f{tuple(p)} = {mpmath.nstr(y, 20)} not in bounds() = {whole}"
    return enc


def run_case(root, region, x0, points, degree, tag):
    try:
        enc = check_enclosure(root, x0, region, degree, points, vector=len(region) > 1)
    except DomainError:
        width = max(hi - lo for lo, hi in region)
        count(f"{tag}: DomainError (region width {'> 1' if width > WIDE else '<= 1'})")
        assert width > WIDE, (f"DomainError on a narrow region for a function defined "
                              f"everywhere: {ir.to_infix(root)} on {region}")
        return
    finite = all(c.is_finite() for row in _flat(enc.coefficients) for c in row)
    count(f"{tag}: ok" if finite else f"{tag}: ok, some coefficient infinite")


def _flat(coefficients):
    for c in coefficients:
        yield list(c.values()) if isinstance(c, dict) else [c]


@given(expressions(1), boxes(1), st.integers(0, 5))
@settings(max_examples=examples(150))
def test_random_1d(root, box, degree):
    region, x0, points = box
    run_case(root, region, x0, points, degree, "1-D")


@given(expressions(2), boxes(2), st.integers(0, 3))
@settings(max_examples=examples(60))
def test_random_2d(root, box, degree):
    region, x0, points = box
    run_case(root, region, x0, points, degree, "2-D")


@given(expressions(3, max_depth=2), boxes(3), st.integers(0, 3))
@settings(max_examples=examples(40))
def test_random_3d(root, box, degree):
    region, x0, points = box
    run_case(root, region, x0, points, degree, "3-D")


def _grid(lo, hi, n=9):
    return [lo + (hi - lo) * i / (n - 1) for i in range(n)] + [hi]


# -- AutoBound's failure cases and named functions ---------------------------------------------
@pytest.mark.parametrize("degree", range(6))
def test_cancellation_near_zero(degree):
    # (1+x)^2 − 1 − 2x = x^2: AutoBound's float evaluation loses it near x0 = 1e-4.
    f = "(1+x)**2 - 1 - 2*x"
    points = [[x] for x in _grid(0.0, 2e-4)] + [[1e-4]]
    check_enclosure(f, [1e-4], [(0.0, 2e-4)], degree, points,
                    reference=lambda p: mpmath.mpf(p[0]) ** 2)


@pytest.mark.parametrize("degree", range(6))
def test_exp_near_overflow(degree):
    enc = check_enclosure("exp(x)", [700], [(690, 710)], degree,
                          [[x] for x in _grid(690.0, 710.0)],
                          reference=lambda p: mpmath.exp(mpmath.mpf(p[0])))
    assert enc.bounds().lo > 1e299  # e^690 = 1.46e299
    assert enc.upper(710) == math.inf  # e^710 = 2.2e308 > DBL_MAX
    if degree >= 1:
        assert math.isfinite(enc.lower(700)) and enc.lower(700) > 1e303  # e^700 = 1.01e304


@pytest.mark.parametrize("degree", range(6))
@pytest.mark.parametrize("x0", [-1, 0.5, 2])
def test_log_one_plus_square_is_finite(degree, x0):
    enc = check_enclosure("log(1+x**2)", [x0], [(-1, 2)], degree,
                          [[x] for x in _grid(-1.0, 2.0, 31)])
    assert all(math.isfinite(c.lo) and math.isfinite(c.hi) for c in enc.coefficients)
    bounds = enc.bounds()
    assert bounds.lo > -1 and bounds.hi < 3  # the true range is [0, log 5 = 1.609]


@pytest.mark.parametrize("name", ["sin", "cos", "tanh", "relu", "sigmoid", "softplus", "swish",
                                  "erf", "atan", "abs", "sinh", "cosh", "expm1"])
@pytest.mark.parametrize("region", [(-1, 1), (-10, 3), (-3, -1), (0, 1e-9), (2, 2), (-400, 400)])
@pytest.mark.parametrize("degree", [0, 1, 2, 5])
def test_named_functions(name, region, degree):
    lo, hi = region
    for x0 in (lo, hi, (lo + hi) / 2):
        check_enclosure(f"{name}(x)", [x0], [region], degree,
                        [[x] for x in _grid(float(lo), float(hi), 13)],
                        reference=None if name != "abs" else (lambda p: abs(mpmath.mpf(p[0]))))


@pytest.mark.parametrize("degree", [0, 1, 2, 3])
def test_max_and_min_2d(degree):
    region = [(-1, 2), (-3, 1)]
    pts = [[a, b] for a in _grid(-1.0, 2.0, 5) for b in _grid(-3.0, 1.0, 5)]
    for f in ("max(x0, x1)", "min(x0**2, x1)", "max(sin(x0), cos(x1)) * x0",
              "relu(x0 - x1) + relu(x1)"):
        check_enclosure(f, [0.5, -1], region, degree, pts)


@pytest.mark.parametrize("degree", range(6))
def test_callables_1d(degree):
    f = lambda x: verinum.exp(-x ** 2) * verinum.sin(3 * x) + verinum.max(x, 0.1) / (2 + x)
    root = ir.apply("exp", -ir.var(0) ** 2) * ir.apply("sin", 3 * ir.var(0)) \
        + ir.apply("max", ir.var(0), ir.const(0.1)) / (2 + ir.var(0))
    check_enclosure(f, [0.3], [(-1, 1.5)], degree, [[x] for x in _grid(-1.0, 1.5, 11)],
                    reference=root)


@pytest.mark.parametrize("degree", range(4))
def test_callables_3d_with_vector_argument(degree):
    f = lambda x: verinum.log1p(x[0] ** 2 + verinum.exp(x[1])) * verinum.tanh(x[2] - x[0])
    root = ir.apply("log1p", ir.var(0) ** 2 + ir.apply("exp", ir.var(1))) * \
        ir.apply("tanh", ir.var(2) - ir.var(0))
    region = [(-1, 1), (0, 2), ("0.1", "0.3")]
    pts = [[a, b, c] for a in (-1, 0, 1) for b in (0, 1.5, 2) for c in (0.1, 0.2, 0.3)]
    check_enclosure(f, [0, 1, "0.2"], region, degree, pts, reference=root)


def test_exact_decimal_region():
    # "0.1" is exactly 1/10: the enclosure must hold at 1/10, which no float equals.
    from fractions import Fraction
    enc = taylor_bounds("1/(x - 0.1 + 1)", "0.1", ("0.1", "0.2"), 3)
    assert enc.lower(Fraction(1, 10)) <= 1 <= enc.upper(Fraction(1, 10))
    with pytest.raises(InputError):
        enc.lower(0.1 - 1e-17 if 0.1 < Fraction(1, 10) else 0.09999999999999999)


def test_tiny_region_far_from_zero():
    # width 1e-12 around 1e3: coefficients must stay sound despite cancellation in x − x0.
    lo, hi = 1000.0, 1000.0 + 2 ** -30
    pts = [[x] for x in _grid(lo, hi)]
    for f in ("exp(x/100)*sin(x)", "sqrt(x) - 31.6", "log(x)**3"):
        for degree in range(6):
            check_enclosure(f, [lo], [(lo, hi)], degree, pts)


@pytest.mark.parametrize("x0", [0, 0.25, 0.5])
@pytest.mark.parametrize("degree", range(4))
def test_sqrt_at_domain_edge(x0, degree):
    # sqrt reaches its domain boundary 0: sound (possibly loose) or DomainError, never wrong.
    pts = [[x] for x in _grid(0.0, 0.5, 11)]
    for f in ("exp(sqrt(x))", "sqrt(x)", "sin(sqrt(x)) + x", "x**1.5"):
        check_enclosure(f, [x0], [(0, 0.5)], degree, pts)


@pytest.mark.parametrize("degree", [0, 1, 2])
def test_mlp_and_logsumexp_10d(degree):
    import random
    rnd = random.Random(degree)
    region = [(-1.0, 1.0)] * 10
    x0 = [0.1 * i - 0.45 for i in range(10)]
    pts = [[rnd.choice([-1.0, 1.0, rnd.uniform(-1, 1)]) for _ in range(10)] for _ in range(12)]
    lse = ir.apply("log", sum((ir.apply("exp", ir.var(i)) for i in range(10)), ir.const(0)))
    for root in (mlp(), lse):
        check_enclosure(root, x0, region, degree, pts + [x0])


@pytest.mark.parametrize("degree", [0, 1, 2, 3])
def test_relu_on_a_negative_region(degree):
    # relu is 0 on [-2, -0.5]: every enclosure must contain 0 there.
    for f in ("relu(x)", "relu(x - 2) + x"):
        check_enclosure(f, [-1], [(-2, -0.5)], degree, [[x] for x in _grid(-2.0, -0.5)])


@pytest.mark.parametrize("x0", ["0.1", "1/3", 0.1])
@pytest.mark.parametrize("f", ["exp(x)", "exp(x + 0.1)", "exp(tanh(x))", "log(2 + sin(pi)) + x",
                               "sin(pi * x)"])
def test_non_dyadic_numbers_give_finite_enclosures(f, x0):
    # x0 = 1/10 or the constant 1/10 is not a float: its arb ball has a radius, which must not
    # turn the enclosure into (-inf, inf) (python-flint: arb("0 +/- 1e-40")**2 is nan).
    enc = check_enclosure(f, [x0], [(0, 1)], 2, [[x] for x in _grid(0.0, 1.0)] + [[x0]])
    assert all(math.isfinite(c.lo) and math.isfinite(c.hi) for c in enc.coefficients), enc
    assert math.isfinite(enc.lower(x0)) and math.isfinite(enc.upper(x0))


# -- the rules' interval top coefficient: R_k's range over the region ----------------------------
MP_FUNCTIONS = {
    "sin": mpmath.sin, "cos": mpmath.cos, "tan": mpmath.tan, "atan": mpmath.atan,
    "sinh": mpmath.sinh, "cosh": mpmath.cosh, "tanh": mpmath.tanh, "erf": mpmath.erf,
    "sigmoid": lambda y: 1 / (1 + mpmath.exp(-y)), "softplus": lambda y: mpmath.log1p(mpmath.exp(y)),
    "swish": lambda y: y / (1 + mpmath.exp(-y)), "exp": mpmath.exp}


def mp_remainder(f, y0, k):
    """R_k(y) = (f(y) − T_{k−1}(y)) / (y − y0)^k, T from mpmath derivatives at y0; R_k(y0) = a_k."""
    y0 = mpmath.mpf(y0)
    a = [mpmath.diff(f, y0, i) / mpmath.factorial(i) for i in range(k + 1)]

    def remainder(y):
        d = mpmath.mpf(y) - y0
        return a[k] if d == 0 else (f(y0 + d) - sum(a[i] * d ** i for i in range(k))) / d ** k
    return remainder


def mp_extremes(g, lo, hi, n=60):
    """Points of [lo, hi] where g is smallest and largest: the best of n + 1 samples, refined by
    golden-section search in the neighbouring cells."""
    lo, hi = mpmath.mpf(lo), mpmath.mpf(hi)
    xs = [lo + (hi - lo) * i / n for i in range(n + 1)]
    values = [g(x) for x in xs]
    out = []
    for sign in (1, -1):
        i = max(range(n + 1), key=lambda j: sign * values[j])
        a, b = xs[max(i - 1, 0)], xs[min(i + 1, n)]
        for _ in range(40):
            c, d = a + (b - a) * 0.382, a + (b - a) * 0.618
            a, b = (a, d) if sign * g(c) > sign * g(d) else (c, b)
        out.append((a + b) / 2)
    return out


def arb_ends(x):
    """The ends of arb ball x as exact mpmath numbers."""
    return [mpmath.ldexp(*map(int, e.mid().man_exp())) for e in (x.lower(), x.upper())]


def rule_top(name, x0, lo, hi, degree):
    """The degree-`degree` (interval) coefficient of the rule's enclosure, as exact ends."""
    from flint import arb
    from verinum import rounding
    from verinum.rules import unary_rule
    with rounding.precision():
        coeffs = unary_rule(name).enclosure(arb(x0), arb(lo), arb(hi), degree)
    assert all(c.is_finite() for c in coeffs)
    return arb_ends(coeffs[degree])


RULE_REGIONS = [  # (x0, lo, hi): dyadic, so exact as floats
    (0, -1, 1), (-1, -1, 1), (1, -1, 1), (4.5, 2, 7), (-30, -40, -20), (-1.5, -6, 4),
    (0.5, 0.5, 0.5 + 2 ** -30), (3 + 2 ** -41, 3, 3 + 2 ** -40), (0.25, 0.25, 0.25)]


@pytest.mark.parametrize("name", sorted(MP_FUNCTIONS))
@pytest.mark.parametrize("x0, lo, hi", RULE_REGIONS)
@pytest.mark.parametrize("degree", [1, 2, 3, 4])
def test_rule_top_coefficient_contains_the_remainder(name, x0, lo, hi, degree):
    # φ(y) ∈ Σ_{i<k} a_i (y − x0)^i + A_k (y − x0)^k with A_k ⊇ R_k([lo, hi]): R_k at the ends,
    # x0, a grid and its numerical extremes must lie in A_k (extremes: where a sharp A_k touches).
    if name == "tan" and max(abs(lo), abs(hi)) > 1.5:  # keep away from the poles ±π/2
        x0, lo, hi = x0 / 32, lo / 32, hi / 32
    top = rule_top(name, x0, lo, hi, degree)
    with mpmath.workdps(120):
        g = mp_remainder(MP_FUNCTIONS[name], x0, degree)
        points = [lo, hi, x0] + (mp_extremes(g, lo, hi, 20) if hi > lo else [])
        for y in points:
            assert within(g(y), *top), f"R({mpmath.nstr(y, 12)}) = {mpmath.nstr(g(y), 20)} " \
                                       f"not in [{mpmath.nstr(top[0], 20)}, {mpmath.nstr(top[1], 20)}]"
