"""Enclosures of ∫ f over one piece (an interval in 1-D, a box in n-D), computed with arb.

Every function here returns an arb ball that contains the exact integral of f over the piece,
or raises `CannotBound` (f could not be bounded there: a domain boundary, a pole, overflow).

- 1-D (`series_piece`): f(c + t) = Σ_{i<d} f^(i)(c)/i! t^i + r(t) t^d with r(t) = f^(d)(ξ)/d! for
  some ξ in the piece (Lagrange), so r(t) lies in the degree-d coefficient of the series of f over
  the whole piece. Each term is integrated exactly over [lo − c, hi − c]; the remainder with
  `mid ± rad` of its coefficient: ∫ r t^d ∈ mid·∫t^d ± rad·∫|t|^d (r varies with t).
  d ≤ `length` is chosen from an estimate of the remainder term (any d is sound), from one
  point series and one ball series.
- n-D (`gauss_piece`): the tensor Gauss-Legendre rule with m nodes per dimension plus its error
  term, ∫ − Q ∈ Σ_i κ_m(w_i)·(vol/w_i)·∂_i^(2m) f(box) with κ_m(w) = w^(2m+1) (m!)^4 /
  ((2m+1) ((2m)!)^3) (write ∫ − Q as a telescoping sum of one-dimensional rule errors; the
  weights are positive). ∂_i^(2m) f over the box comes from a series in x_i with the other
  variables as balls. Intersected with `range_piece`.
- n-D fallback (`taylor_piece`): the interval Taylor model of `arb_backend.taylor_eval`
  (pointwise coefficients C_α), integrated monomial by monomial like the 1-D remainder.
- `range_piece`: range of f over the piece × its volume (kinks, endpoint singularities).
Callers run these inside `series_context()`.
"""
from contextlib import contextmanager
from fractions import Fraction

import math

from flint import arb, arb_series, ctx

from . import balls, ir, rounding
from .arb_backend import constant_value, range_op, series_op, range_eval, taylor_eval
from .errors import DomainError
from .rounding import series_coefficients, to_arb

MAX_LENGTH = 40  # longest 1-D series used for one piece (the checker's MAX_DEGREE too)
_UNIT = arb(0, 1)  # the ball [-1, 1]


class CannotBound(Exception):
    """f could not be bounded on this piece; the message says why."""


@contextmanager
def series_context():
    """arb at the working precision, with a power-series cap long enough for every series we
    ask for (arb_series silently truncates at `ctx.cap` terms, 10 by default)."""
    saved = ctx.cap
    ctx.cap = MAX_LENGTH + 2
    try:
        with rounding.precision():
            yield
    finally:
        ctx.cap = saved


def dyadic_inside(lo, hi):
    """A short dyadic strictly inside (lo, hi), in its middle half (the midpoint when that is
    dyadic). Short dyadics keep centres exact and series at them thin."""
    mid = (lo + hi) / 2
    if mid.denominator & (mid.denominator - 1) == 0:
        return mid
    quarter = (hi - lo) / 4
    k = quarter.numerator.bit_length() - quarter.denominator.bit_length()
    step = Fraction(2) ** k
    while step > quarter:
        step /= 2
    return Fraction((mid / step).__floor__()) * step


def volume(box):
    v = Fraction(1)
    for lo, hi in box:
        v *= hi - lo
    return v


class _Monomials:
    """∫ t^m and ∫ |t|^m over [a, b] (a ≤ 0 ≤ b, exact balls) for m = 0, 1, 2, ..."""

    def __init__(self, a, b):
        self.a, self.b = a, b
        self.signed, self.absolute = [], []
        self._pa, self._pb = a, b  # a^(m+1), b^(m+1)

    def get(self, m):
        while len(self.signed) <= m:
            n = len(self.signed) + 1
            self.signed.append((self._pb - self._pa) / n)
            self.absolute.append((self._pb + abs(self._pa)) / n if n % 2 == 0
                                 else (self._pb - self._pa) / n)
            self._pa, self._pb = self._pa * self.a, self._pb * self.b
        return self.signed[m], self.absolute[m]


def _coefficient_term(c, signed, absolute):
    """An enclosure of ∫ c(t)·t^α over the piece, c(t) ∈ ball c for each t (pointwise)."""
    if c.rad() == 0:
        return c * signed
    return c.mid() * signed + _UNIT * (c.rad() * absolute)


def _shifted_ends(lo, hi, c):
    """Balls containing lo − c ≤ 0 and hi − c ≥ 0 (exact when the ends are dyadic)."""
    a = to_arb(lo - c)
    b = to_arb(hi - c)
    return (a if a.rad() == 0 else -(-a).nonnegative_part(),
            b if b.rad() == 0 else b.nonnegative_part())


