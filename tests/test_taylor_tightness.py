"""Tightness of `taylor_bounds`: the sharp AutoBound enclosures are reproduced, and verinum is
at least as tight as AutoBound where both apply.

AutoBound reference values come from benchmarks/taylor.py (AutoBound 0.1, float64: its jax front
end through the shim of benchmarks/bounding.py, softplus and swish through its enclosure
arithmetic, which applies the same rules). The values for exp and exp(sqrt(x)) match the
AutoBound paper.
"""
import mpmath
import pytest

from verinum import taylor_bounds

mpmath.mp.dps = 40


def test_exp_remainder_is_sharp():
    # exp at x0 = 0.5 over [0, 2], degree 2: R(y) = (e^y − e^0.5 − e^0.5 (y − 0.5)) / (y − 0.5)^2
    # is increasing, so the sharp interval is [R(0), R(2)] (Streeter & Dillon, Thm. 3.2).
    e05 = mpmath.exp(mpmath.mpf("0.5"))
    r0 = (1 - e05 + mpmath.mpf("0.5") * e05) / mpmath.mpf("0.25")
    r2 = (mpmath.exp(2) - e05 - mpmath.mpf("1.5") * e05) / mpmath.mpf("2.25")
    enc = taylor_bounds("exp(x)", 0.5, (0, 2), 2)
    c0, c1, top = enc.coefficients
    assert c0.lo <= e05 <= c0.hi and c1.lo <= e05 <= c1.hi
    assert c0.width < 1e-15 and c1.width < 1e-15  # thin: rounding error only
    assert top.lo <= r0 and r2 <= top.hi  # sound
    assert abs(top.lo - r0) <= 1e-8 * r0 and abs(top.hi - r2) <= 1e-8 * r2  # sharp
    assert float(r0) == pytest.approx(0.702557459, abs=1e-9)
    assert float(r2) == pytest.approx(1.45211241, abs=1e-8)


@pytest.mark.parametrize("x0", [0, 0.3, 1, 2])
@pytest.mark.parametrize("degree", [1, 3, 5])
def test_exp_is_sharp_at_every_degree(x0, degree):
    # exp^(k) is increasing, so R_k is too: [R_k(0), R_k(2)] for any x0 in [0, 2].
    def remainder(y):
        y, c = mpmath.mpf(y), mpmath.mpf(x0)
        if y == c:
            return mpmath.exp(c) / mpmath.factorial(degree)
        poly = sum(mpmath.exp(c) * (y - c) ** i / mpmath.factorial(i) for i in range(degree))
        return (mpmath.exp(y) - poly) / (y - c) ** degree
    top = taylor_bounds("exp(x)", x0, (0, 2), degree).remainder
    lo, hi = remainder(0), remainder(2)
    assert top.lo <= lo and hi <= top.hi
    # coefficients are arb balls whose radius has a 30-bit mantissa: allow 1e-7 relative
    assert top.lo >= lo - 1e-7 * abs(lo) and top.hi <= hi + 1e-7 * abs(hi)


# (expression, x0, region, AutoBound's degree-2 interval coefficient)
AUTOBOUND_DEGREE_2 = [
    ("exp(x)", 0.5, (0, 2), (0.70255746, 1.45211241)),
    ("exp(sqrt(x))", 0.25, (0, 0.5), (-7.49245993, 2.45879601)),  # sharp: about [-3.785, -0.525]
    ("exp(-x**2)", 0.5, (0, 1), (-0.77880078, 0.2636174)),
    ("sigmoid(x)", 0.0, (-1, 1), (-0.01894142, 0.01894142)),
    ("softplus(x)", 0.0, (-1, 1), (0.12011451, 0.125)),
    ("swish(x)", 0.0, (-1, 1), (0.15118306, 0.25)),  # sharp: [R(1), R(0)] = [0.23105858, 0.25]
    ("tanh(x)", 0.0, (-1, 1), (-0.38490018, 0.38490018)),  # AutoBound: 2·sigmoid(2x) − 1
]


@pytest.mark.parametrize("f, x0, region, autobound", AUTOBOUND_DEGREE_2,
                         ids=[case[0] for case in AUTOBOUND_DEGREE_2])
def test_at_least_as_tight_as_autobound(f, x0, region, autobound):
    top = taylor_bounds(f, x0, region, 2).remainder
    slack = 1e-7  # AutoBound's values are printed to 8 digits
    assert top.lo >= autobound[0] - slack, f"lower end {top.lo} looser than AutoBound's"
    assert top.hi <= autobound[1] + slack, f"upper end {top.hi} looser than AutoBound's"


def test_log_one_plus_square_where_autobound_gives_nan():
    # AutoBound returns NaN here (log's remainder at the trust-region end); the true degree-2
    # coefficient R(y) = (log(1+y²) − log 1.25 − 0.8 (y − 0.5)) / (y − 0.5)² ranges over
    # about [-1.16, 0.8] on [-1, 2].
    top = taylor_bounds("log(1+x**2)", 0.5, (-1, 2), 2).remainder
    assert -2 < top.lo <= -1.16 and 0.8 <= top.hi < 1.5


