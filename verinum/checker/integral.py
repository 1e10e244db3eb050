"""Checking an integral certificate: the exact tiling, then the checker's own piece enclosures."""

from __future__ import annotations

import heapq
import itertools
import math
from fractions import Fraction

from flint import arb

from verinum.certificate_format import decode_exact
from verinum.checker.bounds import box_balls, interval_enclosure, point_balls
from verinum.checker.common import MAX_DEPTH, Budget, Rejected, bisect, center, priority, volume
from verinum.checker.evaluate import (
    CannotBound, Program, eval_ball, eval_gradient, eval_series, interval_ball, lower_q, to_arb, upper_q,
)
from verinum.checker.render import decimal_down, decimal_up, render_box

DEFAULT_DEGREE = 8
MAX_DEGREE = 40


def check_integral(cert: dict, prog: Program, budget: Budget, progress=None) -> tuple[Fraction, Fraction]:
    """Return (lo, hi) with ∫ f over the domain in [lo, hi] ⊆ claim, or raise Rejected."""
    domain = tuple((decode_exact(lo), decode_exact(hi)) for lo, hi in cert["problem"]["domain"])
    pieces = cert["evidence"]["pieces"]
    boxes = [tuple((decode_exact(lo), decode_exact(hi)) for lo, hi in p["box"]) for p in pieces]
    check_tiling(domain, boxes)
    claim_lo, claim_hi = (decode_exact(cert["claim"][k]) for k in ("lower", "upper"))

    # Work items: (-width, seq, piece index, box, lo, hi, degree); totals are kept exactly.
    heap, total_lo, total_hi, seq = [], Fraction(0), Fraction(0), itertools.count()
    for i, (box, piece) in enumerate(zip(boxes, pieces)):
        degree = min(piece.get("degree", DEFAULT_DEGREE), MAX_DEGREE)
        for sub, lo, hi in _enclose_with_splitting(prog, box, degree, budget, i):
            heapq.heappush(heap, (-priority(hi - lo), next(seq), i, sub, lo, hi, degree))
            total_lo += lo
            total_hi += hi
        if progress is not None:
            progress(i + 1, len(boxes))

    frozen = []       # items that could not be refined further
    refinements = 0
    while not (claim_lo <= total_lo and total_hi <= claim_hi):
        if total_hi < claim_lo or total_lo > claim_hi:
            raise Rejected(
                f"claim is false: the integral lies in [{decimal_down(total_lo)}, {decimal_up(total_hi)}], "
                f"which is disjoint from the claim [{decimal_down(claim_lo)}, {decimal_up(claim_hi)}]")
        if not heap or not budget.spend(2):
            widest = min(heap + frozen) if heap or frozen else None
            where = ""
            if widest is not None:
                where = (f"; widest contribution: piece {widest[2]} (evidence.pieces[{widest[2]}], "
                         f"sub-box {render_box(widest[3])}, width {decimal_up(widest[5] - widest[4])})")
            raise Rejected(
                f"the checker's piece enclosures sum to [{decimal_down(total_lo)}, {decimal_up(total_hi)}], "
                f"not inside the claim [{decimal_down(claim_lo)}, {decimal_up(claim_hi)}] "
                f"after {refinements} refinements{where}")
        item = heapq.heappop(heap)
        _, _, i, box, lo, hi, degree = item
        try:
            halves = [(half, *piece_enclosure(prog, half, degree)) for half in bisect(box)]
        except CannotBound:
            frozen.append(item)
            continue
        refinements += 1
        total_lo -= lo
        total_hi -= hi
        for half, hlo, hhi in halves:
            heapq.heappush(heap, (-priority(hhi - hlo), next(seq), i, half, hlo, hhi, degree))
            total_lo += hlo
            total_hi += hhi
        if progress is not None and refinements % 64 == 0:
            progress(budget.used, budget.limit)
    return total_lo, total_hi


# ----------------------------------------------------------------------------- tiling

def check_tiling(domain: tuple, boxes: list) -> None:
    """Return only if the boxes lie in the domain, have positive volume, pairwise disjoint
    interiors, and volumes summing exactly to the domain's (so they tile it up to a null set)."""
    for i, box in enumerate(boxes):
        for k, ((lo, hi), (dlo, dhi)) in enumerate(zip(box, domain)):
            where = f"evidence.pieces[{i}].box[{k}]"
            if not lo < hi:
                raise Rejected(f"{where}: piece {i} has no positive width (lo >= hi)")
            if lo < dlo or hi > dhi:
                raise Rejected(f"{where}: piece {i} sticks out of the domain {render_box(domain)}")
    _check_disjoint(boxes)
    total, expected = sum((volume(b) for b in boxes), Fraction(0)), volume(domain)
    if total != expected:
        raise Rejected(f"evidence.pieces: the pieces' volumes sum to {decimal_down(total)}..{decimal_up(total)}, "
                       f"not to the domain's volume {decimal_down(expected)}..{decimal_up(expected)} "
                       f"(a gap: some part of the domain is not covered)")


