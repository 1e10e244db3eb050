"""Double-precision evaluation compiled from the IR (heuristics only: nothing here is proven).

Used to propose points (`local_search`, `verinum.minimize`) and to locate kinks
(`integrate_kinks`); every value used later as a bound is re-proven with arb.
"""
import math

import numpy as np

from . import ir

_MATH = {
    "exp": "_m.exp({})", "expm1": "_m.expm1({})", "log": "_m.log({})", "log1p": "_m.log1p({})",
    "sqrt": "_m.sqrt({})", "sin": "_m.sin({})", "cos": "_m.cos({})", "tan": "_m.tan({})",
    "atan": "_m.atan({})", "sinh": "_m.sinh({})", "cosh": "_m.cosh({})", "tanh": "_m.tanh({})",
    "erf": "_m.erf({})", "abs": "abs({})", "neg": "-{}",
    "sigmoid": "_sigmoid({})", "softplus": "_softplus({})", "relu": "max({}, 0.0)",
    "swish": "({0} * _sigmoid({0}))",
}
_NUMPY = {
    "exp": "_np.exp({})", "expm1": "_np.expm1({})", "log": "_np.log({})", "log1p": "_np.log1p({})",
    "sqrt": "_np.sqrt({})", "sin": "_np.sin({})", "cos": "_np.cos({})", "tan": "_np.tan({})",
    "atan": "_np.arctan({})", "sinh": "_np.sinh({})", "cosh": "_np.cosh({})",
    "tanh": "_np.tanh({})", "erf": "_erf({})", "abs": "_np.abs({})", "neg": "-{}",
    "sigmoid": "_nsigmoid({})", "softplus": "_np.logaddexp(0.0, {})",
    "relu": "_np.maximum({}, 0.0)", "swish": "({0} * _nsigmoid({0}))",
}


def _sigmoid(y):
    if y >= 0:
        return 1.0 / (1.0 + math.exp(-y))
    t = math.exp(y)
    return t / (1.0 + t)


def _softplus(y):
    return max(y, 0.0) + math.log1p(math.exp(-abs(y)))


def _pow(a, b):  # pow(a, b) = exp(b·log a) for a > 0, and pow(0, b) = 0 for b > 0
    return a ** b if a > 0 else 0.0 if a == 0 and b > 0 else math.inf


def _npow(a, b):
    return np.where(a > 0, np.abs(a) ** b, np.where((a == 0) & (b > 0), 0.0, np.inf))


def _nsigmoid(y):
    return 0.5 * (1.0 + np.tanh(0.5 * y))


def _source(roots, table, vectorized):
    """Python source of `_f(x)`: the value of each root at x (a list if `roots` is a list)."""
    many = isinstance(roots, list)
    roots = roots if many else [roots]
    lines, names = [], {}
    for node in (n for root in roots for n in ir.walk(root)):
        if id(node) in names:
            continue  # shared by an earlier root
        a = [names[id(x)] for x in node.args]
        op = node.op
        if op == "var":
            expr = f"x[{node.literal}]"
        elif op == "const":
            expr = repr(float(node.literal))  # a heuristic value; never used as a bound
        elif op in ("pi", "e"):
            expr = repr(math.pi if op == "pi" else math.e)
        elif op in ("add", "sub", "mul", "div"):
            expr = f"({a[0]} {dict(add='+', sub='-', mul='*', div='/')[op]} {a[1]})"
        elif op == "powi":
            expr = f"({a[0]} ** {node.literal})" if node.literal >= 0 else f"(1.0 / {a[0]} ** {-node.literal})"
        elif op == "pow":  # defined for a base > 0 only (certificates/README.md)
            expr = f"_pow({a[0]}, {a[1]})"
        elif op in ("min", "max"):
            expr = (f"_np.{op}imum({a[0]}, {a[1]})" if vectorized else f"{op}({a[0]}, {a[1]})")
        else:
            expr = table[op].format(a[0])
        names[id(node)] = f"v{len(names)}"
        lines.append(f"    {names[id(node)]} = {expr}")
    out = ", ".join(names[id(root)] for root in roots)
    lines.append(f"    return [{out}]" if many else f"    return {out}")
    return "def _f(x):\n" + "\n".join(lines) + "\n"


def compile_raw(roots, vectorized=False):
    """The unguarded float function x -> f(x) of a sequence x (`vectorized`: of numpy arrays,
    elementwise); a list of roots gives a list of values. Raises where a float op fails
    (ArithmeticError, ValueError, TypeError); arrays are non-finite there instead."""
    if vectorized:
        source = _source(roots, _NUMPY, True)
        env = {"_np": np, "_nsigmoid": _nsigmoid, "_pow": _npow}
        if "_erf(" in source:  # scipy.special takes ~0.25 s to import: only when needed
            from scipy.special import erf
            env["_erf"] = erf
    else:
        source = _source(roots, _MATH, False)
        env = {"_m": math, "_sigmoid": _sigmoid, "_softplus": _softplus, "_pow": _pow}
    exec(compile(source, "<verinum float>", "exec"), env)  # noqa: S102
    return env["_f"]


def compile_float(root):
    """A plain-float function f(x) of a sequence x (the IR in double precision).

    Returns +inf wherever the float evaluation fails (domain error, overflow, NaN)."""
    raw = compile_raw(root)

    def f(x):
        try:
            value = raw(x)
            value = float(value.real) if isinstance(value, complex) else float(value)
        except (ValueError, OverflowError, ZeroDivisionError, TypeError):
            return math.inf
        return value if value == value else math.inf

    return f


def compile_batch(root):
    """A numpy function of an (n, m) array of m points giving m values (+inf where it fails)."""
    raw = compile_raw(root, vectorized=True)

    def f(points):
        points = np.asarray(points, dtype=float)
        with np.errstate(all="ignore"):
            try:
                values = np.broadcast_to(np.asarray(raw(points), dtype=float), points.shape[1:])
            except (ValueError, OverflowError, ZeroDivisionError, TypeError):
                return np.full(points.shape[1:], np.inf)
        return np.where(np.isfinite(values), values, np.inf)

    return f
