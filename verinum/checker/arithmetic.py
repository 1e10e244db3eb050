"""The arithmetics the checker evaluates the IR in, all built on arb (python-flint):

* ``Ranges`` -- intervals (lo, hi) with exact arb ends, rounded outward: plain interval
  evaluation over boxes (exact ends matter at domain edges, e.g. sqrt(1 - x^2) at x = ±1);
* ``Balls``  -- arb balls: fast evaluation at (tiny balls around) points;
* ``Series`` -- truncated power series (arb_series) in one variable τ: for inputs x_k + τ t_k,
  coefficient i encloses the i-th τ-derivative / i! for every base point and slope in the balls
  (1-D Taylor forms, n-D directional remainders);
* ``Duals``  -- value + gradient (forward mode) over arb balls (mean-value forms);
* ``HyperDuals`` -- value + gradient + Hessian (forward mode) over arb balls (second-order forms).

Each op enforces the domain rules of certificates/README.md: when a result cannot be proven
defined on the whole input it raises ``CannotBound``. Series, Duals and HyperDuals only do smooth ops; the
evaluator resolves abs/relu/min/max to one branch for them (else ``Kink``), and their sqrt needs
a positive argument.
"""

from __future__ import annotations

from flint import arb, arb_series

NONSMOOTH = frozenset({"abs", "relu", "min", "max"})


class CannotBound(Exception):
    """f cannot be bounded on this input (domain, kink or non-finite); the message says why."""


class Kink(CannotBound):
    """A smooth form was asked for, but abs/relu/min/max may switch branch on this input."""



def _nonzero(x: arb) -> bool:
    return x > 0 or x < 0


# ----------------------------------------------------------------------------- arb balls

def _hull(x: arb, y: arb) -> arb:
    return x.union(y)


def _increasing(f, x: arb) -> arb:
    """f(x) for an increasing f, from its values at the endpoints (tight for wide balls)."""
    return _hull(f(x.lower()), f(x.upper()))


def _sigmoid_point(p: arb) -> arb:
    if p >= 0:
        return 1 / (1 + (-p).exp())
    t = p.exp()
    return t / (1 + t)


def _softplus_point(p: arb) -> arb:
    return p.max(arb(0)) + (-abs(p)).exp().log1p()


class Balls:
    """arb ball arithmetic with the README's domain rules."""

    smooth = False

    @staticmethod
    def lift(c: arb) -> arb:
        return c

    @staticmethod
    def value(x: arb) -> arb:
        return x

    @staticmethod
    def finite(x: arb) -> bool:
        return x.is_finite()

    neg = staticmethod(lambda x: -x)
    add = staticmethod(lambda x, y: x + y)
    sub = staticmethod(lambda x, y: x - y)
    mul = staticmethod(lambda x, y: x * y)
    exp = staticmethod(lambda x: x.exp())
    expm1 = staticmethod(lambda x: x.expm1())
    sin = staticmethod(lambda x: x.sin())
    cos = staticmethod(lambda x: x.cos())
    atan = staticmethod(lambda x: x.atan())
    sinh = staticmethod(lambda x: x.sinh())
    cosh = staticmethod(lambda x: x.cosh())
    tanh = staticmethod(lambda x: _increasing(arb.tanh, x))
    erf = staticmethod(lambda x: _increasing(arb.erf, x))
    sigmoid = staticmethod(lambda x: _increasing(_sigmoid_point, x))
    softplus = staticmethod(lambda x: _increasing(_softplus_point, x))
    min = staticmethod(lambda x, y: x.min(y))
    max = staticmethod(lambda x, y: x.max(y))

    @staticmethod
    def div(x, y):
        if not _nonzero(y):
            raise CannotBound("division by a value that may be 0")
        return x / y

    @staticmethod
    def log(x):
        if not x > 0:
            raise CannotBound("log of a value that may be <= 0")
        return x.log()

    @staticmethod
    def log1p(x):
        if not x > -1:
            raise CannotBound("log1p of a value that may be <= -1")
        return x.log1p()

    @staticmethod
    def sqrt(x):
        if not x >= 0:
            raise CannotBound("sqrt of a value that may be < 0")
        return x.sqrt()

    @staticmethod
    def tan(x):
        if not _nonzero(x.cos()):
            raise CannotBound("tan where cos may be 0")
        return x.tan()

    @staticmethod
    def swish(x):
        return x * Balls.sigmoid(x)

    @staticmethod
    def abs(x):
        if x >= 0:
            return x
        if x <= 0:
            return -x
        return _hull(arb(0), x.abs_upper()).nonnegative_part()

    @staticmethod
    def relu(x):
        if x >= 0:
            return x
        if x <= 0:
            return arb(0)
        return _hull(arb(0), x.upper()).nonnegative_part()

    @staticmethod
    def pow(x, y):
        if not x > 0:
            raise CannotBound("pow with a base that may be <= 0")
        return (y * x.log()).exp()

    @staticmethod
    def powi(x, n: int):
        if n < 0:
            if not _nonzero(x):
                raise CannotBound("negative power of a value that may be 0")
            return 1 / Balls.powi(x, -n)
        if n == 0:
            return arb(1)
        if n == 1:
            return x
        lo, hi = x.lower(), x.upper()
        if n % 2 == 1 or lo >= 0:
            return _hull(lo ** n, hi ** n)
        if hi <= 0:
            return _hull(hi ** n, lo ** n)
        return _hull(arb(0), x.abs_upper() ** n).nonnegative_part()