def range_piece(root, box, names=None):
    """Range of f over the box × its volume. Raises CannotBound (`names`: for its message)."""
    ranges = [(to_arb(lo).lower(), to_arb(hi).upper()) for lo, hi in box]
    try:
        r = range_eval(root, ranges, names=names)
    except DomainError as err:
        raise CannotBound(str(err)) from None
    except IndexError:  # rules.Rule.point at an exact 0 (e.g. atan): a core bug, fail closed
        raise CannotBound("range evaluation failed at an exact zero") from None
    if not balls.is_finite_range(r):
        raise CannotBound("the integrand's range is not finite here")
    return balls.to_ball(r) * to_arb(volume(box))


_ORDERS = {}  # id(root) -> (root, topological order, constant balls); a small cache


def _program(root):
    entry = _ORDERS.get(id(root))
    if entry is None or entry[0] is not root:
        if len(_ORDERS) > 64:
            _ORDERS.clear()
        order = ir.walk(root)
        constants = {id(n): constant_value(n) for n in order if n.op in ("const", "pi", "e")}
        entry = _ORDERS[id(root)] = (root, order, constants, ctx.prec)
    if entry[3] != ctx.prec:  # constants are balls at the precision they were made at
        _ORDERS.pop(id(root))
        return _program(root)
    return entry


def partial_series(root, box_balls, i, length):
    """Coefficients c_0..c_{length-1} of the series of f in x_i at (every point of) the box, the
    other variables held as balls: c_j encloses ∂_i^j f(ξ)/j! for every ξ in the box. None
    where f has no series there (a kink, a domain boundary, a non-finite value). Same rules as
    `arb_backend.series_eval` (whose per-operation step it uses)."""
    if length > ctx.cap:
        raise RuntimeError("series longer than ctx.cap: run inside series_context()")
    _, order, constants, _ = _program(root)
    values = {}
    try:
        for node in order:
            if node.op == "var":
                x = box_balls[node.literal]
                out = arb_series([x, 1] if node.literal == i else [x], prec=length)
            elif node.op in ("const", "pi", "e"):
                out = arb_series([constants[id(node)]], prec=length)
            else:
                out = series_op(node, [values[id(a)] for a in node.args], None, length)
            values[id(node)] = out
        coeffs = series_coefficients(values[id(root)], length)  # refuses a truncated series
    except (DomainError, ArithmeticError, ValueError, IndexError):
        return None  # ValueError: arb_series division by a series whose value contains 0
    return coeffs if all(c.is_finite() for c in coeffs) else None


def point_range(root, ranges):
    """`arb_backend.range_eval` (same per-operation rules) with the node order cached: the range
    of f over the box of `ranges`. Raises CannotBound."""
    _, order, constants, _ = _program(root)
    values = {}
    try:
        for node in order:
            if node.op == "var":
                out = ranges[node.literal]
            elif node.op in ("const", "pi", "e"):
                out = balls.ends(constants[id(node)])
            else:
                out = range_op(node, [values[id(a)] for a in node.args], ranges)
            values[id(node)] = out
    except DomainError as err:
        raise CannotBound(str(err)) from None
    except IndexError:  # rules.Rule.point at an exact 0 (e.g. atan): a core bug, fail closed
        raise CannotBound("range evaluation failed at an exact zero") from None
    return values[id(root)]


def _log2_upper(x):
    """About log2 of the arb x ≥ 0 (−inf for 0); a heuristic for choosing degrees only."""
    if x == 0:
        return -math.inf
    m, e = x.mid().man_exp()
    return math.log2(int(m)) + int(e)


def series_piece(root, lo, hi, center, length):
    """(enclosure, degree) for ∫_lo^hi f, using Taylor series at `center` (a dyadic inside)
    of degree ≤ length (see module docstring). Raises CannotBound where f has no series."""
    point = partial_series(root, [to_arb(center)], 0, length)
    over = partial_series(root, [to_arb(lo).union(to_arb(hi))], 0, length + 1)
    if point is None or over is None:
        raise CannotBound("no Taylor series on this piece")
    # choose d: the remainder term's width is 2 rad(over[d]) ∫|t|^d (a heuristic, any d is sound)
    left, right = float(center - lo), float(hi - center)
    big, ratio = max(left, right), min(left, right) / max(left, right)
    log_big = math.log2(big)
    def estimate(d):
        return (_log2_upper(over[d].rad()) + (d + 1) * log_big
                + math.log2(1 + ratio ** (d + 1)) - math.log2(d + 1))
    degree = min(range(length + 1), key=lambda d: (estimate(d), d))
    a, b = _shifted_ends(lo, hi, center)
    symmetric = lo + hi == 2 * center
    total, pa, pb = arb(0), a, b  # pa, pb = a^(i+1), b^(i+1)
    for i in range(degree):
        if not (symmetric and i % 2):  # odd powers integrate to 0 on a symmetric piece
            total += point[i] * ((pb - pa) / (i + 1))
        pa, pb = pa * a, pb * b
    n = degree + 1
    signed = (pb - pa) / n
    absolute = (pb + abs(pa)) / n if n % 2 == 0 else signed
    total += _coefficient_term(over[degree], signed, absolute)
    if not total.is_finite():
        raise CannotBound("the Taylor enclosure is not finite here")
    return total, degree


