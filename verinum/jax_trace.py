"""Trace functions written with `jax.numpy` / `jax.nn` into the expression IR, via their jaxpr.

The jaxpr is interpreted over numpy arrays whose elements are IR nodes ("symbolic" values) or
ordinary numbers ("concrete" values: literals, captured arrays, index arithmetic). The IR means
the *real-number* function: every primitive is read as its exact mathematical operation (float
constants are their exact binary values; rounding of the float program is not modelled).
Consequences, all exact in the reals:
- concrete float arithmetic is not folded (exp(1.0) stays exp(1), not the float e);
- `is_finite(v)` is True and `v != v` is False for a traced v (every traced value is a real);
- `select_n` on a comparison of traced values is accepted only where it is max, min, abs or
  relu (jnp.where(x > 0, x, 0) is max(x, 0)); anything else fails closed.
Primitives without a rule raise UnsupportedOperationError naming the primitive.

Registered with `verinum.tracing.register_tracer`: the tracer returns None for callables that do
not reference jax (they are traced by calling them on IR nodes instead).
"""
import builtins
import functools
import types

import numpy as np

from . import ir
from .errors import InputError, TracingError, UnsupportedOperationError
from .tracing import register_tracer

_BRANCH_MESSAGE = ("Python branching (if/while/and/or/bool/float/int) on a traced value: the "
                   "bound must hold on a whole region. Use jnp.where(x > 0, x, 0), "
                   "jnp.maximum, jnp.minimum, jnp.abs or jax.nn.relu instead")

_UNARY = {"neg": "neg", "exp": "exp", "log": "log", "log1p": "log1p", "expm1": "expm1",
          "sqrt": "sqrt", "sin": "sin", "cos": "cos", "tan": "tan", "atan": "atan",
          "tanh": "tanh", "sinh": "sinh", "cosh": "cosh", "erf": "erf", "abs": "abs",
          "logistic": "sigmoid"}
_BINARY = {"add": "add", "add_any": "add", "sub": "sub", "mul": "mul", "div": "div",
           "max": "max", "min": "min"}
_IDENTITY = {"stop_gradient", "copy", "copy_p", "reduce_precision", "optimization_barrier"}
_CALLS = {"jit", "pjit", "closed_call", "core_call", "custom_jvp_call", "custom_vjp_call",
          "custom_vjp_call_jaxpr", "remat2", "checkpoint", "remat"}
# Primitives that only move elements. Value: indices of the operands that are data (the rest,
# e.g. gather indices, must be concrete).
_MOVES = {"reshape": (0,), "broadcast_in_dim": (0,), "squeeze": (0,), "expand_dims": (0,),
          "slice": (0,), "transpose": (0,), "rev": (0,), "gather": (0,), "dynamic_slice": (0,),
          "concatenate": None, "split": (0,), "pad": (0, 1), "dynamic_update_slice": (0, 1)}
_COMPARE = {"gt", "ge", "lt", "le", "eq", "ne"}


# -- is this JAX code? ------------------------------------------------------------------------
def _is_jax_object(v):
    if isinstance(v, types.ModuleType):
        return v.__name__.split(".")[0] in ("jax", "jaxlib")
    module = type(v).__module__ or ""
    if module.split(".")[0] in ("jax", "jaxlib"):
        return True
    return callable(v) and (getattr(v, "__module__", None) or "").split(".")[0] == "jax"


def _code_names(code):
    names = set(code.co_names)
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            names |= _code_names(c)
    return names


def looks_like_jax(f, depth=0):
    """True when f is a jax object (a jitted function, ...) or its code refers to jax (through
    its globals, closure, or the plain functions it calls, three levels deep)."""
    if depth > 3:
        return False
    if isinstance(f, functools.partial):
        return (looks_like_jax(f.func, depth) or any(_is_jax_object(a) for a in f.args)
                or any(_is_jax_object(a) for a in f.keywords.values()))
    if _is_jax_object(f):
        return True
    code = getattr(f, "__code__", None)
    if code is None:
        call = getattr(type(f), "__call__", None)
        return call is not None and depth == 0 and hasattr(call, "__code__") and \
            looks_like_jax(call, depth + 1)
    scope = getattr(f, "__globals__", {})
    values = [scope.get(n, getattr(builtins, n, None)) for n in _code_names(code)]
    values += [c.cell_contents for c in (getattr(f, "__closure__", None) or ())
               if _cell_filled(c)]
    for v in values:
        if _is_jax_object(v):
            return True
        if isinstance(v, types.FunctionType) and looks_like_jax(v, depth + 1):
            return True
    return False


