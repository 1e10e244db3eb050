"""`Interval`: a closed real interval [lo, hi] with float endpoints (exact binary numbers).

Every operation encloses the exact result and rounds outward (through arb; see rounding.py).
Endpoints may be ±inf, meaning unbounded on that side.
"""
import math
from fractions import Fraction

from flint import arb

from . import balls, rounding
from .errors import DomainError, InputError


class Interval:
    """Closed interval [lo, hi]. `Interval(a, b)` encloses the exact numbers a ≤ b outward
    (`Interval("0.1")` is the thinnest float interval containing 1/10)."""

    __slots__ = ("lo", "hi")

    def __init__(self, lo, hi=None):
        if isinstance(lo, Interval) and hi is None:
            self.lo, self.hi = lo.lo, lo.hi
            return
        qlo = rounding.exact(lo, "interval lower end")
        qhi = qlo if hi is None else rounding.exact(hi, "interval upper end")
        if qlo > qhi:
            raise InputError(f"reversed interval: lower end {lo} > upper end {hi}")
        self.lo, self.hi = rounding.down(qlo), rounding.up(qhi)

    @classmethod
    def _raw(cls, lo, hi):
        new = object.__new__(cls)
        new.lo, new.hi = lo, hi
        return new

    @classmethod
    def from_arb(cls, ball):
        """The float interval enclosing an arb ball (the whole line if the ball is not finite)."""
        return cls._raw(rounding.arb_lower(ball), rounding.arb_upper(ball))

    @classmethod
    def from_range(cls, r):
        """The float interval enclosing a range (pair of arb points, see balls.py)."""
        return cls._raw(rounding.arb_lower(r[0]), rounding.arb_upper(r[1]))

    def to_range(self):
        """This interval as a range: a pair of exact arb points."""
        return arb(self.lo), arb(self.hi)

    def to_arb(self):
        """An arb ball containing this interval."""
        if not (math.isfinite(self.lo) and math.isfinite(self.hi)):
            return arb("0 +/- inf")
        return rounding.hull(arb(self.lo), arb(self.hi))

    # -- queries -------------------------------------------------------------------------
    @property
    def width(self):
        """hi − lo rounded up."""
        return rounding.up(Fraction(self.hi) - Fraction(self.lo)) if self.is_finite() else math.inf

    @property
    def mid(self):
        """A float inside the interval, near its centre."""
        if not self.is_finite():
            return max(self.lo, min(self.hi, 0.0))
        return min(max(self.lo + (self.hi - self.lo) / 2, self.lo), self.hi) \
            if math.isfinite(self.hi - self.lo) else self.lo / 2 + self.hi / 2

    def is_finite(self):
        return math.isfinite(self.lo) and math.isfinite(self.hi)

    def __contains__(self, x):
        if isinstance(x, Interval):
            return self.lo <= x.lo and x.hi <= self.hi
        q = rounding.exact(x)
        return (self.lo == -math.inf or Fraction(self.lo) <= q) and \
               (self.hi == math.inf or q <= Fraction(self.hi))

    def contains(self, x):
        return x in self

    def intersection(self, other):
        other = _as_interval(other)
        lo, hi = max(self.lo, other.lo), min(self.hi, other.hi)
        if lo > hi:
            raise DomainError(f"empty intersection of {self} and {other}")
        return Interval._raw(lo, hi)

    def hull(self, other):
        other = _as_interval(other)
        return Interval._raw(min(self.lo, other.lo), max(self.hi, other.hi))

    # -- arithmetic (outward rounded through arb) ----------------------------------------
    def _binary(self, other, fn):
        with rounding.precision():
            return Interval.from_range(fn(self.to_range(), _as_interval(other).to_range()))

    def __add__(self, other):
        return self._binary(other, balls.r_add)

    def __sub__(self, other):
        return self._binary(other, balls.r_sub)

    def __mul__(self, other):
        return self._binary(other, balls.r_mul)

    def __truediv__(self, other):
        other = _as_interval(other)
        if other.lo <= 0 <= other.hi:
            raise DomainError(f"division by an interval containing 0: {other}", "div",
                              other.lo, other.hi)
        return self._binary(other, lambda a, b: balls.r_mul(a, balls.r_recip(b)))

    def __radd__(self, other):
        return _as_interval(other) + self

    def __rsub__(self, other):
        return _as_interval(other) - self

    def __rmul__(self, other):
        return _as_interval(other) * self

    def __rtruediv__(self, other):
        return _as_interval(other) / self

    def __neg__(self):
        return Interval._raw(-self.hi, -self.lo)

    def __abs__(self):
        if self.lo >= 0:
            return self
        if self.hi <= 0:
            return -self
        return Interval._raw(0.0, max(-self.lo, self.hi))

    def __eq__(self, other):
        return isinstance(other, Interval) and (self.lo, self.hi) == (other.lo, other.hi)

    def __hash__(self):
        return hash((self.lo, self.hi))

    def __iter__(self):
        return iter((self.lo, self.hi))

    def __repr__(self):
        return f"Interval({self.lo!r}, {self.hi!r})"

    def __str__(self):
        return f"[{self.lo!r}, {self.hi!r}]"


def _as_interval(x):
    return x if isinstance(x, Interval) else Interval(x)
