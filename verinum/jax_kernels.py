"""Interval arithmetic on float64 JAX arrays, following docs/jax.md (the measured recipe).

An interval is a pair `IV(lo, hi)` of arrays (any broadcastable shapes). Guarantees, under the
assumptions checked by the self-test in jax_selftest (x64; + - * / sqrt rounded to nearest, or
flushed to zero; libm errors far below K ulp):
- every function returns an interval containing the exact real result for all real inputs in
  the argument intervals; ends may be ±inf ("unbounded");
- a lower end is never +inf and an upper end never -inf (so sums of ends never make NaN);
- where an argument leaves the domain (log of a range reaching 0, division by a range holding
  0, ...) the result is recorded in the `Arith.flag` mask instead (the caller discards it).

Rounding: after each + - * / sqrt the ends are clamped to ±DBL_MAX and pushed outward by
|x|·2^-51 + 2^-1021 (twice the one-rounding error incl. flush-to-zero: margin for FMA
contraction); after a libm call by K·2^-52·|y| + 2^-1021 with K = 1024. XLA's log1p, sinh,
cosh and logistic are not used: those are built from exp and log.
"""
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

MAXF = float(np.finfo(np.float64).max)
TINY = 2.0 ** -1022          # smallest normal: everything below is flushed to zero by XLA CPU
ABS_PAD = 2.0 ** -1021       # absolute part of every widening (covers a flushed result)
REL_PAD = 2.0 ** -51         # relative widening after + - * / sqrt (one rounding is 2^-53)
LIBM_K = 1024
LIBM_PAD = LIBM_K * 2.0 ** -52
HALF_PI_HI = 1.5707963267948968  # a float above π/2
TWO_PI = 6.283185307179586   # 2π to 1 ulp (only used with a generous margin)
TWO_OVER_SQRT_PI = (1.1283791670955123, 1.1283791670955129)  # floats around 2/√π
SWISH_MIN = -0.278464542761074  # a float below min swish = -0.27846454276107379...
INF = float("inf")
SMALL_AFFINE = 4             # affine maps with at most this many terms per row: elementwise


class IV(NamedTuple):
    lo: object
    hi: object


def dn(x):
    """A float ≤ the exact value that was rounded (to nearest or to zero) into x."""
    x = jnp.minimum(x, MAXF)
    return x - (jnp.abs(x) * REL_PAD + ABS_PAD)


def up(x):
    x = jnp.maximum(x, -MAXF)
    return x + (jnp.abs(x) * REL_PAD + ABS_PAD)


def up_pos(x):
    """A float ≥ max(x, 0) and ≥ the exact value rounded (to nearest or to zero) into x: for
    x ≥ 0, fl(x·(1 + 2^-51)) ≥ x·(1 + 2^-53) and the absolute 2^-1021 covers a flush (two
    operations fewer than `up`, for radii and other nonnegative sums)."""
    return jnp.maximum(x, 0.0) * (1.0 + REL_PAD) + ABS_PAD


def ldn(y):
    """Lower bound after a libm call whose result y is within K ulp."""
    y = jnp.minimum(y, MAXF)
    return y - (jnp.abs(y) * LIBM_PAD + ABS_PAD)


def lup(y):
    y = jnp.maximum(y, -MAXF)
    return y + (jnp.abs(y) * LIBM_PAD + ABS_PAD)


def any_true(mask, axis=None):
    """jnp.any(mask, axis), as a max over 0.0/1.0 (XLA CPU turns boolean reductions into slow
    reduce-windows)."""
    return jnp.max(jnp.where(mask, 1.0, 0.0), axis=axis, initial=0.0) > 0


def point(x):
    return IV(x, x)


def const(v):
    """A point interval for a float that is exactly the intended value (0.5, 2, -1, ...)."""
    return IV(jnp.float64(v), jnp.float64(v))


def hull(a, b):
    return IV(jnp.minimum(a.lo, b.lo), jnp.maximum(a.hi, b.hi))


def meet(a, b):
    """a ∩ b for two enclosures of the same quantity."""
    return IV(jnp.maximum(a.lo, b.lo), jnp.minimum(a.hi, b.hi))


def clamp(a, lo, hi):
    """a ∩ [lo, hi], where [lo, hi] is known to contain the quantity."""
    return IV(jnp.clip(a.lo, lo, hi), jnp.clip(a.hi, lo, hi))


