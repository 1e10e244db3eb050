"""Enclosures of f over a box (interval evaluation, mean-value and second-order forms) and proofs of
f >= bound."""

from __future__ import annotations

from fractions import Fraction

from flint import arb

from verinum.checker.common import MAX_DEPTH, Budget, Rejected, bisect, center
from verinum.checker.evaluate import (
    CannotBound, Program, eval_ball, eval_gradient, eval_hessian, eval_range, exact, interval_ball, lower_q, to_arb,
    upper_q,
)
from verinum.checker.render import decimal_down, decimal_near, decimal_up, render_box


def box_balls(box: tuple) -> list[arb]:
    """Balls containing the box, one per dimension."""
    return [interval_ball(lo, hi) for lo, hi in box]


def point_balls(point: list[Fraction]) -> list[arb]:
    """Balls containing the exact point."""
    return [to_arb(q) for q in point]


def box_ranges(box: tuple) -> list[tuple]:
    """(lo, hi) pairs of exact arb numbers containing the box, one per dimension."""
    return [(to_arb(lo).lower(), to_arb(hi).upper()) for lo, hi in box]


def interval_range(prog: Program, box: tuple) -> tuple[Fraction, Fraction]:
    """Exact (lo, hi) with lo <= f(x) <= hi for every x in box (interval arithmetic with exact
    ends); raises CannotBound."""
    lo, hi = eval_range(prog, box_ranges(box))
    return exact(lo), exact(hi)


def mean_value_enclosure(prog: Program, box: tuple) -> tuple[arb, arb]:
    """(enclosure of f over box, enclosure of f at the center); raises CannotBound.

    The enclosure is the narrower of f(X) and f(c) + sum_k G_k [-h_k, h_k] with G = grad f(X);
    both are valid because f is smooth on the box (checked by the gradient evaluation).
    """
    value, grad = eval_gradient(prog, box_balls(box))
    at_center = eval_ball(prog, point_balls(center(box)))
    form = at_center
    for g, (lo, hi) in zip(grad, box):
        h = (hi - lo) / 2
        form += g * interval_ball(-h, h)
    if not form.is_finite():
        return value, at_center
    return (form if form.rad() < value.rad() else value), at_center


def second_order_lower(prog: Program, box: tuple) -> Fraction:
    """An exact L with f(x) >= L for every x in box; raises CannotBound (also where f may not be
    C^2 on the box: a kink of abs/relu/min/max, sqrt at 0, ...).

    Taylor at the exact center c, t = x - c, |t_i| <= h_i: f(x) = f(c) + g·t + ½ tᵀH(ξ)t with
    g = ∇f(c) and ξ in the box, H(ξ) in the Hessian enclosure H(X). Hence
        f(x) >= f(c) + Σ_i min_{|t_i| <= h_i} (g_i t_i + ½ lo(H_ii) t_i²) - Σ_{i<j} |H_ij| h_i h_j,
    each 1-D minimum taken exactly (in Fractions) for both ends of the ball g_i.
    """
    record = {}
    hess = eval_hessian(prog, box_balls(box), record)
    value, grad = eval_gradient(prog, point_balls(center(box)), branches=record)   # same smooth f
    half = [(hi - lo) / 2 for lo, hi in box]
    low = lower_q(value)
    for i, (g, h) in enumerate(zip(grad, half)):
        a = lower_q(hess[i][i])
        low += min(_parabola_min(q, a, h) for q in (lower_q(g), upper_q(g)))
        for j in range(i + 1, len(box)):
            low -= exact(hess[i][j].abs_upper()) * h * half[j]
    return low


def _parabola_min(g: Fraction, a: Fraction, h: Fraction) -> Fraction:
    """min over t in [-h, h] of g t + a t²/2 (exact)."""
    if a > 0 and abs(g) <= a * h:
        return -g * g / (2 * a)              # the vertex -g/a lies in [-h, h]
    return -abs(g) * h + a * h * h / 2       # else the end on the side of -g (a <= 0: either end)


def prove_at_least(prog: Program, box: tuple, bound: Fraction, budget: Budget) -> None:
    """Return only if f >= bound on all of box (proven); otherwise raise Rejected saying why.

    Tries interval evaluation, then the mean-value form, then the second-order form, then bisects
    (spending ``budget``).
    A point where f < bound is reported as a counterexample.
    """
    stack = [(box, 0)]
    while stack:
        b, depth = stack.pop()
        reason, at_center = _try_lower(prog, b, bound)
        if reason is None:
            continue
        if at_center is not None and upper_q(at_center) < bound:
            raise Rejected(f"counterexample: f < {decimal_near(bound)} at the center of sub-box "
                           f"{render_box(b)} (f there <= {decimal_up(upper_q(at_center))})")
        if depth >= MAX_DEPTH or not budget.spend(2):
            why = "depth limit" if depth >= MAX_DEPTH else "budget exhausted"
            raise Rejected(f"could not prove f >= {decimal_near(bound)} on sub-box {render_box(b)}: "
                           f"{reason} ({why})")
        stack.extend((half, depth + 1) for half in bisect(b))


def _try_lower(prog: Program, box: tuple, bound: Fraction):
    """(None, _) if f >= bound is proven on box, else (reason, enclosure of f(center) or None)."""
    try:
        lo, _ = interval_range(prog, box)
        if lo >= bound:
            return None, None
        reason = f"interval lower bound {decimal_down(lo)}"
    except CannotBound as exc:
        reason = str(exc)
    try:
        enc, at_center = mean_value_enclosure(prog, box)
    except CannotBound as exc:
        try:
            return f"{reason}; {exc}", eval_ball(prog, point_balls(center(box)))
        except CannotBound:
            return f"{reason}; {exc}", None
    if lower_q(enc) >= bound:
        return None, None
    reason = f"{reason}; mean-value lower bound {decimal_down(lower_q(enc))}"
    try:
        low = second_order_lower(prog, box)
    except CannotBound as exc:
        return f"{reason}; second-order form: {exc}", at_center
    if low >= bound:
        return None, None
    return f"{reason}; second-order lower bound {decimal_down(low)}", at_center