def test_cancellation_is_exact():
    # (1+x)^2 − 1 − 2x = x^2 exactly: the degree-2 coefficient is 1 and lower ones vanish.
    c0, c1, c2 = taylor_bounds("(1+x)**2 - 1 - 2*x", 1e-4, (0, 2e-4), 2).coefficients
    assert c2.lo <= 1 <= c2.hi and c2.width < 1e-12
    assert c0.lo <= 1e-8 <= c0.hi and c0.width < 1e-20
    assert c1.lo <= 2e-4 <= c1.hi and c1.width < 1e-16


def test_bounds_are_tight_for_monotone_functions():
    for f, region, true in [("exp(x)", (0, 2), (1, mpmath.exp(2))),
                            ("log(1+x**2)", (-1, 2), (0, mpmath.log(5))),
                            ("atan(x)", (-3, 3), (-mpmath.atan(3), mpmath.atan(3)))]:
        b = taylor_bounds(f, (region[0] + region[1]) / 2, region, 2).bounds()
        assert b.lo <= true[0] and true[1] <= b.hi
        assert float(true[0]) - b.lo < 1e-12 and b.hi - float(true[1]) < 1e-12


def test_degree_zero_exp_near_overflow_stays_positive():
    # The range of exp over [690, 710] is [e^690, e^710]; a ball with a 30-bit radius loses the
    # lower end (it reaches −1.4e298), a range keeps it.
    (c0,) = taylor_bounds("exp(x)", 700, (690, 710), 0).coefficients
    assert c0.lo > 0


def test_tanh_degree_one_within_lagrange_bound():
    # tanh'(ξ) ∈ [tanh'(0.5), 1] = [0.7864, 1] for ξ in [−0.5, 0.5]: the degree-1 coefficient
    # needs no more than that (the mean value theorem).
    top = taylor_bounds("tanh(x)", -0.5, (-0.5, 0.5), 1).remainder
    assert top.lo >= 0.78 and top.hi <= 1.0 + 1e-9


def test_mlp_degree_2_as_tight_as_autobound():
    # AutoBound's degree-2 coefficients for the benchmark's 10-8-1 MLP (x0 = (-0.45, ..., 0.45),
    # box [-1, 1]^10) have widths up to 0.614 (verinum: 0.371, from tanh's sharp remainder).
    from strategies import mlp
    enc = taylor_bounds(mlp(), [0.1 * i - 0.45 for i in range(10)], [(-1, 1)] * 10, 2)
    assert max(c.width for c in enc.remainder.values()) <= 0.6143
    assert enc.bounds().width <= 0.8  # sigmoid's output range is at most (0, 1)


# (rule, x0, lo, hi, degree): the top coefficient is the exact range of R_k (Taylor remainder
# quotient) up to rounding, also where no derivative of the rule is monotone on the region.
SHARP_CASES = [
    ("softplus", 0, -1, 1, 2), ("swish", 0, -1, 1, 2), ("tanh", 0, -1, 1, 2),
    ("sigmoid", 1, -1, 1, 4), ("swish", -1, -1, 1, 1), ("tanh", 0.5, -2.5, 3.5, 2),
    ("sigmoid", 3, -5, 20, 2), ("erf", 0, -2, 2, 3), ("atan", 0.5, -3, 4, 2),
    ("sin", 0, -5, 5, 2), ("cos", 0.25, -10, 10, 3), ("tan", 0.25, -1, 1.25, 3),
    ("cosh", 0, -2, 3, 2)]


@pytest.mark.parametrize("name, x0, lo, hi, degree", SHARP_CASES)
def test_rule_top_coefficient_is_sharp(name, x0, lo, hi, degree):
    from test_taylor_soundness import MP_FUNCTIONS, mp_extremes, mp_remainder, rule_top
    top = rule_top(name, x0, lo, hi, degree)
    g = mp_remainder(MP_FUNCTIONS[name], x0, degree)
    high, low = (g(y) for y in mp_extremes(g, lo, hi, 200))
    assert top[0] <= low and high <= top[1]
    assert low - top[0] < 1e-8 and top[1] - high < 1e-8, (top, low, high)


@pytest.mark.parametrize("name", ["sin", "cos"])
@pytest.mark.parametrize("degree", [1, 2, 3, 4])
def test_sin_cos_over_many_periods_within_lagrange(name, degree):
    # R_k is a mean of φ^(k)/k! ∈ [−1, 1]/k!, so even over [−100, 100] the top coefficient needs
    # no more than that (and R_k's true range is narrower).
    from test_taylor_soundness import rule_top
    top = rule_top(name, 0.5, -100, 100, degree)
    bound = mpmath.mpf(1) / mpmath.factorial(degree)
    assert -bound * (1 + 1e-8) <= top[0] and top[1] <= bound * (1 + 1e-8)

