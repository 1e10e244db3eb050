"""`integrate`: verified integrals over intervals and boxes, with certificates.

Guarantee: the returned `enclosure` contains the exact integral of f over the domain (the domain
ends are exact numbers). It is proven with arb: the domain is cut into pieces, each piece's
integral is enclosed (`integrate_pieces`, `integrate_disc`, `integrate_kinks`), and the enclosures are summed with outward
rounding. The tolerance is for the total: status "ok" means the enclosure's width is at most
max(tol, rel_tol·|integral|); "budget" means a budget ran out first (a warning is issued) and
the enclosure is still proven. A piece on which f cannot be bounded at all is cut until it is
tiny, then a DomainError names the spot.
"""
import heapq
import itertools
import math
import time
import warnings
from fractions import Fraction

import numpy as np
from flint import arb

from . import balls, integrate_jax, rounding, tracing
from .certificate_format import MAX_EXPONENT, encode_exact
from .errors import DomainError, InputError, UnsupportedOperationError
from .integrate_disc import disc_piece, disc_radius, has_complex_extension
from .integrate_kinks import exact_zero, kink_arguments, kink_cuts, kink_zeros
from .integrate_pieces import (
    MAX_LENGTH, CannotBound, bisect, dyadic_inside, gauss_piece, range_piece, series_piece,
    taylor_piece, volume,
)
from .interval import Interval
from .rounding import to_arb
from .taylor import parse_region

START_LENGTH = 24          # first 1-D series length; raised (×2) while coefficients still decay
FALLBACK_DEGREE = 2        # n-D Taylor model degree on pieces where f has no series
GOAL_FRACTION = 0.75       # refine until the proven width ≤ this fraction of the tolerance
SHARE_FRACTION = 0.25      # a 1-D disc piece aims at this fraction of its length's share of it
CLAIM_SLACK = to_arb(Fraction(1, 8))  # the claim adds this fraction of the proven width per side
_TINY_SLACK = to_arb(Fraction(1, 2 ** 80))  # ... and this much relative to the magnitude
TINY = Fraction(1, 2 ** 40)   # a failing piece this small (relative to the domain) is an error
MAX_FAILING = 256          # more failing pieces than this at once is an error too
KINK_SEARCH = Fraction(1, 2 ** 20)  # 1-D pieces longer than this (relative) look for kinks
KINK_WIDTH = Fraction(1, 2 ** 36)   # half-length (relative) of the piece cut around a kink
_UNIT = arb(0, 1)  # the ball [-1, 1]
_AUTO_JAX_AFTER = 3.0     # backend "auto": JAX cuts the rough n-D pieces after this many seconds
_AUTO_JAX_PIECES = 64     # ... of arb refinement, once at least this many pieces are rough
_JAX_SAFETY = 0.9         # JAX aims at this fraction of the width left to the rough pieces
_JAX_STEP = 16            # ... but one round divides the rough pieces' width by at most this
_MAX_HANDOVERS = 8        # most rounds of JAX cutting in one run
_JAX_COMPILE_ROOM = 2.0   # backend "jax": seconds left that a first round needs (time_limit)


class IntegrationBudgetWarning(RuntimeWarning):
    """The tolerance was not reached within the budget; the enclosure is still proven."""


class IntegralResult:
    """Result of `integrate`.

    enclosure: an `Interval` containing the exact integral; lo, hi: its ends; value: a float
    inside it; status: "ok" or "budget"; pieces: number of pieces; stats: a dict of counters;
    certificate: a `verinum.certificate.Certificate` of kind "integral" (built on first use)."""

    def __init__(self, enclosure, value, status, pieces, stats, certificate_parts):
        self.enclosure, self.value, self.status = enclosure, value, status
        self.lo, self.hi = enclosure.lo, enclosure.hi
        self.pieces, self.stats = len(pieces), stats
        self._piece_list, self._parts, self._certificate = pieces, certificate_parts, None

    @property
    def width(self):
        return self.enclosure.width

    @property
    def certificate(self):
        if self._certificate is None:
            self._certificate = _build_certificate(self._piece_list, *self._parts)
        return self._certificate

    def __repr__(self):
        return (f"IntegralResult({self.enclosure}, status={self.status!r}, "
                f"pieces={self.pieces}, width={self.width:.3g})")


