"""Benchmark: verinum.taylor_bounds next to AutoBound (degree 2 unless stated).

For each function: width of the top (interval) coefficient, width of the bound over the region,
and time per call, for verinum and for AutoBound in the same process. AutoBound runs as users
run it: `autobound.jax.taylor_bounds(f, degree)` on a jax function, jitted, float64, made to run
on jax 0.10 by the shim of benchmarks/bounding.py (`_autobound`). AutoBound has no tanh rule, so
tanh(y) is written 2·sigmoid(2y) − 1. The shim skips AutoBound's jaxpr rewriter, which is what
maps jax.nn.softplus and jax.nn.swish to AutoBound's softplus and swish rules, so those rows call
the same rules through AutoBound's enclosure arithmetic (numpy back end), marked "(ea)".
Functions with no AutoBound rule are "-".

Run: .venv/bin/python benchmarks/taylor.py   (writes benchmarks/results/taylor.txt too)
"""
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.join(HERE, ".."), HERE]

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402

from bounding import _autobound  # noqa: E402  (importing it enables jax float64)
from verinum import ir, taylor_bounds  # noqa: E402
from verinum.tracing import to_expression  # noqa: E402

RESULTS = os.path.join(HERE, "results", "taylor.txt")


# -- AutoBound over verinum's IR -----------------------------------------------------------------
_JAX_UNARY = {"exp": jnp.exp, "log": jnp.log, "sqrt": jnp.sqrt, "sin": jnp.sin,
              "sigmoid": jax.nn.sigmoid, "tanh": lambda y: 2 * jax.nn.sigmoid(2 * y) - 1}
_JAX_BINARY = {"add": jnp.add, "sub": jnp.subtract, "mul": jnp.multiply, "div": jnp.divide}


def jax_function(root, vector):
    """The IR as a jax function of x (a vector in n-D), for autobound.jax."""
    def f(x):
        values = {}
        for node in ir.walk(root):
            args = [values[id(a)] for a in node.args]
            if node.op == "var":
                v = jnp.dot(x, jnp.eye(len(x))[node.literal]) if vector else x  # no slice rule
            elif node.op == "const":
                v = float(node.literal)
            elif node.op in _JAX_BINARY:
                v = _JAX_BINARY[node.op](*args)
            elif node.op == "neg":
                v = -args[0]
            elif node.op == "powi":
                v = args[0] ** node.literal
            elif node.op in _JAX_UNARY:
                v = _JAX_UNARY[node.op](args[0])
            else:
                raise NotImplementedError(f"no jax translation of {node.op}")
            values[id(node)] = v
        return values[id(root)]
    return f


def autobound_jax(root, x0, region, degree):
    """A call of autobound.jax on root, jitted: () -> (top coefficient, range)."""
    modules = _autobound()
    if isinstance(modules, str):
        raise NotImplementedError(modules)
    ab, ea = modules
    vector = isinstance(x0, (list, tuple))
    x0a = jnp.asarray(x0, dtype=float)
    lo = jnp.asarray([r[0] for r in region] if vector else region[0], dtype=float)
    hi = jnp.asarray([r[1] for r in region] if vector else region[1], dtype=float)
    bound = ab.taylor_bounds(jax_function(root, vector), degree)

    @jax.jit
    def run(x0a, lo, hi):
        coeffs = bound(x0a, (lo, hi)).coefficients
        return coeffs[-1], ea.enclose_enclosure(coeffs, (lo - x0a, hi - x0a), 0, jnp)[0]
    return lambda: jax.block_until_ready(run(x0a, lo, hi))


def autobound_eval(root, x0, region, degree):
    """AutoBound's Taylor enclosure of root through its enclosure arithmetic (numpy back end):
    (top coefficient (lo, hi) arrays, range (lo, hi))."""
    from autobound import enclosure_arithmetic as ea
    from autobound import primitive_enclosures as pe
    from autobound.types import TaylorEnclosure

    vector = isinstance(x0, (list, tuple))
    x0a = np.asarray(x0, dtype=float)
    lo = np.asarray([r[0] for r in region] if vector else region[0], dtype=float)
    hi = np.asarray([r[1] for r in region] if vector else region[1], dtype=float)
    trust = (lo - x0a, hi - x0a)
    ar = ea.TaylorEnclosureArithmetic(degree, trust, np)
    elementwise = {name: ar.get_elementwise_fun(getattr(pe, f"{name}_enclosure"))
                   for name in ("exp", "log", "sigmoid", "softplus", "swish", "abs")}
    unary = dict(elementwise, neg=ar.negative, sqrt=lambda a: ar.power(a, 0.5))
    # tanh(y) = 2·sigmoid(2y) − 1, as for the jax front end
    unary["tanh"] = lambda a: ar.subtract(
        ar.multiply((2.0,), elementwise["sigmoid"](ar.multiply((2.0,), a))), (1.0,))
    values = {}
    for node in ir.walk(root):
        args = [values[id(a)] for a in node.args]
        op = node.op
        if op == "var":
            i = node.literal
            v = (x0a[i], np.eye(len(x0a))[i]) if vector else (x0a[()], np.asarray(1.0))
        elif op == "const":
            v = (np.asarray(float(node.literal)),)
        elif op in ("add", "sub", "mul", "div"):
            v = getattr(ar, {"add": "add", "sub": "subtract", "mul": "multiply",
                             "div": "divide"}[op])(*args)
        elif op == "powi":
            v = ar.power(args[0], node.literal)
        elif op == "pow" and node.args[1].op == "const":
            v = ar.power(args[0], float(node.args[1].literal))
        elif op in unary:
            v = unary[op](args[0])
        else:
            raise NotImplementedError(f"AutoBound has no rule for {op}")
        values[id(node)] = TaylorEnclosure(tuple(v))
    out = values[id(root)]
    return out[-1], ea.enclose_enclosure(out, trust, 0, np)[0]


