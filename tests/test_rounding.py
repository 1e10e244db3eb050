"""rounding.py: exact parsing, directed rounding of Fractions and arb balls, arb conversions."""
import math
from fractions import Fraction

import numpy as np
import pytest
from flint import arb, ctx, fmpq, fmpz
from hypothesis import given
from hypothesis import strategies as st

from verinum import InputError, rounding

DBL_MAX = 1.7976931348623157e308
TINY = 5e-324

fractions = st.one_of(
    st.fractions(max_denominator=10 ** 30),
    st.builds(lambda m, e: Fraction(m) * Fraction(2) ** e, st.integers(-2 ** 60, 2 ** 60),
              st.integers(-1200, 1200)),
    st.floats(allow_nan=False, allow_infinity=False).map(Fraction))


@pytest.mark.parametrize("value, exact", [
    (3, Fraction(3)), ("0.1", Fraction(1, 10)), ("1/3", Fraction(1, 3)), (" -2.5e3 ", Fraction(-2500)),
    ("1_000", Fraction(1000)), (0.1, Fraction(3602879701896397, 36028797018963968)),
    (Fraction(2, 6), Fraction(1, 3)), (fmpz(7), Fraction(7)), (fmpq(2, 3), Fraction(2, 3)),
    (np.float64(0.5), Fraction(1, 2)), (np.int32(-4), Fraction(-4)), (-0.0, Fraction(0)),
    (5e-324, Fraction(1, 2 ** 1074)),
])
def test_exact(value, exact):
    assert rounding.exact(value) == exact


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, "nan", "inf", "1/0", "0.1.2", "",
                                 None, True, [1], object(), np.float64("nan")])
def test_exact_rejects(bad):
    with pytest.raises(InputError):
        rounding.exact(bad, "my value")


def test_exact_message_names_the_value():
    with pytest.raises(InputError, match="lower end.*'abc'"):
        rounding.exact("abc", "lower end")


@given(fractions)
def test_down_up_are_the_nearest_floats_on_each_side(q):
    lo, hi = rounding.down(q), rounding.up(q)
    assert lo == -math.inf or Fraction(lo) <= q
    assert hi == math.inf or q <= Fraction(hi)
    assert math.nextafter(lo, math.inf) == math.inf or Fraction(math.nextafter(lo, math.inf)) > q
    assert math.nextafter(hi, -math.inf) == -math.inf or Fraction(math.nextafter(hi, -math.inf)) < q
    if lo == hi:
        assert Fraction(lo) == q


def test_down_up_overflow_and_underflow():
    huge = Fraction(2) ** 2000
    assert rounding.down(huge) == DBL_MAX and rounding.up(huge) == math.inf
    assert rounding.down(-huge) == -math.inf and rounding.up(-huge) == -DBL_MAX
    tiny = Fraction(1, 2 ** 2000)
    assert rounding.down(tiny) == 0.0 and rounding.up(tiny) == TINY
    assert rounding.down(-tiny) == -TINY and rounding.up(-tiny) == 0.0
    assert rounding.down(Fraction(1, 10)) < 0.1 == rounding.up(Fraction(1, 10))


def _dyadic(point):
    m, e = point.man_exp()
    return Fraction(int(m)) * Fraction(2) ** int(e)


def _exact_ends(ball):
    """The exact ends mid ∓ rad of a finite ball (no rounding)."""
    mid, rad = _dyadic(ball.mid()), _dyadic(ball.rad())
    return mid - rad, mid + rad


balls_ = st.builds(lambda q, r: rounding.to_arb(q) + arb(0, float(r)), fractions,
                   st.floats(0, 1e300))


@given(balls_)
def test_arb_lower_upper_are_outward_and_tight(ball):
    with rounding.precision():
        lo, hi = rounding.arb_lower(ball), rounding.arb_upper(ball)
        qlo, qhi = _exact_ends(ball)
        exact_lo, exact_hi = rounding.arb_lower_exact(ball), rounding.arb_upper_exact(ball)
    assert lo == -math.inf or Fraction(lo) <= qlo
    assert hi == math.inf or qhi <= Fraction(hi)
    # tight: at most one float further out than the nearest (arb rounds the ends at 128 bits)
    nxt = math.nextafter(math.nextafter(lo, math.inf), math.inf)
    assert nxt == math.inf or Fraction(nxt) > qlo
    prv = math.nextafter(math.nextafter(hi, -math.inf), -math.inf)
    assert prv == -math.inf or Fraction(prv) < qhi
    assert exact_lo <= qlo and qhi <= exact_hi  # outward
    assert qlo - exact_lo <= abs(qlo) / 2 ** 120 and exact_hi - qhi <= abs(qhi) / 2 ** 120


@pytest.mark.parametrize("text, lo, hi", [
    ("1e400", DBL_MAX, math.inf), ("-1e400", -math.inf, -DBL_MAX),
    ("1e-400", 0.0, TINY), ("-1e-400", -TINY, 0.0), ("0", 0.0, 0.0),
    ("[0 +/- 1e-400]", -TINY, TINY), ("[1 +/- 1e400]", -math.inf, math.inf),
])
def test_arb_lower_upper_extremes(text, lo, hi):
    ball = arb(text)
    assert rounding.arb_lower(ball) == lo and rounding.arb_upper(ball) == hi


def test_non_finite_balls():
    for ball in (arb("inf"), arb("nan"), arb("0 +/- inf"), arb("-inf")):
        assert rounding.arb_lower(ball) == -math.inf and rounding.arb_upper(ball) == math.inf
        with pytest.raises(ArithmeticError):
            rounding.arb_lower_exact(ball)


@given(fractions, fractions)
def test_to_arb_and_to_arb_interval_contain_the_value(a, b):
    with rounding.precision():
        ball = rounding.to_arb(a)
        lo, hi = _exact_ends(ball)
        assert lo <= a <= hi
        if a.denominator & (a.denominator - 1) == 0 and abs(a.numerator).bit_length() < 100:
            assert lo == hi == a  # dyadic values that fit are exact points
        a, b = min(a, b), max(a, b)
        lo, hi = _exact_ends(rounding.to_arb_interval(a, b))
        assert lo <= a and b <= hi


def test_precision_is_restored_even_after_an_error():
    saved = ctx.prec
    with pytest.raises(ZeroDivisionError):
        with rounding.precision(300):
            assert ctx.prec == 300
            raise ZeroDivisionError
    assert ctx.prec == saved
    with rounding.precision():
        assert ctx.prec == rounding.WORK_PREC == 128