class _Piece:
    """A box of the subdivision and what is proven about it (enclosure is None: no bound)."""

    __slots__ = ("box", "_center", "degree", "length", "enclosure", "failure", "width",
                 "smooth", "kink_search", "disc", "disc_used", "side", "kind")

    def __init__(self, box, length, kink_search=True, kind=None):
        self.box, self.length, self.kink_search = box, length, kink_search
        self.kind = kind  # 1-D kink cuts: "kink" (holds a zero of g), "edge" (next to a cut)
        self._center = None
        self.degree, self.enclosure, self.failure, self.width = 0, None, None, math.inf
        self.smooth = False  # f has a Taylor series over the whole piece
        self.disc = None     # 1-D: (radius, M, degree) of its Cauchy disc, or None
        self.disc_used = False  # 1-D: the enclosure is the full disc enclosure
        self.side = None     # 1-D, no series: 0/1 if f seems singular at its lower/upper end

    @property
    def center(self):
        """A short dyadic inside the box (per dimension), made on first use."""
        if self._center is None:
            self._center = [dyadic_inside(lo, hi) for lo, hi in self.box]
        return self._center


def integrate(f, domain, *, tol=1e-10, rel_tol=None, max_pieces=20000, time_limit=None,
              variables=None, backend="auto", progress=None):
    """A proven enclosure of the integral of f over `domain`.

    f: a callable (1-D: scalar argument; n-D: vector argument x[0], x[1], ...) or an expression
    string such as "exp(-x**2)" (n-D: x0, x1, ... or `variables=[...]` names).
    domain: (a, b) in 1-D or a list of (lo, hi) pairs (a box). Ends are exact: ints, strings
    such as "1/3" or "0.1" (= 1/10), floats as their exact binary value. Must be finite.
    tol, rel_tol: target width of the enclosure of the total: max(tol, rel_tol·|integral|).
    max_pieces, time_limit (seconds): budgets; when one runs out the best proven enclosure is
    returned with status "budget" and a warning.
    backend: "auto" | "arb" | "jax"; every proven fact comes from arb whatever the choice.
    progress: a verinum.progress.Progress (or None), updated with width and piece count.
    Raises InputError (bad domain or options), DomainError (f cannot be bounded somewhere on
    the domain: undefined, unbounded, or an improper integral).
    """
    started = time.monotonic()
    box, vector = _parse_domain(domain)
    tol, rel_tol = _parse_tolerances(tol, rel_tol)
    _check_budgets(max_pieces, time_limit)
    _check_backend(backend)
    root, names = _expression(f, len(box), vector, variables)
    try:
        with rounding.precision():
            refiner = _Refiner(root, box, names, backend)
            status, reason = refiner.run(tol, rel_tol, max_pieces, time_limit, started, progress)
            total = refiner.total()
            claim_lo, claim_hi, claim_balls = _claim(total)
            magnitude = _magnitude_min(total) if rel_tol else 0.0
            narrow = arb(claim_hi) - arb(claim_lo) <= max(tol, rel_tol * magnitude)
    finally:
        if progress is not None:
            progress.close()
    enclosure = Interval._raw(claim_lo, claim_hi)
    target = max(tol, rel_tol * magnitude)
    if status == "ok" and not narrow:
        status, reason = "budget", "tol is below the float resolution at this magnitude"
    elif status == "budget" and narrow:  # the pieces' full enclosures, taken at the exit, did it
        status, reason = "ok", None
    pieces = refiner.pieces()
    stats = {
        "evaluations": refiner.evaluations,
        "max_degree": max(p.degree for p in pieces),
        "proven_width": rounding.arb_upper(2 * total.rad()),
        "target_width": target,
        "seconds": time.monotonic() - started,
        "budget": reason,
        "backend": "arb+jax" if refiner.jax_stats["jax_rounds"] else "arb",
        **refiner.jax_stats,
    }
    if status != "ok":
        warnings.warn(f"integrate: tolerance {target:.3g} not reached ({reason}); returning the "
                      f"proven enclosure {enclosure} of width {enclosure.width:.3g}",
                      IntegrationBudgetWarning, stacklevel=2)
    value = min(max(float(total.mid()), claim_lo), claim_hi)  # display only: clamped inside
    parts = (root, names, box, claim_lo, claim_hi, *claim_balls)
    return IntegralResult(enclosure, value, status, pieces, stats, parts)