def _width(iv):
    lo, hi = (np.asarray(iv[0]), np.asarray(iv[1])) if isinstance(iv, tuple) else (iv, iv)
    return float(np.max(hi - lo))


def _per_call(fn, budget=0.5):
    fn()  # warm up (and fail early)
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < budget:
        fn()
        n += 1
    return (time.perf_counter() - start) / n


# -- cases ----------------------------------------------------------------------------------------
def _mlp():
    """x ↦ sigmoid(w2 · tanh(W1 x + b1) + b2), 10 inputs, 8 hidden units, fixed weights."""
    rng = np.random.default_rng(0)
    w1, b1 = rng.normal(size=(8, 10)) / 3, rng.normal(size=8) / 3
    w2, b2 = rng.normal(size=8) / 3, 0.1

    def f(x):
        hidden = [ir.apply("tanh", sum((float(w1[j, i]) * x[i] for i in range(10)),
                                       ir.const(float(b1[j])))) for j in range(8)]
        return ir.apply("sigmoid", sum((float(w2[j]) * hidden[j] for j in range(8)),
                                       ir.const(b2)))
    return f


def _logsumexp(x):
    return ir.apply("log", sum((ir.apply("exp", x[i]) for i in range(10)), ir.const(0)))


BOX10 = [(-1.0, 1.0)] * 10
X10 = [0.1 * i - 0.45 for i in range(10)]
CASES = [  # (name, f, x0, region, degree)
    ("exp(x)", "exp(x)", 0.5, (0.0, 2.0), 2),
    ("exp(x), degree 6", "exp(x)", 0.5, (0.0, 2.0), 6),
    ("exp(sqrt(x))", "exp(sqrt(x))", 0.25, (0.0, 0.5), 2),
    ("sigmoid(x)", "sigmoid(x)", 0.0, (-1.0, 1.0), 2),
    ("softplus(x)", "softplus(x)", 0.0, (-1.0, 1.0), 2),
    ("swish(x)", "swish(x)", 0.0, (-1.0, 1.0), 2),
    ("tanh(x)", "tanh(x)", 0.0, (-1.0, 1.0), 2),
    ("log(1+x^2)", "log(1+x**2)", 0.5, (-1.0, 2.0), 2),
    ("exp(-x^2)sin(3x), degree 6", "exp(-x**2)*sin(3*x)", 0.3, (-1.0, 1.0), 6),
    ("logsumexp 10-D, degree 1", _logsumexp, X10, BOX10, 1),
    ("logsumexp 10-D", _logsumexp, X10, BOX10, 2),
    ("MLP 10-8-1, degree 1", _mlp(), X10, BOX10, 1),
    ("MLP 10-8-1", _mlp(), X10, BOX10, 2),
]


def _autobound_row(root, x0, region, degree):
    """AutoBound's (top, range, seconds per call, route) on one case."""
    if {node.op for node in ir.walk(root)} & {"softplus", "swish"}:  # see the module docstring
        ab_top, ab_rng = autobound_eval(root, x0, region, degree)
        return ab_top, ab_rng, _per_call(lambda: autobound_eval(root, x0, region, degree)), "(ea)"
    call = autobound_jax(root, x0, region, degree)
    try:
        ab_top, ab_rng = call()
    except NotImplementedError as err:  # AutoBound's own "no rule" error
        what = err.args[0] if err.args else err
        raise NotImplementedError(f"AutoBound has no rule for {getattr(what, 'name', what)}")
    return ab_top, ab_rng, _per_call(call), ""


def run():
    lines = ["AutoBound: autobound.jax.taylor_bounds, jitted, float64; (ea): its enclosure "
             "arithmetic (numpy).",
             "widths: of the top coefficient (max over entries) and of the bound over the region.",
             "",
             f"{'function':<28} {'verinum top':>12} {'range':>10} {'ms/call':>8}   "
             f"{'AutoBound top':>13} {'range':>10} {'ms/call':>8}"]
    for name, f, x0, region, degree in CASES:
        vector = isinstance(region, list)
        root, _ = to_expression(f, len(region) if vector else 1, vector)
        enc = taylor_bounds(root, x0, region, degree)
        top = enc.remainder
        top_w = max(c.width for c in top.values()) if isinstance(top, dict) else top.width
        rng_w = enc.bounds().width
        t_v = _per_call(lambda: taylor_bounds(root, x0, region, degree))
        try:
            ab_top, ab_rng, t_a, route = _autobound_row(root, x0, region, degree)
            ab = f"{_width(ab_top):>13.4g} {_width(ab_rng):>10.4g} {t_a * 1e3:>8.2f} {route}"
        except NotImplementedError as err:
            ab = f"{'-':>13} {'-':>10} {'-':>8}   ({err})"
        lines.append(f"{name:<28} {top_w:>12.4g} {rng_w:>10.4g} {t_v * 1e3:>8.2f}   {ab}")
    lines.append("")
    lines.append("nan: AutoBound's result is NaN (log's remainder at the region end).")
    text = "\n".join(lines)
    print(text)
    os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
    with open(RESULTS, "w") as out:
        out.write(text + "\n")


if __name__ == "__main__":
    import warnings
    warnings.simplefilter("ignore", RuntimeWarning)  # AutoBound's NaN on log(1+x^2)
    run()