# ----------------------------------------------------------------------------- exact-end intervals

def _lo(x: arb) -> arb:
    return x.lower()


def _hi(x: arb) -> arb:
    return x.upper()


def _increasing_range(f, r: tuple) -> tuple:
    return _lo(f(r[0])), _hi(f(r[1]))


def _extremes(values: list) -> tuple:
    return min(_lo(v) for v in values), max(_hi(v) for v in values)


def range_ball(r: tuple) -> arb:
    """A ball containing the interval r = (lo, hi)."""
    return r[0].union(r[1])


SWISH_MIN_BELOW = arb(-557) / 2000          # -0.2785 < min swish = -0.27846...


class Ranges:
    """Interval arithmetic on pairs (lo, hi) of exact arb numbers, rounded outward.

    Unlike balls (whose radius is always rounded up), the ends stay exact where the math is, so
    e.g. 1 - x^2 on [-1, -1/2] is proven >= 0 and sqrt applies. Same domain rules as Balls.
    """

    smooth = False

    @staticmethod
    def lift(c: arb) -> tuple:
        return _lo(c), _hi(c)

    @staticmethod
    def finite(r: tuple) -> bool:
        return r[0].is_finite() and r[1].is_finite() and r[0] <= r[1]

    @staticmethod
    def neg(a):
        return -a[1], -a[0]

    @staticmethod
    def add(a, b):
        return _lo(a[0] + b[0]), _hi(a[1] + b[1])

    @staticmethod
    def sub(a, b):
        return _lo(a[0] - b[1]), _hi(a[1] - b[0])

    @staticmethod
    def mul(a, b):
        return _extremes([a[0] * b[0], a[0] * b[1], a[1] * b[0], a[1] * b[1]])

    @staticmethod
    def div(a, b):
        if not (b[0] > 0 or b[1] < 0):
            raise CannotBound("division by a value that may be 0")
        return _extremes([a[0] / b[0], a[0] / b[1], a[1] / b[0], a[1] / b[1]])

    exp = staticmethod(lambda r: _increasing_range(arb.exp, r))
    expm1 = staticmethod(lambda r: _increasing_range(arb.expm1, r))
    atan = staticmethod(lambda r: _increasing_range(arb.atan, r))
    sinh = staticmethod(lambda r: _increasing_range(arb.sinh, r))
    tanh = staticmethod(lambda r: _increasing_range(arb.tanh, r))
    erf = staticmethod(lambda r: _increasing_range(arb.erf, r))
    sigmoid = staticmethod(lambda r: _increasing_range(_sigmoid_point, r))
    softplus = staticmethod(lambda r: _increasing_range(_softplus_point, r))
    sin = staticmethod(lambda r: Ranges.lift(range_ball(r).sin()))
    cos = staticmethod(lambda r: Ranges.lift(range_ball(r).cos()))

    @staticmethod
    def log(r):
        if not r[0] > 0:
            raise CannotBound("log of a value that may be <= 0")
        return _increasing_range(arb.log, r)

    @staticmethod
    def log1p(r):
        if not r[0] > -1:
            raise CannotBound("log1p of a value that may be <= -1")
        return _increasing_range(arb.log1p, r)

    @staticmethod
    def sqrt(r):
        if not r[0] >= 0:
            raise CannotBound("sqrt of a value that may be < 0")
        return _increasing_range(arb.sqrt, r)

    @staticmethod
    def tan(r):
        if not _nonzero(range_ball(r).cos()):
            raise CannotBound("tan where cos may be 0")
        return _increasing_range(arb.tan, r)      # no pole inside: increasing

    @staticmethod
    def cosh(r):
        lo, hi = r
        if lo >= 0:
            return _increasing_range(arb.cosh, r)
        if hi <= 0:
            return _lo(hi.cosh()), _hi(lo.cosh())
        return arb(1), max(_hi(lo.cosh()), _hi(hi.cosh()))

    @staticmethod
    def swish(r):
        lo, hi = r
        f = lambda x: x * _sigmoid_point(x)  # noqa: E731
        if lo >= arb(-127) / 100:                  # increasing right of its minimum (-1.2785)
            return _increasing_range(f, r)
        if hi <= arb(-129) / 100:                  # decreasing left of it
            return _lo(f(hi)), _hi(f(lo))
        return _lo(SWISH_MIN_BELOW), max(_hi(f(lo)), _hi(f(hi)))   # unimodal: max at an end

    @staticmethod
    def abs(r):
        lo, hi = r
        if lo >= 0:
            return r
        if hi <= 0:
            return -hi, -lo
        return arb(0), max(-lo, hi)

    @staticmethod
    def relu(r):
        return max(r[0], arb(0)), max(r[1], arb(0))

    @staticmethod
    def min(a, b):
        return min(a[0], b[0]), min(a[1], b[1])

    @staticmethod
    def max(a, b):
        return max(a[0], b[0]), max(a[1], b[1])

    @staticmethod
    def pow(a, b):
        if not a[0] > 0:
            if a[0] >= 0 and b[0] > 0 and a[1] > 0:  # 0^b = 0 for b > 0; t^b increases in t
                return arb(0), Ranges.exp(Ranges.mul(b, Ranges.log((a[1], a[1]))))[1]
            raise CannotBound("pow with a base that may be <= 0 (and an exponent not > 0)")
        return Ranges.exp(Ranges.mul(b, Ranges.log(a)))

    @staticmethod
    def powi(r, n: int):
        lo, hi = r
        if n < 0:
            if not (lo > 0 or hi < 0):
                raise CannotBound("negative power of a value that may be 0")
            p = Ranges.powi(r, -n)
            return _lo(1 / p[1]), _hi(1 / p[0])     # 1/x decreases on each side of 0
        if n == 0:
            return arb(1), arb(1)
        if n % 2 == 1 or lo >= 0:
            return _lo(lo ** n), _hi(hi ** n)
        if hi <= 0:
            return _lo(hi ** n), _hi(lo ** n)
        return arb(0), max(_hi(lo ** n), _hi(hi ** n))