class _Refiner:
    """Adaptive subdivision with a global error budget: the widest piece is refined first."""

    def __init__(self, root, box, names, backend="arb"):
        self.root, self.domain, self.names = root, box, names
        self.dim = len(box)
        self.heap, self.counter, self.evaluations, self.failing = [], 0, 0, 0
        self.evaluation_seconds = 0.0
        self.sum_widths = 0.0
        self.goal = 0.0  # the current target width of the total (set by run)
        self.length = box[0][1] - box[0][0]  # 1-D: the domain's length
        self.length_f = float(self.length)
        self.volume = self.length if self.dim == 1 else volume(box)
        self.kinks = kink_arguments(root) if self.dim == 1 else []
        # 1-D with kinks: pieces longer than `search_above` look for kinks
        self.search_above, self.kink_width = self.length * KINK_SEARCH, self.length * KINK_WIDTH
        # 1-D: the real Lagrange method is tried where no disc is holomorphic only if it can
        # do better there: near kinks, or for operations without a complex version
        self.real_series = bool(self.kinks) or not has_complex_extension(root)
        # n-D: JAX may choose the cuts of the rough pieces (no series: kinks, boundaries)
        self.backend, self.rough, self.jax_off = backend, 0, self.dim == 1 or backend == "arb"
        self.started, self.max_pieces, self.time_limit = time.monotonic(), None, None
        self.jax_stats = {"jax_rounds": 0, "jax_boxes": 0, "jax_calls": 0}

    def run(self, tol, rel_tol, max_pieces, time_limit, started, progress):
        """Refine until the proven width meets the goal or a budget runs out: (status, why)."""
        self.started, self.max_pieces, self.time_limit = started, max_pieces, time_limit
        magnitude = 0.0  # a lower bound on |integral|, refreshed whenever the total is summed
        check_below = math.inf  # after a failed exact check, wait until the widths halve
        self.goal = GOAL_FRACTION * tol
        first = _Piece(self.domain, START_LENGTH)
        for piece in self._kink_split(first) or [first]:  # 1-D kinks: cut before evaluating
            self._push(self._evaluate(piece))
        for step in itertools.count():
            goal = self.goal = GOAL_FRACTION * max(tol, rel_tol * magnitude)
            due = self.sum_widths <= min(2 * goal, check_below) or (rel_tol and step % 64 == 0)
            if due and not self.failing:
                total = self.total()
                magnitude = float(total.abs_lower())  # a heuristic: the claim is checked apart
                # 2^-100 relative is below anything a float can show: no use going further
                goal = self.goal = GOAL_FRACTION * max(tol, rel_tol * magnitude,
                                                       magnitude * 2.0 ** -100)
                if 2 * total.rad() <= goal:
                    return "ok", None
                self.sum_widths = math.fsum(p.width for _, _, p in self.heap)  # no drift
                check_below = self.sum_widths / 2
            if progress is not None:
                progress.update(f"integrate: width {self.sum_widths:.3g}, "
                                f"{len(self.heap)} pieces")
            if len(self.heap) >= max_pieces:
                return self._out_of_budget(f"max_pieces={max_pieces} reached")
            if time_limit is not None and time.monotonic() - started > time_limit:
                return self._out_of_budget(f"time_limit={time_limit} s reached")
            if self._jax_due():
                self._cut_rough_with_jax()
                continue
            self._refine(self._pop())

    def _out_of_budget(self, reason):
        failing = [p for _, _, p in self.heap if p.enclosure is None]
        if failing:
            raise self._domain_error(failing[0])
        for _, _, piece in self.heap:  # pieces that were to be split: the best bound there is
            if self.dim == 1:
                self._tighten_1d(piece)
            elif piece.smooth and piece.degree == 0:  # range × volume only: the Gauss rule
                try:
                    enclosure, nodes = gauss_piece(self.root, piece.box, 0.0)
                    piece.enclosure = balls.intersect(piece.enclosure, enclosure)
                    piece.degree = 2 * nodes - 1
                except CannotBound:
                    pass
        return "budget", reason

    def _tighten_1d(self, piece):
        """The piece's enclosure intersected with its full disc enclosure (if only the cheap
        ±M·length was taken) and with range × length."""
        (lo, hi), = piece.box
        if piece.disc is not None and not piece.disc_used:
            try:
                full, degree = disc_piece(self.root, lo, hi, piece.center[0], *piece.disc)
                piece.enclosure, piece.degree = balls.intersect(piece.enclosure, full), degree
            except CannotBound:
                pass
        try:
            piece.enclosure = balls.intersect(piece.enclosure,
                                              range_piece(self.root, piece.box, self.names))
        except CannotBound:
            pass

    def total(self):
        """The exact arb sum of the piece enclosures (outward rounded)."""
        total = arb(0)
        for _, _, piece in self.heap:
            total += piece.enclosure
        return total

    def pieces(self):
        return [p for _, _, p in self.heap]

    # -- one piece -----------------------------------------------------------------------
    def _evaluate(self, piece):
        self.evaluations += 1
        started = time.monotonic()
        try:
            if self.dim == 1:
                self._evaluate_1d(piece)
            else:
                share = self.goal * float(volume(piece.box) / self.volume)
                try:  # a piece whose error bound alone exceeds the goal gets range × volume
                    enclosure, nodes = gauss_piece(self.root, piece.box, share,
                                                   split_above=self.goal or math.inf)
                    by_range = range_piece(self.root, piece.box, self.names)
                    piece.smooth, piece.degree = True, max(2 * nodes - 1, 0)
                    piece.enclosure = by_range if enclosure is None else \
                        balls.intersect(enclosure, by_range)
                except CannotBound:  # a kink or boundary inside: low-degree Taylor model
                    # (intersected with the range of its own model)
                    piece.degree = FALLBACK_DEGREE
                    piece.enclosure = taylor_piece(self.root, piece.box, piece.center,
                                                   FALLBACK_DEGREE)
        except CannotBound:
            try:
                piece.enclosure, piece.degree = range_piece(self.root, piece.box, self.names), 0
            except CannotBound as err:
                piece.enclosure, piece.failure = None, str(err)
        # a float estimate (the refinement order and when to sum): the total is proven apart
        piece.width = math.inf if piece.enclosure is None else 2 * float(piece.enclosure.rad())
        self.evaluation_seconds += time.monotonic() - started
        return piece

    def _evaluate_1d(self, piece):
        """Disc pieces first (not next to a kink cut: no disc fits there); a piece whose disc
        remainder alone is above the whole goal will be split anyway: it gets the cheap
        enclosure ±M·length (`disc` keeps what the full enclosure needs). A short piece around
        a zero of a kink argument gets the range enclosure."""
        if piece.kind == "kink":
            raise CannotBound("a kink inside")
        (lo, hi), = piece.box
        c = piece.center[0]
        length = float(hi - lo)
        share = SHARE_FRACTION * self.goal * length / self.length_f
        found = None if piece.kind == "edge" else \
            disc_radius(self.root, to_arb(c), rounding.up(max(c - lo, hi - c)), length, share)
        if found is None:
            if not self.real_series:
                raise CannotBound("f has no holomorphic extension around this piece")
            piece.enclosure, piece.degree = series_piece(self.root, lo, hi, c, piece.length,
                                                          share)
        else:
            radius, m, degree, estimate = found
            piece.disc = (radius, m, degree)
            if 0 < self.goal < estimate:
                piece.enclosure = _UNIT * (m * to_arb(hi - lo))
            else:
                piece.enclosure, piece.degree = disc_piece(self.root, lo, hi, c, radius, m,
                                                           degree)
                piece.disc_used = True
        piece.smooth = True

    def _refine(self, piece):
        if piece.enclosure is None:
            self.failing -= 1
            if max(hi - lo for lo, hi in piece.box) <= \
                    max(hi - lo for lo, hi in self.domain) * TINY:
                raise self._domain_error(piece)
        elif self.dim == 1 and piece.degree == piece.length and piece.length < MAX_LENGTH \
                and piece.disc is None:
            piece.length = min(2 * piece.length, MAX_LENGTH)  # still converging: go higher
            self._push(self._evaluate(piece))
            return
        parts = self._kink_split(piece)
        if parts is None:
            boxes = _toward(piece.box, piece.side) if piece.side is not None else bisect(piece.box)
            parts = [_Piece(part, piece.length, piece.kink_search) for part in boxes]
        children = [self._evaluate(part) for part in parts]
        if self.dim == 1 and len(children) == 2 and not piece.smooth:
            rough = [k for k, child in enumerate(children) if not child.smooth]
            if len(rough) == 1:  # a singularity at an end: cut closer to it next time
                children[rough[0]].side = rough[0]
        for child in children:
            self._push(child)
        if self.failing > MAX_FAILING:
            raise self._domain_error(next(p for _, _, p in self.heap if p.enclosure is None))

    def _kink_split(self, piece):
        """1-D pieces without a series: the pieces (not evaluated) cut at the zeros of the kink
        arguments (abs, relu, min, max) where they are exact, else around them, so that the
        pieces between are smooth; None when there is nothing to cut. The pieces do not search
        again."""
        if not (self.kinks and piece.kink_search and not piece.smooth):
            return None
        (lo, hi), = piece.box
        if hi - lo <= self.search_above:
            return None
        zeros, flat = kink_zeros(self.root, self.kinks, lo, hi)
        exact = {z for z in flat if exact_zero(self.kinks, z)}
        cuts = kink_cuts(zeros, lo, hi, self.kink_width, exact)
        if not cuts:
            return None
        ends, around = [lo] + cuts + [hi], [z for z in zeros if z not in exact]
        parts, k = [], 0
        for a, b in zip(ends, ends[1:]):  # the pieces holding a zero (sorted) are "kink"
            while k < len(around) and around[k] < a:
                k += 1
            kind = "kink" if k < len(around) and around[k] <= b else "edge"
            parts.append(_Piece([(a, b)], piece.length, False, kind))
        return parts

    def _push(self, piece):
        if piece.enclosure is None:
            self.failing += 1
        else:
            self.sum_widths += piece.width
            self.rough += self._is_rough(piece)
        self.counter += 1
        heapq.heappush(self.heap, (-piece.width, self.counter, piece))

    def _pop(self):
        _, _, piece = heapq.heappop(self.heap)
        if piece.enclosure is not None:
            self.sum_widths -= piece.width
            self.rough -= self._is_rough(piece)
        return piece

    # -- n-D: JAX chooses the cuts of the rough pieces (`integrate_jax`) --------------------------
    def _is_rough(self, piece):
        """An n-D piece with an enclosure but no Taylor series (a kink or boundary inside)."""
        return self.dim > 1 and not piece.smooth and piece.enclosure is not None

    def _jax_due(self):
        """Whether the rough pieces go to JAX now: only when the widest piece is rough; then,
        after a first round, always; for the first round, backend "jax": with at least
        _JAX_COMPILE_ROOM seconds left; "auto": once arb has run _AUTO_JAX_AFTER seconds with at
        least _AUTO_JAX_PIECES rough pieces, and with room left in both budgets (the self-test
        and compiling take about 0.5–3 s)."""
        if self.jax_off or not self.heap or not self._is_rough(self.heap[0][2]):
            return False
        if self.jax_stats["jax_rounds"]:
            return True  # the compilation is paid
        elapsed = time.monotonic() - self.started
        left = math.inf if self.time_limit is None else float(self.time_limit) - elapsed
        if self.backend == "jax":
            return left >= _JAX_COMPILE_ROOM
        return (elapsed > _AUTO_JAX_AFTER and self.rough >= _AUTO_JAX_PIECES
                and self.max_pieces - len(self.heap) >= 4 * _AUTO_JAX_PIECES
                and left >= 2 * _AUTO_JAX_AFTER)

    def _cut_rough_with_jax(self):
        """Take every rough piece out of the heap, let JAX choose their subdivision
        (`integrate_jax.partition`), prove every new leaf with arb and push it. JAX's estimates
        under a piece are scaled by arb's width over JAX's estimate on that piece (arb's Taylor
        models are often tighter), and one round aims at _JAX_SAFETY of the width the other
        pieces leave, but at most _JAX_STEP times below the rough pieces' width now: the next
        round starts from leaves proven with arb, calibrated again. With a time limit, a round
        makes at most as many leaves as arb proves in half the time left (at its mean cost so
        far). A piece JAX did not cut, or whose leaves would not be proven within the time
        limit, goes back as it was. JAX is not used again after a round that cut nothing,
        after _MAX_HANDOVERS rounds, or where it is not available."""
        estimate = _jax_estimator(self.root)
        if estimate is None:
            self.jax_off = True
            return
        self.jax_stats["jax_rounds"] += 1
        self.jax_off = self.jax_stats["jax_rounds"] >= _MAX_HANDOVERS
        rough = [p for _, _, p in self.heap if self._is_rough(p)]
        self.heap = [entry for entry in self.heap if not self._is_rough(entry[2])]
        heapq.heapify(self.heap)
        self.rough = 0
        self.sum_widths = math.fsum(p.width for _, _, p in self.heap if p.enclosure is not None)
        arb_widths = np.array([p.width for p in rough])
        target = max(_JAX_SAFETY * max(self.goal - self.sum_widths, self.goal / 4),
                     math.fsum(arb_widths.tolist()) / _JAX_STEP)
        boxes = [p.box for p in rough]
        estimated = integrate_jax.estimate_widths(estimate, boxes)
        with np.errstate(all="ignore"):
            scale = np.clip(arb_widths / estimated, 1 / 16, 16)
        scale = np.where(np.isfinite(estimated) & (estimated > 0) & np.isfinite(scale), scale, 1)
        room = max(self.max_pieces - len(self.heap) - len(rough), 0)
        deadline = None
        if self.time_limit is not None:  # half the time left, and as many leaves as arb can
            left = float(self.time_limit) - (time.monotonic() - self.started)  # prove in half
            deadline = time.monotonic() + left / 2
            cost = max(self.evaluation_seconds / max(self.evaluations, 1), 1e-5)
            room = min(room, int(left / 2 / cost))
        leaves, splits, calls = integrate_jax.partition(estimate, boxes, estimated, scale, target,
                                                        room, deadline)
        self.jax_stats["jax_boxes"] += splits
        self.jax_stats["jax_calls"] += calls + 1
        self.jax_off |= splits == 0
        for piece, parts in zip(rough, leaves):
            if len(parts) == 1 or self._past_time_limit():
                self._push(piece)
                continue
            for part in parts:
                self._push(self._evaluate(_Piece(part, piece.length)))

    def _past_time_limit(self):
        return self.time_limit is not None and \
            time.monotonic() - self.started > float(self.time_limit)

    def _domain_error(self, piece):
        point = [(c, c) for c in piece.center]
        try:
            range_piece(self.root, point, self.names)
        except CannotBound as err:  # not even defined at a point of the piece
            at = ", ".join(f"{name} = {_show(c)}" for name, c in zip(self.names, piece.center))
            return DomainError(f"integrand is undefined at {at}: {err}")
        where = ", ".join(f"{name} = {_simple_number(lo, hi)}"
                          for name, (lo, hi) in zip(self.names, piece.box))
        region = " x ".join(f"[{_show(lo)}, {_show(hi)}]" for lo, hi in piece.box)
        return DomainError(f"integrand is not bounded near {where}: {piece.failure} on {region}. "
                           "It may be undefined or unbounded there (improper integrals are not "
                           "supported); split the domain there or change variables.")