def select(cond, a, b):
    return IV(jnp.where(cond, a.lo, b.lo), jnp.where(cond, a.hi, b.hi))


def isum(a, axis):
    """Σ over an axis, with the order-independent error bound (m+2)·2^-51·Σ|x| + m·2^-1021
    (jnp.sum's summation order is unspecified)."""
    m = a.lo.shape[axis]
    gamma = (m + 2) * REL_PAD
    lo, hi = jnp.sum(a.lo, axis), jnp.sum(a.hi, axis)
    err_lo = jnp.sum(jnp.abs(a.lo), axis) * gamma + m * ABS_PAD
    err_hi = jnp.sum(jnp.abs(a.hi), axis) * gamma + m * ABS_PAD
    return IV(jnp.minimum(lo, MAXF) - err_lo, jnp.maximum(hi, -MAXF) + err_hi)


def mag_dot(s, t_mag, axis):
    """A float ≥ Σ max(|s.lo|, |s.hi|)·t_mag over `axis` (t_mag ≥ 0): the radius of Σ s·t for
    intervals t = ±t_mag. Product roundings, any summation order and flushes are covered by
    (m+4)·2^-51 relative and m·2^-1019 absolute (m terms); inf·0 counts as 0, a NaN in s stays
    NaN (the caller rejects a NaN form)."""
    m = s.lo.shape[axis]
    p = jnp.maximum(jnp.abs(s.lo), jnp.abs(s.hi)) * t_mag
    total = jnp.sum(jnp.where(t_mag == 0, 0.0, p), axis)
    return up_pos(up_pos(total * (1.0 + (m + 4) * REL_PAD)) + m * 2.0 ** -1019)


def quadratic_min(g, a, t):
    """A float ≤ min of γ·s + ½·α·s² over s in t (t.lo ≤ 0 ≤ t.hi), γ in the interval g and
    α ≥ a (float array): the exact minimum of each half s ≥ 0 (γ·s ≥ g.lo·s) and s ≤ 0
    (γ·s ≥ g.hi·s) of a 1-D quadratic, at an end where it is monotone there, else its
    vertex value −b²/(2a) (a lower bound of the whole parabola). NaN in, NaN out."""
    return jnp.minimum(_half_quadratic_min(g.lo, a, t.hi), _half_quadratic_min(-g.hi, a, -t.lo))


def _half_quadratic_min(b, a, v):
    """A float ≤ min over u in [0, v] (v ≥ 0) of b·u + ½·α·u², α ≥ a. Rounding: dn/up of each
    float result bound the exact value rounded into it (any sign), and factors v ≥ 0 keep the
    direction; dn(0.5·a) also covers a flushed 0.5·a. 0·inf gives NaN (the caller drops NaN)."""
    end = dn(dn(b * v) + dn(dn(dn(0.5 * a) * v) * v))
    monotone = (a <= 0) | (b >= 0) | (up(b + up(a * v)) <= 0)  # b + a·u ≤ 0 on [0, v]
    two_a = dn(2.0 * a)
    vertex = jnp.where(two_a > 0, -up(up(b * b) / jnp.where(two_a > 0, two_a, 1.0)), -INF)
    out = jnp.where(monotone, jnp.minimum(0.0, end), dn(vertex))
    return jnp.where(jnp.isnan(b) | jnp.isnan(a) | jnp.isnan(v), jnp.nan, out)


