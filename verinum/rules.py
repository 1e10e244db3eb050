"""Elementary-function rules: one registry, one rule per operation.

Every rule φ provides
- `range(lo, hi)`: exact ends of an interval containing {φ(t) : t ∈ [lo, hi]}, or DomainError
  when [lo, hi] leaves φ's domain;
- `series(s)`: φ applied to an arb_series (Taylor coefficients at a point, or derivative ranges
  over a ball), as arb's own series functions or exact identities of them;
- `enclosure(y0, lo, hi, k)`: balls A_0..A_k with φ(y) ∈ Σ A_i (y − y0)^i for every y in
  [lo, hi] (y0 in [lo, hi]; all three exact). This is the AutoBound "sharp Taylor enclosure":

  Guarantee and source. Write T_{k-1} for the degree k−1 Taylor polynomial of φ at y0 and
  R_k(y) = (φ(y) − T_{k-1}(y)) / (y − y0)^k = ∫_0^1 φ^(k)(y0 + s(y − y0)) k(1−s)^(k−1)/k! ds.
  A_i (i < k) contain the Taylor coefficients a_i and A_k contains R_k([lo, hi]); the sharp
  A_k is that range itself (Streeter & Dillon, "Automatically Bounding the Taylor Remainder
  Series", §3), which verinum encloses up to rounding:
  (1) If every φ^(k) is monotone (`monotone_derivatives`: exp, log, sqrt, ...), so is R_k
  (ibid., Thm. 3.2), hence R_k([lo, hi]) = hull(R_k(lo), R_k(hi)), intersected with the
  Lagrange bound (the range of φ^(k)/k!).
  (2) Otherwise, R_k's range by branch and bound (`_Remainder.range`): R_k and its derivatives
  are enclosed by a mean-value form near y0 and by the series of the quotient away from it;
  pieces of [lo, hi] on which R_k' has a sign contribute their end values, a zero of R_k' is
  enclosed by interval Newton where R_k'' has a sign, and other pieces are halved, within a
  budget (past it: the pieces left, intersected with Lagrange's bound and, for sin and cos,
  with [−1, 1]/k!). This is sharp where AutoBound's rules are, and also for sigmoid, tanh,
  softplus, swish, sin, ... whose derivatives are not monotone.
  Coefficients whose arb value is not finite (e.g. sqrt at 0) lower the degree until the
  enclosure is finite; degree 0 is the range of φ.
Derivative ranges over a sub-ball use a centred Taylor expansion of the coefficient (arb series
over wide balls suffer from dependency), and tanh, sigmoid and softplus series over balls come
from their ODEs (tanh' = 1 − tanh², σ' = σ(1 − σ)) rather than from closed forms.
Non-smooth rules (abs, relu) give their own sharp degree-1 enclosure.
"""
import math

from flint import arb, arb_series, ctx

from . import balls
from .errors import DomainError, UnsupportedOperationError
from .rounding import series_coefficients

_SUBDIVISIONS = 8


def _fmt(lo, hi):
    return f"[{lo.str(8, radius=False)}, {hi.str(8, radius=False)}]"


