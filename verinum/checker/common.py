"""Shared pieces of the checker: the rejection exception, the work budget, exact box helpers.

A box is a tuple of (lo, hi) Fraction pairs, one per dimension.
"""

from __future__ import annotations

import math
from fractions import Fraction

MAX_DEPTH = 64          # most bisections the checker applies along one chain of sub-boxes


class Rejected(Exception):
    """The certificate is well-formed but the checker could not (or must not) accept it."""


class Budget:
    """A count of box evaluations the checker may still spend on subdivision."""

    def __init__(self, limit: int):
        self.limit = limit
        self.used = 0

    def spend(self, n: int = 1) -> bool:
        """Take n units; False (taking nothing) if that would exceed the limit."""
        if self.used + n > self.limit:
            return False
        self.used += n
        return True


def floor_log2(x: Fraction) -> int:
    """The integer k with 2^k <= x < 2^(k+1), for x > 0 (exact)."""
    k = x.numerator.bit_length() - x.denominator.bit_length()
    if Fraction(2) ** k > x:
        k -= 1
    return k


def split_point(lo: Fraction, hi: Fraction) -> Fraction:
    """A dyadic with few bits strictly inside (lo, hi), in its middle half.

    Short dyadics keep sub-box balls exact, which matters at domain edges such as sqrt at 0.
    """
    mid = (lo + hi) / 2
    step = Fraction(2) ** floor_log2((hi - lo) / 4)
    return math.floor(mid / step) * step


def bisect(box: tuple) -> tuple[tuple, tuple]:
    """The two halves of box, split along its widest dimension."""
    k = max(range(len(box)), key=lambda j: box[j][1] - box[j][0])
    lo, hi = box[k]
    p = split_point(lo, hi)
    return box[:k] + ((lo, p),) + box[k + 1:], box[:k] + ((p, hi),) + box[k + 1:]


def volume(box: tuple) -> Fraction:
    """The exact volume of box."""
    v = Fraction(1)
    for lo, hi in box:
        v *= hi - lo
    return v


def center(box: tuple) -> list[Fraction]:
    """The exact center of box."""
    return [(lo + hi) / 2 for lo, hi in box]


def priority(width: Fraction) -> float:
    """A float ordering key for a width (heuristic only, never a bound)."""
    try:
        return float(width)
    except OverflowError:
        return math.inf
