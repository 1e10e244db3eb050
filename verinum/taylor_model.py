"""Interval Taylor models: f(x) ∈ Σ_α C_α t^α for every x in the region, t = x − x0.

The coefficients C_α are arb balls and the statement is pointwise: for each x there are
c_α ∈ C_α with f(x) = Σ c_α t^α. Terms of total degree above k are folded into degree k by
bounding the surplus factor over the region (t^β = t^(β−γ)·t^γ with t^(β−γ) in its range), which
is AutoBound's truncation (Streeter & Dillon 2022, §3) with interval coefficients at every degree
so that rounding errors are kept too. All arithmetic is arb ball arithmetic: outward rounded.
"""
import math

from flint import arb

from . import balls


class Space:
    """The region: expansion point x0 (balls), variable ranges [lo_i, hi_i] and t-ranges
    T_i ⊇ [lo_i − x0_i, hi_i − x0_i] (ranges: pairs of exact points, see balls.py)."""

    def __init__(self, x0, lo, hi, degree):
        self.n, self.k = len(x0), degree
        self.x0 = x0
        self.x = [balls.rng(a, b) for a, b in zip(lo, hi)]
        self.t = [balls.r_sub(xi, balls.ends(c)) for xi, c in zip(self.x, x0)]
        self.t_ball = [balls.to_ball(t) for t in self.t]
        self._powers = [[(arb(1), arb(1))] for _ in range(self.n)]
        self._power_balls = [[arb(1)] for _ in range(self.n)]

    def power_range(self, i, m):
        """Range of t_i**m over the region (parity-aware), as a pair."""
        cache = self._powers[i]
        while len(cache) <= m:
            cache.append(balls.r_power(self.t[i], len(cache)))
            self._power_balls[i].append(balls.to_ball(cache[-1]))
        return cache[m]

    def power_ball(self, i, m):
        self.power_range(i, m)
        return self._power_balls[i][m]

    def monomial_range(self, alpha):
        out = (arb(1), arb(1))
        for i, m in enumerate(alpha):
            if m:
                out = balls.r_mul(out, self.power_range(i, m))
        return out

    def fold(self, beta):
        """(γ, factor): |γ| = k, γ ≤ β, factor ∋ t^(β−γ) over the region."""
        excess = sum(beta) - self.k
        gamma, factor = list(beta), arb(1)
        for i in reversed(range(self.n)):
            take = min(gamma[i], excess)
            if take:
                gamma[i] -= take
                excess -= take
                factor = balls.mul(factor, self.power_ball(i, take))
        return tuple(gamma), factor


class TaylorModel:
    """Σ_α C_α t^α over `space` (coefficients: dict from exponent tuples to arb balls)."""

    __slots__ = ("space", "coeffs")

    def __init__(self, space, coeffs):
        self.space, self.coeffs = space, coeffs

    @classmethod
    def constant(cls, space, c):
        return cls(space, {(0,) * space.n: c})

    @classmethod
    def variable(cls, space, i):
        zero = (0,) * space.n
        if space.k == 0:
            return cls(space, {zero: balls.to_ball(space.x[i])})
        unit = tuple(1 if j == i else 0 for j in range(space.n))
        return cls(space, {zero: space.x0[i], unit: arb(1)})

    def is_constant(self):
        return all(not any(alpha) for alpha in self.coeffs)

    def constant_term(self):
        return self.coeffs.get((0,) * self.space.n, arb(0))

    def range(self):
        """A range (pair of exact ends) containing every value of the model over the region."""
        out = (arb(0), arb(0))
        for alpha, c in self.coeffs.items():
            term = balls.ends(c)
            if any(alpha):
                term = balls.r_mul(term, self.space.monomial_range(alpha))
            out = balls.r_add(out, term)
        return out

    def __add__(self, other):
        out = dict(self.coeffs)
        for alpha, c in other.coeffs.items():
            out[alpha] = out[alpha] + c if alpha in out else c
        return TaylorModel(self.space, out)

    def __neg__(self):
        return TaylorModel(self.space, {a: -c for a, c in self.coeffs.items()})

    def __sub__(self, other):
        return self + (-other)

    def scale(self, s):
        return TaylorModel(self.space, {a: c * s for a, c in self.coeffs.items()})

    def shift(self, s):
        zero = (0,) * self.space.n
        out = dict(self.coeffs)
        out[zero] = out[zero] + s if zero in out else s
        return TaylorModel(self.space, out)

    def __mul__(self, other):
        space, k = self.space, self.space.k
        out = {}
        for a, ca in self.coeffs.items():
            da = sum(a)
            for b, cb in other.coeffs.items():
                beta = tuple(x + y for x, y in zip(a, b))
                c = balls.mul(ca, cb)
                if da + sum(b) > k:
                    beta, factor = space.fold(beta)
                    c = balls.mul(c, factor)
                out[beta] = out[beta] + c if beta in out else c
        return TaylorModel(space, out)

    def compose(self, outer, y0):
        """φ∘self, where φ(y) ∈ Σ outer[i] (y − y0)^i for all y in the range of self (Horner).

        In 1-D the top term A_k·d^k (d = self − y0 = D_0 + t·q(t)) is bounded as
        A_k·(t·q)^k = A_k·q^k·t^k with q^k over its range computed parity-aware (so an even
        power stays ≥ 0, which Horner and AutoBound's expansion lose), plus the terms with D_0."""
        d = self.shift(-y0)
        k = len(outer) - 1
        if self.space.n != 1 or k == 0:
            out = TaylorModel.constant(self.space, outer[-1])
            for c in reversed(outer[:-1]):
                out = (out * d).shift(c)
            return out
        out = TaylorModel.constant(self.space, outer[-2])
        for c in reversed(outer[:-2]):
            out = (out * d).shift(c)
        return out + self._top_term_1d(d, outer[-1], k)

    def _top_term_1d(self, d, top, k):
        space = self.space
        d0 = d.coeffs.get((0,), arb(0))
        q = TaylorModel(space, {(i - 1,): c for (i,), c in d.coeffs.items() if i > 0})
        q_range = balls.r_power(q.range(), k)
        out = TaylorModel(space, {(k,): balls.mul(top, balls.to_ball(q_range))})
        if not d0.is_zero():  # (tq + D0)^k − (tq)^k = Σ_{j<k} C(k, j) D0^(k−j) (tq)^j
            tq = TaylorModel(space, {a: c for a, c in d.coeffs.items() if a != (0,)})
            power = TaylorModel.constant(space, arb(1))
            for j in range(k):
                out = out + power.scale(top * math.comb(k, j) * balls.ipow(d0, k - j))
                power = power * tq
        return out

    def coefficient_list_1d(self):
        """[C_0, ..., C_k] for a univariate model."""
        return [self.coeffs.get((i,), arb(0)) for i in range(self.space.k + 1)]
