"""The checker's own evaluator of the expression IR (exact conversions, the program, the
evaluation loop and its entry points); the arithmetics are in ``verinum.checker.arithmetic``.

Every entry point either returns an enclosure valid for the whole input or raises
``CannotBound`` (never a partial result): any non-finite intermediate counts as failure.
"""

from __future__ import annotations

import contextlib
from fractions import Fraction

from flint import arb, ctx, fmpq

from verinum.certificate_format import decode_exact
from verinum.checker.arithmetic import (  # noqa: F401 -- CannotBound, Kink, Balls are re-exported
    NONSMOOTH, Balls, CannotBound, Duals, HyperDuals, Kink, Ranges, Series, range_ball,
)


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


EXPONENT_LIMIT = 1 << 15  # an end below 2^-EXPONENT_LIMIT in magnitude is moved out to 0 or
                          # ±2^-EXPONENT_LIMIT; one above 2^EXPONENT_LIMIT cannot be bounded


def _outward(end: arb, upward: bool) -> Fraction:
    """exact(end), or for a tiny end (e.g. e^-1e20, whose exact value has too many digits)
    0 or ±2^-EXPONENT_LIMIT on the outer side of it; CannotBound beyond 2^EXPONENT_LIMIT."""
    m, e = end.man_exp()
    m, e = int(m), int(e)
    if m.bit_length() + e > EXPONENT_LIMIT:
        raise CannotBound(f"an enclosure beyond 2^{EXPONENT_LIMIT} in magnitude")
    if m == 0 or m.bit_length() + e > -EXPONENT_LIMIT:
        return exact(end)
    if upward:
        return Fraction(0) if m < 0 else Fraction(1, 1 << EXPONENT_LIMIT)
    return Fraction(0) if m > 0 else -Fraction(1, 1 << EXPONENT_LIMIT)


def lower_q(x: arb) -> Fraction:
    """An exact Fraction <= every point of the finite ball x."""
    return _outward(x.lower(), False)


def upper_q(x: arb) -> Fraction:
    """An exact Fraction >= every point of the finite ball x."""
    return _outward(x.upper(), True)


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
    try:
        v = _run(prog, alg, inputs, branches, record)
    except (ArithmeticError, ValueError) as exc:      # e.g. arb_series division by a ball with 0
        raise CannotBound(f"arb could not evaluate: {exc}") from None
    for i in prog.order:
        if not alg.finite(v[i]):
            raise CannotBound(f"non-finite value at node {i} ({prog.nodes[i][0]})")
    return v[prog.out]


def evaluate_all(prog: Program, alg, inputs: list) -> list:
    """The values of every node (None for nodes f does not depend on) in the arithmetic ``alg``
    (one that takes every branch itself, not a smooth one); raises CannotBound."""
    try:
        v = _run(prog, alg, inputs, None, None)
    except (ArithmeticError, ValueError) as exc:
        raise CannotBound(f"arb could not evaluate: {exc}") from None
    for i in prog.order:
        if not alg.finite(v[i]):
            raise CannotBound(f"non-finite value at node {i} ({prog.nodes[i][0]})")
    return v


def _run(prog: Program, alg, inputs: list, branches, record) -> list:
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
    return v


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
    raise Kink(f"{op} may switch branch (kink) on this box")


# ----------------------------------------------------------------------------- entry points

def eval_range(prog: Program, ranges: list) -> tuple:
    """(lo, hi), exact arb numbers with lo <= f(x) <= hi for every x in the box of ranges
    (pairs of exact arb numbers); raises CannotBound."""
    return evaluate(prog, Ranges, ranges)


def eval_point(prog: Program, balls: list) -> arb:
    """f at (every point of) tiny balls, in plain ball arithmetic (fast; sound but loose for wide
    balls); raises CannotBound."""
    return evaluate(prog, Balls, balls)


def eval_ball(prog: Program, balls: list) -> arb:
    """A ball containing f(x) for every x in the box given as balls; raises CannotBound."""
    return range_ball(eval_range(prog, [(b.lower(), b.upper()) for b in balls]))


def eval_series(prog: Program, x: arb, length: int, branches=None, record=None) -> list:
    """Coefficients c_0..c_{length-1} with c_i ⊇ f^(i)(t)/i! for all t in x (1-D); raises CannotBound."""
    return _series_coefficients(prog, Series(length), [x], [arb(1)], branches, record)


def eval_series_line(prog: Program, balls: list, slopes: list, length: int) -> list:
    """Coefficients c_0..c_{length-1} of f(ξ + τ t) in τ: c_i ⊇ D_t^i f(ξ)/i! for all ξ in the
    box ``balls`` and all directions t in the box ``slopes``; raises CannotBound."""
    return _series_coefficients(prog, Series(length), balls, slopes, None, None)


def _series_coefficients(prog, alg, balls, slopes, branches, record) -> list:
    saved = ctx.cap
    ctx.cap = max(saved, alg.n)           # arb_series results are truncated to ctx.cap terms
    try:
        s = evaluate(prog, alg, [alg.line(x, t) for x, t in zip(balls, slopes)], branches, record)
    finally:
        ctx.cap = saved
    return [s[i] for i in range(alg.n)]


def eval_gradient(prog: Program, balls: list, branches: dict | None = None) -> tuple:
    """(f(X), [∂f/∂x_k (X)]) for f smooth on the box X; raises CannotBound.

    With ``branches`` (from ``eval_hessian``'s record), abs/relu/min/max take those branches:
    the result is then that of the smooth function that equals f on the recording box."""
    alg = Duals(len(balls))
    d = evaluate(prog, alg, [alg.variable(x, k) for k, x in enumerate(balls)], branches)
    return d.val, d.grad


def eval_hessian(prog: Program, balls: list, record: dict | None = None) -> list:
    """The symmetric matrix [∂²f/∂x_i∂x_j (X)] of balls for f smooth (C^2) on the box X; raises
    CannotBound. The abs/relu/min/max branches it proved constant on X go into ``record``."""
    alg = HyperDuals(len(balls))
    d = evaluate(prog, alg, [alg.variable(x, k) for k, x in enumerate(balls)], None, record)
    hess = [[None] * alg.n for _ in range(alg.n)]
    for h, (i, j) in zip(d.hess, alg.pairs):
        hess[i][j] = hess[j][i] = h
    return hess