def _cell_filled(cell):
    try:
        cell.cell_contents
        return True
    except ValueError:
        return False


# -- the tracer ---------------------------------------------------------------------------------
def jax_tracer(f, nvars, vector):
    """IR root of a jax function f (None when f does not look like JAX code)."""
    if not looks_like_jax(f):
        return None
    return trace(f, nvars, vector)


def trace(f, nvars, vector):
    """IR root of f: R^n -> R (vector: f takes an array of shape (nvars,), else a scalar)."""
    import jax
    import jax.numpy as jnp
    from jax.extend.core import Literal  # noqa: F401  (checks the API is there)
    jax.config.update("jax_enable_x64", True)
    arg = jnp.zeros((nvars,) if vector else (), dtype=jnp.float64)
    name = getattr(f, "__name__", repr(f))
    try:
        closed = jax.make_jaxpr(f)(arg)
    except jax.errors.ConcretizationTypeError as err:
        raise TracingError(f"could not trace {name!r}: {_BRANCH_MESSAGE}") from err
    except (TracingError, UnsupportedOperationError, InputError):
        raise
    except Exception as err:  # noqa: BLE001 - any failure of the user's code is reported
        raise TracingError(f"could not trace {name!r} with jax: {type(err).__name__}: "
                           f"{err}") from err
    if not vector:
        x = _obj((), [ir.var(0)])
    else:
        x = _obj((nvars,), [ir.var(i) for i in range(nvars)])
    outs = _eval_jaxpr(closed.jaxpr, closed.consts, [x])
    if len(outs) != 1:
        raise TracingError(f"{name!r} returns {len(outs)} values; it must return one scalar")
    return _scalar_output(outs[0], name)


def _scalar_output(out, name):
    out = np.asarray(out) if not isinstance(out, np.ndarray) else out
    if out.size != 1:
        raise TracingError(f"{name!r} returns an array of shape {out.shape}; it must return a "
                           "scalar (e.g. reduce with jnp.sum)")
    item = out.reshape(-1)[0]
    if isinstance(item, _Pred):
        raise TracingError(f"{name!r} returns a comparison; it must return a number")
    return item if isinstance(item, ir.Node) else _const(item)


# -- values --------------------------------------------------------------------------------------
class _Pred:
    """A comparison `a > b` (strict) or `a >= b` of traced scalars, possibly negated."""
    __slots__ = ("strict", "a", "b", "negated")

    def __init__(self, strict, a, b, negated=False):
        self.strict, self.a, self.b, self.negated = strict, a, b, negated


def _obj(shape, items):
    arr = np.empty(len(items), dtype=object)
    for i, item in enumerate(items):
        arr[i] = item
    return arr.reshape(shape)


def _symbolic(v):
    return isinstance(v, np.ndarray) and v.dtype == object


def _const(value):
    if isinstance(value, (np.bool_, bool)):
        raise TracingError("a boolean is used as a number")
    v = value.item() if hasattr(value, "item") else value
    if isinstance(v, float) and v != v:
        raise TracingError("the function contains a NaN constant")
    if isinstance(v, float) and v in (float("inf"), float("-inf")):
        raise TracingError(f"the function contains the constant {v}, which has no "
                           "real value to bound (only max(-inf, x) and min(inf, x) are "
                           "understood)")
    return ir.const(v)


def _to_sym(v):
    """A symbolic (object) array for a value, turning numbers into exact constants."""
    if _symbolic(v):
        return v
    arr = np.asarray(v)
    return _obj(arr.shape, [_const(x) for x in arr.reshape(-1)])


def _same(u, v):
    if u is v:
        return True
    if not (isinstance(u, ir.Node) and isinstance(v, ir.Node)):
        return False
    if u.op == "const" and v.op == "const":
        return u.literal == v.literal
    return ir.to_ops(u) == ir.to_ops(v)


# -- the interpreter ------------------------------------------------------------------------------
def _eval_jaxpr(jaxpr, consts, args):
    from jax.extend.core import Literal
    env = {}

    def read(v):
        return np.asarray(v.val) if isinstance(v, Literal) else env[v]

    for var, val in zip(jaxpr.constvars, consts):
        env[var] = np.asarray(val)
    for var, val in zip(jaxpr.invars, args):
        env[var] = val
    for eqn in _live_eqns(jaxpr):
        outs = _eval_eqn(eqn, [read(v) for v in eqn.invars])
        for var, val in zip(eqn.outvars, outs):
            env[var] = val
    return [read(v) for v in jaxpr.outvars]