def _jax_estimator(root):
    """`jax_backend.mean_estimates` for root, or None where JAX is missing or failed its
    self-test."""
    try:
        from . import jax_backend
    except ImportError:
        return None
    if not jax_backend.available():
        return None
    return lambda lo, hi: jax_backend.mean_estimates(root, lo, hi)


def _toward(box, side):
    """1-D: [lo, hi] cut at a short dyadic about a quarter of the way from its end `side`
    (0: lo, 1: hi), so that the piece away from a singular end is as long as it can be."""
    (lo, hi), = box
    p = dyadic_inside(lo, (lo + hi) / 2) if side == 0 else dyadic_inside((lo + hi) / 2, hi)
    return [[(lo, p)], [(p, hi)]]


def _claim(total):
    """The published claim: the proven ball `total` widened by a little slack on each side (so
    that an independent checker with slightly different rounding can re-prove it): its ends as
    floats rounded outward, and the widened ends as balls (for `_exact_claim`)."""
    lower, upper = total.lower(), total.upper()  # exact, rounded outward
    slack = (upper - lower) * CLAIM_SLACK + max(abs(lower), abs(upper)) * _TINY_SLACK
    lo, hi = lower - slack, upper + slack
    with rounding.precision(53):  # ends read at 53 bits: rounded outward, the fast float path
        return rounding.arb_lower(lo), rounding.arb_upper(hi), (lo, hi)


