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
intersection of all forms computed. `mean_estimates(root, lo, hi)` runs the degree-1 pass and
estimates the mean of f over each box (the slope form integrated over it): `integrate` uses it
to choose where to cut, nothing else.

Sums and products by constants are folded into affine maps W·leaves + offset (exact rational
W), one matrix product per group of them in midpoint-radius form (jax_affine builds them,
jax_kernels.affine evaluates them); slopes and derivative rules are in jax_slopes.

Soundness rests on jax_kernels (outward rounding as in docs/jax.md) and on a self-test
(jax_selftest) run at first use (`available()`): if the platform misbehaves the fast path is
switched off with a warning, and `bound_boxes` falls back to the arb backend (slow, same
guarantee). This module is for searching and pruning; facts that a returned result depends on
are re-proved with arb.
"""
import os
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor

import jax
import jax.numpy as jnp
import numpy as np

from . import ir, rounding
from .errors import InputError
from .jax_affine import _affine_group, _contract
from .jax_kernels import (INF, IV, TINY, Arith, affine, dn, hull, isum, mag_dot, meet,
                          quadratic_min, select, up)
from .jax_selftest import _self_test
from .jax_slopes import _derivatives, _kink_slope, _reverse_slopes

jax.config.update("jax_enable_x64", True)

MAX_BUCKET = 1 << 14          # boxes per compiled call; bigger batches run in chunks
THREADS = (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
           else os.cpu_count() or 1)  # XLA runs one call on one core: batches are split
MIN_PART_PER_THREAD = 512     # ... over THREADS threads when they hold at least 2× this
BLOCK_ELEMENTS = 1 << 15      # boxes × rows × derivative entries per array in one inner step
                              # (degrees 1 and 2; an eighth of it at degree 0)
_KERNELS = {}                 # (canonical ops, n, degree) -> (jitted kernel, constants)
_KEYS = {}                    # id(root) -> (root, canonical ops, variables): walks are slow
_STATE = {"available": None, "reason": "", "pool": None}
_WARM = set()                 # (kernel, bucket size) already compiled
_POOL_LOCK = threading.Lock()


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
    Large batches run as equal parts (one compiled shape) on THREADS threads at once.
    degree: 0 (interval), 1 (with the slope form, slopes swept in reverse mode) or 2 (with
    forward-mode slopes, the mean-value form and the second-order form)."""
    _check_root(root, "bound_boxes")
    if degree not in (0, 1, 2) or isinstance(degree, bool):
        raise InputError(f"degree must be 0, 1 or 2, got {degree!r}")
    lo, hi = _clean_boxes(root, lo, hi)
    if not lo.shape[0]:
        return np.empty(0), np.empty(0)
    if not available():
        return _arb_fallback(root, lo, hi)
    return _run(_kernel(root, lo.shape[1], degree), lo, hi)


def mean_estimates(root, lo, hi):
    """(lower, upper) float64 arrays of shape (batch,): an estimate of an interval holding the
    mean value of f over each box, for steering only (not rounded outward): the slope form
    integrated over the box, f(c) ± Σ_i rad(S_i)·mean|x_i − c_i|, met with the degree-1 range.
    Its width is about rad(S)·h where f is smooth and 0 where f is affine (a piecewise linear f
    away from its kinks), so it tells which boxes an integral needs split. (-inf, inf) where f
    cannot be bounded; None where the fast path is switched off."""
    _check_root(root, "mean_estimates")
    lo, hi = _clean_boxes(root, lo, hi)
    if not available():
        return None
    if not lo.shape[0]:
        return np.empty(0), np.empty(0)
    return _run(_kernel(root, lo.shape[1], 1, mean=True), lo, hi)


def _check_root(root, name):
    if not isinstance(root, ir.Node):
        raise InputError(f"{name} expects an expression (IR node), got {type(root).__name__}")


