"""Enclosures of ∫ f over one piece (an interval in 1-D, a box in n-D), computed with arb.

Every function here returns an arb ball that contains the exact integral of f over the piece,
or raises `CannotBound` (f could not be bounded there: a domain boundary, a pole, overflow).

- 1-D (`series_piece`): f(c + t) = Σ_{i<d} f^(i)(c)/i! t^i + r(t) t^d with r(t) = f^(d)(ξ)/d! for
  some ξ in the piece (Lagrange), so r(t) lies in the degree-d coefficient of the series of f over
  the whole piece. Each term is integrated exactly over [lo − c, hi − c]; the remainder with
  `mid ± rad` of its coefficient: ∫ r t^d ∈ mid·∫t^d ± rad·∫|t|^d (r varies with t).
  d ≤ `length` is the first degree whose estimated remainder meets the piece's target (any d
  is sound), from one ball series, then one point series of d terms.
- n-D (`gauss_piece`): the tensor Gauss-Legendre rule with m nodes per dimension plus its error
  term, ∫ − Q ∈ Σ_i κ_m(w_i)·(vol/w_i)·∂_i^(2m) f(box) with κ_m(w) = w^(2m+1) (m!)^4 /
  ((2m+1) ((2m)!)^3) (write ∫ − Q as a telescoping sum of one-dimensional rule errors; the
  weights are positive). ∂_i^(2m) f over the box comes from a series in x_i with the other
  variables as balls. Intersected with `range_piece`.
- n-D fallback (`taylor_piece`): the interval Taylor model of `arb_backend.taylor_eval`
  (pointwise coefficients C_α), integrated monomial by monomial like the 1-D remainder.
- `range_piece`: range of f over the piece × its volume (kinks, endpoint singularities).
1-D analytic f: `integrate_disc` (tried first); 1-D kinks: `integrate_kinks`.
Callers run these inside `rounding.precision()`.
"""
import math
from fractions import Fraction

from flint import arb, arb_poly, ctx

from . import balls, rounding
from .arb_backend import plan, range_eval, taylor_eval
from .errors import DomainError
from .integrate_kinks import partial_series
from .rounding import to_arb

MAX_LENGTH = 40  # longest 1-D series of the real (Lagrange) method on one piece
_UNIT = arb(0, 1)  # the ball [-1, 1]


class CannotBound(Exception):
    """f could not be bounded on this piece; the message says why."""