def _exact_claim(lo_f, hi_f, lo, hi):
    """The claim's ends exactly: the floats, or the exact ends of the balls where a float
    overflows."""
    lo_q = Fraction(lo_f) if math.isfinite(lo_f) else rounding.arb_lower_exact(lo)
    hi_q = Fraction(hi_f) if math.isfinite(hi_f) else rounding.arb_upper_exact(hi)
    return lo_q, hi_q


def _magnitude_min(total):
    """A float ≤ |x| for every x in the ball `total`."""
    return 0.0 if total.contains(0) else rounding.arb_lower(total.abs_lower())


def _build_certificate(pieces, root, names, domain, *claim):
    from .certificate import Certificate
    evidence = []
    with rounding.precision():  # the ends of the balls as computed, not rounded to 53 bits
        claim_lo, claim_hi = _exact_claim(*claim)
        for piece in sorted(pieces, key=lambda p: p.box):
            evidence.append({
                "box": [[encode_exact(lo), encode_exact(hi)] for lo, hi in piece.box],
                "enclosure": [_encoded_end(piece.enclosure, False),
                              _encoded_end(piece.enclosure, True)],
                "degree": piece.degree,
                "center": [encode_exact(c) for c in piece.center],
            })
    return Certificate.build("integral", root, names, domain, claim_lo, claim_hi,
                             {"pieces": evidence})


