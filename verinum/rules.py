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
  (1) If φ^(k) is monotone on [lo, hi], so is R_k (Streeter & Dillon, "Automatically Bounding
  the Taylor Remainder Series", Thm. 3.2; it follows from the integral form above), hence
  R_k([lo, hi]) = hull(R_k(lo), R_k(hi)): sharp, for y0 anywhere in [lo, hi]. Monotonicity is
  either known for the rule (`monotone_derivatives`) or proven by the sign of the (k+1)-th
  series coefficient over sub-balls of [lo, hi].
  (2) Always: R_k(y) ∈ range of φ^(k)/k! over [lo, hi] (Lagrange), bounded on sub-balls.
  (3) When (1) does not apply: the union over 16 sub-intervals P of enclosures of R_k(P): near
  y0, R_k = a_k + (y − y0)·R_{k+1} with R_{k+1} by Lagrange; away from y0, second-order centred
  forms of the numerator φ − T_{k−1} and of R_k itself (`_remainder_by_pieces`). Sharp up to
  O(|P|²) for functions such as sigmoid and tanh whose derivatives are not monotone.
  The result is (1) ∩ (2), or (2) ∩ (3). Coefficients whose arb value is not finite (e.g.
  sqrt at 0) lower the degree until the enclosure is finite; degree 0 is the range of φ.
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
            top = self._remainder(y0, lo, hi, degree, coeffs)
            if top.is_finite():
                return coeffs + [top] + [arb(0)] * (k - degree)
        return [balls.to_ball(self.range(lo, hi))] + [arb(0)] * k

    def _remainder(self, y0, lo, hi, k, coeffs):
        """A ball containing R_k(y) for all y in [lo, hi] (see the module docstring)."""
        if self.monotone_derivatives:  # φ^(k) monotone: its range is the hull of its end values
            monotone = True
            lagrange = balls.span(self.taylor_at(lo, k + 1)[k], self.taylor_at(hi, k + 1)[k])
        else:
            pieces = _sub_ball_coefficients(self, lo, hi, k + 2)
            monotone = _same_sign(p[k + 1] for p in pieces)
            lagrange = _union(p[k] for p in pieces)
        if not monotone:
            return balls.intersect(lagrange, self._remainder_by_pieces(y0, lo, hi, k, coeffs))
        sharp = balls.span(self._remainder_at(y0, lo, k, coeffs),
                           self._remainder_at(y0, hi, k, coeffs))
        return balls.intersect(sharp, lagrange)

    def _remainder_at(self, y0, y, k, coeffs):
        """R_k(y), computed with extra precision to tame the cancellation near y0."""
        if y == y0:
            return self.taylor_at(y0, k + 1)[k]
        saved = ctx.prec
        ctx.prec = saved + 64
        try:
            d = y - y0
            return (self.point(y) - _horner(coeffs, d)) / balls.ipow(d, k)
        finally:
            ctx.prec = saved

    def _remainder_by_pieces(self, y0, lo, hi, k, coeffs):
        """Union over sub-intervals P of [lo, hi] of an enclosure of R_k(P).

        P near y0: R_k(y) is a weighted mean of φ^(k)/k! over [y0, y] ⊂ hull(P, y0) (Lagrange).
        Otherwise the numerator N = φ − T_{k−1} is bounded by its second-order Taylor form
        N(m) + N'(m)·(P − m) + N''(P)/2·(P − m)² at the centre m, and divided by (P − y0)^k,
        which is bounded away from 0 there; and R itself by its centred form
        R(m) + R'(P)·(P − m). Sharp up to O(|P|²) where AutoBound needs monotone derivatives."""
        out, a_k = None, self.taylor_at(y0, k + 1)[k]
        for piece in _cover(lo, hi, _PIECES):
            lo_p, hi_p = balls.ends(piece)
            # R_k(y) = a_k + (y − y0)·R_{k+1}(y), and R_{k+1}(y) is a mean of φ^(k+1)/(k+1)!
            # over [y0, y] ⊂ H = hull(P, y0) (Lagrange), as is R_k(y) of φ^(k)/k!
            hull = _coefficients_over(self, balls.span(piece, y0), k + 2)
            enc = balls.intersect(hull[k], a_k + (piece - y0) * hull[k + 1])
            if hi_p < y0 - (hi_p - lo_p) or lo_p > y0 + (hi_p - lo_p):  # P away from y0
                m = arb(piece.mid())
                d_piece, d_mid = piece - y0, m - y0
                at_m = self.taylor_at(m, 2)
                n_mid = at_m[0] - _horner(coeffs, d_mid)
                n1_mid = at_m[1] - _horner([i * c for i, c in enumerate(coeffs)][1:], d_mid)
                over = _coefficients_over(self, piece, 3)
                n1 = over[1] - _horner([i * c for i, c in enumerate(coeffs)][1:], d_piece)
                n2 = over[2] - _horner(
                    [math.comb(i, 2) * c for i, c in enumerate(coeffs)][2:], d_piece)
                offset = balls.ends(piece - m)
                numerator = (n_mid + n1_mid * balls.to_ball(offset)
                             + n2 * balls.to_ball(balls.r_power(offset, 2)))
                d_range = balls.ends(d_piece)
                direct = numerator / balls.to_ball(balls.r_power(d_range, k))
                # centred form of R itself: R(m) + R'(P)(P − m), R' = (N'·d − k·N)/d^(k+1)
                slope = (n1 * d_piece - k * numerator) / balls.to_ball(balls.r_power(d_range, k + 1))
                centred = n_mid / balls.ipow(d_mid, k) + slope * balls.to_ball(offset)
                enc = balls.intersect(enc, balls.intersect(direct, centred))
            out = enc if out is None else out.union(enc)
        return out


_PIECES = 16


def _horner(coeffs, t):
    """Σ coeffs[i]·t^i."""
    out = arb(0)
    for c in reversed(coeffs):
        out = out * t + c
    return out


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
    """sin(y). Sharp bound (1) when sin^(k+1) has a sign on the range, else Lagrange (2).
    Range: end values plus ±1 wherever a maximum π/2 + 2jπ or minimum −π/2 + 2jπ may lie."""
    name = "sin"

    def point(self, y):
        return y.sin()

    def range(self, lo, hi):
        return _periodic_range(lo, hi, lambda y: y.sin(), arb.pi() / 2, -arb.pi() / 2)

    def series(self, s):
        return s.sin()


class Cos(Rule):
    """cos(y). As sin, with maxima at 2jπ and minima at π + 2jπ."""
    name = "cos"

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
    """atan(y). Monotone; sharp (1) where atan^(k+1) has a sign."""
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
            return s + (1 + (-s).exp()).log()
        return (1 + s.exp()).log()


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