def _live_eqns(jaxpr):
    """The equations whose outputs are needed (dead code such as an unused jnp.sign is
    skipped, so it cannot fail the trace)."""
    from jax.extend.core import Literal
    needed = {v for v in jaxpr.outvars if not isinstance(v, Literal)}
    live = []
    for eqn in reversed(jaxpr.eqns):
        if any(v in needed for v in eqn.outvars):
            live.append(eqn)
            needed.update(v for v in eqn.invars if not isinstance(v, Literal))
    return live[::-1]


def _eval_eqn(eqn, vals):
    name = eqn.primitive.name
    if name in _CALLS:
        return _call(eqn, vals)
    if not any(_symbolic(v) for v in vals):
        folded = _fold_concrete(eqn, vals)
        if folded is not None:
            return folded
        vals = [_to_sym(v) for v in vals]
    if name in _MOVES:
        return _move(eqn, vals)
    out = _symbolic_rule(eqn, name, vals)
    return out if eqn.primitive.multiple_results else [out]


def _fold_concrete(eqn, vals):
    """Evaluate with jax when that is exact: moves, comparisons, select, integer arithmetic.
    None means: go symbolic (float arithmetic, which would round)."""
    name = eqn.primitive.name
    out_dtypes = [np.dtype(v.aval.dtype) for v in eqn.outvars]
    exact = (name in _MOVES or name in _COMPARE or name in ("select_n", "iota", "not")
             or name in _IDENTITY
             or all(d.kind in "biu" for d in out_dtypes))
    if name == "convert_element_type" and out_dtypes[0].kind == "f":
        if all(np.asarray(v).dtype.kind == "f" or np.all(np.abs(np.asarray(v)) <= 2 ** 53)
               for v in vals):
            exact = True
    if not exact:
        return None
    out = eqn.primitive.bind(*vals, **eqn.params)
    outs = out if eqn.primitive.multiple_results else [out]
    return [np.asarray(o) for o in outs]


def _call(eqn, vals):
    sub = eqn.params.get("call_jaxpr", eqn.params.get("jaxpr", eqn.params.get("fun_jaxpr")))
    if sub is None:
        raise UnsupportedOperationError(f"jax primitive {eqn.primitive.name!r} has no rule")
    known = _known_function(eqn, sub, vals)
    if known is not None:
        return [known]
    jaxpr, consts = (sub.jaxpr, sub.consts) if hasattr(sub, "consts") else (sub, [])
    return _eval_jaxpr(jaxpr, consts, vals)


_KNOWN = {"softplus": "softplus", "silu": "swish", "swish": "swish", "relu": "relu",
          "sigmoid": "sigmoid"}


def _known_function(eqn, sub, vals):
    """jax.nn.softplus/silu/relu/sigmoid as their own IR operations (sharper rules), when the
    called jaxpr is exactly the one jax.nn's function produces (names alone are not trusted)."""
    fname = eqn.params.get("name")
    if fname not in _KNOWN or len(vals) != 1 or not _symbolic(vals[0]):
        return None
    import jax
    import jax.numpy as jnp
    reference = {"softplus": jax.nn.softplus, "silu": jax.nn.silu, "swish": jax.nn.silu,
                 "relu": jax.nn.relu, "sigmoid": jax.nn.sigmoid}[fname]
    aval = eqn.invars[0].aval
    try:
        ref = jax.make_jaxpr(reference)(jnp.zeros(aval.shape, aval.dtype))
    except Exception:  # noqa: BLE001
        return None
    text = str(sub)
    if not any(str(c) == text for c in _sub_jaxprs(ref)):
        return None
    return _elementwise(lambda a: ir.apply(_KNOWN[fname], a), vals[0])


def _sub_jaxprs(closed):
    """closed and every jaxpr called inside it, at any depth."""
    out = [closed]
    jaxpr = closed.jaxpr if hasattr(closed, "jaxpr") else closed
    for e in jaxpr.eqns:
        if e.primitive.name in _CALLS:
            sub = e.params.get("call_jaxpr", e.params.get("jaxpr"))
            if sub is not None:
                out.extend(_sub_jaxprs(sub))
    return out


def _elementwise(fn, *arrays):
    arrays = [_to_sym(a) for a in arrays]
    shape = np.broadcast_shapes(*(a.shape for a in arrays))
    flat = [np.broadcast_to(a, shape).reshape(-1) for a in arrays]
    return _obj(shape, [fn(*items) for items in zip(*flat)])


