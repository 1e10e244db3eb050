"""The JAX-driven part of n-D `integrate` (backend "jax", or "auto" after a while; see
docs/integrate.md): JAX chooses how to cut the pieces where f has no Taylor series.

    widths = estimate_widths(estimate, boxes)
    leaves = partition(estimate, boxes, widths, target, max_splits, deadline)

Where a box holds a kink (abs, relu, min, max) or a boundary of f's domain, the arb refiner
falls back to low-degree enclosures whose width shrinks slowly, and it proves every piece it
then cuts again: most of its work goes into pieces that are thrown away. Here the whole
subdivision of such boxes is chosen at once instead: in rounds, one batched call estimates
∫ f over every open box (`estimate`, normally `jax_backend.mean_estimates`, times the volume:
about 0 where f is affine, so a piecewise linear f is cut only along its kinks), and the widest
open boxes, holding together the excess of the sum over `target`, are bisected exactly as the
arb refiner would (`integrate_pieces.bisect`). This is the greedy refinement done in batches.

Nothing here is trusted: the boxes are exact, the estimates only steer, and the caller proves
∫ f over every leaf with arb.
"""
import time

import numpy as np

from . import rounding
from .integrate_pieces import bisect
from .jax_search import in_chunks

_BATCH = 1 << 14          # most boxes split per round
_MAX_UNBOUNDED = 8        # splits of a box JAX cannot bound before it is left to arb


def estimate_widths(estimate, boxes):
    """Float estimates of the width of the enclosure of ∫ f over each exact box (inf where
    f cannot be bounded there)."""
    return _widths(estimate, *_float_boxes(boxes))[0]


def partition(estimate, boxes, widths, scale, target, max_splits, deadline):
    """For each exact box (a list of (lo, hi) Fractions), the leaves of its subdivision: the
    widest boxes are split until the estimated widths (`widths`: those of `boxes`; every box
    made from boxes[i] has its estimate times scale[i]) sum to at most `target`, `max_splits`
    boxes were split, or time.monotonic() passes `deadline` (None: no deadline). Returns
    (leaves per box, boxes split, calls of the estimator)."""
    exact = list(boxes)                  # every box made, exact
    origin = list(range(len(boxes)))     # the starting box each one came from
    lo, hi = _float_boxes(boxes)
    front = np.arange(len(boxes))        # indices of the open boxes in `exact`
    scale = np.asarray(scale, dtype=float)
    widths = np.asarray(widths, dtype=float) * scale
    unbounded = np.zeros(len(boxes), dtype=int)
    splits = calls = 0
    while front.size and splits < max_splits and \
            (deadline is None or time.monotonic() < deadline):
        take = _widest(widths, unbounded, target, min(max_splits - splits, _BATCH))
        if not take.size:
            break
        c_lo, c_hi, c_exact, c_origin = [], [], [], []
        for j, box_lo, box_hi in zip(take.tolist(), lo[take], hi[take]):
            halves = bisect(exact[front[j]])
            for half in halves:
                c_exact.append(half)
                c_origin.append(origin[front[j]])
            dim = next(d for d in range(len(halves[0])) if halves[0][d] != halves[1][d])
            p = halves[0][dim][1]
            left_hi, right_lo = box_hi.copy(), box_lo.copy()
            left_hi[dim], right_lo[dim] = rounding.up(p), rounding.down(p)
            c_lo += [box_lo, right_lo]
            c_hi += [left_hi, box_hi]
        c_lo, c_hi = np.array(c_lo), np.array(c_hi)
        c_widths, c_calls = _widths(estimate, c_lo, c_hi)
        c_widths *= scale[c_origin]
        calls += c_calls
        c_unbounded = np.repeat(np.where(np.isfinite(widths[take]), 0, unbounded[take] + 1), 2)
        first = len(exact)
        exact += c_exact
        origin += c_origin
        keep = np.setdiff1d(np.arange(front.size), take, assume_unique=True)
        front = np.concatenate([front[keep], first + np.arange(len(c_exact))])
        widths = np.concatenate([widths[keep], c_widths])
        unbounded = np.concatenate([unbounded[keep], c_unbounded])
        lo, hi = np.concatenate([lo[keep], c_lo]), np.concatenate([hi[keep], c_hi])
        splits += take.size
    leaves = [[] for _ in boxes]
    for j in front.tolist():
        leaves[origin[j]].append(exact[j])
    return leaves, splits, calls


def _widest(widths, unbounded, target, count):
    """Indices of the boxes to split this round: those JAX could not bound (up to
    _MAX_UNBOUNDED times in a row), then the widest finite ones whose widths together reach the
    excess of the finite sum over `target`; at most `count`."""
    finite = np.isfinite(widths)
    retry = np.flatnonzero(~finite & (unbounded < _MAX_UNBOUNDED))
    total = float(np.sum(widths[finite]))
    chosen = retry
    if total > target:
        order = np.flatnonzero(finite)[np.argsort(-widths[finite], kind="stable")]
        reach = np.cumsum(widths[order])
        chosen = np.concatenate([retry, order[:int(np.searchsorted(reach, total - target)) + 1]])
    return chosen[:count]


def _float_boxes(boxes):
    """(lo, hi) float arrays holding the exact boxes (rounded outward)."""
    return (np.array([[rounding.down(a) for a, _ in box] for box in boxes]),
            np.array([[rounding.up(b) for _, b in box] for box in boxes]))


def _widths(estimate, lo, hi):
    """(estimated widths of ∫ f over the float boxes: (upper − lower mean) × volume, calls of the
    estimator), in calls of one shape (`jax_search.in_chunks`)."""
    parts = in_chunks(estimate, lo, hi)
    mean = np.concatenate([(np.asarray(r[1]) - np.asarray(r[0]))[:m] for r, m in parts])
    with np.errstate(all="ignore"):
        width = np.maximum(mean, 0.0) * np.prod(hi - lo, axis=1)
    return np.where(np.isnan(width), np.inf, width), len(parts)
