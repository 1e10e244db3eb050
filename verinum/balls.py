"""Ranges: intervals [lo, hi] whose ends are exact arb points (radius 0), and arb-ball helpers.

A wide arb ball stores its radius with 30 bits, so [0, 0.5] as a ball reaches −4.7e-10; ranges
keep the ends exact (rounded outward by arb at the working precision), which domain checks such as
sqrt(1 − x²) on [−1, 1] need. All functions here are sound by construction.
"""
from flint import arb



def ends(x):
    """The range [lower, upper] of ball x, as a pair of exact points."""
    return x.lower(), x.upper()


def span(lo, hi):
    """A ball containing the balls lo and hi and everything between."""
    return lo.union(hi)


def rng(lo, hi):
    """The range from balls lo ≤ hi: [lower(lo), upper(hi)]."""
    return lo.lower(), hi.upper()


def to_ball(r):
    return span(r[0], r[1])


def mul(a, b):
    """a·b for balls; when both are wide, multiply as intervals (ball products of two wide
    balls overshoot: [0.3, 14]·[0, 0.06] as balls reaches −0.4)."""
    if a.rel_accuracy_bits() > 40 or b.rel_accuracy_bits() > 40:
        return a * b
    return to_ball(r_mul(ends(a), ends(b)))


def r_add(a, b):
    return (a[0] + b[0]).lower(), (a[1] + b[1]).upper()


def r_sub(a, b):
    return (a[0] - b[1]).lower(), (a[1] - b[0]).upper()


def r_recip(a):
    """Range of 1/t over a range not containing 0."""
    return (1 / a[1]).lower(), (1 / a[0]).upper()


def r_neg(a):
    return -a[1], -a[0]


def r_mul(a, b):
    if a[0] >= 0 and b[0] >= 0:  # the common case: one product per end
        return (a[0] * b[0]).lower(), (a[1] * b[1]).upper()
    products = [x * y for x in a for y in b]
    lo, hi = products[0].lower(), products[0].upper()
    for p in products[1:]:
        lo, hi = _pick_min(lo, p.lower()), _pick_max(hi, p.upper())
    return lo, hi


def r_min(a, b):
    return _pick_min(a[0], b[0]), _pick_min(a[1], b[1])


def r_max(a, b):
    return _pick_max(a[0], b[0]), _pick_max(a[1], b[1])


def _pick_min(x, y):
    return x if x <= y else y if y <= x else (x.min(y)).lower()


def _pick_max(x, y):
    return x if x >= y else y if y >= x else (x.max(y)).upper()


def ipow(x, n):
    """x**n for an integer n ≥ 0 by repeated multiplication (python-flint's `**` on arb goes
    through exp/log: nan for a ball around 0, and [±2.26] for (1 ± 0.5)**2); x an arb or an
    acb."""
    result, base = type(x)(1), x
    while n:
        if n & 1:
            result = result * base
        n >>= 1
        if n:
            base = base * base
    return result


def r_power(a, m):
    """Range of t**m over a (integer m ≥ 0), parity-aware."""
    lo, hi = a
    if m == 0:
        return arb(1), arb(1)
    if m % 2 == 1 or lo >= 0:
        return ipow(lo, m).lower(), ipow(hi, m).upper()
    if hi <= 0:
        return ipow(hi, m).lower(), ipow(lo, m).upper()
    return arb(0), ipow(_pick_max(-lo, hi), m).upper()


def r_abs(a):
    lo, hi = a
    if lo >= 0:
        return a
    if hi <= 0:
        return -hi, -lo
    return arb(0), _pick_max(-lo, hi)


def r_intersect(a, b):
    """a ∩ b for two enclosures of the same quantity (never empty for true enclosures)."""
    lo, hi = _pick_max(a[0], b[0]), _pick_min(a[1], b[1])
    if not lo <= hi:  # only possible if an input was not a true enclosure: stay sound
        return r_hull(a, b)
    return lo, hi


def r_hull(a, b):
    return _pick_min(a[0], b[0]), _pick_max(a[1], b[1])


def is_finite_range(r):
    return r[0].is_finite() and r[1].is_finite()


def intersect(a, b):
    """Ball a ∩ ball b when both are finite enclosures of the same quantity."""
    if not a.is_finite():
        return b
    if not b.is_finite():
        return a
    try:
        return a.intersection(b)
    except ValueError:
        return a.union(b)
