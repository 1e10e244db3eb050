"""`minimize`: verified global minimisation over a box, by branch and bound, with a certificate.

    result = minimize("x0**2 + x1**2 - x0*x1", [(-2, 2), (-1, 3)], tol=1e-6)
    result.lower <= min f <= result.upper        # proven
    f(result.argmin) <= result.upper              # proven at that exact float point

Method (see docs/minimize.md): a sum of terms over disjoint sets of variables is first split
into blocks, each minimised on its own (`separable`). Each block: best-first branch and bound over
batches of boxes. Lower bounds of a box come from `minimize_bounds.bound_box` (interval
evaluation, mean-value form with the monotonicity test, degree-2 interval Taylor model, and
second-order forms from an enclosure of the Hessian: separable, whole-matrix when its midpoint is
proven positive definite, and the tangent plane where f is proven convex), all with arb. Upper
bounds are values of f at float points, proven with arb: box centres, faces picked by the
monotonicity test, and the results of a float local search (`local_search`), snapped to short
numbers. Boxes whose lower bound is within the tolerance of the best upper bound are closed; the
others are split (smear rule: largest |∂f/∂x_i|·width, else widest relative width) at a short
dyadic near the middle. With backend "jax" (or "auto" once arb has run 3 s) a batched float
search (`jax_search`) grows the tree under the queued boxes; every leaf it leaves is then
bounded with arb as above.
The split tree with one proven lower bound per leaf is the certificate (kind "global-min").
"""
import heapq
import math
import time
from fractions import Fraction

from . import rounding, tracing
from . import separable as _separable
from .errors import DomainError, InputError
from .ir import to_infix
from .local_search import best_snapped, compile_batch, compile_float, local_minimize
from .minimize_bounds import bound_box, interval_bound
from .taylor import parse_region

_PRUNE_FRACTION = Fraction(9, 10)   # close a box when lower >= upper - 0.9·tol
_SLACK_FRACTION = Fraction(1, 20)   # publish lower - 0.05·tol (room for the checker's bounds)
_BATCH = 16                         # boxes split per round
_REFINE_BUDGET = 20_000             # boxes spent making the certificate easy to check
_MAX_UNBOUNDED_DEPTH = 48           # splits of a box where f cannot be bounded before giving up
_JAX_DEGREE = 2                     # JAX bounds: interval, slope, mean-value, second-order forms
_AUTO_JAX_AFTER = 3.0               # backend "auto": JAX takes over after this many seconds
_AUTO_JAX_QUEUE = 64                # ... of arb search if at least this many boxes are open


class MinimizeResult:
    """Proven bounds on min f over the box.

    lower, upper: floats with lower ≤ min f ≤ upper. argmin: the witness point (floats, exactly
    the certificate's witness) with f(argmin) ≤ upper proven. status: "ok" (gap within the
    tolerance), "max_boxes", "time_limit" or "resolution" (boxes too small to split); the bounds
    hold whatever the status. stats: counters and time. leaves: [(box as float pairs, lower
    bound float)] of the proof. certificate: the global-min certificate (None if lower = -inf).
    """

    def __init__(self, *, lower, upper, argmin, status, stats, leaves, expression, tolerance,
                 certificate_builder, float_f=None):
        self.lower, self.upper, self.argmin = lower, upper, argmin
        self.status, self.stats, self.leaves = status, stats, leaves
        self.expression, self.tolerance = expression, tolerance
        self._builder, self._certificate = certificate_builder, None
        self._float_f = float_f  # for plots only

    @property
    def gap(self):
        return self.upper - self.lower

    @property
    def certificate(self):
        if self._certificate is None and self._builder is not None:
            self._certificate = self._builder()
        return self._certificate

    def __repr__(self):
        where = self.argmin if self.argmin is not None else "none found"
        return (f"minimize {self.expression}: min f in [{self.lower!r}, {self.upper!r}] "
                f"(gap {self.gap:.3g}, status {self.status}); f <= upper at {where}; "
                f"{self.stats['boxes']} boxes, {self.stats['leaves']} leaves, "
                f"{self.stats['time']:.2f} s")


