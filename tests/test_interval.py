"""Interval: outward-rounded float intervals; verinum.exp & co. on numbers and Intervals."""
import math
from fractions import Fraction

import mpmath
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import verinum
from verinum import DomainError, InputError, Interval

finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


@st.composite
def interval_and_point(draw):
    a, b = sorted((draw(finite), draw(finite)))
    t = draw(st.fractions(0, 1, max_denominator=1000))
    return Interval(a, b), Fraction(a) + t * (Fraction(b) - Fraction(a))


def contains(iv, q):
    return (iv.lo == -math.inf or Fraction(iv.lo) <= q) and (iv.hi == math.inf or q <= Fraction(iv.hi))


def test_construction_is_exact_and_outward():
    tenth = Interval("0.1")
    assert contains(tenth, Fraction(1, 10)) and math.nextafter(tenth.lo, 1) == tenth.hi
    assert Interval(0.1) == Interval._raw(0.1, 0.1)  # a float is its own exact value
    third = Interval("1/3", "2/3")
    assert Fraction(third.lo) < Fraction(1, 3) and Fraction(third.hi) > Fraction(2, 3)
    assert Interval(Interval(1, 2)) == Interval(1, 2)
    assert Interval(2) == Interval(2, 2)


@pytest.mark.parametrize("lo, hi", [(2, 1), ("0.2", "0.1"), (math.nan, 1), (0, math.inf),
                                    ("x", 1), (None, 1)])
def test_construction_rejects(lo, hi):
    with pytest.raises(InputError):
        Interval(lo, hi)


@given(interval_and_point(), interval_and_point())
def test_arithmetic_encloses_exact_results(ap, bp):
    (a, x), (b, y) = ap, bp
    assert contains(a + b, x + y) and contains(a - b, x - y) and contains(a * b, x * y)
    assert contains(-a, -x) and contains(abs(a), abs(x))
    assert contains(a + 1, x + 1) and contains(2 - a, 2 - x) and contains(3 * a, 3 * x)
    if b.lo > 0 or b.hi < 0:
        assert contains(a / b, x / y) and contains(1 / b, 1 / y)
    else:
        with pytest.raises(DomainError, match="division"):
            a / b


def test_results_are_rounded_outward_not_to_nearest():
    s = Interval("0.1") + Interval("0.2")
    assert contains(s, Fraction(3, 10)) and s.lo < s.hi
    third = Interval(1) / Interval(3)
    assert contains(third, Fraction(1, 3)) and third.lo < third.hi
    assert Interval(1e308) * Interval(10) == Interval._raw(1.7976931348623157e308, math.inf)


@given(interval_and_point())
def test_queries(ap):
    a, x = ap
    assert x in a and a in a and a.contains(float(a.lo))
    assert Fraction(a.width) >= Fraction(a.hi) - Fraction(a.lo)
    assert a.lo <= a.mid <= a.hi
    assert a.hull(Interval(a.hi + 1)).hi >= a.hi + 1
    assert a.intersection(a) == a
    lo, hi = a
    assert (lo, hi) == (a.lo, a.hi)


def test_intersection_and_hull():
    assert Interval(0, 2).intersection(Interval(1, 3)) == Interval(1, 2)
    with pytest.raises(DomainError, match="empty"):
        Interval(0, 1).intersection(Interval(2, 3))
    assert Interval(0, 1).hull(Interval(2, 3)) == Interval(0, 3)


def test_unbounded_intervals():
    whole = Interval._raw(-math.inf, math.inf)
    assert not whole.is_finite() and whole.width == math.inf and whole.mid == 0.0
    assert 1e300 in whole
    assert Interval.from_arb(verinum.rounding.to_arb(Fraction(1)) * math.inf) == whole
    assert (whole + 1) == whole


@pytest.mark.parametrize("name, arg, ref", [
    ("exp", "0.1", lambda: mpmath.exp(mpmath.mpf(1) / 10)),
    ("log", 2, lambda: mpmath.log(2)),
    ("sqrt", 2, lambda: mpmath.sqrt(2)),
    ("sin", 3, lambda: mpmath.sin(3)),
    ("atan", "1/3", lambda: mpmath.atan(mpmath.mpf(1) / 3)),
    ("atan", 0, lambda: mpmath.mpf(0)),
    ("tan", 0, lambda: mpmath.mpf(0)),
    ("tanh", -2, lambda: mpmath.tanh(-2)),
    ("erf", 0.5, lambda: mpmath.erf(0.5)),
    ("sigmoid", 0, lambda: mpmath.mpf(0.5)),
    ("swish", 0, lambda: mpmath.mpf(0)),
    ("softplus", -800, lambda: mpmath.log1p(mpmath.exp(-800))),
    ("expm1", "1e-20", lambda: mpmath.expm1(mpmath.mpf("1e-20"))),
    ("log1p", "1e-20", lambda: mpmath.log1p(mpmath.mpf("1e-20"))),
    ("relu", -1, lambda: mpmath.mpf(0)),
])
def test_functions_on_numbers(name, arg, ref):
    mpmath.mp.dps = 40
    iv = getattr(verinum, name)(arg)
    y = ref()
    assert iv.lo <= y <= iv.hi
    assert iv.hi - iv.lo <= 4e-16 * abs(y) + 1e-300


def test_functions_on_intervals():
    iv = verinum.exp(Interval(0, 1))
    assert iv.lo <= 1 and iv.hi >= math.e and iv.hi - math.e < 1e-15
    assert verinum.sin(Interval(0, 4)).hi >= 1  # the maximum at pi/2 is inside
    assert verinum.max(Interval(0, 1), 2, Interval(-5, 3)) == Interval(2, 3)
    assert verinum.min(1, 2) == Interval(1, 1)
    assert verinum.abs(Interval(-2, 1)) == Interval(0, 2)
    root = verinum.pow(Interval(1, 4), "0.5")
    assert root.lo <= 1 and root.hi >= 2 and root.width < 2 + 1e-14
    assert verinum.pow(-2, 3) == Interval(-8, -8)


@pytest.mark.parametrize("call, op", [
    (lambda: verinum.log(0), "log"),
    (lambda: verinum.log(Interval(-1, 1)), "log"),
    (lambda: verinum.sqrt(Interval(-1, 1)), "sqrt"),
    (lambda: verinum.pow(Interval(-1, 1), "0.5"), "pow"),
    (lambda: verinum.pow(-2, "1.5"), "pow"),
    (lambda: verinum.tan(Interval(1, 2)), "tan"),
])
def test_functions_domain_errors(call, op):
    with pytest.raises(DomainError, match=op if op != "pow" else "pow|sqrt"):
        call()


def test_min_max_need_two_arguments():
    with pytest.raises(TypeError):
        verinum.max(1)