class Rule:
    """A smooth elementary function φ. Subclasses set `name`, `series` and, where they know
    them, `monotone`, `monotone_derivatives`, `check_domain`, `point`, `range`."""
    name = ""
    monotone = False              # φ itself monotone on its domain: range = hull of end values
    monotone_derivatives = False  # every φ^(k) monotone on the domain (exp, log, sqrt, ...)
    derivative_bound = None       # B with |φ^(k)| ≤ B everywhere, every k ≥ 1 (sin, cos: 1)

    def check_domain(self, lo, hi):
        """Raise DomainError if [lo, hi] (exact) is not inside φ's domain."""

    def point(self, y):
        """φ at an exact point, as a ball."""
        return series_coefficients(self.series(arb_series([y], prec=1)), 1)[0]

    def range(self, lo, hi):
        self.check_domain(lo, hi)
        if self.monotone:
            return balls.r_hull(balls.ends(self.point(lo)), balls.ends(self.point(hi)))
        return self._range_generic(lo, hi)

    def _range_generic(self, lo, hi):
        """Hull of the end values if φ' has a sign on [lo, hi], else the union over sub-balls."""
        return balls.ends(_range_of_coefficient(self, lo, hi, 0))

    def series(self, s):
        raise NotImplementedError

    def taylor_at(self, y0, length):
        """Balls containing φ^(i)(ξ)/i! for i < length and every ξ in the ball y0 (nan balls
        where arb cannot evaluate the series there, e.g. huge wide balls)."""
        try:
            return series_coefficients(self.series(arb_series([y0, 1], prec=length)), length)
        except (ArithmeticError, ValueError, ZeroDivisionError):
            return [arb.nan()] * length

    def enclosure(self, y0, lo, hi, k):
        self.check_domain(lo, hi)
        for degree in range(k, 0, -1):
            coeffs = self.taylor_at(y0, degree + 1)[:degree]
            if not all(c.is_finite() for c in coeffs):
                continue
            top = self._remainder(y0, lo, hi, degree)
            if top.is_finite():
                return coeffs + [top] + [arb(0)] * (k - degree)
        return [balls.to_ball(self.range(lo, hi))] + [arb(0)] * k

    def _remainder(self, y0, lo, hi, k):
        """A ball containing R_k(y) for all y in [lo, hi] (see the module docstring)."""
        remainder = _Remainder(self, y0, k)
        if self.monotone_derivatives:  # φ^(k) monotone, hence R_k: the hull of its end values
            lagrange = balls.span(self.taylor_at(lo, k + 1)[k], self.taylor_at(hi, k + 1)[k])
            return balls.intersect(balls.span(remainder.value(lo), remainder.value(hi)), lagrange)
        out, rest = remainder.range(lo, hi)
        if rest:  # piece budget spent: add the pieces left, intersect with Lagrange's bound
            out = _union([out] + rest)
            lagrange = _union(p[k] for p in _sub_ball_coefficients(self, lo, hi, k + 1))
            out = balls.intersect(out, lagrange)
            if self.derivative_bound is not None:
                bound = self.derivative_bound / arb.fac_ui(k)
                out = balls.intersect(out, balls.span(-bound, bound))
        return out