def affine(x, mats, gather=None):
    """W·x for an exact matrix W (rows: outputs) and intervals x (rows: leaves, any trailing
    shape), in midpoint-radius form.

    mats (built on the host by jax_affine._affine_mats): w (float midpoints of W, zero or
    normal), abs_w = |w|, optional wr (radii: the exact W lies in w ± wr), pos/neg (0/1: the sign
    of the exact W), c ≥ 2γ_L and f ≥ 1/((1-2γ_L)(1-u)²) (γ_L = Lu/(1-Lu), L terms per dot
    product, u = 2^-53) and a (per row: every absolute error term, flushes included).
    gather: (rows, K) leaf indices (numpy) when W is stored as K terms per row, not dense.

    With mid/rad the float centre and a radius rounded up of each x, the exact W·x lies in
    W·mid ± (|W|·rad + |wr|·(|mid| + rad)), and the float dot products of any order, with or
    without FMA, are within γ_L·|w|·|mid| + L·2^-1020 of exact; the radius is a float bound on
    all of it (see docs/jax.md). Ends of x that are infinite enter as exact ±inf per row."""
    if mats["w"].shape[1] <= SMALL_AFFINE and "wr" not in mats:
        return _affine_terms(x, mats["w"], gather)
    def dot(w, v):
        if gather is None:
            return jnp.tensordot(w, v, axes=1)
        return jnp.einsum("rk,rk...->r...", w, v[gather])

    def midpoint_radius(lo, hi):
        mid = 0.5 * lo + 0.5 * hi
        rad = up_pos(jnp.maximum(hi - mid, mid - lo))
        centre = dot(mats["w"], mid)
        spread = dot(mats["abs_w"], rad + mats["c"] * jnp.abs(mid))
        rows = (slice(None),) + (None,) * (centre.ndim - 1)
        r = up_pos(up_pos(mats["f"] * spread) + mats["a"][rows])
        if "wr" in mats:
            r = up_pos(r + up_pos(mats["f"] * dot(mats["wr"], jnp.abs(mid) + rad)))
        ok = jnp.isfinite(centre) & jnp.isfinite(r)
        return jnp.where(ok, dn(centre - r), -INF), jnp.where(ok, up(centre + r), INF)

    def general(x):  # rare: some end is infinite (or NaN)
        lo_fin, hi_fin = jnp.isfinite(x.lo), jnp.isfinite(x.hi)
        lo = jnp.where(lo_fin, x.lo, jnp.where(hi_fin, x.hi, 0.0))
        hi = jnp.where(hi_fin, x.hi, jnp.where(lo_fin, x.lo, 0.0))
        out = midpoint_radius(lo, hi)
        neg_inf, pos_inf = (~lo_fin).astype(lo.dtype), (~hi_fin).astype(lo.dtype)
        low = dot(mats["pos"], neg_inf) + dot(mats["neg"], pos_inf) > 0
        high = dot(mats["pos"], pos_inf) + dot(mats["neg"], neg_inf) > 0
        return jnp.where(low, -INF, out[0]), jnp.where(high, INF, out[1])
    finite = ~any_true(~(jnp.isfinite(x.lo) & jnp.isfinite(x.hi)))
    return IV(*jax.lax.cond(finite, lambda x: midpoint_radius(x.lo, x.hi), general, x))


def _affine_terms(x, w, gather):
    """W·x for exact float weights and few terms per row, elementwise: the ends of each product
    w·x_k (0·inf = 0), summed with (m+4)·2^-51·Σ|p| + m·2^-1019 for the m product roundings, any
    summation order and flushes; 0·inf = 0, and an end that comes out NaN (inf − inf from
    overflowing products, or a NaN input) is moved out to ∓inf."""
    rows, m = w.shape
    lo = hi = err_lo = err_hi = 0.0
    for k in range(m):
        pick = np.full(rows, k) if gather is None else gather[:, k]
        tail = (slice(None),) + (None,) * (jnp.ndim(x.lo) - 1)
        wk = jnp.asarray(w)[:, k][tail]
        p, q = wk * jnp.asarray(x.lo)[pick], wk * jnp.asarray(x.hi)[pick]
        p, q = jnp.where(wk == 0, 0.0, p), jnp.where(wk == 0, 0.0, q)
        low, high = jnp.minimum(p, q), jnp.maximum(p, q)
        lo, hi = lo + low, hi + high
        err_lo, err_hi = err_lo + jnp.abs(low), err_hi + jnp.abs(high)
    pad = (m + 4) * REL_PAD
    lo = jnp.minimum(lo, MAXF) - (err_lo * pad + m * 2.0 ** -1019)
    hi = jnp.maximum(hi, -MAXF) + (err_hi * pad + m * 2.0 ** -1019)
    return IV(jnp.where(jnp.isnan(lo), -INF, lo), jnp.where(jnp.isnan(hi), INF, hi))