# ----------------------------------------------------------------------------- power series

class Series:
    """Truncated power series of length ``n`` (degree n-1) over arb; smooth ops only."""

    smooth = True

    def __init__(self, n: int):
        self.n = n

    def finite(self, s) -> bool:
        """s is finite and still has all n terms (arb_series ops truncate to ctx.cap)."""
        return s.prec >= self.n and all(c.is_finite() for c in s.coeffs())

    def line(self, x: arb, t: arb) -> arb_series:
        """The series of x + τ t in τ (every base point in x, every slope in t)."""
        return arb_series([x, t] if self.n > 1 else [x], prec=self.n)

    def lift(self, c: arb) -> arb_series:
        return arb_series([c], prec=self.n)

    @staticmethod
    def value(s) -> arb:
        return s[0]

    def _with_value(self, s, c0: arb):
        """s with its constant term replaced by the (more accurate) enclosure c0."""
        coeffs = [s[i] for i in range(self.n)]
        coeffs[0] = c0
        return arb_series(coeffs, prec=self.n)

    neg = staticmethod(lambda s: -s)
    add = staticmethod(lambda s, t: s + t)
    sub = staticmethod(lambda s, t: s - t)
    mul = staticmethod(lambda s, t: s * t)
    exp = staticmethod(lambda s: s.exp())
    sin = staticmethod(lambda s: s.sin())
    cos = staticmethod(lambda s: s.cos())
    atan = staticmethod(lambda s: s.atan())
    erf = staticmethod(lambda s: s.erf())

    def div(self, s, t):
        if not _nonzero(t[0]):
            raise CannotBound("division by a value that may be 0")
        return s / t

    def expm1(self, s):
        return self._with_value(s.exp() - 1, s[0].expm1())

    def log(self, s):
        if not s[0] > 0:
            raise CannotBound("log of a value that may be <= 0")
        return s.log()

    def log1p(self, s):
        if not s[0] > -1:
            raise CannotBound("log1p of a value that may be <= -1")
        return self._with_value((1 + s).log(), s[0].log1p())

    def sqrt(self, s):
        if not s[0] > 0:
            raise CannotBound("sqrt of a value that may be <= 0 (not smooth there)")
        return s.sqrt()

    def tan(self, s):
        if not _nonzero(s[0].cos()):
            raise CannotBound("tan where cos may be 0")
        return s.tan()

    def sinh(self, s):
        return self._with_value((s.exp() - (-s).exp()) / 2, s[0].sinh())

    def cosh(self, s):
        return self._with_value((s.exp() + (-s).exp()) / 2, s[0].cosh())

    def tanh(self, s):
        return self._with_value(1 - 2 / ((2 * s).exp() + 1), Balls.tanh(s[0]))

    def sigmoid(self, s):
        if s[0] <= 0:                                  # exp(s) <= 1: no huge intermediate values
            t = s.exp()
            r = t / (1 + t)
        else:
            r = 1 / (1 + (-s).exp())
        return self._with_value(r, Balls.sigmoid(s[0]))

    def softplus(self, s):
        r = s + (1 + (-s).exp()).log() if s[0] >= 0 else (1 + s.exp()).log()
        return self._with_value(r, Balls.softplus(s[0]))

    def swish(self, s):
        return s * self.sigmoid(s)

    def pow(self, s, t):
        if not s[0] > 0:
            raise CannotBound("pow with a base that may be <= 0")
        return (t * s.log()).exp()

    def powi(self, s, n: int):
        if n < 0 and not _nonzero(s[0]):
            raise CannotBound("negative power of a value that may be 0")
        if n == 0:
            return self.lift(arb(1))
        r = s ** n if n > 0 else 1 / s ** (-n)
        return self._with_value(r, Balls.powi(s[0], n))


