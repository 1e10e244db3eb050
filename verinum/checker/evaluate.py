"""The checker's own evaluator of the expression IR, over three arithmetics built on arb:

* ``Balls``  -- arb balls: f(X) is enclosed for every point of the input balls;
* ``Series`` -- truncated power series (arb_series) in one variable: coefficient i encloses
  f^(i)(x)/i! for every x in the input ball (Taylor forms in 1-D);
* ``Duals``  -- value + gradient (forward mode) over arb balls (mean-value forms in n-D).

Domain rules follow certificates/README.md. Whenever a result cannot be proven defined and
finite on the whole input (log of a ball reaching 0, division by a ball containing 0, a
non-finite ball, ...) ``CannotBound`` is raised; no partial result is ever returned. In Series
and Duals mode the function must also be smooth on the input: ``abs/relu/min/max`` must take
the same branch everywhere, and ``sqrt`` needs a positive argument.
"""

from __future__ import annotations

import contextlib
from fractions import Fraction

from flint import arb, arb_series, ctx, fmpq

from verinum.certificate_format import decode_exact

NONSMOOTH = frozenset({"abs", "relu", "min", "max"})


class CannotBound(Exception):
    """f cannot be bounded on this input (domain, kink or non-finite); the message says why."""


# ----------------------------------------------------------------------------- numbers

@contextlib.contextmanager
def precision(bits: int):
    """Run the body with arb working precision ``bits``, restoring the previous one."""
    saved = ctx.prec
    ctx.prec = bits
    try:
        yield
    finally:
        ctx.prec = saved


def to_arb(q: Fraction) -> arb:
    """A ball containing q (exact when q is a dyadic that fits the working precision)."""
    return arb(fmpq(q.numerator, q.denominator))


def interval_ball(lo: Fraction, hi: Fraction) -> arb:
    """A ball containing [lo, hi]; it never reaches below 0 when lo >= 0 (nor above 0 when hi <= 0)."""
    ball = to_arb(lo).union(to_arb(hi))
    if lo >= 0:
        ball = ball.nonnegative_part()
    elif hi <= 0:
        ball = -((-ball).nonnegative_part())
    return ball


def exact(x: arb) -> Fraction:
    """The exact value of an exact finite arb (an endpoint from ``lower()``/``upper()``)."""
    m, e = x.man_exp()
    m, e = int(m), int(e)
    return Fraction(m << e) if e >= 0 else Fraction(m, 1 << -e)


def lower_q(x: arb) -> Fraction:
    """An exact Fraction <= every point of the finite ball x."""
    return exact(x.lower())


def upper_q(x: arb) -> Fraction:
    """An exact Fraction >= every point of the finite ball x."""
    return exact(x.upper())


def _nonzero(x: arb) -> bool:
    return x > 0 or x < 0


# ----------------------------------------------------------------------------- program

class Program:
    """A validated IR expression, restricted to the nodes the output depends on.

    Build it under the working precision used for evaluation (constants become balls there).
    """

    def __init__(self, expression: list, nvars: int):
        self.nvars = nvars
        self.nodes = []
        for ins in expression:
            op, args = ins[0], ins[1:]
            if op == "const":
                self.nodes.append((op, to_arb(decode_exact(args[0])), None))
            elif op == "pi":
                self.nodes.append((op, arb.pi(), None))
            elif op == "e":
                self.nodes.append((op, arb.const_e(), None))
            else:
                self.nodes.append((op, args[0], args[1] if len(args) > 1 else None))
        self.out = len(self.nodes) - 1
        live = {self.out}
        for i in range(self.out, -1, -1):
            op, a, b = self.nodes[i]
            if i in live and op not in ("var", "const", "pi", "e"):
                live.add(a)
                if b is not None and op != "powi":
                    live.add(b)
        self.order = sorted(live)


def evaluate(prog: Program, alg, inputs: list, branches: dict | None = None, record: dict | None = None):
    """f(inputs) in the arithmetic ``alg``; raises CannotBound.

    For smooth arithmetics, the branch of every abs/relu/min/max node is either decided from the
    argument enclosures (and stored in ``record``) or forced from ``branches``.
    """
    v = [None] * len(prog.nodes)
    smooth = alg.smooth
    for i in prog.order:
        op, a, b = prog.nodes[i]
        if op == "var":
            r = inputs[a]
        elif op in ("const", "pi", "e"):
            r = alg.lift(a)
        elif op == "powi":
            r = alg.powi(v[a], b)
        elif smooth and op in NONSMOOTH:
            if branches is not None:
                choice = branches[i]
            else:
                choice = choose_branch(op, alg.value(v[a]), None if b is None else alg.value(v[b]))
            if record is not None:
                record[i] = choice
            if choice == "a":
                r = v[a]
            elif choice == "b":
                r = v[b]
            elif choice == "neg":
                r = alg.neg(v[a])
            else:
                r = alg.lift(arb(0))
        elif b is None:
            r = getattr(alg, op)(v[a])
        else:
            r = getattr(alg, op)(v[a], v[b])
        v[i] = r
    for i in prog.order:
        if not alg.finite(v[i]):
            raise CannotBound(f"non-finite value at node {i} ({prog.nodes[i][0]})")
    return v[prog.out]


def choose_branch(op: str, a: arb, b: arb | None) -> str:
    """The branch ("a", "b", "neg", "zero") that op takes on all of the enclosures a (and b)."""
    if op in ("abs", "relu"):
        if a >= 0:
            return "a"
        if a <= 0:
            return "neg" if op == "abs" else "zero"
    elif op == "min":
        if a <= b:
            return "a"
        if a >= b:
            return "b"
    elif op == "max":
        if a >= b:
            return "a"
        if a <= b:
            return "b"
    raise CannotBound(f"{op} may switch branch (kink) on this box")


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


# ----------------------------------------------------------------------------- power series

class Series:
    """Truncated power series of length ``n`` (degree n-1) over arb; smooth ops only."""

    smooth = True

    def __init__(self, n: int):
        self.n = n

    def variable(self, x: arb) -> arb_series:
        """The series of the identity expanded at (every point of) the ball x."""
        return arb_series([x, 1] if self.n > 1 else [x], prec=self.n)

    def lift(self, c: arb) -> arb_series:
        return arb_series([c], prec=self.n)

    @staticmethod
    def value(s) -> arb:
        return s[0]

    @staticmethod
    def finite(s) -> bool:
        return all(c.is_finite() for c in s.coeffs())

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
        return self._with_value(1 / (1 + (-s).exp()), Balls.sigmoid(s[0]))

    def softplus(self, s):
        return self._with_value((1 + s.exp()).log(), Balls.softplus(s[0]))

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


# ----------------------------------------------------------------------------- entry points

def eval_ball(prog: Program, balls: list) -> arb:
    """An enclosure of f over the box given as balls; raises CannotBound."""
    return evaluate(prog, Balls, balls)


def eval_series(prog: Program, x: arb, length: int, branches=None, record=None) -> list:
    """Coefficients c_0..c_{length-1} with c_i ⊇ f^(i)(t)/i! for all t in x (1-D); raises CannotBound."""
    alg = Series(length)
    s = evaluate(prog, alg, [alg.variable(x)], branches, record)
    return [s[i] for i in range(length)]


def eval_gradient(prog: Program, balls: list) -> tuple:
    """(f(X), [∂f/∂x_k (X)]) for f smooth on the box X; raises CannotBound."""
    alg = Duals(len(balls))
    d = evaluate(prog, alg, [alg.variable(x, k) for k, x in enumerate(balls)])
    return d.val, d.grad
