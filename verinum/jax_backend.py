"""Batched bounds of an expression over many boxes at once, compiled with JAX (the fast path).

    lower, upper = bound_boxes(root, lo, hi, degree=0)

For every b, [lower[b], upper[b]] contains f(x) for all x in the box [lo[b], hi[b]] (where f is
defined on the whole box; a box where f may be undefined, or that cannot be bounded, gets
(-inf, +inf)). Degree 0 is interval evaluation; degree 1 adds the mean-value form
f(c) + Σ G_i (x_i − c_i) with G the interval gradient over the box (forward-mode interval
derivatives; Clarke slopes at kinks of abs/relu/min/max); degree 2 adds the second-order form
f(c) + ∇f(c)·t + ½ tᵀ H t with H the interval Hessian over the box (upper triangle only; used
where no kink is crossed). The result is the intersection of all forms computed.

Soundness rests on jax_kernels (outward rounding as in docs/jax.md) and on a self-test run at
first use (`available()`): if the platform misbehaves the fast path is switched off with a
warning, and `bound_boxes` falls back to the arb backend (slow, same guarantee). This module is
for searching and pruning; facts that a returned result depends on are re-proved with arb.
"""
import math
import warnings

import jax
import jax.numpy as jnp
import numpy as np

from . import ir, rounding
from .errors import InputError
from .jax_kernels import INF, IV, TINY, TWO_OVER_SQRT_PI, Arith, const, dn, hull, isum, meet, select, up

jax.config.update("jax_enable_x64", True)

MAX_BUCKET = 1 << 14          # boxes per compiled call; bigger batches run in chunks
BLOCK_ELEMENTS = 1 << 15      # boxes × rows × derivative entries per array in one inner step
_KERNELS = {}                 # (canonical ops, n, degree) -> (jitted kernel, constants)
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
        out_lo, out_hi = kernel(blo, bhi, consts[0], consts[1])
        lower[start:stop] = np.asarray(out_lo)[:stop - start]
        upper[start:stop] = np.asarray(out_hi)[:stop - start]
    return lower, upper


# -- host side: inputs and constants -----------------------------------------------------------------
def _clean_boxes(root, lo, hi):
    lo = np.array(lo, dtype=np.float64, copy=True)
    hi = np.array(hi, dtype=np.float64, copy=True)
    nvars = ir.num_variables(root)
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