# ----------------------------------------------------------------------------- value + gradient

class Dual:
    """A value ball and its gradient (list of balls)."""

    __slots__ = ("val", "grad")

    def __init__(self, val: arb, grad: list):
        self.val = val
        self.grad = grad


class Duals:
    """Forward-mode value+gradient arithmetic over arb balls in ``n`` variables; smooth ops only."""

    smooth = True

    def __init__(self, n: int):
        self.n = n
        self.zero = [arb(0)] * n

    def variable(self, x: arb, k: int) -> Dual:
        grad = list(self.zero)
        grad[k] = arb(1)
        return Dual(x, grad)

    def lift(self, c: arb) -> Dual:
        return Dual(c, self.zero)

    @staticmethod
    def value(d: Dual) -> arb:
        return d.val

    @staticmethod
    def finite(d: Dual) -> bool:
        return d.val.is_finite() and all(g.is_finite() for g in d.grad)

    @staticmethod
    def _chain(d: Dual, val: arb, deriv: arb) -> Dual:
        return Dual(val, [deriv * g for g in d.grad])

    def neg(self, d):
        return Dual(-d.val, [-g for g in d.grad])

    def add(self, d, e):
        return Dual(d.val + e.val, [g + h for g, h in zip(d.grad, e.grad)])

    def sub(self, d, e):
        return Dual(d.val - e.val, [g - h for g, h in zip(d.grad, e.grad)])

    def mul(self, d, e):
        return Dual(d.val * e.val, [d.val * h + e.val * g for g, h in zip(d.grad, e.grad)])

    def div(self, d, e):
        q = Balls.div(d.val, e.val)
        return Dual(q, [(g - q * h) / e.val for g, h in zip(d.grad, e.grad)])

    def exp(self, d):
        v = d.val.exp()
        return self._chain(d, v, v)

    def expm1(self, d):
        return self._chain(d, d.val.expm1(), d.val.exp())

    def log(self, d):
        return self._chain(d, Balls.log(d.val), 1 / d.val)

    def log1p(self, d):
        return self._chain(d, Balls.log1p(d.val), 1 / (1 + d.val))

    def sqrt(self, d):
        if not d.val > 0:
            raise CannotBound("sqrt of a value that may be <= 0 (not smooth there)")
        r = d.val.sqrt()
        return self._chain(d, r, 1 / (2 * r))

    def sin(self, d):
        return self._chain(d, d.val.sin(), d.val.cos())

    def cos(self, d):
        return self._chain(d, d.val.cos(), -d.val.sin())

    def tan(self, d):
        t = Balls.tan(d.val)
        return self._chain(d, t, 1 / Balls.powi(d.val.cos(), 2))

    def atan(self, d):
        return self._chain(d, d.val.atan(), 1 / (1 + Balls.powi(d.val, 2)))

    def sinh(self, d):
        return self._chain(d, d.val.sinh(), d.val.cosh())

    def cosh(self, d):
        return self._chain(d, d.val.cosh(), d.val.sinh())

    def tanh(self, d):
        return self._chain(d, Balls.tanh(d.val), 1 / Balls.powi(d.val.cosh(), 2))

    def erf(self, d):
        deriv = 2 / arb.pi().sqrt() * (-Balls.powi(d.val, 2)).exp()
        return self._chain(d, Balls.erf(d.val), deriv)

    def sigmoid(self, d):
        return self._chain(d, Balls.sigmoid(d.val), 1 / (2 + 2 * d.val.cosh()))

    def softplus(self, d):
        return self._chain(d, Balls.softplus(d.val), Balls.sigmoid(d.val))

    def swish(self, d):
        x = d.val
        return self._chain(d, Balls.swish(x), Balls.sigmoid(x) + x / (2 + 2 * x.cosh()))

    def pow(self, d, e):
        v = Balls.pow(d.val, e.val)
        log_base = d.val.log()
        return Dual(v, [v * (h * log_base + e.val * g / d.val) for g, h in zip(d.grad, e.grad)])

    def powi(self, d, n: int):
        if n == 0:
            return self.lift(arb(1))
        return self._chain(d, Balls.powi(d.val, n), n * Balls.powi(d.val, n - 1))


