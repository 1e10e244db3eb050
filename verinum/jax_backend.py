"""Batched bounds of an expression over many boxes at once, compiled with JAX (the fast path).

    lower, upper = bound_boxes(root, lo, hi, degree=0)

For every b, [lower[b], upper[b]] contains f(x) for all x in the box [lo[b], hi[b]] (where f is
defined on the whole box; a box where f may be undefined, or that cannot be bounded, gets
(-inf, +inf)). Degree 0 is interval evaluation. Degree 1 adds the slope form f(c) + S·(x − c):
S encloses the slopes (f(x) − f(c))/(x − c) (chord slopes of relu/abs, hulls at min/max, products
split as a·(b − b(c)) + b(c)·(a − a(c))), swept in reverse mode from the root (cost independent
of n). Degree 2 computes the slopes in forward mode instead, tightening the range of every
relu/abs argument with its own slope form (slower, tighter), and adds the mean-value form with
box gradients and the second-order form f(c) + ∇f(c)·t + ½ tᵀ H t with H the interval Hessian
over the box (upper triangle only; used where no kink is crossed). The result is the
intersection of all forms computed.

Sums and products by constants are folded into affine maps W·leaves + offset (exact rational
W), one matrix product per group of them in midpoint-radius form (jax_kernels.affine).

Soundness rests on jax_kernels (outward rounding as in docs/jax.md) and on a self-test run at
first use (`available()`): if the platform misbehaves the fast path is switched off with a
warning, and `bound_boxes` falls back to the arb backend (slow, same guarantee). This module is
for searching and pruning; facts that a returned result depends on are re-proved with arb.
"""
import math
import warnings
from fractions import Fraction

import jax
import jax.numpy as jnp
import numpy as np

from . import ir, rounding
from .errors import InputError
from .jax_kernels import (INF, IV, MAXF, SMALL_AFFINE, TINY, TWO_OVER_SQRT_PI, Arith, affine,
                          const, dn, hull, isum, mag_dot, meet, select, up)

jax.config.update("jax_enable_x64", True)

MAX_BUCKET = 1 << 14          # boxes per compiled call; bigger batches run in chunks
BLOCK_ELEMENTS = 1 << 15      # boxes × rows × derivative entries per array in one inner step
                              # (degree 2; an eighth of it at degrees 0 and 1)
_KERNELS = {}                 # (canonical ops, n, degree) -> (jitted kernel, constants)
_KEYS = {}                    # id(root) -> (root, canonical ops, variables): walks are slow
_STATE = {"available": None, "reason": ""}


# -- public API ------------------------------------------------------------------------------------
def available():
    """True when the self-test passed on this platform (run once, at the first call)."""
    if _STATE["available"] is None:
        try:
            problems = _self_test()
        except Exception as err:  # noqa: BLE001 - any failure switches the fast path off
            problems = [f"self-test crashed: {type(err).__name__}: {err}"]
        _STATE["available"] = not problems
        _STATE["reason"] = "; ".join(problems)
        if problems:
            warnings.warn("verinum: the JAX fast path is switched off (self-test failed: "
                          f"{_STATE['reason']}); using the arb backend", RuntimeWarning,
                          stacklevel=2)
    return _STATE["available"]


def bound_boxes(root, lo, hi, degree=0):
    """(lower, upper) float64 arrays of shape (batch,): sound bounds of f over each box.

    root: an IR node; lo, hi: arrays of shape (batch, n) (shape (batch,) when n = 1).
    degree: 0 (interval), 1 (with mean-value form) or 2 (with second-order form)."""
    if not isinstance(root, ir.Node):
        raise InputError(f"bound_boxes expects an expression (IR node), got {type(root).__name__}")
    if degree not in (0, 1, 2) or isinstance(degree, bool):
        raise InputError(f"degree must be 0, 1 or 2, got {degree!r}")
    lo, hi = _clean_boxes(root, lo, hi)
    batch, n = lo.shape
    if batch == 0:
        return np.empty(0), np.empty(0)
    if not available():
        return _arb_fallback(root, lo, hi)
    kernel, consts = _kernel(root, n, degree)
    lower, upper = np.empty(batch), np.empty(batch)
    for start in range(0, batch, MAX_BUCKET):
        stop = min(batch, start + MAX_BUCKET)
        size = max(8, 1 << (stop - start - 1).bit_length())  # power-of-two bucket
        pad = size - (stop - start)
        blo = np.concatenate([lo[start:stop], np.repeat(lo[stop - 1:stop], pad, 0)])
        bhi = np.concatenate([hi[start:stop], np.repeat(hi[stop - 1:stop], pad, 0)])
        out_lo, out_hi = kernel(blo, bhi, *consts)
        lower[start:stop] = np.asarray(out_lo)[:stop - start]
        upper[start:stop] = np.asarray(out_hi)[:stop - start]
    return lower, upper


# -- host side: inputs and constants -----------------------------------------------------------------
def _clean_boxes(root, lo, hi):
    lo = np.array(lo, dtype=np.float64, copy=True)
    hi = np.array(hi, dtype=np.float64, copy=True)
    nvars = _described(root)[1]
    if lo.ndim == 1 and nvars <= 1:
        lo, hi = lo.reshape(-1, 1), hi.reshape(-1, 1)
    if lo.ndim != 2 or lo.shape != hi.shape:
        raise InputError(f"lo and hi must be arrays of the same shape (batch, n); got "
                         f"{lo.shape} and {hi.shape}")
    if lo.shape[1] < nvars:
        raise InputError(f"the expression uses {nvars} variables but the boxes have "
                         f"{lo.shape[1]} dimension(s)")
    if np.isnan(lo).any() or np.isnan(hi).any():
        raise InputError("a box has a NaN bound")
    if (lo > hi).any():
        b = int(np.argmax((lo > hi).any(axis=1)))
        raise InputError(f"box {b} is reversed: lo > hi in some dimension")
    if (lo == INF).any() or (hi == -INF).any():
        raise InputError("a box has lo = +inf or hi = -inf (no real point in it)")
    return _clean_lower(lo), _clean_upper(hi)


def _clean_lower(x):
    """Subnormal lower bounds (read as 0 by XLA, which could raise them) made safe."""
    x = np.where((x > 0) & (x < TINY), 0.0, x)
    return np.where((x < 0) & (x > -TINY), -TINY, x)


def _clean_upper(x):
    x = np.where((x < 0) & (x > -TINY), 0.0, x)
    return np.where((x > 0) & (x < TINY), TINY, x)


