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
- 1-D, analytic f (`disc_piece`, tried first): if f extends holomorphically to a neighbourhood
  of the closed disc D = {|z − c| ≤ R} with |f| ≤ M there, Cauchy's estimate gives
  |f^(k)(c)/k!| ≤ M/R^k, and for |t| ≤ h < R, f(c + t) = Σ_k a_k t^k. So
  ∫_lo^hi f − ∫ Σ_{k<d} a_k t^k lies in ±Σ_{k≥d} M R^-k ∫|t|^k ≤ ±M/(d+1)·Σ_{s∈{l,r}} s·q_s^d/(1−q_s)
  (l = c − lo, r = hi − c, q_s = s/R < 1), with the a_k from one point series at c. M and the
  holomorphy come from one acb evaluation of f on a complex ball containing D (`disc_bound`):
  every intermediate ball must be finite (a pole inside makes arb's enclosure infinite, and a
  function that is bounded but not holomorphic on a ball — sqrt, log, pow across their branch
  cut, atan across its cuts, abs/min/max/relu where the real part of their argument changes
  sign — is made to return a non-finite ball: acb's `analytic` flags, or an explicit check).
  A composition of functions holomorphic on the enclosing balls is holomorphic on D, and on the
  real segment each complex function equals the real one (principal branches, the sign of the
  real part of the argument of abs), so its Taylor coefficients at c are f's.
- `range_piece`: range of f over the piece × its volume (kinks, endpoint singularities).
- 1-D kinks (abs, relu, min, max of g): `kink_zeros` finds the zeros of g in floats (sign
  changes between samples, then the Illinois method) and `kink_cuts` cuts at each zero where g
  is exactly 0 there (`exact_zero`, arb), else around it a short piece (a heuristic; any cut is
  sound). On the pieces between, the series over the piece uses the sign of g (g ≥ 0 or g ≤ 0
  on the closed piece) proven by `_sign_over` (ball value, monotonicity with the value at one
  end, or halving), so |g| = ±g there and the piece is smooth.
Callers run these inside `series_context()`.
"""
import math
import operator
from fractions import Fraction

import numpy as np

from flint import acb, arb, arb_poly, arb_series, ctx

from . import balls, rounding
from .arb_backend import plan, series_op, range_eval, taylor_eval
from .errors import DomainError
from .ir import Node
from .rounding import series_coefficients, to_arb

MAX_LENGTH = 40  # longest 1-D series of the real (Lagrange) method on one piece
DISC_DEGREE = 80  # most terms of a disc piece's Taylor polynomial (the checker's MAX_DEGREE too)
_UNIT = arb(0, 1)  # the ball [-1, 1]


class CannotBound(Exception):
    """f could not be bounded on this piece; the message says why."""


def series_context():
    """arb at the working precision, with a power-series cap long enough for every series we
    ask for (arb_series silently truncates at `ctx.cap` terms, 10 by default):
    `rounding.precision()`, whose cap SERIES_CAP exceeds MAX_LENGTH and DISC_DEGREE
    (`partial_series` refuses longer series)."""
    return rounding.precision()


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


def _shifted_ends(a, b):
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


def partial_series(root, box_balls, i, length, ends=None, finite=True):
    """Coefficients c_0..c_{length-1} of the series of f in x_i at (every point of) the box, the
    other variables held as balls: c_j encloses ∂_i^j f(ξ)/j! for every ξ in the box. None
    where f has no series there (a kink, a domain boundary, a non-finite value). Same rules as
    `arb_backend.series_eval` (whose per-operation step it uses). 1-D: `ends` (balls around the
    ends of the piece inside the ball) lets abs/relu/min/max prove the sign of their argument
    (`_kink_series`); the coefficients then hold for every ξ in the piece. `finite=False`:
    non-finite coefficients are returned as they are (for callers that check what they use)."""
    if length > ctx.cap:
        raise RuntimeError("series longer than ctx.cap: run inside series_context()")
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
    a, b = _shifted_ends(ends[0] - c, ends[1] - c)
    degree = _choose_degree(over, float(-a), float(b), target)
    point = partial_series(root, [c], 0, degree, finite=False) if degree else []
    if point is None:
        raise CannotBound("no Taylor series at the centre")
    total = _polynomial_integral(point, a, b)
    n = degree + 1
    pa, pb = balls.ipow(a, n), balls.ipow(b, n)
    signed = (pb - pa) / n
    absolute = (pb + abs(pa)) / n if n % 2 == 0 else signed
    total += _coefficient_term(over[degree], signed, absolute)
    if not total.is_finite():  # also where a coefficient used is not finite
        raise CannotBound("the Taylor enclosure is not finite here")
    return total, degree


def _polynomial_integral(coeffs, a, b):
    """∫_a^b Σ coeffs[i] t^i dt (a, b exact balls, a ≤ 0 ≤ b)."""
    if (a + b).is_zero():  # a = −b: odd powers integrate to 0, ∫ = 2·P(b), P odd
        return 2 * _antiderivative(coeffs, even_only=True)(b)
    antiderivative = _antiderivative(coeffs)
    return antiderivative(b) - antiderivative(a)


def _antiderivative(coeffs, even_only=False):
    """The arb_poly Σ coeffs[i]·t^(i+1)/(i+1) (over even i only if `even_only`)."""
    return arb_poly([0] + [0 if even_only and i % 2 else c / (i + 1)
                           for i, c in enumerate(coeffs)])


# -- 1-D, analytic f: Taylor polynomial plus a Cauchy bound on a complex disc ------------------
_NAN = acb("nan")
_ENTIRE = ("exp", "expm1", "sin", "cos", "tan", "sinh", "cosh", "tanh", "erf")


def _complex_op(node, args):
    """node's operation on acb balls: a ball containing its values, non-finite where the
    holomorphic extension is not proven on the argument balls (module docstring)."""
    op = node.op
    if op in _ENTIRE:  # tan, tanh: poles make the ball infinite
        return getattr(args[0], op)()
    if op in ("add", "sub", "mul", "div", "neg"):
        a = args[0]
        return (-a if op == "neg" else a + args[1] if op == "add" else a - args[1]
                if op == "sub" else a * args[1] if op == "mul" else a / args[1])
    if op == "powi":
        n = node.literal
        p = balls.ipow(args[0], abs(n))
        return p if n >= 0 else 1 / p
    if op == "pow":  # real pow needs a > 0; acb skips the cut check for an exact integer b
        return args[0].pow(args[1], analytic=True) if args[0].real > 0 else _NAN
    if op in ("sqrt", "log"):
        return getattr(args[0], op)(analytic=True)
    if op == "log1p":
        return (1 + args[0]).log(analytic=True)
    if op == "atan":  # cuts: the imaginary axis beyond ±i
        a = args[0]
        return a.atan() if a.real > 0 or a.real < 0 or abs(a.imag) < 1 else _NAN
    if op in ("sigmoid", "swish"):
        s = 1 / (1 + (-args[0]).exp())
        return s if op == "sigmoid" else args[0] * s
    if op == "softplus":
        return (1 + args[0].exp()).log(analytic=True)
    if op == "abs":
        return args[0].real_abs(analytic=True)
    if op == "relu":
        return args[0].real_max(acb(0), analytic=True)
    if op in ("min", "max"):
        return getattr(args[0], "real_" + op)(args[1], analytic=True)
    return _NAN  # an operation without a proven holomorphic extension


COMPLEX_OPS = frozenset(_ENTIRE + ("var", "const", "pi", "e", "add", "sub", "mul", "div", "neg",
                                   "powi", "pow", "sqrt", "log", "log1p", "atan", "sigmoid",
                                   "swish", "softplus", "abs", "relu", "min", "max"))


def has_complex_extension(root):
    """Whether every operation of f has a complex version in `disc_bound`."""
    return all(node.op in COMPLEX_OPS for node in plan(root).nodes)


def disc_bound(root, center, radius):
    """An arb M ≥ |f| on the closed disc |z − center| ≤ radius (center: an arb ball, the disc
    is around each of its points; radius: a float), where f is proven holomorphic; None where
    it is not (module docstring)."""
    p = plan(root)
    spread = arb(0, radius)
    z = acb(center + spread, spread)  # a box containing the disc
    values = []
    for k, node in enumerate(p.nodes):
        if node.op == "var":
            out = z
        elif k in p.constants:
            out = acb(p.constants[k])
        else:
            out = _complex_op(node, [values[a] for a in p.args[k]])
            if not out.is_finite():
                return None
        values.append(out)
    return arb(values[-1].abs_upper().upper())


DISC_RATIOS = (2, 4, 8, 16)      # disc radius / half-length tried first, growing while it pays
DISC_SMALL = (1.5, 1.25, 1.125)  # tried when the radius-2 disc is not proven holomorphic


def disc_remainder(m, left, right, radius, d):
    """A ball containing [−E, E], E = M/(d+1)·Σ_s s·q_s^d/(1 − q_s) for s in (left, right),
    q_s = s/radius < 1 (arb balls): the bound on the remainder beyond degree d − 1."""
    total = arb(0)
    for s in (left, right):
        q = s / radius
        if not q < 1:
            return arb.nan()
        total += s * balls.ipow(q, d) / (1 - q)
    return _UNIT * (m * total / (d + 1))


def _degree_for(m, length, q, target):
    """The degree d ≤ DISC_DEGREE (≥ 1) at which the estimate M·length·q^d/(1 − q) of the
    remainder meets target (DISC_DEGREE if none does), and that estimate (floats)."""
    scale = m * length / (1 - q)
    if not 0 < scale < math.inf:
        return DISC_DEGREE, scale
    ratio = target / scale
    d = DISC_DEGREE if not ratio > 0 else math.ceil(math.log(ratio) / math.log(q))
    d = min(max(d, 1), DISC_DEGREE)
    return d, scale * q ** d


def disc_radius(root, center, half, length, target):
    """(radius, M, degree, estimated remainder) of the best disc tried around the arb ball
    `center` of a piece with `half` ≥ the largest distance from the centre to an end and
    `length` (floats), or None where f is not proven holomorphic on any disc tried. Larger
    discs are tried while they lower the degree (then the estimate); smaller ones until one
    works. Every radius is > half, so the disc holds the piece."""
    best = None
    for ratios in (DISC_RATIOS, DISC_SMALL):
        for ratio in ratios:
            radius = half * ratio
            m = disc_bound(root, center, radius) if radius > half else None
            mf = math.inf if m is None else float(m)  # a heuristic: the proof uses m itself
            if not mf < math.inf:
                if ratios is DISC_SMALL:
                    continue
                break
            d, estimate = _degree_for(mf, length, 1 / ratio, target)
            if best is not None and (d, estimate) >= best[2:]:
                break
            best = (radius, m, d, estimate)
        if best is not None:
            return best
    return None


def disc_piece(root, lo, hi, center, radius, m, degree):
    """(enclosure, degree) for ∫_lo^hi f: the Taylor polynomial with `degree` terms at the
    dyadic `center` integrated exactly, plus the Cauchy remainder for |f| ≤ m on the disc of
    `radius` (from `disc_radius`). Raises CannotBound where the point series fails."""
    c = to_arb(center)
    point = partial_series(root, [c], 0, degree)
    if point is None:
        raise CannotBound("no Taylor series at the centre")
    a, b = _shifted_ends(to_arb(lo) - c, to_arb(hi) - c)
    rest = disc_remainder(m, -a, b, arb(radius), degree)
    total = _polynomial_integral(point, a, b) + rest
    if not total.is_finite():
        raise CannotBound("the Taylor enclosure is not finite here")
    return total, degree


# -- 1-D kinks: where to split (a heuristic; splitting anywhere is sound) ------------------------
KINK_OPS = ("abs", "relu", "min", "max")
KINK_SAMPLES = 16    # sign changes of g are looked for between this many + 1 equispaced points
ROOT_STEPS = 60      # most steps of the float root finder per bracket


def kink_arguments(root):
    """The kink nodes of f: abs(g), relu(g), min(a, b), max(a, b) (g = a − b)."""
    return [n for n in plan(root).nodes if n.op in KINK_OPS]


_FLOAT_OPS = {
    "neg": lambda a: -a, "exp": math.exp, "expm1": math.expm1, "log": math.log,
    "log1p": math.log1p, "sqrt": math.sqrt, "sin": math.sin, "cos": math.cos, "tan": math.tan,
    "atan": math.atan, "sinh": math.sinh, "cosh": math.cosh, "tanh": math.tanh, "erf": math.erf,
    "sigmoid": lambda a: 1 / (1 + math.exp(-a)), "softplus": lambda a: math.log1p(math.exp(a)),
    "relu": lambda a: max(a, 0.0), "swish": lambda a: a / (1 + math.exp(-a)), "abs": abs,
    "add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv,
    "min": min, "max": max, "pow": lambda a, b: float(a ** b), "powi": lambda a, n: float(a ** n),
}
_ARRAY_OPS = dict(
    _FLOAT_OPS, **{name: getattr(np, name) for name in (
        "exp", "expm1", "log", "log1p", "sqrt", "sin", "cos", "tan", "sinh", "cosh", "tanh")},
    atan=np.arctan, erf=np.vectorize(math.erf, otypes=[float]), abs=np.abs,
    sigmoid=lambda a: 1 / (1 + np.exp(-a)), softplus=lambda a: np.log1p(np.exp(a)),
    relu=lambda a: np.maximum(a, 0.0), swish=lambda a: a / (1 + np.exp(-a)),
    min=np.minimum, max=np.maximum, pow=np.power, powi=lambda a, n: a ** float(n))


_PROGRAMS = {}  # (id(root), id(table)) -> (root, kinks, program)


def _float_program(root, kinks, table):
    """(steps, outputs): f's nodes as (function from `table` or a constant, argument
    positions) and the positions of each kink node's arguments (floats: nothing proven).
    Cached per expression."""
    key, kinks = (id(root), id(table)), tuple(kinks)
    entry = _PROGRAMS.get(key)
    if entry is None or entry[0] is not root or entry[1] != kinks:
        if len(_PROGRAMS) >= 64:
            _PROGRAMS.clear()
        entry = _PROGRAMS[key] = (root, kinks, _build_float_program(root, kinks, table))
    return entry[2]


def _build_float_program(root, kinks, table):
    p = plan(root)
    steps = []
    for k, node in enumerate(p.nodes):
        if node.op in ("const", "pi", "e"):
            steps.append((math.pi if node.op == "pi" else math.e if node.op == "e"
                          else float(node.literal), None))
        elif node.op == "powi":
            steps.append((lambda a, n=node.literal: table["powi"](a, n), p.args[k]))
        else:
            steps.append((None if node.op == "var" else table[node.op], p.args[k]))
    index = {id(node): k for k, node in enumerate(p.nodes)}
    outputs = [[index[id(a)] for a in node.args] for node in kinks]
    needed = max((a for out in outputs for a in out), default=-1) + 1
    return steps[:needed], outputs  # the nodes the kink arguments need


def _run_float(program, x):
    """The kink arguments g at x (a float, or an array of floats: then non-finite where
    undefined); raises ArithmeticError, ValueError or TypeError where a float op fails."""
    steps, outputs = program
    v = []
    for fn, args in steps:
        v.append(fn if args is None else x if fn is None else fn(*[v[a] for a in args]))
    return [v[a[0]] if len(a) == 1 else v[a[0]] - v[a[1]] for a in outputs]


def kink_zeros(root, kinks, lo, hi):
    """Approximate zeros in [lo, hi] of the kink arguments g: sign changes of g (in floats)
    between sample points refined by the Illinois method, and zeros at them. Returns the
    sorted Fractions and the set of those where g is 0 in floats (maybe exactly 0)."""
    a, b = float(lo), float(hi)
    xs = a + np.arange(KINK_SAMPLES + 1) * ((b - a) / KINK_SAMPLES)
    points = xs.tolist()
    with np.errstate(all="ignore"):
        samples = _run_float(_float_program(root, kinks, _ARRAY_OPS), xs)
    program = _float_program(root, kinks, _FLOAT_OPS)
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
            g = _run_float(program, x)[k]
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
    monomials = [_Monomials(*_shifted_ends(to_arb(lo - c), to_arb(hi - c)))
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
