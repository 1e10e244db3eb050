"""Fast float evaluation compiled from the IR, and float local search (heuristics only).

Nothing here is a proof: these functions only *propose* points. `verinum.minimize` proves the
value at every proposed point with arb before it uses it as an upper bound.
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


def _source(root, table, vectorized):
    lines = []
    names = {}
    for i, node in enumerate(ir.walk(root)):
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
        names[id(node)] = f"v{i}"
        lines.append(f"    v{i} = {expr}")
    lines.append(f"    return {names[id(root)]}")
    return "def _f(x):\n" + "\n".join(lines) + "\n"


def compile_float(root):
    """A plain-float function f(x) of a sequence x (the IR in double precision).

    Returns +inf wherever the float evaluation fails (domain error, overflow, NaN)."""
    env = {"_m": math, "_sigmoid": _sigmoid, "_softplus": _softplus, "_pow": _pow}
    exec(compile(_source(root, _MATH, False), "<verinum float>", "exec"), env)  # noqa: S102
    raw = env["_f"]

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
    source = _source(root, _NUMPY, True)
    env = {"_np": np, "_nsigmoid": _nsigmoid, "_pow": _npow}
    if "_erf(" in source:  # scipy.special takes ~0.25 s to import: only when needed
        from scipy.special import erf
        env["_erf"] = erf
    exec(compile(source, "<verinum batch>", "exec"), env)  # noqa: S102
    raw = env["_f"]

    def f(points):
        points = np.asarray(points, dtype=float)
        with np.errstate(all="ignore"):
            try:
                values = np.broadcast_to(np.asarray(raw(points), dtype=float), points.shape[1:])
            except (ValueError, OverflowError, ZeroDivisionError, TypeError):
                return np.full(points.shape[1:], np.inf)
        return np.where(np.isfinite(values), values, np.inf)

    return f


def clip(x, lower, upper):
    """x moved inside the float box [lower, upper] coordinate by coordinate (a list of floats)."""
    return [min(max(float(v), lo), hi) for v, lo, hi in zip(x, lower, upper)]


def local_minimize(f, start, lower, upper, max_evals=2000):
    """(value, point): a local minimum of the float function f from `start` within [lower, upper]
    (L-BFGS-B, then a short Nelder-Mead polish for kinks). Heuristic only."""
    from scipy.optimize import minimize as scipy_minimize
    n = len(start)
    best = (f(start), clip(start, lower, upper))
    bounds = list(zip(lower, upper))

    def safe(x):
        value = f(clip(x, lower, upper))
        return value if math.isfinite(value) else 1e300

    for method, options in (("L-BFGS-B", {"maxfun": max_evals}),
                            ("Nelder-Mead", {"maxfev": min(max_evals, 200 * n), "xatol": 1e-12,
                                             "fatol": 0.0})):
        try:
            res = scipy_minimize(safe, best[1], method=method, bounds=bounds, options=options)
        except (ValueError, ArithmeticError):
            continue
        point = clip(res.x, lower, upper)
        value = f(point)
        if value < best[0]:
            best = (value, point)
    return best


def snapped_points(x, lower, upper):
    """Short-dyadic and short-decimal roundings of x inside [lower, upper] (minimisers of test
    problems are often simple numbers; an exact one makes the proven upper bound sharp)."""
    out = []
    for bits in range(0, 44, 2):
        scale = 2.0 ** bits
        out.append(clip([round(v * scale) / scale for v in x], lower, upper))
    for digits in range(0, 13):
        out.append(clip([round(v, digits) for v in x], lower, upper))
    return out


def best_snapped(f, x, lower, upper):
    """(value, point): the best of x and its snapped versions under the float function f."""
    best = (f(x), list(x))
    for p in snapped_points(x, lower, upper):
        value = f(p)
        if value <= best[0]:
            best = (value, p)
    return best