def _kernel(root, n, degree):
    key = (tuple(tuple(i) for i in ir.to_ops(root)), n, degree)
    if key not in _KERNELS:
        nodes = ir.walk(root)
        constants = _Constants()
        slots = _constant_slots(nodes, constants)
        plan = _group_plan(nodes, slots, constants)
        rows = max(len(group) for group in _members_by_group(nodes).values())
        width = 1 + (n if degree >= 1 else 0) + (n * (n + 1) // 2 if degree == 2 else 0)
        block = max(8, BLOCK_ELEMENTS // (rows * width))
        block = 1 << (block.bit_length() - 1)

        def kernel(lo, hi, clo, chi):
            def run(box):
                return _bound(plan, box[0], box[1], IV(clo, chi), n, degree)
            size = lo.shape[0]
            if size <= block:
                return run((lo, hi))
            out = jax.lax.map(run, (lo.reshape(-1, block, n), hi.reshape(-1, block, n)))
            return out[0].reshape(size), out[1].reshape(size)
        _KERNELS[key] = (jax.jit(kernel), constants.arrays())
    return _KERNELS[key]


def _group_plan(nodes, slots, constants):
    """Nodes grouped by (depth, operation): each group is evaluated as one vectorised operation
    on arrays of shape (rows, batch), so compile time grows with depth, not with size.
    Returns (groups, root location); a group is (opkey, static data, [argument locations]);
    the data of a product is the index of an argument that is a point constant in every row
    (one float, e.g. a weight), or None."""
    where, groups = {}, []
    for gi, (key, group) in enumerate(_members_by_group(nodes).items()):
        for row, node in enumerate(group):
            where[id(node)] = (gi, row)
        opkey = key[1]
        arity = 0 if opkey in ("var", "const") else 1 if opkey[0] in ir.UNARY + (
            "powi", "sqr", "pow_const") else 2
        locs = [_locations([where[id(m.args[j])] for m in group]) for j in range(arity)]
        if opkey == "var":
            data = np.array([m.literal for m in group])
        elif opkey == "const":
            data = np.array([slots[id(m)] for m in group])
        elif opkey[0] == "pow_const":
            data = slots[id(group[0])]
        elif opkey[0] == "mul":
            data = next((j for j in (1, 0) if all(_is_point(m.args[j], slots, constants)
                                                  for m in group)), None)
        else:
            data = None
        groups.append((opkey, data, locs))
    return groups, where[id(nodes[-1])]


def _is_point(node, slots, constants):
    if node.op != "const":
        return False
    k = slots[id(node)]
    return constants.lo[k] == constants.hi[k]


def _members_by_group(nodes):
    """{(depth, opkey): nodes}, in order of depth."""
    depth, members = {}, {}
    for node in nodes:
        d = 1 + max((depth[id(a)] for a in node.args), default=-1)
        depth[id(node)] = d
        members.setdefault((d, _opkey(node)), []).append(node)
    return dict(sorted(members.items(), key=lambda item: item[0][0]))


def _opkey(node):
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
    upper-triangular Hessian h (rows, batch, n(n+1)/2) intervals; None stands for zero."""
    __slots__ = ("v", "g", "h")

    def __init__(self, v, g=None, h=None):
        self.v, self.g, self.h = v, g, h


def _bound(plan, lo, hi, consts, n, degree):
    """(lower, upper) over the boxes: runs inside jax.jit."""
    value_arith, deriv_arith, kinks = Arith(), Arith(), Arith()
    root = _evaluate(plan, lo, hi, consts, n, degree, value_arith, deriv_arith, kinks)
    batch = lo[:, 0].shape
    out = IV(jnp.broadcast_to(root.v.lo, batch), jnp.broadcast_to(root.v.hi, batch))
    if degree >= 1:
        c = _center(lo, hi)
        at_c = _evaluate(plan, c, c, consts, n, degree - 1, deriv_arith, deriv_arith, Arith())
        t = IV(dn(lo - c), up(hi - c))
        form1 = at_c.v if root.g is None else deriv_arith.add(
            at_c.v, isum(deriv_arith.mul(root.g, t), 1))
        out = _meet_valid(out, form1, deriv_arith.bad)
        if degree == 2:
            form2 = at_c.v
            if at_c.g is not None:
                form2 = deriv_arith.add(form2, isum(deriv_arith.mul(at_c.g, t), 1))
            if root.h is not None:
                ti, tj = _pairs(n)
                weights = np.where(ti == tj, 0.5, 1.0)
                t_i, t_j = IV(t.lo[:, ti], t.hi[:, ti]), IV(t.lo[:, tj], t.hi[:, tj])
                tt = select(ti == tj, deriv_arith.sqr(t_i), deriv_arith.mul(t_i, t_j))
                tt = deriv_arith.mul(tt, IV(weights, weights))  # exact: 0.5 and 1
                form2 = deriv_arith.add(form2, isum(deriv_arith.mul(root.h, tt), 1))
            out = _meet_valid(out, form2, deriv_arith.bad | kinks.bad)
    bad = value_arith.bad | jnp.isnan(out.lo) | jnp.isnan(out.hi)
    return jnp.where(bad, -INF, out.lo), jnp.where(bad, INF, out.hi)


def _meet_valid(out, form, invalid):
    form = IV(jnp.broadcast_to(form.lo, out.lo.shape), jnp.broadcast_to(form.hi, out.hi.shape))
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


def _evaluate(plan, lo, hi, consts, n, order, va, da, kinks):
    """The root's jet (order 0: values only) over the boxes [lo, hi]; va records domain
    failures of values, da those of derivatives, kinks the crossings of abs/relu/min/max."""
    groups, (root_group, root_row) = plan
    ops = _JetOps(n, order, va, da, kinks)
    outs = []
    for opkey, data, locs in groups:
        if opkey == "var":
            v = IV(lo.T[data], hi.T[data])
            g = None
            if order >= 1:
                e = np.zeros((len(data), 1, n))
                e[np.arange(len(data)), 0, data] = 1.0
                g = IV(e, e)
            jet = _Jet(v, g)
        elif opkey == "const":
            jet = _Jet(IV(consts.lo[data][:, None], consts.hi[data][:, None]))
        else:
            args = [_gather(outs, recipe, perm) for recipe, perm in locs]
            jet = ops.apply(opkey, data, consts, args)
        va.flag(jnp.isnan(jet.v.lo) | jnp.isnan(jet.v.hi))
        outs.append(jet)
    root = outs[root_group]
    return _Jet(*(None if p is None else IV(p.lo[root_row], p.hi[root_row])
                  for p in (root.v, root.g, root.h)))


def _gather(outs, recipe, perm):
    """The argument jet of a group: rows picked from earlier groups (zeros where None)."""
    parts = []
    for field in ("v", "g", "h"):
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
    return _Jet(*parts)


def _col(a):
    return IV(jnp.asarray(a.lo)[..., None], jnp.asarray(a.hi)[..., None])


class _JetOps:
    """Forward-mode interval jets, elementwise over (rows, batch) arrays."""

    def __init__(self, n, order, va, da, kinks):
        self.n, self.order, self.va, self.da, self.kinks = n, order, va, da, kinks
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

    # -- dispatch -------------------------------------------------------------------------------
    def apply(self, opkey, data, consts, args):
        op, va, da = opkey[0], self.va, self.da
        if op == "neg":
            a = args[0]
            return _Jet(va.neg(a.v), *(None if p is None else da.neg(p) for p in (a.g, a.h)))
        if op in ("add", "sub"):
            a, b = args
            if op == "sub":
                v = va.sub(a.v, b.v)
                b = _Jet(b.v, *(None if p is None else da.neg(p) for p in (b.g, b.h)))
            else:
                v = va.add(a.v, b.v)
            return _Jet(v, self._add(a.g, b.g), self._add(a.h, b.h))
        if op == "mul":
            return self.mul(*args) if data is None else self.mul_point(args[1 - data],
                                                                       args[data].v.lo)
        if op == "sqr":
            return self.unary("powi", args[0], 2)
        if op == "div":
            a, b = args
            if self.order == 0 or (a.g is None and b.g is None):
                return _Jet(va.div(a.v, b.v))
            out = self.mul(a, self.unary("recip", b))
            return _Jet(meet(out.v, va.div(a.v, b.v)), out.g, out.h)
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
    def mul(self, a, b):
        v = self.va.mul(a.v, b.v)
        g = self._add(self._scale(a.v, b.g), self._scale(b.v, a.g))
        h = None
        if self.order == 2:
            h = self._add(self._scale(a.v, b.h), self._scale(b.v, a.h))
            if a.g is not None and b.g is not None:
                h = self._add(h, self._outer(a.g, b.g))
        return _Jet(v, g, h)

    def mul_point(self, a, c):
        """a · c for a constant c known exactly (a float array)."""
        return _Jet(self.va.scale(a.v, c),
                    *(None if p is None else self.da.scale(p, c[..., None]) for p in (a.g, a.h)))

    def min_max(self, op, a, b):
        v = (self.va.minimum if op == "min" else self.va.maximum)(a.v, b.v)
        if self.order == 0 or (a.g is None and b.g is None):
            return _Jet(v)
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
        return _Jet(v, g, h)

    def unary(self, op, a, extra=None):
        va, da = self.va, self.da
        y = _value(va, op, a.v, extra)
        if self.order == 0 or a.g is None:
            return _Jet(y)
        d1, d2 = _derivatives(da, self.kinks, op, a.v, y, extra, self.order)
        g = self._scale(d1, a.g)
        h = None
        if self.order == 2:
            h = self._scale(d1, a.h)
            if d2 is not None:
                h = self._add(h, self._scale(d2, self._outer(a.g)))
        return _Jet(y, g, h)


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
    and the widened + - * / sqrt enclosing exact results on random and extreme operands."""
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