class _Constants:
    """The constants a kernel needs, as float intervals passed as traced arguments (XLA
    rewrites x/c as x·(1/c) for compile-time constants c)."""

    def __init__(self):
        self.lo, self.hi, self._index = [], [], {}

    def exact(self, q):
        return self._add(("q", q), lambda: (rounding.down(q), rounding.up(q)))

    def ball(self, key, make):
        def ends():
            with rounding.precision():
                b = make()
                return rounding.arb_lower(b), rounding.arb_upper(b)
        return self._add(("ball", key), ends)

    def _add(self, key, ends):
        if key not in self._index:
            lo, hi = ends()
            self._index[key] = len(self.lo)
            self.lo.append(float(_clean_lower(np.float64(lo))))
            self.hi.append(float(_clean_upper(np.float64(hi))))
        return self._index[key]

    def arrays(self):
        if not self.lo:
            return np.zeros(1), np.zeros(1)
        return np.array(self.lo), np.array(self.hi)


def _described(root):
    """(canonical ops, number of variables) of root, cached (big DAGs take ms to walk)."""
    hit = _KEYS.get(id(root))
    if hit is None or hit[0] is not root:  # the entry keeps root alive, so ids are not reused
        if len(_KEYS) > 256:
            _KEYS.clear()
        ops = tuple(tuple(i) for i in ir.to_ops(root))
        hit = _KEYS[id(root)] = (root, ops, ir.num_variables(root))
    return hit[1:]


