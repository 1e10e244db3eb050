"""All directed rounding of verinum lives here.

Audit rules (read these before anything else):
- Exact values are `fractions.Fraction`; user numbers are parsed exactly (`"0.1"` is 1/10, a float
  is its exact binary value, `"1/3"` is one third). NaN and infinities are rejected.
- `to_arb` turns an exact value into an arb ball that contains it.
- `down`/`up` round an exact value to the nearest float below/above it (never `float(x)` alone,
  which rounds to nearest); `arb_lower`/`arb_upper` do the same for the ends of an arb ball, and
  give -inf/+inf when the ball is not finite. Overflow rounds to ±DBL_MAX or ±inf on the safe side.
- arb itself rounds outward in every operation (FLINT's ball arithmetic guarantee), so code above
  this module never rounds by hand.
"""
import math
from contextlib import contextmanager
from fractions import Fraction
from numbers import Rational

from flint import arb, ctx, fmpq, fmpz

from .errors import InputError

#: Working precision (bits) of the arb reference path.
WORK_PREC = 128
_MAX_EXP = 1100  # |m·2^e| beyond 2^1100 overflows every float; below 2^-1100 underflows


#: Longest power series the reference path uses. arb_series operations silently truncate to
#: flint's ctx.cap (10 by default), so `precision()` raises the cap and `series_coefficients`
#: refuses a truncated series instead of reading missing terms as zeros.
SERIES_CAP = 256


@contextmanager
def precision(bits=WORK_PREC):
    """Run a block at arb precision `bits` (and series cap SERIES_CAP), then restore both."""
    saved, saved_cap = ctx.prec, ctx.cap
    ctx.prec, ctx.cap = bits, max(saved_cap, SERIES_CAP)
    try:
        yield
    finally:
        ctx.prec, ctx.cap = saved, saved_cap


def series_coefficients(s, length):
    """The first `length` coefficients of arb_series `s` (trailing zeros restored), or
    ArithmeticError if `s` was truncated below `length` terms."""
    if s.prec < length:
        raise ArithmeticError(f"power series truncated to {s.prec} < {length} terms")
    c = s.coeffs()
    return (c + [arb(0)] * length)[:length]


def exact(value, what="value"):
    """Parse a user number exactly: int, Fraction, float (its exact binary value), fmpz/fmpq,
    or a string such as "0.1", "-2.5e3", "1/3". Raises InputError for NaN, inf or junk."""
    if isinstance(value, bool):
        raise InputError(f"{what}: expected a number, got a bool")
    if isinstance(value, (int, Rational)):
        return Fraction(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InputError(f"{what}: {value!r} is not a finite number")
        return Fraction(value)
    if isinstance(value, fmpz):
        return Fraction(int(value))
    if isinstance(value, fmpq):
        return Fraction(int(value.p), int(value.q))
    if isinstance(value, str):
        text = value.strip().replace("_", "")
        try:
            return Fraction(text)
        except (ValueError, ZeroDivisionError):
            raise InputError(f"{what}: cannot read {value!r} as an exact number "
                             "(use e.g. 0.1, -2.5e3 or 1/3)") from None
    if hasattr(value, "item") and callable(value.item):  # numpy / jax scalars
        return exact(value.item(), what)
    raise InputError(f"{what}: expected a number, got {type(value).__name__}")


def to_arb(q):
    """An arb ball containing the exact value `q` (a point ball when q is dyadic and fits)."""
    if q.denominator == 1:
        return arb(fmpz(q.numerator))
    d = q.denominator
    if d & (d - 1) == 0:
        return arb(fmpz(q.numerator)) * arb(2) ** (-(d.bit_length() - 1))
    return arb(fmpq(q.numerator, q.denominator))


def _float_near(q):
    """A float within one ulp of q, or ±inf when |q| overflows."""
    try:
        return float(q)
    except OverflowError:
        return math.inf if q > 0 else -math.inf


def down(q):
    """The largest float ≤ q (−inf only when q < −DBL_MAX)."""
    f = _float_near(q)
    while f != -math.inf and (f == math.inf or Fraction(f) > q):
        f = math.nextafter(f, -math.inf)
    return f


def up(q):
    """The smallest float ≥ q (+inf only when q > DBL_MAX)."""
    return -down(-q) + 0.0


def _point_to_fraction(p):
    """Exact value of an exact arb point (a ball of radius 0), or ±inf / None if out of range."""
    m, e = p.man_exp()
    m, e = int(m), int(e)
    if m == 0:
        return Fraction(0)
    if m.bit_length() + e > _MAX_EXP:
        return math.inf if m > 0 else -math.inf
    if m.bit_length() + e < -_MAX_EXP:
        return None  # tiny: caller rounds to 0 or the smallest subnormal
    return Fraction(m) * Fraction(2) ** e


def arb_lower(a):
    """The largest float ≤ every point of ball `a` (−inf if `a` is not finite)."""
    if not a.is_finite():
        return -math.inf
    m, e = (int(x) for x in a.lower().man_exp())
    bits = m.bit_length()
    if bits <= 53 and -1022 <= bits + e - 1 and bits + e <= 1024:
        return math.ldexp(m, e)  # exact: m fits a double's mantissa and m·2^e is normal
    q = _point_to_fraction(a.lower())
    if q is None:
        return 0.0 if a.lower() > 0 else -5e-324
    if isinstance(q, float):
        return q if q < 0 else 1.7976931348623157e308
    return down(q)


def arb_upper(a):
    """The smallest float ≥ every point of ball `a` (+inf if `a` is not finite)."""
    return -arb_lower(-a) + 0.0  # + 0.0 turns −0.0 into 0.0


def arb_lower_exact(a):
    """Exact lower end of ball `a` as a Fraction (a dyadic). Raises if `a` is not finite."""
    if not a.is_finite():
        raise ArithmeticError("non-finite ball")
    m, e = a.lower().man_exp()
    return Fraction(int(m)) * Fraction(2) ** int(e)


def arb_upper_exact(a):
    """Exact upper end of ball `a` as a Fraction (a dyadic). Raises if `a` is not finite."""
    return -arb_lower_exact(-a)


def hull(lo, hi):
    """The arb ball containing the two arb balls `lo` and `hi` and everything between."""
    return lo.union(hi)


def to_arb_interval(lo, hi):
    """An arb ball containing the exact interval [lo, hi] (Fractions)."""
    return hull(to_arb(lo), to_arb(hi))
