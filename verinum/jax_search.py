"""The JAX-driven part of `minimize` (backend "jax", or "auto" after 3 s; docs/minimize.md).

    grown = grow(bound, evaluate, lo, hi, widths, cut_of, max_boxes, deadline)

A breadth-first branch and bound on float arrays: every round bounds all new boxes in one
batched call (`bound(lo, hi)` -> lower bounds, normally `jax_backend.bound_boxes`), drops the
boxes whose lower bound reaches the cut, and bisects all others (up to `_BATCH` per round, the
lowest bounds first). Nothing here is trusted: the caller rebuilds the split tree with exact
boxes from `grown.splits` and re-proves every leaf with arb. Float values of f at box centres
(`evaluate`) only steer the cut; the caller proves the best point with arb.
"""
import time

import numpy as np

_BATCH = 1 << 14          # boxes split per round
_CHUNK = 1 << 10          # boxes per call of the bounder (always this shape: one compilation)
_MAX_UNBOUNDED = 8        # splits of a box JAX cannot bound before all is left to arb
_MAX_POLISH = 32          # float local searches per search


class Grown:
    """The result of `grow`. splits: [(box id, dimension, split point float)] in creation
    order; the children of the j-th split get ids start + 2j and start + 2j + 1, where start is
    the number of starting boxes. boxes: boxes split. best: (value, point) of the lowest float
    value of f seen at a box centre, or (inf, None). calls: calls of the bounder."""

    def __init__(self):
        self.splits, self.boxes, self.calls = [], 0, 0
        self.best = (np.inf, None)


class _Frontier:
    """The open boxes: ids, lo, hi (m, n), float lower bounds (m,) and unbounded (m,): how
    many of its ancestors in a row JAX could not bound."""
    __slots__ = ("ids", "lo", "hi", "lower", "unbounded")

    def __init__(self, ids, lo, hi, lower, unbounded):
        self.ids, self.lo, self.hi, self.lower, self.unbounded = ids, lo, hi, lower, unbounded

    def select(self, which):
        """The boxes at `which` (a mask or indices)."""
        return _Frontier(self.ids[which], self.lo[which], self.hi[which], self.lower[which],
                         self.unbounded[which])


def split_points(lo, hi):
    """A short dyadic in the middle half of each [lo, hi] (floats), else the float midpoint;
    NaN where no float lies strictly inside."""
    width = hi - lo
    mid = lo + width / 2
    _, e = np.frexp(width)                       # 2^(e-1) <= width < 2^e
    step = np.ldexp(1.0, e - 3)                  # <= width / 4
    with np.errstate(all="ignore"):
        p = np.floor(mid / step) * step
    p = np.where((lo < p) & (p < hi) & np.isfinite(p), p, mid)
    return np.where((lo < p) & (p < hi), p, np.nan)


def grow(bound, evaluate, lo, hi, widths, cut_of, max_boxes, deadline, report=None,
         polish=None):
    """Grow split trees under the boxes [lo, hi] (arrays (m, n)); see the module docstring.
    widths: the full domain's widths (relative branching); cut_of(best value) -> the lower
    bound at which a box is closed; deadline: time.monotonic() value or None; report(boxes
    split, boxes open) is called every round; polish(point) -> (value, point), a float local
    search, is run from the best centre whenever it improved (at most _MAX_POLISH times): a
    good value early closes far more boxes."""
    out = Grown()
    start = len(lo)
    front = _Frontier(np.arange(start), lo, hi, _lower_bounds(bound, lo, hi, out),
                      np.zeros(start, dtype=int))
    _offer(out, evaluate, lo, hi)
    polished, polishes = None, 0
    while front is not None:
        if polish is not None and out.best[1] is not None and out.best[1] != polished \
                and polishes < _MAX_POLISH and not _past(deadline):
            value, point = polish(out.best[1])
            polishes += 1
            if value < out.best[0] and all(np.isfinite(point)):
                out.best = (float(value), [float(v) for v in point])
            polished = out.best[1]
        front = front.select(~(front.lower >= cut_of(out.best[0])))
        if not front.ids.size or front.unbounded.max() >= _MAX_UNBOUNDED:
            break  # done, or f may be undefined somewhere: arb finds where (or proves it is not)
        if report is not None:
            report(out.boxes, front.ids.size)
        room = max_boxes - out.boxes
        if room <= 0 or _past(deadline):
            break
        front = _split_lowest(bound, evaluate, front, widths, min(room, _BATCH),
                              start + 2 * len(out.splits), out)
    return out


def _past(deadline):
    return deadline is not None and time.monotonic() > deadline