class _Node:
    """A box of the split tree. lower: exact arb point (or None: not bounded yet/cannot, see
    `bounded` and `error`)."""
    __slots__ = ("box", "depth", "lower", "error", "bounded", "gradient", "split", "children",
                 "unbounded", "taylor_wait", "method")

    def __init__(self, box, depth, unbounded=0, taylor_wait=0, method=""):
        self.box, self.depth, self.unbounded = box, depth, unbounded
        self.lower = self.error = self.gradient = self.split = self.children = None
        self.bounded = False            # an arb bound was tried (lower, error set)
        self.taylor_wait = taylor_wait  # splits to go before the Taylor bound is tried again
        self.method = method            # the method of the best bound (of the parent, at first)


def _check_options(tol, rel_tol, max_boxes, time_limit, backend):
    def number(value, name):
        if isinstance(value, bool) or not isinstance(value, (int, float, Fraction)) \
                or not math.isfinite(value) or value < 0:
            raise InputError(f"{name} must be a finite number >= 0, got {value!r}")
        return Fraction(value)
    tol = number(tol, "tol")
    rel = number(rel_tol, "rel_tol") if rel_tol is not None else Fraction(0)
    if tol == 0 and rel == 0:
        raise InputError("tol and rel_tol are both 0: give a positive tolerance")
    if isinstance(max_boxes, bool) or not isinstance(max_boxes, int) or max_boxes < 1:
        raise InputError(f"max_boxes must be an integer >= 1, got {max_boxes!r}")
    if time_limit is not None:
        number(time_limit, "time_limit")
        if time_limit <= 0:
            raise InputError(f"time_limit must be > 0, got {time_limit!r}")
    if backend not in ("auto", "arb", "jax"):
        raise InputError(f"backend must be 'auto', 'arb' or 'jax', got {backend!r}")
    return tol, rel


def _jax_available():
    """True where JAX is installed and passed its self-test."""
    try:
        from . import jax_backend
    except ImportError:
        return False
    return jax_backend.available()


def _jax_bounder(root):
    """Batched JAX lower bounds lo, hi -> lower (a search heuristic only), or None where JAX is
    not available."""
    if not _jax_available():
        return None
    from . import jax_backend

    def bound(lo, hi):
        return jax_backend.bound_boxes(root, lo, hi, _JAX_DEGREE)[0]
    return bound


def minimize(f, box, *, tol=1e-6, rel_tol=None, max_boxes=200_000, time_limit=None,
             variables=None, backend="auto", progress=None, separable=True):
    """Proven enclosure [lower, upper] of min f over the box, with a witness and a certificate.

    f: expression string (n-D: x0, x1 or x[0]; 1-D: x) or callable (n-D callables take a vector
    x). box: (lo, hi) for a 1-D problem or a list of (lo, hi) pairs; numbers are exact ("0.1" is
    1/10, a float is its binary value). Stops when upper − lower ≤ max(tol, rel_tol·|upper|)
    (status "ok"), or when max_boxes boxes were processed / time_limit seconds passed (status
    says which; the bounds are still proven). backend: "arb", "jax" (a JAX batch search grows the
    tree, then every leaf is re-proven with arb: `switch_to_jax`) or "auto" (arb, handing the
    search to JAX when it is still open after 3 s with at least 64 boxes queued: compiling
    takes 1–5 s, so JAX pays only on long runs; docs/minimize.md).
    separable: a sum of terms over disjoint sets of variables is minimised block by block
    (module verinum.separable; stats["blocks"] says how many); False treats f as one block.
    Raises InputError for a bad box or option, DomainError where f is undefined on the box.
    """
    region, vector = parse_region(box, "box")
    for i, (lo, hi) in enumerate(region):
        if not lo < hi:
            raise InputError(f"box: dimension {i} is empty ([{lo}, {hi}] has no interior)")
        if rounding.up(lo) > rounding.down(hi):
            raise InputError(f"box: dimension {i} ([{lo}, {hi}]) contains no double-precision "
                             "number for a witness")
    tol, rel = _check_options(tol, rel_tol, max_boxes, time_limit, backend)
    if backend == "jax" and not _jax_available():
        raise InputError("backend='jax' was requested but JAX is not available (install jax, "
                         "or see the warning of verinum.jax_backend's self-test)")
    if not isinstance(separable, bool):
        raise InputError(f"separable must be True or False, got {separable!r}")
    n = len(region)
    if isinstance(f, str) and n == 1 and variables is None:
        vector = False  # a 1-D expression may say x, x0 or x[0]
    root, names = tracing.to_expression(f, n, vector, variables)

    def solve(root, names, region, tol, rel, max_boxes, time_limit, vector=True):
        solver = _Solver(root, names, region, tol, rel, max_boxes, time_limit, progress,
                         backend)
        solver.run()
        return solver.result(vector)
    with rounding.precision():
        blocks = _separable.decompose(root) if separable else None
        if blocks is None:
            return solve(root, names, region, tol, rel, max_boxes, time_limit, vector)
        return _separable.minimize_blocks(blocks, root, names, region, tol, rel, max_boxes,
                                         time_limit, solve, vector)