def dyadic_inside(lo, hi):
    """A short dyadic strictly inside (lo, hi), in its middle half (the midpoint when that is
    dyadic). Short dyadics keep centres exact and series at them thin."""
    p, q, r, s = lo.numerator, lo.denominator, hi.numerator, hi.denominator
    if q & (q - 1) == 0 and s & (s - 1) == 0:  # dyadic ends: the midpoint, in integers
        d = max(q, s)
        return Fraction(p * (d // q) + r * (d // s), 2 * d)
    mid = (lo + hi) / 2
    if mid.denominator & (mid.denominator - 1) == 0:
        return mid
    quarter = (hi - lo) / 4
    k = quarter.numerator.bit_length() - quarter.denominator.bit_length()
    step = Fraction(2) ** k
    while step > quarter:
        step /= 2
    return Fraction((mid / step).__floor__()) * step


def bisect(box):
    """Two halves of the box along its widest dimension, split at a short dyadic."""
    k = max(range(len(box)), key=lambda j: box[j][1] - box[j][0])
    lo, hi = box[k]
    p = dyadic_inside(lo, hi)
    return [box[:k] + [(lo, p)] + box[k + 1:], box[:k] + [(p, hi)] + box[k + 1:]]


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


def shifted_ends(a, b):
    """Balls containing lo − c ≤ 0 and hi − c ≥ 0, from balls a ∋ lo − c and b ∋ hi − c
    (exact when the ends are dyadic)."""
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


def point_range(root, ranges):
    """`arb_backend.range_eval`: the range of f over the box of `ranges`. Raises CannotBound."""
    try:
        return plan(root).ranges(ranges)[-1]
    except DomainError as err:
        raise CannotBound(str(err)) from None
    except IndexError:  # rules.Rule.point at an exact 0 (e.g. atan): a core bug, fail closed
        raise CannotBound("range evaluation failed at an exact zero") from None


def _choose_degree(over, left, right, target=0.0):
    """The first d < len(over) whose estimated remainder width 2 rad(over[d])·∫|t|^d,
    ∫|t|^d = (left^(d+1) + right^(d+1))/(d+1), is at most `target`, else the d where it is
    smallest (a heuristic: any d is sound). A radius that is 0 as a float (exact, or below
    the float range) counts as −inf."""
    big = max(left, right)
    log_big, ratio = math.log2(big), min(left, right) / big
    goal = math.log2(target) if target > 0 else -math.inf
    best, best_d = math.inf, 0
    for d, c in enumerate(over):
        r = float(c.rad())
        if r == 0.0:
            return d
        estimate = (1 + math.log2(r) + (d + 1) * log_big - math.log2(d + 1)
                    + math.log2(1 + ratio ** (d + 1)))
        if estimate <= goal:
            return d
        if estimate < best:
            best, best_d = estimate, d
    return best_d


def series_piece(root, lo, hi, center, length, target=0.0):
    """(enclosure, degree) for ∫_lo^hi f, using Taylor series at `center` (a dyadic inside)
    of degree ≤ length, the lowest whose remainder estimate is below `target` (see module
    docstring). Raises CannotBound where f has no series."""
    ends = to_arb(lo), to_arb(hi)
    c = to_arb(center)
    over = partial_series(root, [ends[0].union(ends[1])], 0, length + 1, ends, finite=False)
    if over is None:
        raise CannotBound("no Taylor series on this piece")
    a, b = shifted_ends(ends[0] - c, ends[1] - c)
    degree = _choose_degree(over, float(-a), float(b), target)
    point = partial_series(root, [c], 0, degree, finite=False) if degree else []
    if point is None:
        raise CannotBound("no Taylor series at the centre")
    total = polynomial_integral(point, a, b)
    n = degree + 1
    pa, pb = balls.ipow(a, n), balls.ipow(b, n)
    signed = (pb - pa) / n
    absolute = (pb + abs(pa)) / n if n % 2 == 0 else signed
    total += _coefficient_term(over[degree], signed, absolute)
    if not total.is_finite():  # also where a coefficient used is not finite
        raise CannotBound("the Taylor enclosure is not finite here")
    return total, degree


def polynomial_integral(coeffs, a, b):
    """∫_a^b Σ coeffs[i] t^i dt (a, b exact balls, a ≤ 0 ≤ b)."""
    if (a + b).is_zero():  # a = −b: odd powers integrate to 0, ∫ = 2·P(b), P odd
        return 2 * _antiderivative(coeffs, even_only=True)(b)
    antiderivative = _antiderivative(coeffs)
    return antiderivative(b) - antiderivative(a)


def _antiderivative(coeffs, even_only=False):
    """The arb_poly Σ coeffs[i]·t^(i+1)/(i+1) (over even i only if `even_only`)."""
    return arb_poly([0] + [0 if even_only and i % 2 else c / (i + 1)
                           for i, c in enumerate(coeffs)])


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
    monomials = [_Monomials(*shifted_ends(to_arb(lo - c), to_arb(hi - c)))
                 for (lo, hi), c in zip(box, center)]
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
        raise RuntimeError("series longer than ctx.cap: run inside rounding.precision()")
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


def gauss_piece(root, box, target, max_evaluations=600, split_above=math.inf):
    """(enclosure, nodes per dimension) for ∫_box f by the tensor Gauss rule (module docstring):
    the fewest nodes whose error bound is below `target`, else the most accurate affordable
    rule; (None, 0) without summing the rule where even its smallest error bound is above
    `split_above` (the caller will split the box anyway). Raises CannotBound where f has no
    series on the box (the caller falls back)."""
    n = len(box)
    top = min(MAX_NODES, int(round(max_evaluations ** (1 / n))))
    errors = gauss_error_bounds(root, box, top)
    if errors is None:
        raise CannotBound("no Taylor series on this piece")
    sizes = {m: 2 * rounding.arb_upper(e.rad()) for m, e in errors.items() if e.is_finite()}
    if not sizes:
        raise CannotBound("no finite derivative bound on this piece")
    good = [m for m in sorted(sizes) if sizes[m] <= target]
    if min(sizes.values()) > split_above:
        return None, 0
    if good:
        m = good[0]
    else:  # the piece will likely be split: a cheap rule near the best accuracy
        best = min(sizes.values())
        m = min(k for k in sizes if sizes[k] <= CHEAP_FACTOR * best)
    return gauss_sum(root, box, m) + errors[m], m