def _move(eqn, vals):
    """Primitives that only move elements: run them on element ids, then pick the elements."""
    data = _MOVES[eqn.primitive.name]
    data = range(len(vals)) if data is None else data
    pool, args, offset = [None], list(vals), 1
    for i, v in enumerate(vals):
        if i in data:
            sym = _to_sym(v)
            ids = np.arange(offset, offset + sym.size, dtype=np.int64).reshape(sym.shape)
            pool.extend(sym.reshape(-1))
            offset += sym.size
            args[i] = ids
        elif _symbolic(v):
            raise UnsupportedOperationError(
                f"jax primitive {eqn.primitive.name!r} with an index that depends on the input "
                "has no rule (indices must be constants)")
    out = eqn.primitive.bind(*args, **eqn.params)
    outs = out if eqn.primitive.multiple_results else [out]
    results = []
    for o in outs:
        ids = np.asarray(o)
        if ids.size and (ids.min() < 1 or ids.max() >= offset):
            raise UnsupportedOperationError(
                f"jax primitive {eqn.primitive.name!r} reads outside the array (fill values "
                "have no rule)")
        results.append(_obj(ids.shape, [pool[i] for i in ids.reshape(-1)]))
    return results


def _symbolic_rule(eqn, name, vals):
    p = eqn.params
    if name in _UNARY:
        return _elementwise(lambda a: ir.apply(_UNARY[name], a), vals[0])
    if name in _IDENTITY or name == "convert_element_type":
        if name == "convert_element_type" and np.dtype(p["new_dtype"]).kind != "f":
            raise UnsupportedOperationError(
                f"convert_element_type of a traced value to {np.dtype(p['new_dtype'])} has no "
                "rule (rounding to an integer is not supported)")
        return _to_sym(vals[0])
    if name in ("max", "min") and len(vals) == 2:
        return _max_min(name, vals)
    if name in _BINARY:
        return _elementwise(lambda a, b: ir.apply(_BINARY[name], a, b), *vals)
    if name == "integer_pow":
        return _elementwise(lambda a: ir.power(a, int(p["y"])), vals[0])
    if name == "square":
        return _elementwise(lambda a: ir.power(a, 2), vals[0])
    if name == "rsqrt":
        return _elementwise(lambda a: ir.power(ir.apply("sqrt", a), -1), vals[0])
    if name == "exp2":
        return _elementwise(lambda a: ir.apply("pow", ir.const(2), a), vals[0])
    if name == "pow":
        return _elementwise(_pow, *vals)
    if name == "clamp":
        lo, x, hi = vals
        return _elementwise(lambda a, b, c: ir.apply("min", c, ir.apply("max", a, b)), lo, x, hi)
    if name in ("reduce_sum", "reduce_max", "reduce_min", "reduce_prod"):
        op = {"reduce_sum": "add", "reduce_max": "max", "reduce_min": "min",
              "reduce_prod": "mul"}[name]
        return _reduce(vals[0], tuple(p["axes"]), op)
    if name == "dot_general":
        return _dot_general(vals[0], vals[1], p["dimension_numbers"])
    if name in _COMPARE:
        return _elementwise(lambda a, b: _compare(name, a, b), *vals)
    if name == "is_finite":
        return np.ones(vals[0].shape, dtype=bool)  # every traced value is a real number
    if name == "not":
        return _elementwise(_negate, vals[0])
    if name == "select_n":
        return _select(vals[0], vals[1:])
    raise UnsupportedOperationError(f"jax primitive {name!r} has no verified rule")


def _pow(a, b):
    if b.op == "const":
        return ir.power(a, b.literal)
    return ir.apply("pow", a, b)


def _is_const(node, value):
    return isinstance(node, ir.Node) and node.op == "const" and node.literal == value


def _max_min(name, vals):
    """max(-inf, x) = x and min(inf, x) = x (jnp's reductions start from these)."""
    neutral = float("-inf") if name == "max" else float("inf")
    for i in (0, 1):
        v = vals[i]
        if not _symbolic(v) and np.all(np.asarray(v) == neutral):
            other = _to_sym(vals[1 - i])
            shape = np.broadcast_shapes(other.shape, np.shape(v))
            return np.broadcast_to(other, shape).copy()
    return _elementwise(lambda a, b: ir.apply(name, a, b), *vals)


def _reduce(arr, axes, op):
    arr = _to_sym(arr)
    keep = [d for d in range(arr.ndim) if d not in axes]
    moved = np.transpose(arr, keep + list(axes))
    rows = moved.reshape(int(np.prod([arr.shape[d] for d in keep], dtype=int)), -1)
    if rows.shape[1] == 0:
        raise UnsupportedOperationError(f"reduction ({op}) over an empty axis")
    return _obj(tuple(arr.shape[d] for d in keep), [_tree(list(row), op) for row in rows])


