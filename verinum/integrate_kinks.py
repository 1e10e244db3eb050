"""1-D kinks (abs, relu, min, max of g): where to cut, and series over a piece between cuts.

- `kink_zeros` finds the zeros of g in floats (sign changes between samples, then the Illinois
  method) and `kink_cuts` cuts at each zero where g is exactly 0 there (`exact_zero`, arb), else
  around it a short piece (a heuristic; any cut is sound).
- On the pieces between, the series over the piece (`partial_series` with `ends`) uses the sign
  of g (g ≥ 0 or g ≤ 0 on the closed piece) proven by `_sign_over` (ball value, monotonicity
  with the value at one end, or halving), so |g| = ±g there and the piece is smooth.
`partial_series` (the series of f over a box, used by every series method) lives here because
its kink step and `_sign_over` call each other.
Callers run these inside `rounding.precision()`.
"""
from fractions import Fraction

import numpy as np

from flint import arb, arb_series, ctx

from .arb_backend import plan, series_op
from .errors import DomainError
from .float_eval import compile_raw
from .ir import Node
from .rounding import series_coefficients, to_arb

KINK_OPS = ("abs", "relu", "min", "max")


def partial_series(root, box_balls, i, length, ends=None, finite=True):
    """Coefficients c_0..c_{length-1} of the series of f in x_i at (every point of) the box, the
    other variables held as balls: c_j encloses ∂_i^j f(ξ)/j! for every ξ in the box. None
    where f has no series there (a kink, a domain boundary, a non-finite value). Same rules as
    `arb_backend.series_eval` (whose per-operation step it uses). 1-D: `ends` (balls around the
    ends of the piece inside the ball) lets abs/relu/min/max prove the sign of their argument
    (`_kink_series`); the coefficients then hold for every ξ in the piece. `finite=False`:
    non-finite coefficients are returned as they are (for callers that check what they use).
    Run inside `rounding.precision()`: its series cap exceeds every length asked for (MAX_LENGTH,
    DISC_DEGREE; arb_series silently truncates at `ctx.cap` terms, so a longer one is refused)."""
    if length > ctx.cap:
        raise RuntimeError("series longer than ctx.cap: run inside rounding.precision()")
    p = plan(root)
    values = []
    try:
        for k, node in enumerate(p.nodes):
            if node.op == "var":
                x = box_balls[node.literal]
                out = arb_series([x, 1] if node.literal == i else [x], prec=length)
            elif k in p.constants:
                out = arb_series([p.constants[k]], prec=length)
            elif ends is not None and node.op in KINK_OPS:
                out = _kink_series(node, [values[a] for a in p.args[k]], ends, length)
            else:
                out = series_op(node, [values[a] for a in p.args[k]], None, length)
            values.append(out)
        coeffs = series_coefficients(values[-1], length)  # refuses a truncated series
    except (DomainError, ArithmeticError, ValueError, IndexError):
        return None  # ValueError: arb_series division by a series whose value contains 0
    return coeffs if not finite or all(c.is_finite() for c in coeffs) else None


SIGN_DEPTH = 4  # levels of halving used to prove the sign of a kink argument on a piece


def _kink_series(node, args, ends, length):
    """abs/relu/min/max over a 1-D piece (as `series_op`), using the sign of the argument g
    (a − b for min/max) on the piece where `_sign_over` proves it: then |g| = ±g,
    relu(g) = g or 0, min(a, b) = a or b, max(a, b) = b or a on the whole piece."""
    g = args[0] if node.op in ("abs", "relu") else args[0] - args[1]
    if g.prec < 2:
        return series_op(node, args, None, length)
    sign = _sign_over(kink_argument(node), ends, g[0], g[1], SIGN_DEPTH)  # g[i]: i < g.prec
    if sign == 0:
        return series_op(node, args, None, length)
    if node.op == "abs":
        return g if sign > 0 else -g
    if node.op == "relu":
        return g if sign > 0 else 0 * g
    return args[1] if (sign > 0) == (node.op == "min") else args[0]


def _sign_over(g, ends, value, slope, depth):
    """+1 if g ≥ 0, −1 if g ≤ 0 on the piece between ends = (lo, hi) (balls around its
    ends), else 0 (either is enough: |g| = ±g on the whole closed piece); g is an expression,
    `value` and `slope` contain g and g' there. Proven by: the sign of `value`; if g' has a
    sign (g is monotone), the sign of g at the end where it is smallest (or largest); else
    both halves of the piece (`depth` more levels)."""
    if value >= 0 or value <= 0:
        return 1 if value >= 0 else -1
    if slope > 0 or slope < 0:
        low, high = ends if slope > 0 else ends[::-1]  # where g is smallest, largest
        tries = ((1, low), (-1, high)) if value.mid() >= 0 else ((-1, high), (1, low))
        for sign, end in tries:  # the likelier sign first
            at = partial_series(g, [end], 0, 1)
            if at is not None and sign * at[0] >= 0:
                return sign
        return 0
    if depth == 0:
        return 0
    lo, hi = ends
    mid = arb(((lo + hi) / 2).mid())
    sign = None
    for half in ((lo, mid), (mid, hi)):
        over = partial_series(g, [half[0].union(half[1])], 0, 2)
        side = 0 if over is None else _sign_over(g, half, over[0], over[1], depth - 1)
        if side == 0 or sign not in (None, side):
            return 0
        sign = side
    return sign


_KINK_ARGUMENTS = {}  # id(kink node) -> (node, g)