class _Solver:
    def __init__(self, root, names, region, tol, rel, max_boxes, time_limit, progress, backend):
        self.root, self.names, self.region, self.n = root, names, region, len(region)
        self.tol, self.rel = tol, rel
        self.max_boxes, self.time_limit, self.progress = max_boxes, time_limit, progress
        self.jax_pending = backend == "jax"  # the JAX search is still to run
        self.jax_auto = backend == "auto"    # ... or will run once arb has taken _AUTO_JAX_AFTER
        self.float_f = compile_float(root)
        self.flo = [rounding.up(lo) for lo, _ in region]
        self.fhi = [rounding.down(hi) for _, hi in region]
        self.upper = None            # exact arb point: proven f(witness) <= upper
        self.witness = None          # list of floats
        self.tree = _Node(region, 0)
        self.heap, self.closed, self.stuck = [], [], []
        self.counter = 0
        self.stats = {"boxes": 0, "leaves": 0, "local_searches": 0, "max_depth": 0,
                      "bounds": {}, "time": 0.0, "jax_boxes": 0, "jax_calls": 0}
        self.status = "ok"
        self.start = time.monotonic()

    # -- incumbent ------------------------------------------------------------------------------
    def tolerance(self):
        """The target gap max(tol, rel·|upper|) as a Fraction."""
        if self.upper is None or self.rel == 0:
            return self.tol
        return max(self.tol, self.rel * abs(rounding.arb_lower_exact(self.upper)))

    def threshold(self):
        """Boxes with a lower bound >= this arb point are closed."""
        if self.upper is None:
            return None
        margin = rounding.to_arb(self.tolerance() * _PRUNE_FRACTION)
        return (self.upper - margin).lower()

    def offer(self, point, upper):
        """A proven upper bound `upper` (arb point) of f at `point` (Fractions)."""
        floats = [rounding.down(q) for q in point]
        if any(Fraction(x) != q for x, q in zip(floats, point)):
            return  # the witness must be a float point
        if self.upper is None or upper < self.upper:
            self.upper, self.witness = upper, floats

    def prove_point(self, floats):
        from .arb_backend import range_eval
        from .minimize_bounds import point_ranges
        point = [Fraction(x) for x in floats]
        if not all(lo <= q <= hi for q, (lo, hi) in zip(point, self.region)):
            return
        try:
            r = range_eval(self.root, point_ranges(point))
        except DomainError:
            return
        if r[1].is_finite():
            self.offer(point, r[1])

    def local_search(self, start):
        """Float local search from `start`, then prove the best snapped point with arb."""
        self.stats["local_searches"] += 1
        value, point = local_minimize(self.float_f, start, self.flo, self.fhi)
        if math.isfinite(value):
            self.prove_point(point)
            self.prove_point(best_snapped(self.float_f, point, self.flo, self.fhi)[1])

    def initial_search(self):
        """Local searches from the centre and the best of a few hundred random points."""
        centre = [rounding.down((lo + hi) / 2) for lo, hi in self.region]
        centre = [min(max(c, a), b) for c, a, b in zip(centre, self.flo, self.fhi)]
        starts = [centre]
        try:
            import numpy as np
            batch = compile_batch(self.root)
            rng = np.random.default_rng(0)
            m = min(200 * self.n, 4000)
            lo, hi = np.array(self.flo), np.array(self.fhi)
            pts = lo[:, None] + (hi - lo)[:, None] * rng.random((self.n, m))
            values = batch(pts)
            for j in np.argsort(values)[:3]:
                if np.isfinite(values[j]):
                    starts.append([float(v) for v in pts[:, j]])
        except Exception:  # noqa: BLE001 -- a heuristic: any failure just means fewer starts
            pass
        for s in starts:
            self.local_search(s)

    # -- boxes ----------------------------------------------------------------------------------
    def probe(self, box):
        """A float point near the centre of box (Fractions)."""
        out = []
        for lo, hi in box:
            mid = (lo + hi) / 2
            for q in (Fraction(rounding.down(mid)), Fraction(rounding.up(mid)), lo, hi):
                if lo <= q <= hi and Fraction(rounding.down(q)) == q:
                    out.append(q)
                    break
            else:
                out.append(mid)
        return out

    def bound(self, node, use_taylor=True):
        """Bound node's box. The costly bounds are ordered by what won on the parent box; the
        Taylor bound is skipped a few levels after it lost (`_taylor_levels`)."""
        probe = self.probe(node.box)
        threshold = self.threshold()
        b = bound_box(self.root, node.box, probe, threshold, use_taylor and node.taylor_wait == 0,
                      taylor_first=node.method == "taylor-2")
        node.lower, node.error, node.gradient, node.method = b.lower, b.error, b.gradient, b.method
        node.bounded = True
        if b.taylor is not None and b.method != "taylor-2":
            node.taylor_wait = self.n * _taylor_levels(b, threshold)
        if b.lower is not None:
            self.stats["bounds"][b.method] = self.stats["bounds"].get(b.method, 0) + 1
        if b.probe_upper is not None:
            self.offer(probe, b.probe_upper)
        for point, upper in b.extra_points:
            self.offer(point, upper)

    def push(self, node):
        """Queue a node, lowest bound first; boxes that cannot be bounded go first, newest
        first (depth-first, so a point where f is undefined is found after few splits)."""
        self.counter += 1
        if node.lower is None:
            heapq.heappush(self.heap, (-math.inf, -self.counter, node))
        else:
            heapq.heappush(self.heap, (float(node.lower), self.counter, node))

    def closable(self, node, threshold):
        return node.lower is not None and threshold is not None and node.lower >= threshold

    def split(self, node):
        """Split node in two (sets node.split/children), or return False if it is too small."""
        k = self.branch_dimension(node)
        if k is None:
            return False
        unbounded = node.unbounded + 1 if node.lower is None else 0
        self.divide(node, k, _split_point(*node.box[k]), unbounded)
        return True

    def divide(self, node, k, p, unbounded=0):
        """Split node at x_k = p (lo < p < hi exactly)."""
        lo, hi = node.box[k]
        left = node.box[:k] + [(lo, p)] + node.box[k + 1:]
        right = node.box[:k] + [(p, hi)] + node.box[k + 1:]
        wait = max(node.taylor_wait - 1, 0)
        node.split, node.gradient = (k, p), None
        node.children = (_Node(left, node.depth + 1, unbounded, wait, node.method),
                         _Node(right, node.depth + 1, unbounded, wait, node.method))
        self.stats["max_depth"] = max(self.stats["max_depth"], node.depth + 1)

    def branch_dimension(self, node):
        """Smear rule (largest |∂f/∂x_i|·width_i) if a gradient is known, else the widest
        dimension relative to the domain; only dimensions that can still be split."""
        best, best_score = None, -1.0
        for i, (lo, hi) in enumerate(node.box):
            if _split_point(lo, hi) is None:
                continue
            width = float(hi - lo)
            if node.gradient is not None:
                g = node.gradient[i]
                score = max(abs(float(g.lower())), abs(float(g.upper()))) * width
                score = score if score > 0 else 1e-300 * width / float(self.region[i][1] -
                                                                      self.region[i][0])
            else:
                score = width / float(self.region[i][1] - self.region[i][0])
            if score > best_score:
                best, best_score = i, score
        return best

    # -- the loop -------------------------------------------------------------------------------
    def out_of_budget(self):
        if self.stats["boxes"] >= self.max_boxes:
            return "max_boxes"
        if self.time_limit is not None and time.monotonic() - self.start > self.time_limit:
            return "time_limit"
        return None

    def run(self):
        self.initial_search()
        self.bound(self.tree)
        self.push(self.tree)
        if self.jax_pending:
            self.switch_to_jax()
        while True:
            self.branch_and_bound()
            if self.status != "ok" or not self.reopen():
                break
        self.stats["time"] = time.monotonic() - self.start

    def reopen(self):
        """After the tolerance shrank (rel_tol), put closed leaves below the final threshold
        back into the queue. True if any."""
        threshold = self.threshold()
        keep, again = [], []
        for node in self.closed:
            (keep if self.closable(node, threshold) else again).append(node)
        self.closed = keep
        for node in again:
            self.push(node)
        return bool(again)

    def branch_and_bound(self):
        next_search, spacing = 2 * _BATCH, 2 * _BATCH  # searches early, then every 40 batches
        while self.heap:
            threshold = self.threshold()
            if self.closable(self.heap[0][2], threshold):
                if self.close_all(threshold):
                    break
                continue
            reason = self.out_of_budget()
            if reason:
                self.status = reason
                return
            batch = []
            while self.heap and len(batch) < _BATCH:
                node = heapq.heappop(self.heap)[2]
                (self.closed.append(node) if self.closable(node, threshold) else batch.append(node))
            children = []
            for node in batch:
                self.stats["boxes"] += 1
                if node.lower is None and node.unbounded >= _MAX_UNBOUNDED_DEPTH:
                    raise DomainError(f"f cannot be bounded on the box {_show_box(node.box)} "
                                      f"({node.error}); it may be undefined there")
                if not self.split(node):
                    if node.lower is None:
                        raise DomainError(f"f cannot be bounded on the box "
                                          f"{_show_box(node.box)} ({node.error})")
                    self.stuck.append(node)
                    continue
                children.extend(node.children)
            self.bound_children(children)
            for child in children:
                self.push(child)
            if self.jax_auto and self.jax_would_pay():
                self.jax_auto = False
                self.switch_to_jax()
            if self.stats["boxes"] >= next_search and self.heap:
                spacing = min(2 * spacing, 40 * _BATCH)
                next_search = self.stats["boxes"] + spacing
                best = self.heap[0][2]
                self.local_search([float(q) for q in self.probe(best.box)])
            self.report()
        if self.stuck:
            self.status = "resolution"

    def close_all(self, threshold):
        """Close every queued box that meets the threshold; True if none is left."""
        rest = []
        for entry in self.heap:
            if self.closable(entry[2], threshold):
                entry[2].gradient = None
                self.closed.append(entry[2])
            else:
                rest.append(entry)
        heapq.heapify(rest)
        self.heap = rest
        return not rest

    def bound_children(self, children):
        for child in children:
            self.bound(child)

    # -- the JAX search -------------------------------------------------------------------------
    def switch_to_jax(self):
        """Grow the tree under every queued box with batched JAX bounds (`jax_search`), then
        bound every new leaf with arb and queue it: nothing JAX computed is trusted. Once per
        run; a no-op where JAX is not available."""
        self.jax_pending = False
        bound = _jax_bounder(self.root)
        if bound is None:
            return
        import numpy as np

        from . import jax_search
        threshold = self.threshold()
        nodes = [entry[2] for entry in self.heap if not self.closable(entry[2], threshold)]
        self.heap = [entry for entry in self.heap if self.closable(entry[2], threshold)]
        heapq.heapify(self.heap)
        if not nodes:
            return
        lo = np.array([[rounding.down(a) for a, _ in node.box] for node in nodes])
        hi = np.array([[rounding.up(b) for _, b in node.box] for node in nodes])
        widths = np.array([float(b - a) for a, b in self.region])
        room, deadline = self.jax_budget(nodes[0])
        grown = jax_search.grow(bound, compile_batch(self.root), lo, hi, widths, self.jax_cut,
                                room, deadline, self.jax_report, self.float_polish)
        leaves = self.rebuild_tree(grown, nodes)
        if grown.best[1] is not None:
            self.local_search(grown.best[1])
        self.prove_leaves(leaves)

    def jax_would_pay(self):
        """Backend "auto": hand over to JAX once arb has run _AUTO_JAX_AFTER seconds with at
        least _AUTO_JAX_QUEUE boxes queued, and with room left in both budgets (compiling
        takes 1–5 s: not worth it for a run about to stop)."""
        elapsed = time.monotonic() - self.start
        return (elapsed > _AUTO_JAX_AFTER and len(self.heap) >= _AUTO_JAX_QUEUE
                and self.max_boxes - self.stats["boxes"] >= 4 * _AUTO_JAX_QUEUE
                and (self.time_limit is None
                     or float(self.time_limit) - elapsed >= _AUTO_JAX_AFTER))

    def rebuild_tree(self, grown, nodes):
        """Apply the JAX search's splits (exact boxes) under `nodes`, its starting boxes in
        order; count them; return the leaves."""
        table = list(nodes)
        for parent, k, p in grown.splits:
            self.divide(table[parent], k, Fraction(p))
            table.extend(table[parent].children)
        self.stats["boxes"] += grown.boxes
        self.stats["jax_boxes"] += grown.boxes
        self.stats["jax_calls"] += grown.calls
        return [node for node in table if node.children is None]

    def prove_leaves(self, leaves):
        """Bound every leaf not yet bounded with arb (interval evaluation only past the time
        limit) and queue them all."""
        for j, node in enumerate(leaves):
            if not node.bounded:
                if self.out_of_budget() == "time_limit":
                    self.bound_interval(node)
                else:
                    self.bound(node, use_taylor=False)
            self.push(node)
            if j % 256 == 0:
                self.report(f"proving {len(leaves)} leaves with arb: {j} done")

    def jax_budget(self, node):
        """(boxes, deadline) for the JAX search: with a time limit, at most half the time left,
        and about as many leaves as arb can bound in the other half (timed on `node`)."""
        room = self.max_boxes - self.stats["boxes"]
        if self.time_limit is None:
            return room, None
        t = time.monotonic()
        self.bound(node, use_taylor=False)
        cost = max(time.monotonic() - t, 1e-4)
        left = float(self.time_limit) - (time.monotonic() - self.start)
        return min(room, max(int(left / 2 / cost), 1)), time.monotonic() + left / 2

    def bound_interval(self, node):
        """The cheapest arb bound (interval evaluation), for leaves past the time limit."""
        b = interval_bound(self.root, node.box)
        node.lower, node.error, node.bounded = b.lower, b.error, True
        if b.lower is not None:
            node.method = b.method

    def float_polish(self, start):
        """(value, point): a float local search from `start`, then its best short snapping
        (steers the JAX search; the point it ends with is proven with arb)."""
        value, point = local_minimize(self.float_f, start, self.flo, self.fhi)
        snapped = best_snapped(self.float_f, point, self.flo, self.fhi)
        return min((value, point), snapped, key=lambda vp: vp[0])

    def jax_report(self, boxes, frontier):
        self.report(f"minimize (jax): {boxes} boxes split, {frontier} open")

    def jax_cut(self, value):
        """The float lower bound at which the JAX search closes a box: best value − 0.8·tol
        (arb closes at 0.9·tol, so its bounds of the leaves have room to spare)."""
        if self.upper is not None:
            value = min(value, rounding.arb_upper(self.upper))
        tolerance = max(float(self.tol), float(self.rel) * abs(value))
        return value - 0.8 * tolerance

    def report(self, text=None):
        if self.progress is None:
            return
        if text is None:
            lows = [e[0] for e in self.heap[:1]]
            gap = (float(self.upper) - lows[0]) if lows and self.upper is not None else math.inf
            text = (f"minimize: gap {gap:.3g}, boxes left {len(self.heap)}, "
                    f"processed {self.stats['boxes']}")
        self.progress.update(text)

    # -- the result -----------------------------------------------------------------------------
    def leaves(self):
        return self.closed + self.stuck + [entry[2] for entry in self.heap]

    def result(self, vector):
        leaves = self.leaves()
        self.stats["leaves"] = len(leaves)
        tolerance = self.tolerance()
        upper_q = None if self.upper is None else _round_up(self.published_upper())
        if any(node.lower is None for node in leaves):
            lower_q = None
        else:
            proven = min(rounding.arb_lower_exact(node.lower) for node in leaves)
            lower_q = _round_down(proven - tolerance * _SLACK_FRACTION)
            if upper_q is not None and lower_q > upper_q:  # cannot happen for true bounds
                lower_q = _round_down(proven)
        lower = -math.inf if lower_q is None else rounding.down(lower_q)
        upper = math.inf if upper_q is None else rounding.up(upper_q)
        status = self.status
        if status == "ok" and not (lower_q is not None and upper_q is not None
                                   and upper_q - lower_q <= tolerance):
            status = "resolution"
        argmin = None
        if self.witness is not None:
            argmin = tuple(self.witness) if vector else self.witness[0]
        builder = None
        if lower_q is not None and upper_q is not None:
            builder = lambda: self.certificate(lower_q, upper_q)  # noqa: E731
        return MinimizeResult(
            lower=lower, upper=upper, argmin=argmin, status=status, stats=self.stats,
            leaves=[([(rounding.down(lo), rounding.up(hi)) for lo, hi in node.box],
                     -math.inf if node.lower is None else rounding.arb_lower(node.lower))
                    for node in leaves],
            expression=to_infix(self.root, self.names), tolerance=float(tolerance),
            certificate_builder=builder, float_f=self.float_f)

    def published_upper(self):
        """The proven upper end at the witness plus 4× the width of its enclosure: the checker's
        own enclosure of f(witness) (other operation order) may be a little wider."""
        from .arb_backend import range_eval
        from .minimize_bounds import point_ranges
        r = range_eval(self.root, point_ranges([Fraction(x) for x in self.witness]))
        upper = min(r[1], self.upper) if r[1].is_finite() else self.upper
        return rounding.arb_upper_exact(upper + 4 * (r[1] - r[0]))

    def refine_for_checker(self, lower_q, budget):
        """Split leaves until each is proven ≥ lower_q + margin by the checker's own methods
        (interval evaluation, centred mean-value form), so that the checker needs no search of
        its own; the producer's stronger bounds (Taylor, monotonicity) are not re-checkable.
        Gives up silently after `budget` boxes (the checker may still manage). Returns the
        number of boxes bounded."""
        margin = self.tolerance() * _SLACK_FRACTION / 2
        target = rounding.to_arb(lower_q + margin).upper()

        def check(node):
            return bound_box(self.root, node.box, self.probe(node.box), target,
                             checkable_only=True)

        stack = [(node, None) for node in self.leaves()]
        used = 0
        while stack and used < budget:
            node, b = stack.pop()
            if b is None:
                b, used = check(node), used + 1
            if b.checkable is not None and b.checkable >= target:
                continue
            node.gradient = b.gradient
            if not self.split(node):
                continue
            for child in node.children:
                cb, used = check(child), used + 1
                child.lower = node.lower if cb.lower is None or cb.lower < node.lower else cb.lower
                stack.append((child, cb))
        return used

    def certificate(self, lower_q, upper_q):
        from .certificate import Certificate
        from .certificate_format import encode_exact
        with rounding.precision():
            self.stats["certificate_boxes"] = self.refine_for_checker(lower_q, _REFINE_BUDGET)
        items, stack = [], [self.tree]
        while stack:
            node = stack.pop()
            if node.children is not None:
                k, p = node.split
                items.append(["split", k, encode_exact(p)])
                stack.append(node.children[1])
                stack.append(node.children[0])
            else:
                bound = max(_round_down(rounding.arb_lower_exact(node.lower)), lower_q)
                items.append(["leaf", encode_exact(bound)])
        evidence = {"witness": [encode_exact(Fraction(x)) for x in self.witness], "tree": items}
        return Certificate.build("global-min", self.root, self.names, self.region, lower_q,
                                 upper_q, evidence)