def taylor_piece(root, box, center, degree):
    """Enclosure of ∫_box f from a degree-`degree` Taylor model at `center`, intersected with
    the range enclosure. Raises CannotBound."""
    x0 = [to_arb(c) for c in center]
    try:
        model, rng = taylor_eval(root, x0, [to_arb(lo) for lo, _ in box],
                                 [to_arb(hi) for _, hi in box], degree)
    except DomainError as err:
        raise CannotBound(str(err)) from None
    except IndexError:  # rules.Rule.point at an exact 0: a core bug, fail closed
        raise CannotBound("Taylor model failed at an exact zero") from None
    if not balls.is_finite_range(rng):
        raise CannotBound("the integrand's range is not finite here")
    by_range = balls.to_ball(rng) * to_arb(volume(box))
    monomials = [_Monomials(*_shifted_ends(lo, hi, c)) for (lo, hi), c in zip(box, center)]
    total = arb(0)
    for alpha, coeff in model.coeffs.items():
        signed, absolute = arb(1), arb(1)
        for mono, m in zip(monomials, alpha):
            s, a = mono.get(m)
            signed, absolute = signed * s, absolute * a
        total += _coefficient_term(coeff, signed, absolute)
    if not total.is_finite():
        return by_range
    return balls.intersect(total, by_range)


# -- n-D: tensor Gauss-Legendre with a proven error term -------------------------------------------
MAX_NODES = 12   # most Gauss nodes per dimension
CHEAP_FACTOR = 100  # where no rule meets the target: the fewest nodes within this factor of the best
_GAUSS = {}      # m -> [(node, weight)] on [-1, 1] at the working precision


def _gauss_rule(m):
    key = (m, ctx.prec)
    if key not in _GAUSS:
        _GAUSS[key] = [arb.legendre_p_root(m, k, weight=True) for k in range(m)]
    return _GAUSS[key]


def _kappa(m):
    """(m!)^4 / ((2m+1) ((2m)!)^2): the error constant times (2m)! (it multiplies the series
    coefficient f^(2m)/(2m)! and w^(2m+1))."""
    return Fraction(math.factorial(m) ** 4, (2 * m + 1) * math.factorial(2 * m) ** 2)


def gauss_error_bounds(root, box, max_nodes):
    """{m: ball containing ∫_box f − Q_m f} for m = 1..max_nodes (Q_m: the tensor rule with m
    nodes per dimension), or None where f has no series on the box."""
    if 2 * max_nodes + 1 > ctx.cap:
        raise RuntimeError("series longer than ctx.cap: run inside series_context()")
    box_balls = [to_arb(lo).union(to_arb(hi)) for lo, hi in box]
    vol = volume(box)
    errors = {m: arb(0) for m in range(1, max_nodes + 1)}
    for i, (lo, hi) in enumerate(box):
        coeffs = partial_series(root, box_balls, i, 2 * max_nodes + 1)
        if coeffs is None:
            return None
        w = hi - lo
        for m in errors:
            errors[m] += coeffs[2 * m] * to_arb(_kappa(m) * w ** (2 * m + 1) * (vol / w))
    return errors


def gauss_sum(root, box, m):
    """A ball containing the tensor Gauss-Legendre sum Q_m f over the box. Raises CannotBound."""
    rule = _gauss_rule(m)
    axes = []
    for lo, hi in box:
        c, h = to_arb((lo + hi) / 2), to_arb((hi - lo) / 2)
        axes.append([(c + h * x, h * w) for x, w in rule])
    total = arb(0)
    for combo in _product(axes):
        weight = arb(1)
        ranges = []
        for x, w in combo:
            weight *= w
            ranges.append((x.lower(), x.upper()))
        total += weight * balls.to_ball(point_range(root, ranges))
    if not total.is_finite():
        raise CannotBound("the integrand is not finite at a quadrature node")
    return total


def _product(axes):
    if not axes:
        yield ()
        return
    for head in axes[0]:
        for tail in _product(axes[1:]):
            yield (head,) + tail


def gauss_piece(root, box, target, max_evaluations=600):
    """(enclosure, nodes per dimension) for ∫_box f by the tensor Gauss rule (module docstring):
    the fewest nodes whose error bound is below `target`, else the most accurate affordable
    rule. Raises CannotBound where f has no series on the box (the caller falls back)."""
    n = len(box)
    top = min(MAX_NODES, int(round(max_evaluations ** (1 / n))))
    errors = gauss_error_bounds(root, box, top)
    if errors is None:
        raise CannotBound("no Taylor series on this piece")
    sizes = {m: 2 * rounding.arb_upper(e.rad()) for m, e in errors.items() if e.is_finite()}
    if not sizes:
        raise CannotBound("no finite derivative bound on this piece")
    good = [m for m in sorted(sizes) if sizes[m] <= target]
    if good:
        m = good[0]
    else:  # the piece will likely be split: a cheap rule near the best accuracy
        best = min(sizes.values())
        m = min(k for k in sizes if sizes[k] <= CHEAP_FACTOR * best)
    return gauss_sum(root, box, m) + errors[m], m