# ----------------------------------------------------------------------------- value + gradient + Hessian

class HyperDual:
    """A value ball, its gradient and its Hessian (upper triangle, row by row: (0,0), (0,1), ...)."""

    __slots__ = ("val", "grad", "hess")

    def __init__(self, val: arb, grad: list, hess: list):
        self.val = val
        self.grad = grad
        self.hess = hess


class HyperDuals:
    """Forward-mode value + gradient + Hessian over arb balls in ``n`` variables; smooth ops only.

    Guarantee (by induction over the nodes): when the inputs are ``variable(X_k, k)``, every node u
    has val ⊇ u(x), grad[k] ⊇ ∂u/∂x_k (x) and hess ⊇ ∂²u/∂x_i∂x_j (x) for every x in the box X,
    and u is C^2 (indeed analytic) on a neighbourhood of the box: each op φ is applied by the chain
    rule (φ(u), φ'(u)∇u, φ'(u)Hu + φ''(u)∇u∇uᵀ) with φ' and φ'' evaluated over the whole enclosure
    of u, under the same domain rules as Duals (strict where φ is not smooth at the edge).
    """

    smooth = True

    def __init__(self, n: int):
        self.n = n
        self.pairs = [(i, j) for i in range(n) for j in range(i, n)]
        self.zero_grad = [arb(0)] * n
        self.zero_hess = [arb(0)] * len(self.pairs)

    def variable(self, x: arb, k: int) -> HyperDual:
        grad = list(self.zero_grad)
        grad[k] = arb(1)
        return HyperDual(x, grad, self.zero_hess)

    def lift(self, c: arb) -> HyperDual:
        return HyperDual(c, self.zero_grad, self.zero_hess)

    @staticmethod
    def value(d: HyperDual) -> arb:
        return d.val

    @staticmethod
    def finite(d: HyperDual) -> bool:
        return d.val.is_finite() and all(g.is_finite() for g in d.grad) and all(h.is_finite() for h in d.hess)

    def _chain(self, d: HyperDual, f0: arb, f1: arb, f2: arb) -> HyperDual:
        """φ(u) from enclosures f0, f1, f2 of φ, φ', φ'' over the enclosure of u."""
        g = d.grad
        return HyperDual(f0, [f1 * gk for gk in g],
                         [f1 * h + f2 * g[i] * g[j] for h, (i, j) in zip(d.hess, self.pairs)])

    def neg(self, d):
        return HyperDual(-d.val, [-g for g in d.grad], [-h for h in d.hess])

    def add(self, d, e):
        return HyperDual(d.val + e.val, [g + k for g, k in zip(d.grad, e.grad)],
                         [h + k for h, k in zip(d.hess, e.hess)])

    def sub(self, d, e):
        return HyperDual(d.val - e.val, [g - k for g, k in zip(d.grad, e.grad)],
                         [h - k for h, k in zip(d.hess, e.hess)])

    def mul(self, d, e):
        a, b, ga, gb = d.val, e.val, d.grad, e.grad
        return HyperDual(a * b, [a * k + b * g for g, k in zip(ga, gb)],
                         [a * k + b * h + ga[i] * gb[j] + ga[j] * gb[i]
                          for h, k, (i, j) in zip(d.hess, e.hess, self.pairs)])

    def div(self, d, e):
        if not _nonzero(e.val):
            raise CannotBound("division by a value that may be 0")
        r = 1 / e.val
        return self.mul(d, self._chain(e, r, -r * r, 2 * r * r * r))

    def exp(self, d):
        v = d.val.exp()
        return self._chain(d, v, v, v)

    def expm1(self, d):
        v = d.val.exp()
        return self._chain(d, d.val.expm1(), v, v)

    def log(self, d):
        r = 1 / d.val
        return self._chain(d, Balls.log(d.val), r, -r * r)

    def log1p(self, d):
        v = Balls.log1p(d.val)
        r = 1 / (1 + d.val)
        return self._chain(d, v, r, -r * r)

    def sqrt(self, d):
        if not d.val > 0:
            raise CannotBound("sqrt of a value that may be <= 0 (not smooth there)")
        r = d.val.sqrt()
        return self._chain(d, r, 1 / (2 * r), -1 / (4 * r * r * r))

    def sin(self, d):
        s = d.val.sin()
        return self._chain(d, s, d.val.cos(), -s)

    def cos(self, d):
        c = d.val.cos()
        return self._chain(d, c, -d.val.sin(), -c)

    def tan(self, d):
        t = Balls.tan(d.val)
        sec2 = 1 / Balls.powi(d.val.cos(), 2)
        return self._chain(d, t, sec2, 2 * t * sec2)

    def atan(self, d):
        r = 1 / (1 + Balls.powi(d.val, 2))
        return self._chain(d, d.val.atan(), r, -2 * d.val * r * r)

    def sinh(self, d):
        s = d.val.sinh()
        return self._chain(d, s, d.val.cosh(), s)

    def cosh(self, d):
        c = d.val.cosh()
        return self._chain(d, c, d.val.sinh(), c)

    def tanh(self, d):
        t = Balls.tanh(d.val)
        sech2 = 1 / Balls.powi(d.val.cosh(), 2)
        return self._chain(d, t, sech2, -2 * t * sech2)

    def erf(self, d):
        x = d.val
        f1 = 2 / arb.pi().sqrt() * (-Balls.powi(x, 2)).exp()
        return self._chain(d, Balls.erf(x), f1, -2 * x * f1)

    @staticmethod
    def _sigmoid_derivatives(x: arb) -> tuple:
        """σ'(x) = 1/(2 + 2 cosh x) and σ''(x) = -σ'(x) tanh(x/2)."""
        s1 = 1 / (2 + 2 * x.cosh())
        return s1, -s1 * Balls.tanh(x / 2)

    def sigmoid(self, d):
        s1, s2 = self._sigmoid_derivatives(d.val)
        return self._chain(d, Balls.sigmoid(d.val), s1, s2)

    def softplus(self, d):
        s1, _ = self._sigmoid_derivatives(d.val)
        return self._chain(d, Balls.softplus(d.val), Balls.sigmoid(d.val), s1)

    def swish(self, d):
        x = d.val
        s1, s2 = self._sigmoid_derivatives(x)
        return self._chain(d, Balls.swish(x), Balls.sigmoid(x) + x * s1, 2 * s1 + x * s2)

    def pow(self, d, e):
        if not d.val > 0:
            raise CannotBound("pow with a base that may be <= 0")
        return self.exp(self.mul(e, self.log(d)))           # a^b = exp(b log a)

    def powi(self, d, n: int):
        if n == 0:
            return self.lift(arb(1))
        x = d.val
        f2 = n * (n - 1) * Balls.powi(x, n - 2) if n != 1 else arb(0)
        return self._chain(d, Balls.powi(x, n), n * Balls.powi(x, n - 1), f2)