def kink_argument(node):
    """The argument g of a kink node: abs(g), relu(g); a − b for min(a, b), max(a, b)."""
    entry = _KINK_ARGUMENTS.get(id(node))
    if entry is None or entry[0] is not node:
        if len(_KINK_ARGUMENTS) >= 256:
            _KINK_ARGUMENTS.clear()
        g = node.args[0] if len(node.args) == 1 else Node("sub", node.args)
        entry = _KINK_ARGUMENTS[id(node)] = (node, g)
    return entry[1]


# -- 1-D kinks: where to split (a heuristic; splitting anywhere is sound) ------------------------
KINK_SAMPLES = 16    # sign changes of g are looked for between this many + 1 equispaced points
ROOT_STEPS = 60      # most steps of the float root finder per bracket


def kink_arguments(root):
    """The kink nodes of f: abs(g), relu(g), min(a, b), max(a, b) (g = a − b)."""
    return [n for n in plan(root).nodes if n.op in KINK_OPS]


_PROGRAMS = {}  # (id(root), vectorized) -> (root, kinks, function)


def _kink_values(root, kinks, vectorized):
    """The float function [x] -> [g at x for each kink node] (`float_eval.compile_raw`: nothing
    proven; x a float, or an array: then non-finite where undefined). Cached per expression."""
    key, kinks = (id(root), vectorized), tuple(kinks)
    entry = _PROGRAMS.get(key)
    if entry is None or entry[0] is not root or entry[1] != kinks:
        if len(_PROGRAMS) >= 64:
            _PROGRAMS.clear()
        g = [kink_argument(node) for node in kinks]
        entry = _PROGRAMS[key] = (root, kinks, compile_raw(g, vectorized))
    return entry[2]


def kink_zeros(root, kinks, lo, hi):
    """Approximate zeros in [lo, hi] of the kink arguments g: sign changes of g (in floats)
    between sample points refined by the Illinois method, and zeros at them. Returns the
    sorted Fractions and the set of those where g is 0 in floats (maybe exactly 0)."""
    a, b = float(lo), float(hi)
    xs = a + np.arange(KINK_SAMPLES + 1) * ((b - a) / KINK_SAMPLES)
    points = xs.tolist()
    with np.errstate(all="ignore"):
        samples = _kink_values(root, kinks, True)([xs])
    program = _kink_values(root, kinks, False)
    zeros, flat = set(), set()
    for k, g in enumerate(samples):
        if np.ndim(g) == 0:
            continue  # g does not depend on x
        g = g.tolist()
        flat.update(x for x, v in zip(points, g) if v == 0)
        for j in range(KINK_SAMPLES):
            if g[j] * g[j + 1] < 0:  # false where either is nan
                z, exact = _illinois(program, k, points[j], points[j + 1], g[j], g[j + 1])
                (flat if exact else zeros).add(z)
    found = sorted((q, z in flat) for z in zeros | flat if z is not None
                   for q in (Fraction(z),) if lo <= q <= hi)
    return [q for q, _ in found], {q for q, is_flat in found if is_flat}


def _illinois(program, k, a, b, ga, gb):
    """(z, whether g(z) is 0 in floats) for a zero z of the k-th kink argument in [a, b]
    (floats, ga·gb < 0): regula falsi with the Illinois modification, until the bracket is a
    few ulps wide; z is None where g cannot be evaluated."""
    side = 0
    for _ in range(ROOT_STEPS):
        if b - a <= 2.0 ** -50 * max(abs(a), abs(b)):
            break  # a few ulps
        x = b - gb * (b - a) / (gb - ga)
        if not a < x < b:
            x = a + (b - a) / 2
            if not a < x < b:
                break
        try:
            g = program([x])[k]
        except (ArithmeticError, ValueError, TypeError):
            return None, False
        if g == 0:
            return x, True
        if (g > 0) == (gb > 0):
            b, gb = x, g
            if side == 1:
                ga /= 2
            side = 1
        else:
            a, ga = x, g
            if side == -1:
                gb /= 2
            side = -1
    return (a if abs(ga) < abs(gb) else b), False


def exact_zero(kinks, z):
    """Whether some kink argument is exactly 0 at the exact point z (proven with arb)."""
    x = to_arb(z)
    if x.rad() != 0:
        return False
    for node in kinks:
        g = partial_series(kink_argument(node), [x], 0, 1)
        if g is not None and g[0].is_zero():
            return True
    return False


def _power_of_two(k, n=1):
    """n·2^k as a Fraction."""
    return Fraction(n << k) if k >= 0 else Fraction(n, 1 << -k)


def kink_cuts(zeros, lo, hi, delta, exact=()):
    """Cut points (increasing, strictly inside (lo, hi)) around each zero z (sorted): z itself
    if it is in `exact`, else two short dyadics so that a piece of length 2.5δ to 5δ (or a
    shorter one at an end of [lo, hi]) holds z at least δ from its ends."""
    n, d = delta.numerator, delta.denominator
    k = n.bit_length() - d.bit_length()  # 2^(k-1) < δ < 2^(k+1)
    if not (d << k <= n if k >= 0 else d <= n << -k):  # not 2^k ≤ δ
        k -= 1  # now unit = 2^k ≤ δ < 2^(k+1)
    cuts = [lo]
    for z in zeros:
        p, q = z.numerator, z.denominator
        n = p // (q << k) if k >= 0 else (p << -k) // q  # floor(z / unit)
        points = (z,) if z in exact else (_power_of_two(k, n - 2), _power_of_two(k, n + 3))
        for p in points:
            if cuts[-1] < p < hi:
                cuts.append(p)
    return cuts[1:]
