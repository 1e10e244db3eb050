"""`taylor_bounds`: verified Taylor enclosures of a function over a trust region.

    f(x) ∈ Σ_{|α|<k} C_α (x − x0)^α + Σ_{|α|=k} I_α (x − x0)^α     for every x in the region.

Every coefficient is an `Interval` (the ones below degree k are thin: their width is rounding
error, which AutoBound drops and verinum keeps); the degree-k ones carry the remainder.
"""

import math

from flint import arb

from . import balls, rounding, tracing
from .arb_backend import taylor_eval
from .errors import InputError
from .interval import Interval
from .rounding import to_arb


def parse_region(region, what="trust region"):
    """((lo, hi) pairs as Fractions, is_vector). `(a, b)` is 1-D; `[(a, b), ...]` is a box."""
    if isinstance(region, (str, bytes)) or not hasattr(region, "__len__"):
        raise InputError(f"{what}: expected (lo, hi) or a list of (lo, hi) pairs, got {region!r}")
    if len(region) == 0:
        raise InputError(f"{what} is empty")
    scalar = not hasattr(region[0], "__len__") or isinstance(region[0], str)
    pairs = [region] if scalar else list(region)
    out = []
    for i, pair in enumerate(pairs):
        if isinstance(pair, str) or not hasattr(pair, "__len__") or len(pair) != 2:
            raise InputError(f"{what}: dimension {i}: expected a pair (lo, hi), got {pair!r}")
        lo = rounding.exact(pair[0], f"{what} dimension {i} lower end")
        hi = rounding.exact(pair[1], f"{what} dimension {i} upper end")
        if lo > hi:
            raise InputError(f"{what}: dimension {i} is reversed: lower end {pair[0]} > upper end "
                             f"{pair[1]}")
        out.append((lo, hi))
    return out, not scalar


class TaylorEnclosure:
    """The result of `taylor_bounds`. Coefficients are exact-endpoint `Interval`s."""

    def __init__(self, model, value_range, x0, region, names, vector, expression):
        self._model, self._range, self.x0, self.region = model, value_range, x0, region
        self.names, self.vector, self.expression = names, vector, expression
        self.degree = model.space.k
        self.dimension = model.space.n

    @property
    def coefficients(self):
        """1-D: [C_0, ..., C_k]. n-D: a list indexed by degree of {multi-index: Interval}."""
        k, coeffs = self.degree, self._model.coeffs
        if k == 0:  # the range itself (exact ends: tighter than the ball coefficient)
            whole = Interval.from_range(self._range)
            return [whole] if not self.vector else [{(0,) * self.dimension: whole}]
        if not self.vector:
            return [Interval.from_arb(coeffs.get((i,), arb(0))) for i in range(k + 1)]
        by_degree = [dict() for _ in range(k + 1)]
        for alpha in sorted(coeffs):
            by_degree[sum(alpha)][alpha] = Interval.from_arb(coeffs[alpha])
        return by_degree

    @property
    def remainder(self):
        """The interval coefficient(s) of degree k."""
        return self.coefficients[-1]

    def _at(self, x):
        pts = [x] if not self.vector else list(x)
        if len(pts) != self.dimension:
            raise InputError(f"expected a point with {self.dimension} coordinates")
        qs = [rounding.exact(p, "point") for p in pts]
        for i, (q, (lo, hi)) in enumerate(zip(qs, self.region)):
            if not lo <= q <= hi:
                raise InputError(f"point coordinate {i} = {pts[i]} is outside the region "
                                 f"[{lo}, {hi}]: the enclosure only holds there")
        with rounding.precision():
            t = [to_arb(q) - to_arb(c) for q, c in zip(qs, self.x0)]
            total = arb(0)
            for alpha, c in self._model.coeffs.items():
                term = c
                for ti, m in zip(t, alpha):
                    if m:
                        term = term * balls.ipow(ti, m)
                total = total + term
        return total

    def lower(self, x):
        """A float ≤ f(x), for x in the region."""
        return rounding.arb_lower(self._at(x))

    def upper(self, x):
        """A float ≥ f(x), for x in the region."""
        return rounding.arb_upper(self._at(x))

    def bounds(self):
        """An Interval containing f over the whole region (Taylor model ∩ interval evaluation)."""
        return Interval.from_range(self._range)

    def __repr__(self):
        at = (f"{self.names[0]} = {_show(self.x0, False)}" if not self.vector
              else f"({', '.join(self.names)}) = {_show(self.x0, True)}")
        head = f"TaylorEnclosure of {self.expression} at {at}"
        region = ", ".join(f"[{float(lo):.6g}, {float(hi):.6g}]" for lo, hi in self.region)
        if not self.vector:
            terms = " + ".join(_fmt(c) + ("" if i == 0 else "*t" if i == 1 else f"*t^{i}")
                               for i, c in enumerate(self.coefficients))
            body = f"  f in {terms},  t = {self.names[0]} - {_show(self.x0, False)}"
        else:
            powers = f"  key: powers of ({', '.join(f't{j}' for j in range(self.dimension))}),"
            shifts = ", ".join(f"t{j} = {name} - {_show([q], False)}"
                               for j, (name, q) in enumerate(zip(self.names, self.x0)))
            body = "\n".join([powers + " " + shifts] + [
                f"  degree {d}: " + ", ".join(f"{a}: {_fmt(c)}" for a, c in row.items())
                for d, row in enumerate(self.coefficients)])
        return f"{head} over {region}, degree {self.degree}:\n{body}"