def _encoded_end(ball, upper):
    """An end of `ball` for the certificate: exact, or (for a far too small exponent, e.g.
    e^-1e6) the float just outside it, since the format bounds exponents."""
    _, e = (ball.upper() if upper else ball.lower()).man_exp()
    if int(e) >= -(MAX_EXPONENT // 2):
        exact = rounding.arb_upper_exact(ball) if upper else rounding.arb_lower_exact(ball)
    else:
        exact = Fraction(rounding.arb_upper(ball) if upper else rounding.arb_lower(ball))
    return encode_exact(exact)


# -- input checks ------------------------------------------------------------------------------
_PARSED = {}  # (string, dimension, vector) -> (root, names); IR nodes are immutable


def _expression(f, nvars, vector, variables):
    """`tracing.to_expression`, with expression strings parsed once (repeated calls then reuse
    the root and its cached evaluation plan)."""
    if not isinstance(f, str) or variables is not None:
        return tracing.to_expression(f, nvars, vector, variables)
    key = (f, nvars, vector)
    if key not in _PARSED:
        if len(_PARSED) >= 256:
            _PARSED.clear()
        _PARSED[key] = tracing.to_expression(f, nvars, vector)
    return _PARSED[key]


_INFINITE_WORDS = {"inf", "+inf", "-inf", "infinity", "+infinity", "-infinity", "oo", "-oo"}


def _parse_domain(domain):
    if type(domain) is tuple and len(domain) == 2 and type(domain[0]) is int and \
            type(domain[1]) is int and domain[0] < domain[1]:  # (a, b) with ints a < b
        return [(Fraction(domain[0]), Fraction(domain[1]))], False
    for value in _leaves(domain):
        if isinstance(value, str) and value.strip().lower() in _INFINITE_WORDS or \
                _is_infinite_number(value):
            raise InputError(f"domain: endpoint {value!r} is infinite; improper integrals over "
                             "infinite ranges are not supported yet (truncate the domain and "
                             "bound the tail yourself)")
    box, vector = parse_region(domain, "domain")
    for i, (lo, hi) in enumerate(box):
        if lo == hi:
            raise InputError(f"domain: dimension {i} is empty (lower end = upper end = {lo})")
    return box, vector


def _leaves(value):
    if isinstance(value, (list, tuple)):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


def _is_infinite_number(value):
    if isinstance(value, (str, int, Fraction)):
        return False
    try:
        return math.isinf(float(value))
    except (TypeError, ValueError, OverflowError):
        return False


def _parse_tolerances(tol, rel_tol):
    def check(value, name):
        if value is None:
            return 0.0
        if isinstance(value, bool) or not isinstance(value, (int, float)) or \
                not math.isfinite(value) or value < 0:
            raise InputError(f"{name} must be a finite number >= 0, got {value!r}")
        return float(value)
    tol, rel_tol = check(tol, "tol"), check(rel_tol, "rel_tol")
    if tol == 0 and rel_tol == 0:
        raise InputError("give a positive tol or rel_tol (the target width of the enclosure)")
    return tol, rel_tol


def _check_budgets(max_pieces, time_limit):
    if isinstance(max_pieces, bool) or not isinstance(max_pieces, int) or max_pieces < 1:
        raise InputError(f"max_pieces must be an integer >= 1, got {max_pieces!r}")
    if time_limit is not None and (isinstance(time_limit, bool) or
                                   not isinstance(time_limit, (int, float)) or
                                   not time_limit > 0):
        raise InputError(f"time_limit must be a number of seconds > 0 or None, got "
                         f"{time_limit!r}")


def _check_backend(backend):
    if backend not in ("auto", "arb", "jax"):
        raise InputError(f"backend must be 'auto', 'arb' or 'jax', got {backend!r}")
    if backend == "jax":
        try:
            from . import jax_backend  # noqa: F401
        except ImportError:
            raise UnsupportedOperationError("backend='jax' needs verinum.jax_backend, which is "
                                            "not available; use backend='arb'") from None


# -- messages -----------------------------------------------------------------------------------
def _simple_number(lo, hi):
    """The simplest rational in [lo, hi], shown briefly (for error messages)."""
    if lo <= 0 <= hi:
        return "0"
    q = _simplest(lo, hi, 40) if lo > 0 else -_simplest(-hi, -lo, 40)
    return _show(q if q is not None else (lo + hi) / 2)


def _simplest(lo, hi, depth):
    """The rational with the smallest denominator in [lo, hi] (0 < lo ≤ hi), by continued
    fractions; None when it needs more than `depth` terms."""
    whole = math.floor(lo)
    if whole == lo or whole + 1 <= hi:
        return Fraction(whole if whole == lo else whole + 1)
    if depth == 0:
        return None
    rest = _simplest(1 / (hi - whole), 1 / (lo - whole), depth - 1)
    return None if rest is None else whole + 1 / rest


def _show(q):
    if q.denominator == 1:
        return str(q.numerator)
    if Fraction(float(q)) == q:
        return repr(float(q))
    return f"{q.numerator}/{q.denominator}" if q.denominator < 10 ** 6 else "~" + repr(float(q))
