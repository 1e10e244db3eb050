"""Enclosures of f over a box (interval evaluation, mean-value form) and proofs of f >= bound."""

from __future__ import annotations

from fractions import Fraction

from flint import arb

from verinum.checker.common import MAX_DEPTH, Budget, Rejected, bisect, center
from verinum.checker.evaluate import (
    CannotBound, Program, eval_ball, eval_gradient, interval_ball, lower_q, to_arb, upper_q,
)


def box_balls(box: tuple) -> list[arb]:
    """Balls containing the box, one per dimension."""
    return [interval_ball(lo, hi) for lo, hi in box]


def point_balls(point: list[Fraction]) -> list[arb]:
    """Balls containing the exact point."""
    return [to_arb(q) for q in point]


def interval_enclosure(prog: Program, box: tuple) -> arb:
    """A ball containing f(x) for every x in box; raises CannotBound."""
    return eval_ball(prog, box_balls(box))


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


def prove_at_least(prog: Program, box: tuple, bound: Fraction, budget: Budget) -> None:
    """Return only if f >= bound on all of box (proven); otherwise raise Rejected saying why.

    Tries interval evaluation, then the mean-value form, then bisects (spending ``budget``).
    A point where f < bound is reported as a counterexample.
    """
    stack = [(box, 0)]
    while stack:
        b, depth = stack.pop()
        reason, at_center = _try_lower(prog, b, bound)
        if reason is None:
            continue
        if at_center is not None and upper_q(at_center) < bound:
            raise Rejected(f"counterexample: f < {_show(bound)} at the center of sub-box {_show_box(b)} "
                           f"(f there <= {_show(upper_q(at_center))})")
        if depth >= MAX_DEPTH or not budget.spend(2):
            why = "depth limit" if depth >= MAX_DEPTH else "budget exhausted"
            raise Rejected(f"could not prove f >= {_show(bound)} on sub-box {_show_box(b)}: {reason} ({why})")
        stack.extend((half, depth + 1) for half in bisect(b))


def _try_lower(prog: Program, box: tuple, bound: Fraction):
    """(None, _) if f >= bound is proven on box, else (reason, enclosure of f(center) or None)."""
    try:
        enc = interval_enclosure(prog, box)
        if lower_q(enc) >= bound:
            return None, None
        reason = f"interval lower bound {_show(lower_q(enc))}"
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
    return f"{reason}; mean-value lower bound {_show(lower_q(enc))}", at_center


def _show(q: Fraction) -> str:
    from verinum.checker.render import decimal_near
    return decimal_near(q)


def _show_box(box: tuple) -> str:
    from verinum.checker.render import render_box
    return render_box(box)