def _run(compiled, lo, hi):
    """Run a compiled kernel over the boxes: in chunks of at most MAX_BUCKET, and large batches
    as equal parts (one power-of-two shape) on THREADS threads."""
    kernel, consts = compiled
    batch = lo.shape[0]
    parts = -(-batch // MAX_BUCKET)
    if THREADS > 1 and batch >= 2 * MIN_PART_PER_THREAD:
        parts = max(parts, min(THREADS, batch // MIN_PART_PER_THREAD))
    step = -(-batch // parts)
    size = max(8, 1 << (step - 1).bit_length())  # one power-of-two bucket for all parts

    def run(start):
        stop = min(batch, start + step)
        pad = size - (stop - start)
        blo = np.concatenate([lo[start:stop], np.repeat(lo[stop - 1:stop], pad, 0)])
        bhi = np.concatenate([hi[start:stop], np.repeat(hi[stop - 1:stop], pad, 0)])
        out_lo, out_hi = kernel(blo, bhi, *consts)
        return np.asarray(out_lo)[:stop - start], np.asarray(out_hi)[:stop - start]
    starts = range(0, batch, step)
    if len(starts) == 1 or (kernel, size) not in _WARM:  # compile once, in this thread
        results = [run(starts[0])]
        _WARM.add((kernel, size))
        results += list(_pool().map(run, starts[1:])) if len(starts) > 1 else []
    else:
        results = list(_pool().map(run, starts))
    return np.concatenate([r[0] for r in results]), np.concatenate([r[1] for r in results])


def _pool():
    """The threads that run the parts of a batch at once (XLA runs one call on one core). Like
    JAX itself, not for use in a child made by fork (measured: JAX deadlocks there)."""
    with _POOL_LOCK:
        if _STATE["pool"] is None:
            _STATE["pool"] = ThreadPoolExecutor(max(THREADS, 1), thread_name_prefix="verinum-jax")
        return _STATE["pool"]



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


def _kernel(root, n, degree, mean=False):
    key = (_described(root)[0], n, degree, mean)
    if key not in _KERNELS:
        nodes = ir.walk(root)
        constants = _Constants()
        slots = _constant_slots(nodes, constants)
        graph = _contract(nodes, slots, constants)
        plan, mats = _group_plan(graph, slots, constants)
        if degree == 0:  # arrays (rows, block): measured best near 2^12 elements
            block = max(8, (BLOCK_ELEMENTS >> 3) // plan[2])
        elif degree == 1:  # about 20 000 elements (two threads at once; docs/jax.md)
            block = max(8, round(BLOCK_ELEMENTS * 5 / 8 / plan[2]))
            block = min(1 << block.bit_length(), 1 << (block.bit_length() - 1),
                        key=lambda b: abs(b - block))  # the nearest power of two
        else:
            block = max(8, BLOCK_ELEMENTS // (plan[2] * (2 + n + n * (n + 1) // 2)))
        block = 1 << (block.bit_length() - 1)

        def kernel(lo, hi, clo, chi, mats):
            def run(box):
                if mean:
                    return _mean(plan, box[0], box[1], IV(clo, chi), mats, n)
                return _bound(plan, box[0], box[1], IV(clo, chi), mats, n, degree)
            size = lo.shape[0]
            if size <= block:
                return run((lo, hi))
            out = jax.lax.map(run, (lo.reshape(-1, block, n), hi.reshape(-1, block, n)))
            return out[0].reshape(size), out[1].reshape(size)
        _KERNELS[key] = (jax.jit(kernel), jax.device_put((*constants.arrays(), mats)))
    return _KERNELS[key]


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
    elif degree == 1:
        root, t_mag, _ = _reverse_slope_pass(plan, lo, hi, consts, mats, n, va, da)
        out = root.v
        if root.g is not None:
            out = _meet_valid(out, _slope_form(root, t_mag, 0), da.bad)
    else:
        c = _center(lo, hi)
        t = IV(dn(lo - c), up(hi - c))
        t_mag = jnp.maximum(-t.lo, t.hi)
        root = _evaluate(plan, lo, hi, (c, t_mag), consts, mats, n, 1, va, da, Arith())
        out = root.v
        if root.g is not None:
            out = _meet_valid(out, _slope_form(root, t_mag, 1), da.bad)
        out = _second_order(plan, lo, hi, c, t, consts, mats, n, va, out)
    return _finish(out, lo, va)


def _finish(out, lo, va):
    """out broadcast to the batch, with (-inf, inf) where a value failed or is NaN."""
    batch = lo[:, 0].shape
    out = IV(jnp.broadcast_to(out.lo, batch), jnp.broadcast_to(out.hi, batch))
    bad = va.bad | jnp.isnan(out.lo) | jnp.isnan(out.hi)
    return jnp.where(bad, -INF, out.lo), jnp.where(bad, INF, out.hi)


def _reverse_slope_pass(plan, lo, hi, consts, mats, n, va, da):
    """The root's jet in slope mode with slopes S (n, batch) swept in reverse mode, t_mag
    (n, batch) and the centre c."""
    c = _center(lo, hi)
    t_mag = jnp.maximum(-dn(lo - c), up(hi - c))
    root, outs, arguments = _evaluate(plan, lo, hi, (c, t_mag), consts, mats, n, 0, va, da,
                                      Arith(), keep=True)
    root.g = _reverse_slopes(plan, outs, arguments, consts, mats, n, da)
    return root, t_mag.T, c


def _mean(plan, lo, hi, consts, mats, n):
    """`mean_estimates` inside jax.jit: ∫ S_i(x)(x_i − c_i) over the box lies within
    mid(S_i)·∫(x_i − c_i) ± rad(S_i)·∫|x_i − c_i|; the first term (0 at the exact centre) is
    left out: an estimate."""
    va, da = Arith(), Arith()
    root, t_mag, c = _reverse_slope_pass(plan, lo, hi, consts, mats, n, va, da)
    out = root.v
    if root.g is not None:
        out = _meet_valid(out, _slope_form(root, t_mag, 0), da.bad)
        a, b = (lo - c).T, (hi - c).T
        mean_abs = jnp.where(b > a, (a * a + b * b) / (2 * (b - a)), 0.0)
        spread = jnp.sum((root.g.hi - root.g.lo) / 2 * mean_abs, 0)
        out = _meet_valid(out, IV(root.c.lo - spread, root.c.hi + spread), da.bad)
    return _finish(out, lo, va)


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
        ht = da.mul(box.h, tt)  # ½ H_ii t_i² and H_ij t_i t_j
        form2 = da.add(form2, isum(ht, 1))
        form2 = meet(form2, _diagonal_quadratic(at_c, box.h, t, ti == tj, ht, da))
    return _meet_valid(out, form2, da.bad | kinks.bad)


def _diagonal_quadratic(at_c, h, t, on_diagonal, ht, da):
    """f(c) + Σ_i q_i + Σ_{i<j} H_ij·t_i·t_j, with q_i the exact range (`quadratic_min`) of
    ∇_i f(c)·t_i + ½ H_ii t_i² over t_i (H_ii's ends as the curvature): much tighter than the
    interval sum near a minimum, where ∇f(c) is small. ht: the products H·tt of the pairs."""
    g = at_c.g if at_c.g is not None else IV(jnp.zeros_like(t.lo), jnp.zeros_like(t.lo))
    g = IV(jnp.broadcast_to(g.lo, t.lo.shape), jnp.broadcast_to(g.hi, t.lo.shape))
    diag, off = np.flatnonzero(on_diagonal), np.flatnonzero(~on_diagonal)
    lower = quadratic_min(g, h.lo[:, diag], t)
    upper = -quadratic_min(da.neg(g), -h.hi[:, diag], t)
    total = da.add(at_c.v, isum(IV(lower, upper), 1))
    if off.size:
        total = da.add(total, isum(IV(ht.lo[:, off], ht.hi[:, off]), 1))
    return total


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
        nan = jnp.isnan(jet.v.lo) | jnp.isnan(jet.v.hi)
        if jet.c is not None:  # one reduction for both
            nan = nan | jnp.isnan(jet.c.lo) | jnp.isnan(jet.c.hi)
        va.flag(nan)
        outs.append(jet)
    root = outs[root_group]
    parts = [None if p is None else IV(p.lo[root_row], p.hi[root_row])
             for p in (root.v, root.g, root.h, root.c)]
    root = _Jet(*parts[:3], c=parts[3])
    return (root, outs, arguments) if keep else root


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


__all__ = ["available", "bound_boxes"]