def _split_lowest(bound, evaluate, front, widths, count, first_id, out):
    """Bisect the `count` open boxes with the lowest bounds (children numbered from first_id,
    recorded in `out`); the new frontier, or None where none of them can be split (a box with
    no float strictly inside is left to arb)."""
    take = np.argsort(front.lower, kind="stable")[:count]
    rest = np.setdiff1d(np.arange(front.ids.size), take, assume_unique=True)
    k, p, c_lo, c_hi, c_lower = _best_splits(bound, front.lo[take], front.hi[take], widths, out)
    ok = np.isfinite(p)
    if not ok.any():
        return None
    take, k, p = take[ok], k[ok], p[ok]
    n = front.lo.shape[1]
    c_lo, c_hi, c_lower = c_lo[:, ok].reshape(-1, n), c_hi[:, ok].reshape(-1, n), \
        c_lower[:, ok].reshape(-1)
    out.splits.extend(zip(front.ids[take].tolist(), k.tolist(), p.tolist()))
    out.boxes += take.size
    new_ids = first_id + 2 * np.arange(take.size)
    parent_unbounded = np.where(np.isfinite(front.lower[take]), 0, front.unbounded[take] + 1)
    _offer(out, evaluate, c_lo, c_hi)
    rest = front.select(rest)
    return _Frontier(np.concatenate([rest.ids, new_ids, new_ids + 1]),
                     np.concatenate([rest.lo, c_lo]), np.concatenate([rest.hi, c_hi]),
                     np.concatenate([rest.lower, c_lower]),
                     np.concatenate([rest.unbounded, parent_unbounded, parent_unbounded]))


def _best_splits(bound, lo, hi, widths, out):
    """For each box, the split (dimension k, point p) whose worse half has the highest lower
    bound (look-ahead: every dimension is tried), among the dimensions at least a quarter as wide
    (relative to the domain) as the widest. Returns k, p (NaN: no split), and the children's
    lo, hi (2, m, n) and lower bounds (2, m)."""
    m, n = lo.shape
    rel = (hi - lo) / widths
    tried = rel >= rel.max(axis=1, keepdims=True) / 4
    p = split_points(lo, hi)                                   # (m, n)
    tried &= np.isfinite(p)
    ends = np.where(np.isfinite(p), p, lo)
    eye = np.eye(n, dtype=bool)[:, None, :]                   # (n, 1, n): dimension d split
    left_hi = np.where(eye, ends.T[:, :, None], hi[None])     # (n, m, n)
    right_lo = np.where(eye, ends.T[:, :, None], lo[None])
    cand = tried.T.reshape(-1)                                 # (n·m,) candidate (d, box)
    both_lo = np.concatenate([np.broadcast_to(lo, (n, m, n)).reshape(-1, n)[cand],
                              right_lo.reshape(-1, n)[cand]])
    both_hi = np.concatenate([left_hi.reshape(-1, n)[cand],
                              np.broadcast_to(hi, (n, m, n)).reshape(-1, n)[cand]])
    low = _lower_bounds(bound, both_lo, both_hi, out)
    c = int(cand.sum())
    score = np.full(n * m, -np.inf)
    score[cand] = np.minimum(low[:c], low[c:])
    tie = np.full(n * m, -np.inf)
    tie[cand] = np.maximum(low[:c], low[c:])
    order = np.lexsort((rel.T, tie.reshape(n, m), score.reshape(n, m), tried.T), axis=0)
    k = order[-1]
    rows = np.arange(m)
    k_p = np.where(tried[rows, k], p[rows, k], np.nan)
    where = np.full(n * m, -1)
    where[cand] = np.arange(c)
    j = where[k * m + rows]
    c_lo = np.stack([lo, right_lo[k, rows]])
    c_hi = np.stack([left_hi[k, rows], hi])
    c_lower = np.stack([low[j], low[c + j]])
    return k, k_p, c_lo, c_hi, c_lower


def _lower_bounds(bound, lo, hi, out):
    """bound() over the boxes in fixed chunks (`in_chunks`); NaN counts as -inf."""
    parts = in_chunks(bound, lo, hi)
    out.calls += len(parts)
    lower = np.concatenate([np.asarray(r, dtype=float)[:m] for r, m in parts])
    return np.where(np.isnan(lower), -np.inf, lower)


def in_chunks(fn, lo, hi):
    """[(fn(c_lo, c_hi), m)] over chunks of exactly _CHUNK boxes (the last padded with copies of
    its last box; m: its real boxes): the batched JAX calls see one shape, so one compilation."""
    parts = []
    for start in range(0, len(lo), _CHUNK):
        stop = min(start + _CHUNK, len(lo))
        pad = _CHUNK - (stop - start)
        c_lo = np.concatenate([lo[start:stop], np.repeat(lo[stop - 1:stop], pad, 0)])
        c_hi = np.concatenate([hi[start:stop], np.repeat(hi[stop - 1:stop], pad, 0)])
        parts.append((fn(c_lo, c_hi), stop - start))
    return parts


def _offer(out, evaluate, lo, hi):
    """Float values of f at the box centres; keep the lowest."""
    centres = lo + (hi - lo) / 2
    values = evaluate(centres.T)
    j = int(np.argmin(values))
    if values[j] < out.best[0]:
        out.best = (float(values[j]), [float(v) for v in centres[j]])