def _check_disjoint(boxes: list) -> None:
    """Sweep along dimension 0: only boxes whose x0-ranges overlap are compared."""
    scale = math.lcm(*(q.denominator for b in boxes for iv in b for q in iv))
    if scale.bit_length() <= 4096:         # compare integers instead of Fractions
        keys = [tuple((lo.numerator * (scale // lo.denominator), hi.numerator * (scale // hi.denominator))
                      for lo, hi in b) for b in boxes]
    else:
        keys = boxes
    order = sorted(range(len(keys)), key=lambda j: keys[j][0][0])
    active = []                            # heap of (hi0, index)
    for j in order:
        box = keys[j]
        lo0 = box[0][0]
        while active and active[0][0] <= lo0:
            heapq.heappop(active)
        for _, other in active:
            ob = keys[other]
            if all(lo < ohi and olo < hi for (lo, hi), (olo, ohi) in zip(box[1:], ob[1:])):
                a, b = sorted((j, other))
                raise Rejected(f"evidence.pieces[{b}]: piece {b} overlaps piece {a} "
                               f"({render_box(boxes[b])} and {render_box(boxes[a])})")
        heapq.heappush(active, (box[0][1], j))


# ----------------------------------------------------------------------------- piece enclosures

def _enclose_with_splitting(prog: Program, box: tuple, degree: int, budget: Budget, index: int):
    """[(sub-box, lo, hi)] covering box with ∫ f over each sub-box in [lo, hi]; raises Rejected."""
    done, stack = [], [(box, 0)]
    while stack:
        b, depth = stack.pop()
        try:
            done.append((b, *piece_enclosure(prog, b, degree)))
            continue
        except CannotBound as exc:
            reason = str(exc)
        if depth >= MAX_DEPTH or not budget.spend(2):
            why = "depth limit" if depth >= MAX_DEPTH else "budget exhausted"
            raise Rejected(f"piece {index} (evidence.pieces[{index}], box {render_box(box)}): "
                           f"cannot bound f on sub-box {render_box(b)}: {reason} ({why})")
        stack.extend((half, depth + 1) for half in bisect(b))
    return done


def piece_enclosure(prog: Program, box: tuple, degree: int) -> tuple[Fraction, Fraction]:
    """Exact (lo, hi) with ∫_box f in [lo, hi]; raises CannotBound if f cannot be bounded on box.

    1-D: Taylor form of the given degree; n-D: mean-value form; either falls back to f(X)*vol.
    """
    try:
        enc = taylor_integral(prog, box[0], degree) if len(box) == 1 else mean_value_integral(prog, box)
    except CannotBound:
        enc = interval_enclosure(prog, box) * to_arb(volume(box))
    if not enc.is_finite():
        raise CannotBound("non-finite integral enclosure")
    return lower_q(enc), upper_q(enc)


def taylor_integral(prog: Program, interval: tuple, d: int) -> arb:
    """∫_lo^hi f enclosed by the degree-d Taylor form at the midpoint c with Lagrange remainder.

    f(x) = sum_{i<d} a_i (x-c)^i + g(x) (x-c)^d with a_i = f^(i)(c)/i! (series at c) and
    g(x) in B = f^(d)(X)/d! (series over the whole piece X). Odd i < d integrate to 0; the
    remainder is integrated on [lo, c] and [c, hi] separately, where (x-c)^d has one sign.
    """
    lo, hi = interval
    c, h = (lo + hi) / 2, (hi - lo) / 2
    branches = {}
    remainder = eval_series(prog, interval_ball(lo, hi), d + 1, record=branches)[d]
    total = arb(0)
    if d > 0:
        coeffs = eval_series(prog, to_arb(c), d, branches=branches)
        for i in range(0, d, 2):
            total += coeffs[i] * to_arb(2 * h ** (i + 1) / (i + 1))
    right = to_arb(h ** (d + 1) / (d + 1))               # ∫_c^hi (x-c)^d dx
    if d % 2 == 0:
        total += remainder * (2 * right)                  # same integral on [lo, c]
    else:
        total += remainder * right + remainder * (-right)  # ∫_lo^c (x-c)^d dx = -right
    return total


def mean_value_integral(prog: Program, box: tuple) -> arb:
    """∫_box f enclosed by the mean-value form at the center c.

    f(x) = f(c) + sum_k g_k(x) (x_k - c_k) with g_k(x) in G_k = ∂_k f(X); each term is integrated
    over the halves x_k <= c_k and x_k >= c_k, where its weight has one sign (V h_k / 4 each).
    The narrower of this and f(X) * V is returned.
    """
    value, grad = eval_gradient(prog, box_balls(box))
    vol = volume(box)
    total = eval_ball(prog, point_balls(center(box))) * to_arb(vol)
    for g, (lo, hi) in zip(grad, box):
        half = to_arb(vol * (hi - lo) / 8)
        total += g * half + g * (-half)
    plain = value * to_arb(vol)
    return total if total.rad() < plain.rad() else plain