class Arith:
    """The operations that can leave their domain record it in `self.bad` (a boolean mask over
    the batch, or a scalar); the others are module functions reexported as methods."""

    def __init__(self):
        self.bad = jnp.bool_(False)

    def flag(self, cond):
        """Record failures; arrays of rank ≥ 2 are (rows, batch, ...): reduced to (batch,)."""
        cond = jnp.asarray(cond)
        if cond.ndim >= 2:
            cond = any_true(cond, axis=(0,) + tuple(range(2, cond.ndim)))
        self.bad = self.bad | cond

    # -- basic operations ----------------------------------------------------------------
    @staticmethod
    def add(a, b):
        return IV(dn(a.lo + b.lo), up(a.hi + b.hi))

    @staticmethod
    def sub(a, b):
        return IV(dn(a.lo - b.hi), up(a.hi - b.lo))

    @staticmethod
    def neg(a):
        return IV(-a.hi, -a.lo)

    @staticmethod
    def mul(a, b):
        pairs = [(a.lo, b.lo), (a.lo, b.hi), (a.hi, b.lo), (a.hi, b.hi)]
        # 0·inf: the reals give 0; a NaN end stays NaN (the caller flags it)
        ps = [jnp.where((x == 0) | (y == 0), 0.0, x * y) for x, y in pairs]
        lo = jnp.minimum(jnp.minimum(ps[0], ps[1]), jnp.minimum(ps[2], ps[3]))
        hi = jnp.maximum(jnp.maximum(ps[0], ps[1]), jnp.maximum(ps[2], ps[3]))
        return IV(dn(lo), up(hi))

    def div(self, a, b):
        self.flag((b.lo <= 0) & (b.hi >= 0))
        qs = [a.lo / b.lo, a.lo / b.hi, a.hi / b.lo, a.hi / b.hi]
        lo = jnp.minimum(jnp.minimum(*[jnp.where(jnp.isnan(q), -INF, q) for q in qs[:2]]),
                         jnp.minimum(*[jnp.where(jnp.isnan(q), -INF, q) for q in qs[2:]]))
        hi = jnp.maximum(jnp.maximum(*[jnp.where(jnp.isnan(q), INF, q) for q in qs[:2]]),
                         jnp.maximum(*[jnp.where(jnp.isnan(q), INF, q) for q in qs[2:]]))
        return IV(dn(lo), up(hi))

    def recip(self, a):
        self.flag((a.lo <= 0) & (a.hi >= 0))
        return IV(dn(1.0 / a.hi), up(1.0 / a.lo))

    @staticmethod
    def sqr(a):
        l2, h2 = a.lo * a.lo, a.hi * a.hi
        lo = jnp.where(a.lo >= 0, l2, jnp.where(a.hi <= 0, h2, 0.0))
        hi = jnp.maximum(l2, h2)
        return IV(jnp.maximum(dn(lo), 0.0), up_pos(hi))

    def powi(self, a, n):
        """a**n for a Python int n (repeated squaring on magnitudes, parity-aware)."""
        if n == 0:
            return IV(jnp.ones_like(a.lo), jnp.ones_like(a.hi))
        if n < 0:
            return self.recip(self.powi(a, -n))
        if n == 1:
            return a
        if n == 2:
            return self.sqr(a)
        if n % 2 == 0:
            mag_lo = jnp.where(a.lo >= 0, a.lo, jnp.where(a.hi <= 0, -a.hi, 0.0))
            mag_hi = jnp.maximum(jnp.abs(a.lo), jnp.abs(a.hi))
            return IV(_pow_mag(mag_lo, n, dn), _pow_mag(mag_hi, n, up))
        # odd: monotone; x**n = -(|x|**n) for x < 0
        lo = jnp.where(a.lo >= 0, _pow_mag(a.lo, n, dn), -_pow_mag(-a.lo, n, up))
        hi = jnp.where(a.hi >= 0, _pow_mag(a.hi, n, up), -_pow_mag(-a.hi, n, dn))
        return IV(lo, hi)

    def sqrt(self, a):
        self.flag(a.lo < 0)
        lo = jnp.maximum(dn(jnp.sqrt(jnp.maximum(a.lo, 0.0))), 0.0)
        return IV(lo, up(jnp.sqrt(jnp.maximum(a.hi, 0.0))))

    @staticmethod
    def minimum(a, b):
        return IV(jnp.minimum(a.lo, b.lo), jnp.minimum(a.hi, b.hi))

    @staticmethod
    def maximum(a, b):
        return IV(jnp.maximum(a.lo, b.lo), jnp.maximum(a.hi, b.hi))

    @staticmethod
    def abs(a):
        lo = jnp.where(a.lo >= 0, a.lo, jnp.where(a.hi <= 0, -a.hi, 0.0))
        return IV(lo, jnp.maximum(-a.lo, a.hi))

    @staticmethod
    def relu(a):
        return IV(jnp.maximum(a.lo, 0.0), jnp.maximum(a.hi, 0.0))

    # -- elementary functions ----------------------------------------------------------------
    @staticmethod
    def exp(a):
        return IV(jnp.maximum(ldn(jnp.exp(a.lo)), 0.0), lup(jnp.exp(a.hi)))

    @staticmethod
    def expm1(a):
        lo = jnp.maximum(jnp.maximum(ldn(jnp.expm1(a.lo)), -1.0), a.lo)  # expm1(x) ≥ x
        return IV(lo, lup(jnp.expm1(a.hi)))

    def log(self, a):
        self.flag(a.lo <= 0)
        # brackets 1 - 1/x ≤ log x ≤ x - 1 keep the bound tight near 1 whatever libm does
        lo = jnp.maximum(ldn(jnp.log(a.lo)), dn(1.0 - up(1.0 / a.lo)))
        hi = jnp.minimum(lup(jnp.log(a.hi)), up(a.hi - 1.0))
        return IV(lo, hi)

    def log1p(self, a):
        self.flag(a.lo <= -1)
        u = IV(dn(1.0 + a.lo), up(1.0 + a.hi))
        u_lo_pos = jnp.where(u.lo > 0, u.lo, 1.0)
        log_lo = jnp.where(u.lo > 0, jnp.maximum(ldn(jnp.log(u_lo_pos)),
                                                 dn(1.0 - up(1.0 / u_lo_pos))), -INF)
        log_hi = jnp.minimum(lup(jnp.log(u.hi)), up(u.hi - 1.0))
        # x/(1+x) ≤ log1p(x) ≤ x (tight for tiny x)
        den = jnp.where(a.lo >= 0, up(1.0 + a.lo), u.lo)
        ratio = jnp.where(den > 0, dn(a.lo / jnp.where(den > 0, den, 1.0)), -INF)
        return IV(jnp.maximum(log_lo, ratio), jnp.minimum(log_hi, a.hi))

    def sin(self, a):
        return _periodic(a, jnp.sin, 0.25 * TWO_PI, -0.25 * TWO_PI)

    def cos(self, a):
        return _periodic(a, jnp.cos, 0.0, 0.5 * TWO_PI)

    def tan(self, a):
        point_box = a.lo == a.hi
        finite = jnp.isfinite(a.lo) & jnp.isfinite(a.hi)
        self.flag(~finite | (~point_box & _maybe_hits(a, 0.25 * TWO_PI, 0.5 * TWO_PI)))
        return IV(ldn(jnp.tan(a.lo)), lup(jnp.tan(a.hi)))

    @staticmethod
    def atan(a):
        return clamp(IV(ldn(jnp.arctan(a.lo)), lup(jnp.arctan(a.hi))), -HALF_PI_HI, HALF_PI_HI)

    @staticmethod
    def tanh(a):
        return clamp(IV(ldn(jnp.tanh(a.lo)), lup(jnp.tanh(a.hi))), -1.0, 1.0)

    @staticmethod
    def erf(a):
        from jax.scipy.special import erf
        return clamp(IV(ldn(erf(a.lo)), lup(erf(a.hi))), -1.0, 1.0)

    def sinh(self, a):
        def at(x):  # (e^x - e^-x)/2 on a point
            return self.mul(self.sub(self.exp(point(x)), self.exp(point(-x))), const(0.5))
        lo, hi = at(a.lo).lo, at(a.hi).hi
        lo = jnp.where(a.lo >= 0, jnp.maximum(lo, a.lo), lo)  # sinh x ≥ x for x ≥ 0
        hi = jnp.where(a.hi <= 0, jnp.minimum(hi, a.hi), hi)
        return IV(lo, hi)

    def cosh(self, a):
        def at(x):
            return self.mul(self.add(self.exp(point(x)), self.exp(point(-x))), const(0.5))
        m = self.abs(a)
        return IV(jnp.maximum(at(m.lo).lo, 1.0), at(m.hi).hi)

    def sigmoid(self, a):
        def at(x):
            return self.recip(self.add(const(1.0), self.exp(point(-x))))
        return clamp(IV(at(a.lo).lo, at(a.hi).hi), 0.0, 1.0)

    def softplus(self, a):
        def at(x):  # max(x, 0) + log1p(exp(-|x|))
            p = point(x)
            return self.add(self.relu(p), self.log1p(self.exp(self.neg(self.abs(p)))))
        return IV(jnp.maximum(at(a.lo).lo, 0.0), at(a.hi).hi)

    def swish(self, a):
        def at(x):
            p = point(x)
            return self.mul(p, self.sigmoid(p))
        s_lo, s_hi = at(a.lo), at(a.hi)
        # decreasing on (-inf, x*], increasing after, x* = -1.27846454276107...; min SWISH_MIN
        falling = IV(s_hi.lo, s_lo.hi)
        rising = IV(s_lo.lo, s_hi.hi)
        across = IV(jnp.full_like(a.lo, SWISH_MIN), jnp.maximum(s_lo.hi, s_hi.hi))
        out = select(a.hi <= -1.2785, falling, select(a.lo >= -1.2784, rising, across))
        return IV(jnp.maximum(out.lo, SWISH_MIN), out.hi)

    def pow_const(self, a, c, c_iv):
        """a**c for a constant exponent c (Fraction; c_iv an interval containing it), a ≥ 0
        (a > 0 if c < 0), as exp(c·log a); monotone in a."""
        if c.denominator == 1 and c >= 0:
            self.flag(a.lo < 0)
            return self.powi(a, int(c))
        self.flag(a.lo < 0 if c > 0 else a.lo <= 0)

        def at(x):
            pos = x > 0
            safe = jnp.where(pos, x, 1.0)
            v = self.exp(self.mul(c_iv, _log_no_flag(point(safe))))
            zero = 0.0 if c > 0 else INF
            return IV(jnp.where(pos, v.lo, zero), jnp.where(pos, v.hi, zero))
        if c > 0:
            return IV(at(jnp.maximum(a.lo, 0.0)).lo, at(a.hi).hi)
        return IV(at(a.hi).lo, at(a.lo).hi)

    def pow(self, a, b):
        return self.exp(self.mul(b, self.log(a)))