def _taylor_levels(b, threshold):
    """How many halvings of the box to wait before trying the (costly) Taylor bound again after
    it lost to the cheaper bounds: its shortfall below the threshold, relative to theirs, shrinks
    about 4× per halving (heuristic; 1 to 8)."""
    if threshold is None or b.lower is None or not b.lower < threshold:
        return 1
    ratio = (threshold - b.taylor) / (threshold - b.lower)
    if not ratio.is_finite():
        return 8
    return min(max(1, math.floor(math.log(max(float(ratio.mid()), 1.0), 4))), 8)


def _split_point(lo, hi):
    """A float-representable dyadic with few bits strictly inside (lo, hi), in the middle half
    if possible; None when (lo, hi) holds no float but its ends."""
    width = hi - lo
    mid = (lo + hi) / 2
    k = width.numerator.bit_length() - width.denominator.bit_length() - 2  # ~ log2(width / 4)
    while Fraction(2) ** k > width / 4:
        k -= 1
    step = Fraction(2) ** k
    p = math.floor(mid / step) * step
    if lo < p < hi and Fraction(rounding.down(p)) == p:
        return p
    p = Fraction(rounding.down(mid))
    if lo < p < hi:
        return p
    p = Fraction(rounding.up(mid))
    return p if lo < p < hi else None


def _round_down(q, bits=40):
    """A dyadic ≤ q with about `bits` significant bits (short certificate numbers)."""
    if q == 0:
        return Fraction(0)
    e = abs(q).numerator.bit_length() - abs(q).denominator.bit_length() - bits
    scale = Fraction(2) ** e
    return math.floor(q / scale) * scale


def _round_up(q, bits=40):
    return -_round_down(-q, bits)


def _show_box(box):
    return "[" + ", ".join(f"[{float(lo):.6g}, {float(hi):.6g}]" for lo, hi in box) + "]"
