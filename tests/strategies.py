"""Hypothesis strategies and an independent mpmath evaluator for the core tests.

`expressions(nvars)` draws random IR built from every rule (+ − × ÷, integer and real powers,
sqrt exp expm1 log log1p sin cos tan atan sinh cosh tanh erf sigmoid softplus relu swish abs
min max), guarded so that domains hold on the whole real line (log(1 + u²), sqrt(|u|),
u/(2 + sin v), tan(sin u), ...). `mp_eval` evaluates IR at a point with mpmath, sharing no code
with verinum's backend (definitions from certificates/README.md).
"""
import ast
import math
import os
from fractions import Fraction

import mpmath
from hypothesis import strategies as st

from verinum import ir

MP_DIGITS = 60

# -- mpmath reference -----------------------------------------------------------------------------
_MP_UNARY = {
    "neg": lambda a: -a,
    "exp": mpmath.exp,
    "expm1": mpmath.expm1,
    "log": lambda a: _need(a > 0, "log", a) and mpmath.log(a),
    "log1p": lambda a: _need(a > -1, "log1p", a) and mpmath.log1p(a),
    "sqrt": lambda a: _need(a >= 0, "sqrt", a) and mpmath.sqrt(a),
    "sin": mpmath.sin,
    "cos": mpmath.cos,
    "tan": lambda a: _need(mpmath.cos(a) != 0, "tan", a) and mpmath.tan(a),
    "atan": mpmath.atan,
    "sinh": mpmath.sinh,
    "cosh": mpmath.cosh,
    "tanh": mpmath.tanh,
    "erf": mpmath.erf,
    "sigmoid": lambda a: 1 / (1 + mpmath.exp(-a)),
    "softplus": lambda a: mpmath.log(1 + mpmath.exp(a)),
    "relu": lambda a: a if a > 0 else mpmath.mpf(0),
    "swish": lambda a: a / (1 + mpmath.exp(-a)),
    "abs": abs,
}


class MpDomainError(ArithmeticError):
    """The function is undefined at this point."""


def _need(ok, op, a):
    if not ok:
        raise MpDomainError(f"{op} undefined at {a}")
    return True


def _mp_binary(op, a, b, const_exponent=False):
    if op == "add":
        return a + b
    if op == "sub":
        return a - b
    if op == "mul":
        return a * b
    if op == "div":
        _need(b != 0, "div", b)
        return a / b
    if op == "min":
        return min(a, b)
    if op == "max":
        return max(a, b)
    if op == "pow":
        if a == 0 and b > 0 and const_exponent:
            return mpmath.mpf(0)  # x**c with a constant c > 0 is continuous at 0 (core semantics)
        _need(a > 0, "pow", a)
        return mpmath.exp(b * mpmath.log(a))
    raise AssertionError(op)


def mp_eval(root, point):
    """f(point) with mpmath at MP_DIGITS digits; point: list of exact numbers (floats/Fractions).
    Raises MpDomainError where f is undefined."""
    with mpmath.workdps(MP_DIGITS):
        values = {}
        for node in ir.walk(root):
            args = [values[id(a)] for a in node.args]
            op = node.op
            if op == "var":
                v = _mpf(point[node.literal])
            elif op == "const":
                v = _mpf(node.literal)
            elif op == "pi":
                v = +mpmath.pi
            elif op == "e":
                v = +mpmath.e
            elif op == "powi":
                n = node.literal
                _need(n >= 0 or args[0] != 0, "powi", args[0])
                v = args[0] ** n
            elif op in _MP_UNARY:
                v = _MP_UNARY[op](args[0])
            else:
                v = _mp_binary(op, *args, const_exponent=node.args[-1].op == "const")
            values[id(node)] = v
        return values[id(root)]


