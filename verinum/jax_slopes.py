"""Slopes and derivative enclosures of the JAX backend (runs inside jax.jit).

One job: local slope and derivative factors of each operation, and the reverse-mode sweep that
chains them from the root to the variables. Guarantee: the returned S satisfies
f(x) - f(c) = S(x)·(x - c) with S(x) in S for every x in the box (c the centre), and the
derivative intervals contain φ'(ξ), φ''(ξ) for every ξ in the argument range; failures are
flagged in the Arith masks, never returned as bounds.
"""
import jax.numpy as jnp
import numpy as np

from .jax_kernels import IV, TWO_OVER_SQRT_PI, Arith, affine, const, dn, select, up


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
    if op == "relu":
        return [_times_unit_slope(d1, lam)]
    return [da.mul(d1, lam)]


def _times_unit_slope(s, lam):
    """s·lam for a slope s within [0, 1] (relu): as s ≥ 0, each end of lam picks the end of the
    product (two products per end instead of four). 0·inf gives NaN, which the caller rejects
    (a NaN slope form is never used)."""
    lo = jnp.minimum(s.lo * lam.lo, s.hi * lam.lo)
    hi = jnp.maximum(s.lo * lam.hi, s.hi * lam.hi)
    return IV(dn(lo), up(hi))


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