def _kernel(root, n, degree):
    key = (_described(root)[0], n, degree)
    if key not in _KERNELS:
        nodes = ir.walk(root)
        constants = _Constants()
        slots = _constant_slots(nodes, constants)
        graph = _contract(nodes, slots, constants)
        plan, mats = _group_plan(graph, slots, constants)
        if degree < 2:  # arrays (rows, block): measured best near 2^12 elements (MLP)
            block = max(8, (BLOCK_ELEMENTS >> 3) // plan[2])
        else:
            block = max(8, BLOCK_ELEMENTS // (plan[2] * (2 + n + n * (n + 1) // 2)))
        block = 1 << (block.bit_length() - 1)

        def kernel(lo, hi, clo, chi, mats):
            def run(box):
                return _bound(plan, box[0], box[1], IV(clo, chi), mats, n, degree)
            size = lo.shape[0]
            if size <= block:
                return run((lo, hi))
            out = jax.lax.map(run, (lo.reshape(-1, block, n), hi.reshape(-1, block, n)))
            return out[0].reshape(size), out[1].reshape(size)
        _KERNELS[key] = (jax.jit(kernel), jax.device_put((*constants.arrays(), mats)))
    return _KERNELS[key]


# -- affine maps: sums and products by constants, evaluated as matrix products -------------------
def _linear_terms(node):
    """[(argument, exact factor)] when node is linear in its arguments (add, sub, neg, product
    by a constant), else None."""
    if node.op == "neg":
        return [(node.args[0], Fraction(-1))]
    if node.op in ("add", "sub"):
        sign = Fraction(1 if node.op == "add" else -1)
        return [(node.args[0], Fraction(1)), (node.args[1], sign)]
    if node.op == "mul":
        for j in (1, 0):
            if node.args[j].op == "const":
                return [(node.args[1 - j], node.args[j].literal)]
    return None


def _contract(nodes, slots, constants):
    """The DAG with chains and trees of linear nodes folded into affine *heads*: a linear node
    used by a non-linear one, used twice, or the root becomes Σ w_k·leaf_k + offset (exact
    rational weights; constants, π and e go into the offset); linear nodes used once by another
    linear node disappear into it. Returns (nodes in order, {id: arguments}, {id(head): weights}).
    slots gets the offset slot of every head."""
    root, terms = nodes[-1], {id(m): _linear_terms(m) for m in nodes}
    uses, nonlinear_use = {}, set()
    for node in nodes:
        args = node.args if terms[id(node)] is None else [a for a, _ in terms[id(node)]]
        for a in args:
            uses[id(a)] = uses.get(id(a), 0) + 1
            if terms[id(node)] is None:
                nonlinear_use.add(id(a))
    heads = {id(m) for m in nodes if terms[id(m)] is not None and (
        m is root or id(m) in nonlinear_use or uses.get(id(m), 0) > 1)}
    args_of, weights = {}, {}
    for node in nodes:
        if id(node) not in heads:
            args_of[id(node)] = node.args
            continue
        leaves, offset = _expand(node, terms, heads)
        args_of[id(node)] = tuple(leaf for leaf, _ in leaves)
        weights[id(node)] = [w for _, w in leaves]
        slots[id(node)] = _offset_slot(offset, constants)
    needed, stack = {id(root)}, [root]
    while stack:
        for a in args_of[id(stack.pop())]:
            if id(a) not in needed:
                needed.add(id(a))
                stack.append(a)
    return [m for m in nodes if id(m) in needed], args_of, weights


def _expand(head, terms, heads):
    """([(leaf, weight)], {"q"|"pi"|"e": coefficient}) of a head, by exact rational arithmetic."""
    acc, offset, stack = {}, {"q": Fraction(0), "pi": Fraction(0), "e": Fraction(0)}, []
    stack.extend(terms[id(head)])
    while stack:  # each absorbed node has one user: visited once
        node, k = stack.pop()
        if node.op == "const":
            offset["q"] += k * node.literal
        elif node.op in ("pi", "e"):
            offset[node.op] += k
        elif terms[id(node)] is not None and id(node) not in heads:
            stack.extend((a, k * w) for a, w in terms[id(node)])
        else:
            acc.setdefault(id(node), [node, Fraction(0)])[1] += k
    return [tuple(item) for item in acc.values()], offset


def _offset_slot(offset, constants):
    if not offset["pi"] and not offset["e"]:
        return constants.exact(offset["q"])
    from flint import arb

    def make():
        return (rounding.to_arb(offset["q"]) + rounding.to_arb(offset["pi"]) * arb.pi()
                + rounding.to_arb(offset["e"]) * arb.const_e())
    return constants.ball(("offset", offset["q"], offset["pi"], offset["e"]), make)


def _affine_mats(rows, width):
    """The arrays jax_kernels.affine needs for the exact weights `rows` (one list of `width`
    Fractions per output row): midpoints, radii, signs and the rounding-error constants, with a
    factor 2 of margin on γ_L and on the absolute terms."""
    u, eta = Fraction(1, 2 ** 53), Fraction(1, 2 ** 1022)
    gamma = 2 * Fraction(width, 2 ** 53 - width)
    f = 1 / ((1 - gamma) * (1 - u) ** 2)
    abs_dot = Fraction(2 * width, 2 ** 1020)
    shape = (len(rows), width)
    w, wr, a = np.zeros(shape), np.zeros(shape), np.zeros(len(rows))
    sign = np.array([[(q > 0) - (q < 0) for q in row] for row in rows], dtype=np.float64)
    for i, row in enumerate(rows):
        for j, q in enumerate(row):
            w[i, j], wr[i, j] = _split_weight(q)
    for i in range(len(rows)):
        if not np.isfinite(wr[i]).all():
            a[i] = INF
            continue
        norm_w = sum(abs(Fraction(x)) for x in w[i])
        err = f * abs_dot + 2 * eta * norm_w / (1 - u) ** 2 + abs_dot
        if wr.any():
            err += f * abs_dot + 2 * eta * sum(Fraction(x) for x in wr[i])
        a[i] = rounding.up(err)
    mats = {"w": w, "abs_w": np.abs(w), "pos": (sign > 0) * 1.0, "neg": (sign < 0) * 1.0,
            "c": np.float64(rounding.up(gamma)), "f": np.float64(rounding.up(f)), "a": a}
    if wr.any():
        mats["wr"] = wr
    return mats


def _split_weight(q):
    """(m, r): floats with q in [m - r, m + r], m zero or normal (XLA reads subnormals as 0),
    r zero or at least 2^-1022."""
    if q == 0:
        return 0.0, 0.0
    if abs(q) > MAXF:
        return 0.0, INF
    m = rounding.down(q)
    if abs(m) < TINY:
        return 0.0, max(rounding.up(abs(q)), TINY)
    r = q - Fraction(m)
    return m, (0.0 if r == 0 else max(rounding.up(r), TINY))


# -- the evaluation plan ---------------------------------------------------------------------------
def _group_plan(graph, slots, constants):
    """Nodes grouped by (depth, operation): each group is evaluated as one vectorised operation
    on arrays of shape (rows, batch), so compile time grows with depth, not with size; a group
    of affine heads is one matrix product over the union of their leaves.
    Returns ((groups, root location, largest row count), matrices); a group is
    (opkey, static data, [argument locations])."""
    nodes, args_of, weights = graph
    where, groups, mats, rows = {}, [], [], 1
    for gi, (key, group) in enumerate(_members_by_group(nodes, args_of, weights).items()):
        for row, node in enumerate(group):
            where[id(node)] = (gi, row)
        opkey = key[1]
        if opkey == ("affine",):
            leaves, data, size = _affine_group(group, args_of, weights, slots, constants, mats)
            groups.append((opkey, data, [_locations([where[id(m)] for m in leaves])]))
            rows = max(rows, size)
            continue
        rows = max(rows, len(group))
        arity = 0 if opkey in ("var", "const") else 1 if opkey[0] in ir.UNARY + (
            "powi", "sqr", "pow_const") else 2
        locs = [_locations([where[id(m.args[j])] for m in group]) for j in range(arity)]
        if opkey == "var":
            data = np.array([m.literal for m in group])
        elif opkey == "const":
            data = np.array([slots[id(m)] for m in group])
        elif opkey[0] == "pow_const":
            data = slots[id(group[0])]
        else:
            data = None
        groups.append((opkey, data, locs))
    return (groups, where[id(nodes[-1])], rows), mats


def _affine_group(group, args_of, weights, slots, constants, mats):
    """(union of leaves, (matrix index, offset slots or None, transposed matrix index, gather
    indices of both or None), largest array rows) for a group of heads."""
    index, leaves = {}, []
    for head in group:
        for leaf in args_of[id(head)]:
            if id(leaf) not in index:
                index[id(leaf)] = len(leaves)
                leaves.append(leaf)
    rows = [[(index[id(leaf)], w) for leaf, w in zip(args_of[id(h)], weights[id(h)])]
            for h in group]
    columns = [[] for _ in leaves]
    for i, row in enumerate(rows):
        for j, w in row:
            columns[j].append((i, w))
    size, gathers = 1, []
    for entries, width in ((rows, len(leaves)), (columns, len(group))):
        matrix, rows_needed, gather = _matrix(entries, width)
        mats.append(matrix)
        gathers.append(gather)
        size = max(size, rows_needed)
    offsets = np.array([slots[id(h)] for h in group])
    if all(constants.lo[k] == 0 == constants.hi[k] for k in offsets):
        offsets = None
    return leaves, (len(mats) - 2, offsets, len(mats) - 1, *gathers), size


def _matrix(rows, width):
    """(jax_kernels.affine's arrays, rows of the largest intermediate array, gather indices or
    None) for the sparse rows [(column, weight)] of a matrix with `width` columns: dense unless
    that would be mostly zeros or rows have few terms (then K terms per row, gathered)."""
    terms = max(1, max(len(r) for r in rows))
    if terms > SMALL_AFFINE and (width <= 2 * terms or len(rows) * width <= 1024):
        dense = [[Fraction(0)] * width for _ in rows]
        for i, row in enumerate(rows):
            for j, w in row:
                dense[i][j] += w
        return _affine_mats(dense, width), max(len(rows), width), None
    pad = [[(0, Fraction(0))] * (terms - len(r)) for r in rows]
    matrix = _affine_mats([[w for _, w in r + p] for r, p in zip(rows, pad)], terms)
    gather = np.array([[j for j, _ in r + p] for r, p in zip(rows, pad)], dtype=np.int32)
    return matrix, len(rows) * terms, gather


def _members_by_group(nodes, args_of, weights):
    """{(depth, opkey): nodes}, in order of depth."""
    depth, members = {}, {}
    for node in nodes:
        d = 1 + max((depth[id(a)] for a in args_of[id(node)]), default=-1)
        depth[id(node)] = d
        members.setdefault((d, _opkey(node, weights)), []).append(node)
    return dict(sorted(members.items(), key=lambda item: item[0][0]))


def _opkey(node, weights):
    if id(node) in weights:
        return ("affine",) if weights[id(node)] else "const"
    if node.op == "var":
        return "var"
    if node.op in ("const", "pi", "e"):
        return "const"
    if node.op == "mul" and node.args[0] is node.args[1]:
        return ("sqr",)
    if node.op == "powi":
        return ("powi", node.literal)
    if node.op == "pow" and node.args[1].op == "const":
        return ("pow_const", node.args[1].literal)
    return (node.op,)


def _locations(pairs):
    """Gather recipe for (group, row) pairs: [(group, rows)] parts and the permutation that
    puts their concatenation back in order (None when already in order)."""
    parts, order = {}, []
    for g, r in pairs:
        parts.setdefault(g, []).append(r)
    offsets, start = {}, 0
    for g, rows in parts.items():
        offsets[g] = start
        start += len(rows)
    seen = {g: 0 for g in parts}
    for g, _ in pairs:
        order.append(offsets[g] + seen[g])
        seen[g] += 1
    perm = np.array(order)
    recipe = [(g, np.array(rows)) for g, rows in parts.items()]
    return recipe, (None if np.array_equal(perm, np.arange(len(perm))) else perm)


def _constant_slots(nodes, constants):
    """{id(node): slot or tuple of slots} for constant nodes and exponents of pow."""
    from flint import arb
    slots = {}
    for node in nodes:
        if node.op == "const":
            slots[id(node)] = constants.exact(node.literal)
        elif node.op == "pi":
            slots[id(node)] = constants.ball("pi", arb.pi)
        elif node.op == "e":
            slots[id(node)] = constants.ball("e", arb.const_e)
        elif node.op == "pow" and node.args[1].op == "const":
            c = node.args[1].literal
            slots[id(node)] = tuple(constants.exact(q) for q in (c, c - 1, c - 2, c * (c - 1)))
    return slots


def _arb_fallback(root, lo, hi):
    from flint import arb

    from .arb_backend import range_eval
    from .errors import DomainError
    lower, upper = np.full(len(lo), -INF), np.full(len(lo), INF)
    with rounding.precision():
        for b in range(len(lo)):
            box = [(arb(float(a)), arb(float(c))) for a, c in zip(lo[b], hi[b])]
            try:
                r = range_eval(root, box)
            except (DomainError, ArithmeticError, ValueError):
                continue
            lower[b], upper[b] = rounding.arb_lower(r[0]), rounding.arb_upper(r[1])
    return lower, upper


# -- the kernel ------------------------------------------------------------------------------------------
class _Jet:
    """Value interval v over the box (shape (rows, batch)), gradient g (rows, batch, n) and
    upper-triangular Hessian h (rows, batch, n(n+1)/2) intervals; None stands for zero.
    In slope mode c is the value at the centre c of the box and g holds slopes: intervals S
    with f(x) - f(c) = S(x)·(x - c), S(x) in S, for every x in the box (sharper than gradients
    at kinks and in products)."""
    __slots__ = ("v", "c", "g", "h")

    def __init__(self, v, g=None, h=None, c=None):
        self.v, self.g, self.h, self.c = v, g, h, c


def _bound(plan, lo, hi, consts, mats, n, degree):
    """(lower, upper) over the boxes: runs inside jax.jit. Degree ≥ 1: the slope form
    f(c) + S·(x - c); degree 2 adds the mean-value form with box gradients and the
    second-order form; the result is the intersection."""
    va, da = Arith(), Arith()
    if degree == 0:
        out = _evaluate(plan, lo, hi, None, consts, mats, n, 0, va, da, Arith()).v
    else:
        c = _center(lo, hi)
        t = IV(dn(lo - c), up(hi - c))
        t_mag = jnp.maximum(-t.lo, t.hi)
        if degree == 1:
            root, outs, arguments = _evaluate(plan, lo, hi, (c, t_mag), consts, mats, n, 0, va, da,
                                              Arith(), keep=True)
            root.g = _reverse_slopes(plan, outs, arguments, consts, mats, n, da)
            axis, t_mag = 0, t_mag.T
        else:
            root = _evaluate(plan, lo, hi, (c, t_mag), consts, mats, n, 1, va, da, Arith())
            axis = 1
        out = root.v
        if root.g is not None:
            out = _meet_valid(out, _slope_form(root, t_mag, axis), da.bad)
        if degree == 2:
            out = _second_order(plan, lo, hi, c, t, consts, mats, n, va, out)
    batch = lo[:, 0].shape
    out = IV(jnp.broadcast_to(out.lo, batch), jnp.broadcast_to(out.hi, batch))
    bad = va.bad | jnp.isnan(out.lo) | jnp.isnan(out.hi)
    return jnp.where(bad, -INF, out.lo), jnp.where(bad, INF, out.hi)


def _second_order(plan, lo, hi, c, t, consts, mats, n, va, out):
    """out ∩ the mean-value form (box gradients) ∩ f(c) + ∇f(c)·t + ½ tᵀ H t (H the box
    Hessian; not where a kink is crossed or a derivative fails)."""
    da, kinks = Arith(), Arith()
    box = _evaluate(plan, lo, hi, None, consts, mats, n, 2, va, da, kinks)
    at_c = _evaluate(plan, c, c, None, consts, mats, n, 1, da, da, Arith())
    if box.g is not None:
        out = _meet_valid(out, da.add(at_c.v, isum(da.mul(box.g, t), 1)), da.bad)
    form2 = at_c.v
    if at_c.g is not None:
        form2 = da.add(form2, isum(da.mul(at_c.g, t), 1))
    if box.h is not None:
        ti, tj = _pairs(n)
        weights = np.where(ti == tj, 0.5, 1.0)
        t_i, t_j = IV(t.lo[:, ti], t.hi[:, ti]), IV(t.lo[:, tj], t.hi[:, tj])
        tt = select(ti == tj, da.sqr(t_i), da.mul(t_i, t_j))
        tt = da.mul(tt, IV(weights, weights))  # exact: 0.5 and 1
        form2 = da.add(form2, isum(da.mul(box.h, tt), 1))
    return _meet_valid(out, form2, da.bad | kinks.bad)


def _slope_form(jet, t_mag, axis):
    """jet.c ± Σ |S|·t_mag: contains jet's value on the box (slope mode, t = ±t_mag)."""
    r = mag_dot(jet.g, t_mag, axis)
    return IV(dn(jet.c.lo - r), up(jet.c.hi + r))


def _meet_valid(out, form, invalid):
    shape = jnp.broadcast_shapes(out.lo.shape, form.lo.shape)
    out = IV(jnp.broadcast_to(out.lo, shape), jnp.broadcast_to(out.hi, shape))
    form = IV(jnp.broadcast_to(form.lo, shape), jnp.broadcast_to(form.hi, shape))
    invalid = invalid | jnp.isnan(form.lo) | jnp.isnan(form.hi)
    return IV(jnp.where(invalid, out.lo, jnp.maximum(out.lo, form.lo)),
              jnp.where(invalid, out.hi, jnp.minimum(out.hi, form.hi)))


def _center(lo, hi):
    """A point of each box (float, inside it; finite when possible)."""
    c = 0.5 * lo + 0.5 * hi
    fallback = jnp.where(jnp.isfinite(lo), lo, jnp.where(jnp.isfinite(hi), hi, 0.0))
    c = jnp.where(jnp.isfinite(c), c, fallback)
    return jnp.clip(c, lo, hi)


def _pairs(n):
    return np.triu_indices(n)


def _evaluate(plan, lo, hi, centre, consts, mats, n, order, va, da, kinks, keep=False):
    """The root's jet (order 0: values only) over the boxes [lo, hi]; with centre = (c, t_mag)
    (order 0 or 1) in slope mode (t_mag: bound on |x - c| per variable). va records domain
    failures of values, da those of derivatives, kinks the crossings of abs/relu/min/max.
    keep: also return every group's jet and arguments."""
    groups, (root_group, root_row), _ = plan
    ops = _JetOps(n, order, va, da, kinks, None if centre is None else centre[1])
    outs, arguments = [], []
    for opkey, data, locs in groups:
        if opkey in ("var", "const"):
            arguments.append([])
        if opkey == "var":
            v = IV(lo.T[data], hi.T[data])
            g = c = None
            if order >= 1:
                e = np.zeros((len(data), 1, n))
                e[np.arange(len(data)), 0, data] = 1.0
                g = IV(e, e)
            if centre is not None:
                c = IV(centre[0].T[data], centre[0].T[data])
            jet = _Jet(v, g, c=c)
        elif opkey == "const":
            v = IV(consts.lo[data][:, None], consts.hi[data][:, None])
            jet = _Jet(v, c=None if centre is None else v)
        else:
            args = [_gather(outs, recipe, perm) for recipe, perm in locs]
            jet = ops.apply(opkey, data, consts, mats, args)
            arguments.append(args)
        va.flag(jnp.isnan(jet.v.lo) | jnp.isnan(jet.v.hi))
        if jet.c is not None:
            va.flag(jnp.isnan(jet.c.lo) | jnp.isnan(jet.c.hi))
        outs.append(jet)
    root = outs[root_group]
    parts = [None if p is None else IV(p.lo[root_row], p.hi[root_row])
             for p in (root.v, root.g, root.h, root.c)]
    root = _Jet(*parts[:3], c=parts[3])
    return (root, outs, arguments) if keep else root


# -- slopes in reverse mode ------------------------------------------------------------------------
def _reverse_slopes(plan, outs, arguments, consts, mats, n, da):
    """Slopes S (intervals, (n, batch)) with f(x) - f(c) = S(x)·(x - c), S(x) in S, from the
    centre and box values of a slope-mode pass: adjoints of the local slope factors, swept from
    the root to the variables (any order of interval products encloses the chain of slopes)."""
    groups, (root_group, root_row), _ = plan
    sizes = [o.v.lo.shape[0] for o in outs]
    adjoint = [None] * len(groups)
    e = np.zeros((sizes[root_group], 1))
    e[root_row] = 1.0
    adjoint[root_group] = IV(e, e)
    slopes = [None]
    for gi in reversed(range(len(groups))):
        opkey, data, locs = groups[gi]
        lam = adjoint[gi]
        if lam is None or opkey == "const":
            continue
        if opkey == "var":
            _scatter_add(slopes, 0, n, data, lam, da)
            continue
        pieces = _pullback(opkey, data, arguments[gi], outs[gi], lam, consts, mats, da)
        for (recipe, perm), piece in zip(locs, pieces):
            if piece is None:
                continue
            if perm is not None:
                inverse = np.argsort(perm)
                piece = IV(piece.lo[inverse], piece.hi[inverse])
            start = 0
            for g, rows in recipe:
                part = IV(piece.lo[start:start + len(rows)], piece.hi[start:start + len(rows)])
                _scatter_add(adjoint, g, sizes[g], rows, part, da)
                start += len(rows)
    return slopes[0]


def _scatter_add(store, g, size, rows, part, da):
    """store[g] += part placed at `rows` (size rows in all); repeated rows in rounds."""
    rows, pending = np.asarray(rows), np.arange(len(rows))
    while len(pending):  # each round takes the first occurrence of every row left
        _, first = np.unique(rows[pending], return_index=True)
        take = pending[first]
        pending = np.setdiff1d(pending, take)
        if len(take) == size and np.array_equal(rows[take], np.arange(size)):
            add = IV(part.lo[take], part.hi[take])
        else:
            zeros = jnp.zeros((size,) + part.lo.shape[1:])
            add = IV(zeros.at[rows[take]].set(part.lo[take]),
                     zeros.at[rows[take]].set(part.hi[take]))
        store[g] = add if store[g] is None else da.add(store[g], add)


def _pullback(opkey, data, args, out, lam, consts, mats, da):
    """The adjoint lam (rows, batch) times the local slope factor of each argument: p_j with
    f - f(c) = Σ_j p_j·(arg_j - arg_j(c)) on the box (slope mode: A the box range, Ac the
    centre value); None for a constant argument."""
    op = opkey[0]
    if op == "affine":
        return [affine(lam, mats[data[2]], data[4])]
    if op == "neg":
        return [da.neg(lam)]
    if op in ("add", "sub"):
        return [lam, da.neg(lam) if op == "sub" else lam]
    if op == "mul":
        a, b = args  # ab - a(c)b(c) = b(c)·(a - a(c)) + A·(b - b(c))
        return [da.mul(b.c, lam), da.mul(a.v, lam)]
    if op == "div":
        a, b = args  # a/b - q(c) = (1/B)·(a - a(c)) - (q(c)/B)·(b - b(c))
        r = da.recip(b.v)
        return [da.mul(r, lam), da.neg(da.mul(da.mul(out.c, r), lam))]
    if op in ("min", "max"):
        a, b = args  # between a - a(c) and b - b(c) where the result switches
        if op == "min":
            only_a, only_b = a.v.hi <= b.v.lo, b.v.hi <= a.v.lo
        else:
            only_a, only_b = a.v.lo >= b.v.hi, b.v.lo >= a.v.hi
        either = IV(jnp.minimum(lam.lo, 0.0), jnp.maximum(lam.hi, 0.0))
        zero = IV(jnp.zeros_like(either.lo), jnp.zeros_like(either.lo))
        return [select(only_a, lam, select(only_b, zero, either)),
                select(only_b, lam, select(only_a, zero, either))]
    if op == "pow":  # exp(b·log a): E·(L·(b - b(c)) + b(c)·(1/A)·(a - a(c))), E = the result
        a, b = args
        e_lam = da.mul(out.v, lam)
        return [da.mul(da.mul(b.c, da.recip(a.v)), e_lam), da.mul(da.log(a.v), e_lam)]
    a = args[0]
    if op in ("abs", "relu"):
        d1 = _kink_slope(op, a.v, a.c)
    else:
        name, extra = {"sqr": ("powi", 2), "powi": ("powi", opkey[-1]),
                       "pow_const": ("pow_const", None)}.get(op, (op, None))
        if op == "pow_const":
            extra = (opkey[1], [IV(consts.lo[k], consts.hi[k]) for k in data])
        d1 = _derivatives(da, Arith(), name, a.v, out.v, extra, 1)[0]
    return [da.mul(d1, lam)]


_FIELDS = ("v", "g", "h", "c")


def _gather(outs, recipe, perm):
    """The argument jet of a group: rows picked from earlier groups (zeros where None)."""
    parts = []
    for field in _FIELDS:
        pieces = [(getattr(outs[g], field), rows) for g, rows in recipe]
        if all(p is None for p, _ in pieces):
            parts.append(None)
            continue
        template = next(p for p, _ in pieces if p is not None)
        batch = max(p.lo.shape[1] for p, _ in pieces if p is not None)
        tail = template.lo.shape[2:]
        los, his = [], []
        for p, rows in pieces:
            if p is None:
                z = jnp.zeros((len(rows), batch) + tail)
                los.append(z)
                his.append(z)
            else:
                shape = (len(rows), batch) + tail
                los.append(jnp.broadcast_to(p.lo[rows], shape))
                his.append(jnp.broadcast_to(p.hi[rows], shape))
        lo_, hi_ = (los[0], his[0]) if len(los) == 1 else (jnp.concatenate(los),
                                                             jnp.concatenate(his))
        if perm is not None:
            lo_, hi_ = lo_[perm], hi_[perm]
        parts.append(IV(lo_, hi_))
    return _Jet(*parts[:3], c=parts[3])


def _col(a):
    return IV(jnp.asarray(a.lo)[..., None], jnp.asarray(a.hi)[..., None])


class _JetOps:
    """Forward-mode interval jets, elementwise over (rows, batch) arrays; slope mode when t_mag
    (bounds on |x - c|, (batch, n)) is given."""

    def __init__(self, n, order, va, da, kinks, t_mag=None):
        self.n, self.order, self.va, self.da, self.kinks = n, order, va, da, kinks
        self.t_mag = t_mag
        self.ti, self.tj = _pairs(n)

    # -- helpers on optional (None = 0) derivative parts ------------------------------------
    def _add(self, a, b):
        if a is None:
            return b
        return a if b is None else self.da.add(a, b)

    def _scale(self, d, part):
        return None if part is None else self.da.mul(_col(d), part)

    def _outer(self, g, k=None):
        """(g_i·k_j + k_i·g_j) for the pairs i ≤ j, or g_i·g_j when k is None."""
        da, ti, tj = self.da, self.ti, self.tj
        gi, gj = IV(g.lo[..., ti], g.hi[..., ti]), IV(g.lo[..., tj], g.hi[..., tj])
        if k is None:
            return select(ti == tj, da.sqr(gi), da.mul(gi, gj))
        ki, kj = IV(k.lo[..., ti], k.hi[..., ti]), IV(k.lo[..., tj], k.hi[..., tj])
        return da.add(da.mul(gi, kj), da.mul(ki, gj))

    @staticmethod
    def _zeros_like(x, other):
        if x is not None:
            return x
        z = jnp.zeros_like(other.lo)
        return IV(z, z)

    @staticmethod
    def _at_c(fn, *jets):
        """fn of the centre values (None outside slope mode)."""
        return None if jets[0].c is None else fn(*(j.c for j in jets))

    # -- dispatch -------------------------------------------------------------------------------
    def apply(self, opkey, data, consts, mats, args):
        op, va, da = opkey[0], self.va, self.da
        if op == "affine":
            return self.affine(args[0], mats[data[0]], data[3], data[1], consts)
        if op == "neg":
            a = args[0]
            return _Jet(va.neg(a.v), *(None if p is None else da.neg(p) for p in (a.g, a.h)),
                        c=self._at_c(va.neg, a))
        if op in ("add", "sub"):
            a, b = args
            fn = va.sub if op == "sub" else va.add
            if op == "sub":
                b = _Jet(b.v, *(None if p is None else da.neg(p) for p in (b.g, b.h)), c=b.c)
                v = va.sub(a.v, args[1].v)
            else:
                v = va.add(a.v, b.v)
            return _Jet(v, self._add(a.g, b.g), self._add(a.h, b.h),
                        c=self._at_c(fn, a, args[1]))
        if op == "mul":
            return self.mul(*args)
        if op == "sqr":
            return self.unary("powi", args[0], 2)
        if op == "div":
            a, b = args
            if self.order == 0 or (a.g is None and b.g is None):
                return _Jet(va.div(a.v, b.v), c=self._at_c(va.div, a, b))
            out = self.mul(a, self.unary("recip", b))
            c = None if out.c is None else meet(out.c, va.div(a.c, b.c))
            return _Jet(meet(out.v, va.div(a.v, b.v)), out.g, out.h, c=c)
        if op in ("min", "max"):
            return self.min_max(op, *args)
        if op == "powi":
            return self.unary("powi", args[0], opkey[1])
        if op == "pow_const":
            cs = [IV(consts.lo[k], consts.hi[k]) for k in data]
            return self.unary("pow_const", args[0], (opkey[1], cs))
        if op == "pow":
            return self.unary("exp", self.mul(args[1], self.unary("log", args[0])))
        return self.unary(op, args[0])

    def affine(self, a, m, gather, offsets, consts):
        """W·leaves + offset for every head of the group (jax_kernels.affine)."""
        parts = [None if p is None else affine(p, m, gather) for p in (a.v, a.g, a.h, a.c)]
        if offsets is not None:
            off = IV(consts.lo[offsets][:, None], consts.hi[offsets][:, None])
            parts[0] = self.va.add(parts[0], off)
            parts[3] = None if parts[3] is None else self.va.add(parts[3], off)
        return _Jet(*parts[:3], c=parts[3])

    def mul(self, a, b):
        """Product rule; in slope mode ab - a(c)b(c) = a·(b - b(c)) + b(c)·(a - a(c))."""
        v = self.va.mul(a.v, b.v)
        g = self._add(self._scale(a.v, b.g), self._scale(b.v if b.c is None else b.c, a.g))
        h = None
        if self.order == 2:
            h = self._add(self._scale(a.v, b.h), self._scale(b.v, a.h))
            if a.g is not None and b.g is not None:
                h = self._add(h, self._outer(a.g, b.g))
        return _Jet(v, g, h, c=self._at_c(self.va.mul, a, b))

    def min_max(self, op, a, b):
        """In slope mode the hull of the two slopes also holds where the result switches: then
        min(a, b)(x) - min(a, b)(c) lies between a(x) - a(c) and b(x) - b(c)."""
        fn = self.va.minimum if op == "min" else self.va.maximum
        v, c = fn(a.v, b.v), self._at_c(fn, a, b)
        if self.order == 0 or (a.g is None and b.g is None):
            return _Jet(v, c=c)
        # which argument is the result on the whole box (a_first: a ≤ b for min)
        if op == "min":
            only_a, only_b = a.v.hi <= b.v.lo, b.v.hi <= a.v.lo
        else:
            only_a, only_b = a.v.lo >= b.v.hi, b.v.lo >= a.v.hi
        self.kinks.flag(~only_a & ~only_b)
        ga, gb = self._zeros_like(a.g, (b.g or a.g)), self._zeros_like(b.g, (a.g or b.g))
        g = _pick(only_a, only_b, ga, gb)
        h = None
        if self.order == 2 and (a.h is not None or b.h is not None):
            other = a.h if a.h is not None else b.h
            h = _pick(only_a, only_b, self._zeros_like(a.h, other), self._zeros_like(b.h, other))
        return _Jet(v, g, h, c=c)

    def unary(self, op, a, extra=None):
        va, da = self.va, self.da
        if self.t_mag is not None and op in ("abs", "relu") and a.g is not None:
            a = _Jet(meet(a.v, _slope_form(a, self.t_mag, 2)), a.g, a.h, c=a.c)
        y = _value(va, op, a.v, extra)
        c = self._at_c(lambda v: _value(va, op, v, extra), a)
        if self.order == 0 or a.g is None:
            return _Jet(y, c=c)
        if c is not None and op in ("abs", "relu"):
            d1, d2 = _kink_slope(op, a.v, a.c), None
        else:
            d1, d2 = _derivatives(da, self.kinks, op, a.v, y, extra, self.order)
        g = self._scale(d1, a.g)
        h = None
        if self.order == 2:
            h = self._scale(d1, a.h)
            if d2 is not None:
                h = self._add(h, self._scale(d2, self._outer(a.g)))
        return _Jet(y, g, h, c=c)


def _kink_slope(op, y, yc):
    """Slopes of relu or abs between points of y and the centre value (in yc): for relu, 1
    where y ≥ 0, 0 where y ≤ 0, else [yc/(yc - y.lo), 1] when yc ≥ 0 and [0, y.hi/(y.hi - yc)]
    when yc ≤ 0 (the chord slopes; [0, 1] if yc may have either sign); abs = 2·relu - 1."""
    left = dn(yc.lo / up(yc.lo - y.lo))
    right_den = dn(y.hi - yc.hi)
    right = up(y.hi / jnp.where(right_den > 0, right_den, 1.0))
    right = jnp.where(right_den > 0, right, 1.0)
    s_lo = jnp.where(y.hi <= 0, 0.0, jnp.where(y.lo >= 0, 1.0, jnp.where(yc.lo >= 0, left, 0.0)))
    s_hi = jnp.where(y.hi <= 0, 0.0, jnp.where(yc.hi <= 0, right, 1.0))
    s_lo = jnp.where(s_lo > 0.0, jnp.minimum(s_lo, 1.0), 0.0)  # NaN → 0
    s_hi = jnp.where(s_hi < 1.0, jnp.maximum(s_hi, 0.0), 1.0)  # NaN → 1
    if op == "relu":
        return IV(s_lo, s_hi)
    return IV(jnp.maximum(dn(2.0 * s_lo - 1.0), -1.0), jnp.minimum(up(2.0 * s_hi - 1.0), 1.0))


def _pick(only_a, only_b, a, b):
    both = hull(a, b)
    return select(_col1(only_a), a, select(_col1(only_b), b, both))


def _col1(mask):
    return jnp.asarray(mask)[..., None]


def _value(ar, op, v, extra):
    if op == "powi":
        return ar.powi(v, extra)
    if op == "recip":
        return ar.recip(v)
    if op == "pow_const":
        c, cs = extra
        return ar.pow_const(v, c, cs[0])
    return getattr(ar, op)(v)


def _derivatives(ar, kinks, op, v, y, extra, order):
    """Intervals containing φ'(ξ) and φ''(ξ) for all ξ in v (y = φ(v)); d2 None means 0 or not
    needed (order 1). Undefined derivatives flag `ar`, kinks crossed flag `kinks`."""
    one, two = const(1.0), const(2.0)
    second = order == 2
    if op == "exp":
        return y, y
    if op == "expm1":
        e = ar.exp(v)
        return e, e
    if op in ("log", "log1p"):
        d1 = ar.recip(v if op == "log" else ar.add(v, one))
        return d1, (ar.neg(ar.sqr(d1)) if second else None)
    if op == "sqrt":
        ar.flag(v.lo <= 0)
        d1 = ar.recip(ar.mul(two, y))
        return d1, (ar.neg(ar.mul(d1, ar.recip(ar.mul(two, v)))) if second else None)
    if op == "recip":
        d1 = ar.neg(ar.sqr(y))
        return d1, (ar.mul(two, ar.powi(y, 3)) if second else None)
    if op == "sin":
        return ar.cos(v), (ar.neg(y) if second else None)
    if op == "cos":
        return ar.neg(ar.sin(v)), (ar.neg(y) if second else None)
    if op == "tan":
        d1 = ar.add(one, ar.sqr(y))
        return d1, (ar.mul(ar.mul(two, y), d1) if second else None)
    if op == "atan":
        d1 = ar.recip(ar.add(one, ar.sqr(v)))
        return d1, (ar.mul(ar.mul(const(-2.0), v), ar.sqr(d1)) if second else None)
    if op == "sinh":
        return ar.cosh(v), (y if second else None)
    if op == "cosh":
        return ar.sinh(v), (y if second else None)
    if op == "tanh":
        d1 = _clip01(ar.sub(one, ar.sqr(y)), 1.0)
        return d1, (ar.mul(ar.mul(const(-2.0), y), d1) if second else None)
    if op == "erf":
        c = IV(jnp.float64(TWO_OVER_SQRT_PI[0]), jnp.float64(TWO_OVER_SQRT_PI[1]))
        d1 = ar.mul(c, ar.exp(ar.neg(ar.sqr(v))))
        return d1, (ar.mul(ar.mul(const(-2.0), v), d1) if second else None)
    if op == "sigmoid":
        d1 = _clip01(ar.mul(y, ar.sub(one, y)), 0.25)
        return d1, (ar.mul(d1, ar.sub(one, ar.mul(two, y))) if second else None)
    if op == "softplus":
        s = ar.sigmoid(v)
        return s, (_clip01(ar.mul(s, ar.sub(one, s)), 0.25) if second else None)
    if op == "swish":
        s = ar.sigmoid(v)
        ds = _clip01(ar.mul(s, ar.sub(one, s)), 0.25)
        d1 = ar.add(s, ar.mul(v, ds))
        d2 = ar.mul(ds, ar.add(two, ar.mul(v, ar.sub(one, ar.mul(two, s))))) if second else None
        return d1, d2
    if op in ("abs", "relu"):
        kinks.flag((v.lo < 0) & (v.hi > 0))
        low = -1.0 if op == "abs" else 0.0
        d1 = IV(jnp.where((v.lo >= 0) & (v.hi > 0), 1.0, low),
                jnp.where((v.hi <= 0) & (v.lo < 0), low, 1.0))
        return d1, None
    if op == "powi":
        n = extra
        if n == 0:
            return const(0.0), None
        d1 = ar.mul(const(float(n)), ar.powi(v, n - 1))
        d2 = ar.mul(const(float(n * (n - 1))), ar.powi(v, n - 2)) if second and n != 1 else None
        return d1, d2
    if op == "pow_const":
        c, cs = extra
        d1 = ar.mul(cs[0], ar.pow_const(v, c - 1, cs[1]))
        d2 = ar.mul(cs[3], ar.pow_const(v, c - 2, cs[2])) if second else None
        return d1, d2
    raise AssertionError(f"no derivative rule for {op}")


def _clip01(a, top):
    return IV(jnp.clip(a.lo, 0.0, top), jnp.clip(a.hi, 0.0, top))


# -- self-test ------------------------------------------------------------------------------------------
_TOLERANCE_ULP = 16  # libm errors must stay far below the LIBM_K = 1024 ulp widening
_HOT_SPOTS = {
    "exp": [-745.0, -708.5, -1e-20, 0.0, 1e-20, 0.5, 1.0, 700.0, 709.78, 709.79, 710.0, -30.5],
    "log": [2.2250738585072014e-308, 1e-300, 0.5, 1 - 2 ** -53, 1.0, 1 + 2 ** -52, 2.0, 1e308,
            0.7, 0.55, 0.62],
    "expm1": [1e-20, -1e-10, 0.3, -0.3, 700.0, -40.0, 2.0, 1e-5],
    "sin": [6381956970095103 * 2.0 ** 797, 1e22, 1e300, math.pi, math.pi / 2, 1e-300, 0.5,
            100.0, 2.0 ** 60, 355.0],
    "cos": [6381956970095103 * 2.0 ** 797, 1e22, 1e300, math.pi, math.pi / 2, 1e-300, 0.5,
            100.0, 2.0 ** 60, 355.0],
    "tan": [6381956970095103 * 2.0 ** 797, 1e22, math.pi / 2, 1e-300, 0.5, 1.5, 355.0],
    "atan": [1e-20, 0.5, 1.0, 1e10, -3.0, 0.1],
    "tanh": [1e-20, 0.01, 0.3, 0.7, 1.5, 5.0, 20.0, -0.55],
    "erf": [1e-20, 0.5, 3.0, 6.0, -2.0, 0.01],
}
_RAW = {"exp": jnp.exp, "log": jnp.log, "expm1": jnp.expm1, "sin": jnp.sin, "cos": jnp.cos,
        "tan": jnp.tan, "atan": jnp.arctan, "tanh": jnp.tanh,
        "erf": lambda x: jax.scipy.special.erf(x)}


def _probe(x, x_small, a, b):
    raw = [{name: fn(xs) for name, fn in _RAW.items()} for xs in (x, x_small)]
    ar = Arith()
    p, q = IV(a, a), IV(b, b)
    m = IV(jnp.abs(a), jnp.abs(a))
    arith = (ar.add(p, q), ar.sub(p, q), ar.mul(p, q), ar.div(p, q), ar.sqrt(m))
    return raw, arith, a * b, jnp.minimum(a, jnp.nan), jnp.maximum(jnp.nan, b)


def _self_test():
    """Problems found (empty: the fast path may be used): x64 on, flush-to-zero as measured,
    NaN-propagating min/max, libm within 16 ulp at the known hard spots (two array shapes),
    and the widened + - * / sqrt and matrix products enclosing exact results on random and
    extreme operands."""
    from flint import arb
    if jnp.asarray(1.0).dtype != jnp.float64:
        return ["jax_enable_x64 is off"]
    rng = np.random.default_rng(20240601)
    a = np.concatenate([rng.standard_normal(120) * 10.0 ** rng.integers(-300, 300, 120),
                        [1e-300, -1e-300, 2.2250738585072014e-308, 1e308, -1e308, 0.0]])
    b = np.concatenate([rng.standard_normal(120) * 10.0 ** rng.integers(-300, 300, 120),
                        [1e-10, 1e-10, 0.5, 10.0, 3.0, 1.0]])
    b = np.where(b == 0, 1.0, b)
    points = sorted({v for pts in _HOT_SPOTS.values() for v in pts})
    probe = jax.jit(_probe)
    problems = []
    with rounding.precision(256):
        raw, arith, products, mins, maxs = probe(np.array(points), np.array(points[:5]), a, b)
        for values, xs in zip(raw, (points, points[:5])):  # two array shapes
            problems += _check_libm(values, xs)
        flushed = products[-6:-4]  # 1e-300 * 1e-10: flushed to 0 or correctly rounded
        if not all(f in (0.0, 1e-300 * 1e-10) for f in np.abs(np.asarray(flushed))):
            problems.append(f"FTZ probe: 1e-300*1e-10 gave {flushed}")
        if not (np.isnan(mins).all() and np.isnan(maxs).all()):
            problems.append("min/max do not propagate NaN")
        for k, name in enumerate(("add", "sub", "mul", "div", "sqrt")):
            lo, hi = np.asarray(arith[k].lo), np.asarray(arith[k].hi)
            for i in range(len(a)):
                x, y = arb(float(a[i])), arb(float(b[i]))
                ref = [x + y, x - y, x * y, x / y, abs(x).sqrt()][k]
                if ref < arb(float(lo[i])) or ref > arb(float(hi[i])):
                    problems.append(f"{name}({a[i]!r}, {b[i]!r}) not enclosed")
                    break
        problems += _check_affine(rng)
    return problems


def _check_affine(rng):
    """affine() on weights of mixed magnitudes (a row that cancels exactly, whatever the
    summation order computes; a subnormal weight) and on point and interval arguments contains
    the exact range of every row."""
    from flint import arb
    w = rng.standard_normal((6, 40)) * 10.0 ** rng.integers(-20, 20, (6, 40))
    w[0, :20] = rng.standard_normal(20) * 1e16
    w[0, 20:] = -w[0, :20]
    w[1, 0] = 1e-320
    x = np.tile(rng.standard_normal(20), 2)  # row 0 · x = 0 exactly
    x_lo = rng.standard_normal(40) * 10.0 ** rng.integers(-10, 10, 40)
    x_hi = x_lo + np.abs(x_lo) * rng.uniform(0, 1e-3, 40)
    mats = _affine_mats([[Fraction(v) for v in row] for row in w], 40)
    run = jax.jit(affine)
    problems = []
    for lo, hi in ((x, x), (x_lo, x_hi)):
        out = run(IV(lo[:, None], hi[:, None]), mats)
        for i in range(6):
            ends = [(arb(float(w[i, k])) * arb(float(lo[k])),
                     arb(float(w[i, k])) * arb(float(hi[k]))) for k in range(40)]
            low = sum((p if p < q else q for p, q in ends), arb(0))
            high = sum((q if p < q else p for p, q in ends), arb(0))
            if low < arb(float(out.lo[i, 0])) or high > arb(float(out.hi[i, 0])):
                problems.append(f"matrix product row {i} not enclosed")
    return problems


def _check_libm(raw, xs):
    from flint import arb
    problems = []
    big = arb(np.finfo(np.float64).max)
    for name, values in raw.items():
        values = np.asarray(values)
        for i, x in enumerate(xs):
            if x not in _HOT_SPOTS[name]:
                continue
            ref, y = _arb_reference(name, x), float(values[i])
            if math.isinf(y) and abs(ref) > big and (y > 0) == (ref > 0):
                continue
            allowed = arb(_TOLERANCE_ULP * float(np.spacing(abs(y)))) + arb(TINY)
            if not math.isfinite(y) or abs(arb(y) - ref) > allowed:
                problems.append(f"{name}({x!r}) gave {y!r}, true value {ref.str(17)}")
    return problems


def _arb_reference(name, x):
    a = arb_point(x)
    return a.erf() if name == "erf" else getattr(a, name)()


def arb_point(x):
    from flint import arb
    return arb(float(x))


__all__ = ["available", "bound_boxes"]