def mp_eval_text(text, point):
    """f(point) for an expression string, evaluated by Python's own parser over mpmath numbers
    (number literals read exactly as decimals, like verinum does: "0.1" is 1/10)."""
    tree = ast.parse(text, mode="eval")

    class Exact(ast.NodeTransformer):
        def visit_Constant(self, node):
            literal = ast.get_source_segment(text, node)
            return ast.copy_location(ast.Call(ast.Name("_num", ast.Load()),
                                              [ast.Constant(literal)], []), node)

    tree = ast.fix_missing_locations(Exact().visit(tree))
    env = {name: fn for name, fn in _MP_UNARY.items()}
    env.update(min=min, max=max, pi=mpmath.pi, e=mpmath.e, pow=lambda a, b: _mp_binary("pow", a, b))
    with mpmath.workdps(MP_DIGITS):
        env["_num"] = lambda lit: mpmath.mpf(Fraction(lit).numerator) / Fraction(lit).denominator
        xs = [_mpf(p) for p in point]
        env.update({f"x{i}": v for i, v in enumerate(xs)}, x=xs[0] if len(xs) == 1 else xs)
        return eval(compile(tree, "<expression>", "eval"), {"__builtins__": {}}, env)


def _mpf(q):
    if isinstance(q, Fraction):
        return mpmath.mpf(q.numerator) / q.denominator
    return mpmath.mpf(q)


def within(value, lower, upper):
    """lower <= value <= upper, allowing for the 1e-50 relative error of the mpmath reference."""
    with mpmath.workdps(MP_DIGITS):
        slack = mpmath.mpf(10) ** -50 * (1 + abs(value))
        return (lower == -math.inf or mpmath.mpf(lower) <= value + slack) and \
               (upper == math.inf or value - slack <= mpmath.mpf(upper))


# -- expressions ---------------------------------------------------------------------------------
_CONSTANTS = st.one_of(
    st.integers(-3, 3).map(ir.const),
    st.sampled_from(["0.1", "1/3", "-2.5", "1e-3", "7/2"]).map(ir.const),
    st.floats(-4, 4, allow_nan=False, allow_infinity=False).map(ir.const),
    st.just(ir.PI), st.just(ir.E))

# Unary builders that are defined on the whole real line (guards included).
_SAFE_UNARY = [
    lambda u: ir.apply("neg", u),
    lambda u: ir.apply("exp", ir.apply("tanh", u)),     # exp of a bounded argument
    lambda u: ir.apply("exp", -u * u),
    lambda u: ir.apply("exp", u),
    lambda u: ir.apply("expm1", ir.apply("sin", u)),
    lambda u: ir.apply("log", 1 + u ** 2),
    lambda u: ir.apply("log", 2 + ir.apply("sin", u)),
    lambda u: ir.apply("log1p", u * u),
    lambda u: ir.apply("log1p", ir.apply("exp", u)),
    lambda u: ir.apply("sqrt", ir.apply("abs", u)),
    lambda u: ir.apply("sqrt", 1 + u ** 2),
    lambda u: ir.apply("sin", u),
    lambda u: ir.apply("cos", u),
    lambda u: ir.apply("tan", ir.apply("sin", u)),      # |sin| <= 1 < pi/2
    lambda u: ir.apply("tan", ir.apply("atan", u) / 2),
    lambda u: ir.apply("atan", u),
    lambda u: ir.apply("sinh", ir.apply("atan", u)),
    lambda u: ir.apply("sinh", u),
    lambda u: ir.apply("cosh", u),
    lambda u: ir.apply("tanh", u),
    lambda u: ir.apply("erf", u),
    lambda u: ir.apply("sigmoid", u),
    lambda u: ir.apply("softplus", u),
    lambda u: ir.apply("relu", u),
    lambda u: ir.apply("swish", u),
    lambda u: ir.apply("abs", u),
    lambda u: u ** 2,
    lambda u: u ** 3,
    lambda u: ir.power(1 + u ** 2, -1),
    lambda u: ir.power(1 + u ** 2, -3),
    lambda u: ir.power(1 + u ** 2, Fraction(1, 2)),
    lambda u: ir.power(1 + u ** 2, Fraction(3, 2)),
    lambda u: ir.power(ir.apply("abs", u), Fraction(1, 3)),
    lambda u: ir.power(ir.apply("abs", u), "2.5"),
    lambda u: ir.power(1 + u ** 2, Fraction(-1, 2)),
    lambda u: ir.power(ir.apply("sqrt", ir.apply("abs", u)), 3),  # powi of a sqrt
]

