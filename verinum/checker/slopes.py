"""Interval slopes: ∫ f over a box where abs/relu/min/max may switch branch (a kink inside) or
sqrt reaches 0, where the checker's smooth forms (Gauss rule, mean-value form) do not apply.

One pass keeps, for every node u, its value u(c) at the exact centre c of the box (a ball),
its range over the box (``Ranges``) and slopes S_u (balls, one per variable) such that for
every x in the box u(x) − u(c) = Σ_k σ_k(x)·(x_k − c_k) with σ_k(x) in S_u,k:

* sums and negations: S_a ± S_b;
* a·b − a(c)b(c) = a(x)·(b(x) − b(c)) + b(c)·(a(x) − a(c)): R_a·S_b + b(c)·S_a;
* a/b − a(c)/b(c) = (a(x) − a(c))/b(x) − a(c)/(b(x)·b(c))·(b(x) − b(c));
* a smooth φ of its arguments: by the mean value theorem on the segment from their centre
  values to their values at x, which lies in the box of their ranges, φ(u(x)) − φ(u(c)) =
  Σ_j ∂_jφ(ξ)·(u_j(x) − u_j(c)): Σ_j ∂_jφ(R)·S_uj, the partials over the ranges from ``Duals``
  (which refuse where φ is not differentiable on R, e.g. sqrt at 0);
* sqrt(u) − sqrt(u(c)) = (u − u(c))/(sqrt(u) + sqrt(u(c))) where u(c) > 0: the chord slope lies
  in [1/(sqrt(h) + sqrt(u(c))), 1/(sqrt(l) + sqrt(u(c)))], finite even where u's range [l, h]
  reaches 0 (sqrt(x0·x1) next to an axis), where the derivative is not bounded;
* relu(u) − relu(u(c)) = σ·(u − u(c)) with the chord slope σ in [u(c)/(u(c) − l), 1] where
  u(c) ≥ 0 and in [0, h/(h − u(c))] where u(c) ≤ 0 ([l, h] the range of u; 1 or 0 where u has
  a sign); abs(u) = 2·relu(u) − u, max(a, b) = b + relu(a − b), min(a, b) = a − relu(a − b).

Then ∫_box f = V·f(c) + Σ_k ∫ σ_k(x)(x_k − c_k) dx. With σ_k = m_k + r_k(x), m_k the midpoint of
S_f,k and |r_k| ≤ rad(S_f,k): ∫ m_k (x_k − c_k) = 0 (c is the exact centre) and
|∫ r_k (x_k − c_k)| ≤ rad(S_f,k)·V·w_k/4 (w_k the width: the mean of |x_k − c_k| is w_k/4).
"""

from __future__ import annotations

from flint import arb

from verinum.checker.arithmetic import Balls, CannotBound, Dual, Duals, Ranges, range_ball
from verinum.checker.bounds import box_ranges, point_balls
from verinum.checker.common import center, volume
from verinum.checker.evaluate import Program, evaluate_all, to_arb

_UNIT = arb(0, 1)  # the ball [-1, 1]


def slope_integral(prog: Program, box: tuple) -> arb:
    """A ball containing ∫_box f (module docstring); raises CannotBound."""
    n = len(box)
    values = evaluate_all(prog, Balls, point_balls(center(box)))
    ranges = evaluate_all(prog, Ranges, box_ranges(box))
    zero = [arb(0)] * n
    slopes = [None] * len(prog.nodes)
    for i in prog.order:
        op, a, b = prog.nodes[i]
        if op == "var":
            s = [arb(1) if k == a else arb(0) for k in range(n)]
        elif op in ("const", "pi", "e"):
            s = zero
        elif op == "neg":
            s = [-x for x in slopes[a]]
        elif op == "add":
            s = [x + y for x, y in zip(slopes[a], slopes[b])]
        elif op == "sub":
            s = [x - y for x, y in zip(slopes[a], slopes[b])]
        elif op == "mul":
            ra, bc = range_ball(ranges[a]), values[b]
            s = [ra * y + bc * x for x, y in zip(slopes[a], slopes[b])]
        elif op == "div":
            rb = range_ball(ranges[b])
            q = values[a] / (rb * values[b])
            s = [x / rb - q * y for x, y in zip(slopes[a], slopes[b])]
        elif op in ("relu", "abs"):
            sigma = relu_slope(values[a], ranges[a])
            sigma = sigma if op == "relu" else 2 * sigma - 1
            s = [sigma * x for x in slopes[a]]
        elif op == "sqrt" and values[a] > 0:
            lo, hi = ranges[a]
            sigma = (1 / (hi.sqrt() + values[a].sqrt())).lower().union(
                (1 / (lo.sqrt() + values[a].sqrt())).upper())
            s = [sigma * x for x in slopes[a]]
        elif op in ("max", "min"):
            sigma = relu_slope(values[a] - values[b], Ranges.sub(ranges[a], ranges[b]))
            d = [sigma * (x - y) for x, y in zip(slopes[a], slopes[b])]
            s = [y + e for y, e in zip(slopes[b], d)] if op == "max" else \
                [x - e for x, e in zip(slopes[a], d)]
        else:
            s = _smooth(op, a, b, ranges, slopes)
        if not all(x.is_finite() for x in s):
            raise CannotBound(f"non-finite slope at node {i} ({op})")
        slopes[i] = s
    spread = arb(0)
    for x, (lo, hi) in zip(slopes[prog.out], box):
        spread += x.rad() * to_arb((hi - lo) / 4)
    vol = to_arb(volume(box))
    total = values[prog.out] * vol + _UNIT * (spread * vol)
    if not total.is_finite():
        raise CannotBound("non-finite slope integral")
    return total


def relu_slope(uc: arb, r: tuple) -> arb:
    """A ball containing every chord slope (relu(u) − relu(uc))/(u − uc) for u in the range
    r = (l, h) ∋ uc (module docstring)."""
    lo, hi = r
    if lo >= 0:
        return arb(1)
    if hi <= 0:
        return arb(0)
    sigma = arb(0).union(arb(1))
    if uc >= 0:
        sigma = (uc / (uc - lo)).lower().union(arb(1))
    elif uc <= 0:
        sigma = arb(0).union((hi / (hi - uc)).upper())
    return sigma if sigma.is_finite() else arb(0).union(arb(1))


def _smooth(op, a, b, ranges, slopes):
    """Slopes of a smooth operation: its partials over the arguments' ranges (Duals) times
    their slopes."""
    if op == "powi":
        args, extra = [a], (b,)
    else:
        args, extra = [a] if b is None else [a, b], ()
    duals = Duals(len(args))
    inputs = [duals.variable(range_ball(ranges[j]), k) for k, j in enumerate(args)]
    try:
        out = getattr(duals, op)(*inputs, *extra)
    except AttributeError:
        raise CannotBound(f"no slope rule for {op!r}") from None
    except (ArithmeticError, ValueError) as exc:
        raise CannotBound(f"arb could not evaluate a derivative: {exc}") from None
    if not isinstance(out, Dual):
        raise CannotBound(f"no slope rule for {op!r}")
    total = [arb(0)] * len(slopes[a])
    for partial, j in zip(out.grad, args):
        total = [t + partial * x for t, x in zip(total, slopes[j])]
    return total