class _Remainder:
    """R(y) = R_k(y) = (φ(y) − T_{k−1}(y)) / (y − y0)^k as a function with Taylor series.

    `taylor_at(y, n)` encloses R^(i)(ξ)/i! for ξ in the ball y, i < n, by
    (a) the mean-value form R^(i)(ξ)/i! ∈ c_{k+i}(hull(ξ, y0)) (c_j = φ^(j)/j!), which follows from
        R^(i)(y) = ∫_0^1 φ^(k+i)(y0 + s(y − y0)) s^i (1−s)^(k−1)/(k−1)! ds, a positive weight of
        total mass i!/(k+i)!; exact at y = y0, tight near it;
    (b) where y excludes y0, the series of the quotient itself, at a precision raised by the
        bits that the division by (y − y0)^(k+i) cancels; tight away from y0."""

    def __init__(self, rule, y0, k):
        self.rule, self.y0, self.k = rule, y0, k
        self._taylor = {}  # precision -> Taylor coefficients a_0..a_{k−1} at y0

    def taylor_at(self, y, length):
        k, y0 = self.k, self.y0
        if y.is_exact() and not y == y0:  # (b) is accurate at a point
            direct = self._quotient(y, length)
            if all(c.is_finite() for c in direct):
                return direct
        mean = self.rule.taylor_at(balls.span(y, y0), k + length)[k:]
        if not abs(y - y0) > _FAR * y.rad():  # (b) over a ball only pays far from y0
            return mean
        return [balls.intersect(a, b) for a, b in zip(mean, self._quotient(y, length))]

    def _quotient(self, y, length):
        """(b), with T_{k−1}'s coefficients recomputed at the raised precision (R is defined by
        the exact ones)."""
        d = y - self.y0
        saved = ctx.prec
        ctx.prec = saved + 64 * (1 + min(_bits_below_one(d) * (self.k + length),
                                         _MAX_EXTRA_BITS) // 64)
        try:
            if ctx.prec not in self._taylor:
                self._taylor[ctx.prec] = self.rule.taylor_at(self.y0, self.k)
            phi = [self.rule.point(y)] if length == 1 else self.rule.taylor_at(y, length)
            shift = arb_series([d, 1], prec=length)  # y − y0 + u
            poly = arb_series([0], prec=length)
            for c in reversed(self._taylor[ctx.prec]):
                poly = poly * shift + c
            numerator = arb_series(phi, prec=length) - poly
            return series_coefficients(numerator / balls.ipow(shift, self.k), length)
        except (ArithmeticError, ValueError, ZeroDivisionError):
            return [arb.nan()] * length
        finally:
            ctx.prec = saved

    def value(self, y):
        return self.taylor_at(y, 1)[0]

    def range(self, lo, hi):
        """(ball, rest): R([lo, hi]) (y0 in [lo, hi]) lies in the union of the ball (sharp up to
        rounding) and the enclosures in `rest` of the pieces left when the budget ran out.

        Pieces of [lo, y0] and [y0, hi] (their ends are evaluated) are dropped when R's
        enclosure over them lies inside the values found so far or R' has a sign on them (R is
        monotone: its ends bound it); where R'' has a sign, R' has at most one zero, which
        interval Newton encloses in a tiny ball C, adding R(C); other pieces are halved."""
        out = None  # the hull of the values found, as exact ends (a ball would round at each union)
        for v in [self.value(y) for y in (lo, self.y0, hi)]:
            out = balls.ends(v) if out is None else balls.r_hull(out, balls.ends(v))
        todo = [self._piece(a, b) for a, b in ((lo, self.y0), (self.y0, hi)) if a < b]
        for _ in range(_RANGE_PIECES):
            if not todo:
                break
            a, b, r = todo.pop(0)
            if (r[0].lower() >= out[0] and r[0].upper() <= out[1]) or _has_sign(r[1]):
                continue
            if r[2] > 0 or r[2] < 0:
                found, c = self._critical_point(a, b, r[2])
                if found:
                    if c is not None:
                        out = balls.r_hull(out, balls.ends(self._over_tiny(c)))
                    continue
            m = arb(((a + b) / 2).mid())
            out = balls.r_hull(out, balls.ends(self.value(m)))
            todo += [self._piece(a, m), self._piece(m, b)]
        return balls.to_ball(out), [r[0] for _, _, r in todo]

    def _piece(self, a, b):
        """(a, b, enclosures of R, R', R''/2 over [a, b])."""
        return a, b, _coefficients_over(self, balls.span(a, b), 3, 6)

    def _critical_point(self, a, b, second):
        """(True, ball containing the zero of R' in [a, b]), (True, None) if there is none, or
        (False, None) if Newton does not converge, given R''/2 ∈ `second` > 0 or < 0 on [a, b]
        (interval Newton: a zero z ∈ c satisfies z ∈ m − R'(m)/R''(c) for m in c)."""
        c = balls.span(a, b)
        for _ in range(_NEWTON_STEPS):
            m = c.mid()
            step = m - self.taylor_at(m, 2)[1] / (2 * second)
            if not step.overlaps(c):
                return True, None
            c = c.intersection(step)
            if c.rad() <= _NEWTON_WIDTH * (b - a).upper():
                return True, c
            second = balls.intersect(second, _coefficients_over(self, c, 3)[2])
            if not (second > 0 or second < 0):
                break
        return False, None

    def _over_tiny(self, c):
        """R over a small ball c: R(m) + R'(c)·(c − m)."""
        m = arb(c.mid())
        return self.value(m) + self.taylor_at(c, 2)[1] * (c - m)


def _bits_below_one(d):
    """About log2(1/|d|) for a ball d away from 0 (0 if |d| ≥ 1 or d is not finite): the bits
    that a division by d cancels."""
    low = abs(d).lower()
    if not low.is_finite() or low.is_zero():
        return 0
    man, exp = low.mid().man_exp()
    return max(0, -(int(exp) + int(man).bit_length()))


def _has_sign(x):
    return x >= 0 or x <= 0


_RANGE_PIECES = 32     # pieces examined by _Remainder.range
_NEWTON_STEPS = 8
_NEWTON_WIDTH = 2.0 ** -40  # critical-point ball width, relative to its piece: R error ~ width²
_MAX_EXTRA_BITS = 4096
_FAR = 2  # distance from y0, in radii of a ball, beyond which (b) is tried over it


def _cover(lo, hi, count):
    """Balls covering [lo, hi] in `count` consecutive sub-intervals (one if lo = hi)."""
    if hi == lo:
        return [lo]
    width = (hi - lo) / count
    out, a = [], lo
    for j in range(count):
        b = hi if j == count - 1 else lo + width * (j + 1)
        out.append(balls.span(a, b))
        a = b
    return out


_EXPANSION_ORDER = 4


def _coefficients_over(rule, ball, count, order=_EXPANSION_ORDER):
    """Balls containing c_i(ξ) = φ^(i)(ξ)/i! for every ξ in `ball`, for i < count.

    arb series over a wide ball suffer from the dependency problem (1/(1 + e^−s) over [0, 0.25]
    has its second coefficient off by 10×), so c_i is also expanded at the centre m:
    c_i(y) = Σ_{j<J} C(i+j, j) c_{i+j}(m) (y − m)^j + C(i+J, J) c_{i+J}(ξ) (y − m)^J,
    with the ball series used only in the last term, and intersected with the direct one."""
    m = arb(ball.mid())
    over = rule.taylor_at(ball, count + order)
    at_m = rule.taylor_at(m, count + order - 1)
    offset = balls.ends(ball - m)
    powers = [balls.to_ball(balls.r_power(offset, j)) for j in range(order + 1)]
    out = []
    for i in range(count):
        total = math.comb(i + order, order) * over[i + order] * powers[order]
        for j in range(order):
            total += math.comb(i + j, j) * at_m[i + j] * powers[j]
        out.append(balls.intersect(over[i], total))
    return out


def _sub_ball_coefficients(rule, lo, hi, length):
    """For each of a few sub-balls P covering [lo, hi], the first `length` series coefficients
    c_i of φ over P: each encloses φ^(i)(ξ)/i! for every ξ in P (see `_coefficients_over`)."""
    return [_coefficients_over(rule, piece, length) for piece in _cover(lo, hi, _SUBDIVISIONS)]


def _same_sign(values):
    values = list(values)
    return all(v >= 0 for v in values) or all(v <= 0 for v in values)


def _union(values):
    out = None
    for v in values:
        out = v if out is None else out.union(v)
    return out


def _range_of_coefficient(rule, lo, hi, index):
    """Ball containing φ^(index)/index! over [lo, hi]: the hull of the end values if the next
    derivative has a fixed sign there, else the union over sub-balls."""
    pieces = _sub_ball_coefficients(rule, lo, hi, index + 2)
    if _same_sign(p[index + 1] for p in pieces):
        return balls.span(rule.taylor_at(lo, index + 1)[index], rule.taylor_at(hi, index + 1)[index])
    return _union(p[index] for p in pieces)


# -- the smooth rules ---------------------------------------------------------------------------
class Exp(Rule):
    """exp(y). Monotone, all derivatives monotone: the sharp enclosure (1) always applies."""
    name, monotone, monotone_derivatives = "exp", True, True

    def point(self, y):
        return y.exp()

    def series(self, s):
        return s.exp()


class Expm1(Rule):
    """expm1(y) = exp(y) − 1, evaluated by arb without cancellation; as exp for the rest."""
    name, monotone, monotone_derivatives = "expm1", True, True

    def point(self, y):
        return y.expm1()

    def series(self, s):
        c0 = s[0]  # expm1(c0 + u) = expm1(c0) + e^c0·(e^u − 1): no cancellation at c0
        return arb_series([c0.expm1()], prec=s.prec) + c0.exp() * ((s - c0).exp() - 1)


class Log(Rule):
    """log(y) for y > 0. Each derivative (−1)^(k−1)(k−1)!/y^k is monotone on (0, ∞)."""
    name, monotone, monotone_derivatives = "log", True, True

    def point(self, y):
        return y.log()

    def check_domain(self, lo, hi):
        if not lo > 0:
            raise DomainError(f"log of a range reaching {_fmt(lo, hi)}: log needs arguments > 0",
                              "log", lo, hi)

    def series(self, s):
        return s.log()


class Log1p(Rule):
    """log1p(y) = log(1 + y) for y > −1 (as log, shifted)."""
    name, monotone, monotone_derivatives = "log1p", True, True

    def check_domain(self, lo, hi):
        if not lo > -1:
            raise DomainError(f"log1p of a range reaching {_fmt(lo, hi)}: needs arguments > -1",
                              "log1p", lo, hi)

    def point(self, y):
        return y.log1p()

    def series(self, s):
        return (1 + s).log()


class Sqrt(Rule):
    """sqrt(y) for y ≥ 0. Derivatives monotone on (0, ∞) and sqrt is continuous at 0, so the
    sharp bound (1) holds on [0, hi] too; at y0 = 0 the degree drops to 0."""
    name, monotone, monotone_derivatives = "sqrt", True, True

    def check_domain(self, lo, hi):
        if not lo >= 0:
            raise DomainError(f"sqrt of a range reaching {_fmt(lo, hi)}: needs arguments >= 0",
                              "sqrt", lo, hi)

    def point(self, y):
        return y.sqrt()

    def series(self, s):
        return s.sqrt()


class Reciprocal(Rule):
    """1/y for y ≠ 0 (used by division). Derivatives (−1)^k k!/y^(k+1) are monotone on each
    side of 0."""
    name, monotone_derivatives = "recip", True

    def check_domain(self, lo, hi):
        if not (lo > 0 or hi < 0):
            raise DomainError(f"division by a range containing 0: {_fmt(lo, hi)}", "div", lo, hi)

    def range(self, lo, hi):
        self.check_domain(lo, hi)
        return balls.r_hull(balls.ends(1 / lo), balls.ends(1 / hi))

    def series(self, s):
        return s.inv()


class RealPower(Rule):
    """y**c for a constant c (exact), y ≥ 0 (y > 0 if c < 0). Derivatives c(c−1)…y^(c−k) are
    monotone on (0, ∞); y**c is continuous at 0 for c > 0."""
    monotone_derivatives = True

    def __init__(self, c):
        from .rounding import to_arb
        self.c, self.name, self.monotone = c, f"pow(·, {c})", True
        self.c_ball = to_arb(c)  # contains c (exact when c is dyadic)

    def check_domain(self, lo, hi):
        ok = lo > 0 if self.c < 0 else lo >= 0
        if not ok:
            raise DomainError(f"real power {self.c} of a range reaching {_fmt(lo, hi)}: needs "
                              "arguments > 0", "pow", lo, hi)

    def point(self, y):
        return arb(0) if y.is_zero() else y ** self.c_ball

    def series(self, s):
        return s ** self.c_ball


def _maybe_hits(lo, hi, offset, period):
    """False only if no offset + j·period (j integer) lies in [lo, hi] (proven with arb)."""
    a, b = (lo - offset) / period, (hi - offset) / period
    return b.upper().floor() >= a.lower().ceil()


def _periodic_range(lo, hi, value, top, bottom):
    """Range of a 2π-periodic function with maxima at top + 2jπ and minima at bottom + 2jπ."""
    r = balls.r_hull(balls.ends(value(lo)), balls.ends(value(hi)))
    two_pi = 2 * arb.pi()
    low = arb(-1) if _maybe_hits(lo, hi, bottom, two_pi) else r[0]
    high = arb(1) if _maybe_hits(lo, hi, top, two_pi) else r[1]
    return low, high


class Sin(Rule):
    """sin(y). Remainder (2), within [−1, 1]/k! (`derivative_bound`).
    Range: end values plus ±1 wherever a maximum π/2 + 2jπ or minimum −π/2 + 2jπ may lie."""
    name, derivative_bound = "sin", 1

    def point(self, y):
        return y.sin()

    def range(self, lo, hi):
        return _periodic_range(lo, hi, lambda y: y.sin(), arb.pi() / 2, -arb.pi() / 2)

    def series(self, s):
        return s.sin()


class Cos(Rule):
    """cos(y). As sin, with maxima at 2jπ and minima at π + 2jπ."""
    name, derivative_bound = "cos", 1

    def point(self, y):
        return y.cos()

    def range(self, lo, hi):
        return _periodic_range(lo, hi, lambda y: y.cos(), arb(0), arb.pi())

    def series(self, s):
        return s.cos()


class Tan(Rule):
    """tan(y) on a range free of poles π/2 + jπ (proven with arb)."""
    name, monotone = "tan", True

    def check_domain(self, lo, hi):
        pi = arb.pi()
        a, b = (lo + pi / 2) / pi, (hi + pi / 2) / pi  # poles where these are integers
        if a.contains_integer() or b.contains_integer() or not a.floor() == b.floor():
            raise DomainError(f"tan of a range reaching a pole π/2 + jπ: {_fmt(lo, hi)}",
                              "tan", lo, hi)

    def series(self, s):
        return s.tan()


class Atan(Rule):
    """atan(y). Monotone."""
    name, monotone = "atan", True

    def series(self, s):
        return s.atan()


class Sinh(Rule):
    """sinh(y) = (e^y − e^−y)/2. Monotone; sinh^(k+1) is sinh or cosh."""
    name, monotone = "sinh", True

    def point(self, y):
        return y.sinh()

    def series(self, s):
        return (s.exp() - (-s).exp()) / 2


class Cosh(Rule):
    """cosh(y) = (e^y + e^−y)/2."""
    name = "cosh"

    def point(self, y):
        return y.cosh()

    def range(self, lo, hi):
        r = balls.r_hull(balls.ends(self.point(lo)), balls.ends(self.point(hi)))
        return (arb(1), r[1]) if lo < 0 < hi else r

    def series(self, s):
        return (s.exp() + (-s).exp()) / 2


class Tanh(Rule):
    """tanh(y) = 1 − 2/(e^(2y) + 1). Monotone."""
    name, monotone = "tanh", True

    def point(self, y):
        return y.tanh()

    def series(self, s):
        if not s[0].is_exact():  # over a ball: the ODE tanh' = 1 − tanh² (tight)
            lo, hi = balls.ends(s[0])
            return _ode_series(s, balls.span(lo.tanh(), hi.tanh()), _tanh_derivative)
        if s[0] >= 0:
            return 1 - 2 / ((2 * s).exp() + 1)
        return 2 / ((-2 * s).exp() + 1) - 1  # exp of the negative side: no overflow


class Erf(Rule):
    """erf(y) (arb's erf and erf series). Monotone."""
    name, monotone = "erf", True

    def point(self, y):
        return y.erf()

    def series(self, s):
        return s.erf()


class Sigmoid(Rule):
    """sigmoid(y) = 1/(1 + e^−y). Monotone; correct for y0 anywhere in the range."""
    name, monotone = "sigmoid", True

    def series(self, s):
        return _sigmoid_series(s)


class Softplus(Rule):
    """softplus(y) = log(1 + e^y). Monotone, convex."""
    name, monotone = "softplus", True

    def point(self, y):
        return y.max(arb(0)) + (-abs(y)).exp().log1p()

    def series(self, s):
        if not s[0].is_exact():  # over a ball: softplus' = sigmoid
            sig = series_coefficients(_sigmoid_series(s), s.prec)
            lo, hi = balls.ends(s[0])
            return _ode_series(s, balls.span(self.point(lo), self.point(hi)),
                               lambda u, n: sig[n])
        if s[0] >= 0:
            return s + _log1p_series((-s).exp())
        return _log1p_series(s.exp())


class Swish(Rule):
    """swish(y) = y·sigmoid(y)."""
    name = "swish"

    def series(self, s):
        return s * _sigmoid_series(s)


class Abs(Rule):
    """|y|. Off the kink it is ±y (exact). Across the kink (lo < 0 < hi) the sharp degree-1
    enclosure |y| ∈ |y0| + S·(y − y0) holds with S = [(y0 + lo)/(y0 − lo), 1] for y0 ≥ 0 and
    S = [−1, (y0 + hi)/(hi − y0)] for y0 < 0 (the slope of the chord from y0, monotone in y)."""
    name = "abs"

    def range(self, lo, hi):
        return balls.r_abs((lo, hi))

    def series(self, s):
        c = s[0]
        if c > 0:
            return s
        if c < 0:
            return -s
        raise DomainError("abs has no Taylor series at its kink", "abs")

    def enclosure(self, y0, lo, hi, k):
        zeros = [arb(0)] * max(k - 1, 0)
        if lo >= 0 or hi <= 0:
            sign = 1 if lo >= 0 else -1
            return ([sign * y0, arb(sign)] + zeros) if k >= 1 else [balls.to_ball(self.range(lo, hi))]
        if k == 0:
            return [balls.to_ball(self.range(lo, hi))]
        if y0 >= 0:
            slope = balls.span((y0 + lo) / (y0 - lo), arb(1))
        else:
            slope = balls.span(arb(-1), (y0 + hi) / (hi - y0))
        return [abs(y0), slope] + zeros


def _log1p_series(g):
    """log(1 + g) = log1p(g_0) + log(1 + (g − g_0)/(1 + g_0)): no cancellation when g_0 is tiny."""
    g0 = g[0]
    return arb_series([g0.log1p()], prec=g.prec) + (1 + (g - g0) / (1 + g0)).log()


def _ode_series(s, u0, derivative):
    """The series of u(s) from u(s_0) = u0 and u' = g·s', g = derivative(u, n) giving g's n-th
    coefficient from u_0..u_n: (n+1)·u_{n+1} = Σ_{1≤k≤n+1} g_{n+1−k}·k·s_k (exact zeros of s
    skipped). Over a wide ball this avoids the exp/division dependency blow-up of closed formulas."""
    length = s.prec
    slopes = [(k, k * c) for k, c in enumerate(series_coefficients(s, length))
              if k and not c.is_zero()]
    u, g = [u0], []
    for n in range(length - 1):
        g.append(derivative(u, n))
        total = arb(0)
        for k, ks in slopes:
            if k > n + 1:
                break
            total += g[n + 1 - k] * ks
        u.append(total / (n + 1))
    return arb_series(u, prec=length)


def _square_coefficient(u, n):
    """Coefficient n of the series u·u (from u_0..u_n)."""
    total = arb(0)
    for i in range((n + 1) // 2):
        total += u[i] * u[n - i]
    total *= 2
    if n % 2 == 0:
        total += u[n // 2] * u[n // 2]
    return total


def _tanh_derivative(u, n):  # tanh' = 1 − tanh²
    return (1 if n == 0 else 0) - _square_coefficient(u, n)


def _sigmoid_derivative(u, n):  # σ' = σ − σ²
    return u[n] - _square_coefficient(u, n)


def _sigmoid_point(y):
    return 1 / (1 + (-y).exp()) if y >= 0 else y.exp() / (1 + y.exp())


def _sigmoid_series(s):
    """sigmoid as a series: closed form at a point, the ODE σ' = σ(1 − σ) over a ball."""
    if s[0].is_exact():
        if s[0] >= 0:
            return 1 / (1 + (-s).exp())
        e = s.exp()
        return e / (1 + e)
    lo, hi = balls.ends(s[0])
    return _ode_series(s, balls.span(_sigmoid_point(lo), _sigmoid_point(hi)), _sigmoid_derivative)


class Relu(Abs):
    """relu(y) = (y + |y|)/2, from the abs enclosure."""
    name = "relu"

    def range(self, lo, hi):
        return balls.r_max((lo, hi), (arb(0), arb(0)))

    def series(self, s):
        c = s[0]
        if c > 0:
            return s
        if c < 0:
            return 0 * s
        raise DomainError("relu has no Taylor series at its kink", "relu")

    def enclosure(self, y0, lo, hi, k):
        if k == 0:
            return [balls.to_ball(self.range(lo, hi))]
        a = Abs.enclosure(self, y0, lo, hi, k)
        ident = [y0, arb(1)] + [arb(0)] * (k - 1) if k >= 1 else [balls.span(lo, hi)]
        return [(p + q) / 2 for p, q in zip(a, ident)]


UNARY_RULES = {rule.name: rule for rule in (
    Exp(), Expm1(), Log(), Log1p(), Sqrt(), Sin(), Cos(), Tan(), Atan(), Sinh(), Cosh(),
    Tanh(), Erf(), Sigmoid(), Softplus(), Swish(), Abs(), Relu())}
RECIPROCAL = Reciprocal()


def unary_rule(op):
    """The rule of a unary operation; unknown operations fail closed."""
    try:
        return UNARY_RULES[op]
    except KeyError:
        raise UnsupportedOperationError(f"no verified rule for operation {op!r}") from None