_SAFE_BINARY = [
    lambda u, v: u + v,
    lambda u, v: u - v,
    lambda u, v: u * v,
    lambda u, v: u / (2 + ir.apply("sin", v)),
    lambda u, v: u / (1 + v ** 2),
    lambda u, v: u / (1 + ir.apply("exp", v)),
    lambda u, v: ir.apply("min", u, v),
    lambda u, v: ir.apply("max", u, v),
    lambda u, v: ir.apply("pow", 1 + u ** 2, ir.apply("sin", v)),  # real power, traced exponent
    lambda u, v: ir.apply("pow", 2 + ir.apply("cos", u), v),
]

UNARY_BUILDERS = len(_SAFE_UNARY)
BINARY_BUILDERS = len(_SAFE_BINARY)


@st.composite
def expressions(draw, nvars=1, max_depth=3):
    """A random IR expression in variables x0..x{nvars-1}, defined on all of R^nvars."""
    def leaf():
        if draw(st.integers(0, 3)) == 0:
            return draw(_CONSTANTS)
        return ir.var(draw(st.integers(0, nvars - 1)))

    def build(depth):
        kind = draw(st.integers(0, 4)) if depth > 0 else 0
        if kind == 0:
            return leaf()
        if kind <= 2:
            return _SAFE_UNARY[draw(st.integers(0, UNARY_BUILDERS - 1))](build(depth - 1))
        return _SAFE_BINARY[draw(st.integers(0, BINARY_BUILDERS - 1))](build(depth - 1),
                                                                       build(depth - 1))

    root = build(max_depth)
    if ir.num_variables(root) == 0:  # make sure the function depends on something
        root = root + ir.var(draw(st.integers(0, nvars - 1)))
    return root


# -- regions and points ----------------------------------------------------------------------------
@st.composite
def intervals(draw):
    """(lo, hi) floats: widths from 1e-12 to 1e3, centres up to ±50."""
    centre = draw(st.one_of(st.floats(-50, 50), st.sampled_from([0.0, 1.0, -1.0, 0.5])))
    width = 10.0 ** draw(st.floats(-12, 3))
    lo, hi = centre - width / 2, centre + width / 2
    if lo == hi:
        hi = math.nextafter(lo, math.inf)
    return lo, hi


@st.composite
def point_in(draw, lo, hi):
    """A float in [lo, hi], often an end or the centre."""
    choice = draw(st.integers(0, 4))
    if choice == 0:
        return lo
    if choice == 1:
        return hi
    if choice == 2:
        return min(max(lo + (hi - lo) / 2, lo), hi)
    return min(max(lo + draw(st.floats(0, 1)) * (hi - lo), lo), hi)


@st.composite
def boxes(draw, nvars):
    """A region (list of (lo, hi)), an expansion point x0 inside and a few test points inside."""
    region = [draw(intervals()) for _ in range(nvars)]
    x0 = [draw(point_in(lo, hi)) for lo, hi in region]
    points = [[draw(point_in(lo, hi)) for lo, hi in region] for _ in range(4)]
    return region, x0, points


def examples(n):
    """n hypothesis examples, times VERINUM_TEST_SCALE (default 1) for longer local runs."""
    return n * int(os.environ.get("VERINUM_TEST_SCALE", "1"))


#: Outcome counts of the property tests, printed at the end of the run (conftest.py).
STATS = {}


def count(key):
    STATS[key] = STATS.get(key, 0) + 1


def mlp(inputs=10, hidden=8, seed=0):
    """IR of x ↦ sigmoid(w2 · tanh(W1 x + b1) + b2) with fixed pseudo-random weights (the
    benchmark's MLP)."""
    import numpy as np
    rng = np.random.default_rng(seed)
    w1, b1 = rng.normal(size=(hidden, inputs)) / 3, rng.normal(size=hidden) / 3
    w2, b2 = rng.normal(size=hidden) / 3, 0.1
    xs = [ir.var(i) for i in range(inputs)]
    units = [ir.apply("tanh", sum((float(w1[j, i]) * xs[i] for i in range(inputs)),
                                  ir.const(float(b1[j])))) for j in range(hidden)]
    return ir.apply("sigmoid", sum((float(w2[j]) * units[j] for j in range(hidden)),
                                   ir.const(b2)))