def _tree(items, op):
    """Balanced reduction tree (shallow IR, the same real value as any order)."""
    while len(items) > 1:
        pairs = [ir.apply(op, items[i], items[i + 1]) for i in range(0, len(items) - 1, 2)]
        items = pairs + ([items[-1]] if len(items) % 2 else [])
    return items[0]


def _dot_general(lhs, rhs, dimension_numbers):
    (lc, rc), (lb, rb) = dimension_numbers
    lhs, rhs = _to_sym(lhs), _to_sym(rhs)
    lf = [d for d in range(lhs.ndim) if d not in lc and d not in lb]
    rf = [d for d in range(rhs.ndim) if d not in rc and d not in rb]
    a = np.transpose(lhs, list(lb) + lf + list(lc))
    b = np.transpose(rhs, list(rb) + list(rc) + rf)
    batch = a.shape[:len(lb)]
    nb = int(np.prod(batch, dtype=int))
    m = int(np.prod([lhs.shape[d] for d in lf], dtype=int))
    k = int(np.prod([lhs.shape[d] for d in lc], dtype=int))
    n = int(np.prod([rhs.shape[d] for d in rf], dtype=int))
    a, b = a.reshape(nb, m, k), b.reshape(nb, k, n)
    items = []
    for q in range(nb):
        for i in range(m):
            for j in range(n):
                terms = [ir.apply("mul", a[q, i, t], b[q, t, j]) for t in range(k)]
                items.append(_tree(terms, "add") if terms else ir.const(0))
    shape = tuple(batch) + tuple(lhs.shape[d] for d in lf) + tuple(rhs.shape[d] for d in rf)
    return _obj(shape, items)


def _compare(name, a, b):
    if name in ("eq", "ne"):
        if _same(a, b):  # v == v is True, v != v (isnan) is False for a real v
            return name == "eq"
        raise UnsupportedOperationError(
            f"comparison {name!r} (== or !=) of traced values has no rule")
    if name in ("lt", "le"):
        a, b = b, a
    return _Pred(name in ("gt", "lt"), a, b)


def _negate(p):
    if isinstance(p, (bool, np.bool_)):
        return not p
    if not isinstance(p, _Pred):
        raise UnsupportedOperationError("logical not of a non-boolean traced value")
    return _Pred(p.strict, p.a, p.b, not p.negated)


def _select(pred, cases):
    if not _symbolic(pred):
        index = np.asarray(pred).astype(np.int64)
        syms = [_to_sym(c) for c in cases]
        shape = np.broadcast_shapes(index.shape, *(c.shape for c in syms))
        index = np.broadcast_to(index, shape).reshape(-1)
        flat = [np.broadcast_to(c, shape).reshape(-1) for c in syms]
        return _obj(shape, [flat[k][i] for i, k in enumerate(index)])
    if len(cases) != 2:
        raise UnsupportedOperationError("select_n with more than two cases on a traced "
                                        "predicate has no rule")
    return _elementwise(_select_one, pred, cases[0], cases[1])


def _select_one(p, if_false, if_true):
    if isinstance(p, (bool, np.bool_)):
        return if_true if p else if_false
    if not isinstance(p, _Pred):
        raise UnsupportedOperationError("select_n on a traced predicate that is not a "
                                        "comparison has no rule")
    if p.negated:
        if_false, if_true = if_true, if_false
    a, b = p.a, p.b  # where(a > b, if_true, if_false); at a == b the patterns below agree
    if _same(if_true, a) and _same(if_false, b):
        return ir.apply("max", a, b)
    if _same(if_true, b) and _same(if_false, a):
        return ir.apply("min", a, b)
    for x, zero, sign in ((a, b, 1), (b, a, -1)):  # x > 0 (sign 1) or 0 > x (sign -1)
        if _is_const(zero, 0):
            minus_x = if_false if sign == 1 else if_true
            plus_x = if_true if sign == 1 else if_false
            if _same(plus_x, x) and _is_neg_of(minus_x, x):
                return ir.apply("abs", x)
            if _same(minus_x, x) and _is_neg_of(plus_x, x):
                return ir.apply("neg", ir.apply("abs", x))
    raise UnsupportedOperationError(
        "jnp.where/select_n on a comparison of traced values is supported only where it is "
        "max, min, abs or relu (e.g. jnp.where(x > 0, x, 0)); write it with jnp.maximum, "
        "jnp.minimum or jnp.abs")


def _is_neg_of(u, x):
    return isinstance(u, ir.Node) and u.op == "neg" and _same(u.args[0], x)


register_tracer(jax_tracer)