def _fmt(iv):
    if iv.lo == iv.hi or (math.isfinite(iv.hi - iv.lo)
                          and abs(iv.hi - iv.lo) <= 1e-14 * max(abs(iv.lo), abs(iv.hi))):
        return f"{iv.lo:.10g}"  # thin: the interval is a few ulps wide
    return f"[{iv.lo:.10g}, {iv.hi:.10g}]"


def _show(x0, vector):
    vals = [f"{float(q):.10g}" for q in x0]
    return f"({', '.join(vals)})" if vector else vals[0]


def taylor_bounds(f, x0, trust_region, degree=2, *, variables=None):
    """A verified Taylor enclosure of f of the given degree around x0 over the trust region.

    f: a callable (Python operators and verinum.exp, verinum.sin, ...; n-D callables take a
    vector x and index x[0], x[1], ...) or an expression string such as "exp(-x**2)*sin(x)".
    x0: the expansion point (a number in 1-D, a sequence in n-D), inside the region.
    trust_region: (lo, hi) in 1-D or a list of (lo, hi) pairs. Numbers are exact: 0.1 is the
    float nearest 1/10, "0.1" is exactly 1/10.
    """
    region, vector = parse_region(trust_region)
    if not isinstance(degree, int) or isinstance(degree, bool) or degree < 0:
        raise InputError(f"degree must be an integer >= 0, got {degree!r}")
    points = list(x0) if vector and hasattr(x0, "__len__") and not isinstance(x0, str) else [x0]
    if len(points) != len(region):
        raise InputError(f"x0 has {len(points)} coordinate(s) but the region has {len(region)}")
    x0q = [rounding.exact(p, "x0") for p in points]
    for i, (q, (lo, hi)) in enumerate(zip(x0q, region)):
        if not lo <= q <= hi:
            raise InputError(f"x0 coordinate {i} = {points[i]} is outside the trust region "
                             f"[{lo}, {hi}]")
    root, names = tracing.to_expression(f, len(region), vector, variables)
    with rounding.precision():
        model, value_range = taylor_eval(root, [to_arb(q) for q in x0q], [to_arb(lo) for lo, _ in region],
                               [to_arb(hi) for _, hi in region], degree, names=names)
    from .ir import to_infix
    return TaylorEnclosure(model, value_range, x0q, region, names, vector, to_infix(root, names))


__all__ = ["taylor_bounds", "TaylorEnclosure", "parse_region"]