def _log_no_flag(a):
    return Arith().log(a)


def _pow_mag(m, n, rnd):
    """m**n for m ≥ 0, each product rounded with rnd (dn or up), by repeated squaring."""
    result, base = None, m
    while n:
        if n & 1:
            result = base if result is None else jnp.maximum(rnd(result * base), 0.0)
        n >>= 1
        if n:
            base = jnp.maximum(rnd(base * base), 0.0)
    return result


def _maybe_hits(a, offset, period):
    """False only where no offset + j·period (j integer) can lie in [a.lo, a.hi]. The float
    quotients carry a relative error below 2^-50; the margin is 2^-46 relative + 2^-46."""
    k_lo = (a.lo - offset) / period
    k_hi = (a.hi - offset) / period
    m_lo = jnp.abs(k_lo) * 2.0 ** -46 + 2.0 ** -46
    m_hi = jnp.abs(k_hi) * 2.0 ** -46 + 2.0 ** -46
    return jnp.floor(k_hi + m_hi) >= jnp.ceil(k_lo - m_lo)


def _periodic(a, fn, top, bottom):
    """Range of sin or cos: end values, and ±1 wherever a maximum top + 2jπ or minimum
    bottom + 2jπ may lie in a (never for a point interval)."""
    v_lo, v_hi = fn(a.lo), fn(a.hi)
    lo = jnp.minimum(ldn(v_lo), ldn(v_hi))
    hi = jnp.maximum(lup(v_lo), lup(v_hi))
    wide = a.lo != a.hi
    lo = jnp.where(wide & _maybe_hits(a, bottom, TWO_PI), -1.0, lo)
    hi = jnp.where(wide & _maybe_hits(a, top, TWO_PI), 1.0, hi)
    finite = jnp.isfinite(a.lo) & jnp.isfinite(a.hi)
    lo = jnp.where(finite, jnp.maximum(lo, -1.0), -1.0)
    hi = jnp.where(finite, jnp.minimum(hi, 1.0), 1.0)
    return IV(lo, hi)
