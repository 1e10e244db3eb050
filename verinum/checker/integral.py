"""Checking an integral certificate: the exact tiling, then the checker's own piece enclosures."""

from __future__ import annotations

import heapq
import itertools
import math
from fractions import Fraction

from flint import acb, arb, ctx

from verinum.certificate_format import decode_exact
from verinum.checker.bounds import box_balls, interval_range, point_balls
from verinum.checker.common import MAX_DEPTH, Budget, Rejected, bisect, center, priority, volume
from verinum.checker.evaluate import (
    CannotBound, Kink, Program, eval_ball, eval_point, eval_gradient, eval_series, eval_series_line, interval_ball, lower_q,
    to_arb, upper_q,
)
from verinum.checker.render import decimal_down, decimal_up, render_box
from verinum.checker.slopes import slope_integral

MIN_DEGREE = 8          # the hint may raise the Taylor degree, never lower it below this
MAX_DEGREE = 80
LAGRANGE_DEGREE = 40    # the real (Lagrange) Taylor form uses at most this degree
MAX_NODES = 1024        # most Gauss nodes per n-D piece


def check_integral(cert: dict, prog: Program, budget: Budget, progress=None) -> tuple[Fraction, Fraction]:
    """Return (lo, hi) with ∫ f over the domain in [lo, hi] ⊆ claim, or raise Rejected."""
    domain = tuple((decode_exact(lo), decode_exact(hi)) for lo, hi in cert["problem"]["domain"])
    pieces = cert["evidence"]["pieces"]
    boxes = [tuple((decode_exact(lo), decode_exact(hi)) for lo, hi in p["box"]) for p in pieces]
    check_tiling(domain, boxes)
    claim = tuple(decode_exact(cert["claim"][k]) for k in ("lower", "upper"))

    tally = _Tally()
    for i, (box, piece) in enumerate(zip(boxes, pieces)):
        degree = piece_degree(piece.get("degree", 0), len(box))
        for sub, lo, hi, complete in _enclose_with_splitting(prog, box, degree, budget, i):
            tally.add((i, sub, degree, complete), lo, hi)
        if progress is not None:
            progress(i + 1, len(boxes))
    _refine(tally, prog, claim, budget, progress)
    return tally.lo, tally.hi


class _Tally:
    """Sub-box enclosures in a max-heap by width, with their exact sums lo and hi."""

    def __init__(self):
        self.heap, self.frozen, self.lo, self.hi = [], [], Fraction(0), Fraction(0)
        self.seq = itertools.count()

    def add(self, key: tuple, lo: Fraction, hi: Fraction) -> None:
        heapq.heappush(self.heap, (-priority(hi - lo), next(self.seq), key, lo, hi))
        self.lo += lo
        self.hi += hi

    def pop(self) -> tuple:
        _, _, key, lo, hi = item = heapq.heappop(self.heap)
        self.lo -= lo
        self.hi -= hi
        return item

    def freeze(self, item: tuple) -> None:
        """Keep item's enclosure in the sums but never refine it again."""
        self.frozen.append(item)
        self.lo += item[3]
        self.hi += item[4]

    def widest(self) -> str:
        items = self.heap + self.frozen
        if not items:
            return ""
        _, _, (i, box, _, _), lo, hi = min(items)
        return (f"; widest contribution: piece {i} (evidence.pieces[{i}], sub-box {render_box(box)}, "
                f"width {decimal_up(hi - lo)})")


def _digits_to_show(gap: Fraction, size: Fraction) -> int:
    """Significant digits that show a gap of `gap` between numbers of magnitude `size`
    (13 at least, 40 at most)."""
    try:
        return min(40, max(13, 2 + math.ceil(math.log10(size / gap))))
    except (ValueError, OverflowError, ZeroDivisionError):
        return 40


def _refine(tally: _Tally, prog: Program, claim: tuple, budget: Budget, progress) -> None:
    """Refine the widest sub-boxes until the sum of enclosures lies in the claim; else Rejected.
    A 1-D sub-box is first re-enclosed with both of its methods (`piece_enclosure`), then
    bisected."""
    claim_lo, claim_hi = claim
    refinements = 0
    while not (claim_lo <= tally.lo and tally.hi <= claim_hi):
        if tally.hi < claim_lo or tally.lo > claim_hi:
            gap = claim_lo - tally.hi if tally.hi < claim_lo else tally.lo - claim_hi
            d = _digits_to_show(gap, max(abs(tally.lo), abs(tally.hi), abs(claim_lo), abs(claim_hi)))
            raise Rejected(
                f"claim is false: the integral lies in [{decimal_down(tally.lo, d)}, "
                f"{decimal_up(tally.hi, d)}], which is disjoint from the claim "
                f"[{decimal_down(claim_lo, d)}, {decimal_up(claim_hi, d)}]")
        if not tally.heap or not budget.spend(2):
            raise Rejected(
                f"the checker's piece enclosures sum to [{decimal_down(tally.lo)}, {decimal_up(tally.hi)}], "
                f"not inside the claim [{decimal_down(claim_lo)}, {decimal_up(claim_hi)}] "
                f"after {refinements} refinements{tally.widest()}")
        item = tally.pop()
        i, box, degree, complete = item[2]
        if not complete:  # 1-D, disc only so far: add the Lagrange form before bisecting
            lo, hi, _ = _enclosure(prog, box, degree, True)
            refinements += 1
            tally.add((i, box, degree, True), max(lo, item[3]), min(hi, item[4]))
            continue
        try:
            halves = [(half, *_enclosure(prog, half, degree, False)) for half in bisect(box)]
        except CannotBound:
            tally.freeze(item)
            continue
        refinements += 1
        for half, lo, hi, complete in halves:
            tally.add((i, half, degree, complete), lo, hi)
        if progress is not None and refinements % 64 == 0:
            progress(budget.used, budget.limit)


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
    scale = 1
    for q in (q for b in boxes for iv in b for q in iv):
        scale = math.lcm(scale, q.denominator)
        if scale.bit_length() > 4096:
            break
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
    """[(sub-box, lo, hi, complete)] covering box with ∫ f over each sub-box in [lo, hi]
    (complete: see `_enclosure`); raises Rejected."""
    done, stack = [], [(box, 0)]
    while stack:
        b, depth = stack.pop()
        try:
            done.append((b, *_enclosure(prog, b, degree, False)))
            continue
        except CannotBound as exc:
            reason = str(exc)
        if depth >= MAX_DEPTH or not budget.spend(2):
            why = "depth limit" if depth >= MAX_DEPTH else "budget exhausted"
            raise Rejected(f"piece {index} (evidence.pieces[{index}], box {render_box(box)}): "
                           f"cannot bound f on sub-box {render_box(b)}: {reason} ({why})")
        stack.extend((half, depth + 1) for half in bisect(b))
    return done


def piece_enclosure(prog: Program, box: tuple, degree: int, both: bool = False) -> tuple[Fraction, Fraction]:
    """Exact (lo, hi) with ∫_box f in [lo, hi]; raises CannotBound if f cannot be bounded on box.

    1-D: Taylor polynomial with a Cauchy bound on a complex disc, else (or also, if ``both``:
    the intersection) the Taylor form with the Lagrange remainder; n-D: Taylor form via a Gauss
    rule, else the mean-value form; any of them falls back to f(X) * volume.
    """
    return _enclosure(prog, box, degree, both)[:2]


def _enclosure(prog: Program, box: tuple, degree: int, both: bool) -> tuple[Fraction, Fraction, bool]:
    """`piece_enclosure`, and whether every method was used (so only bisection can improve it):
    always in n-D, and in 1-D with ``both`` or where the disc method failed."""
    complete = len(box) > 1 or both
    try:
        if len(box) == 1:
            enc = disc_integral(prog, box[0], degree)
            complete = complete or enc is None
            if enc is None or both:
                enc = _intersect(enc, _lagrange(prog, box[0], degree, enc is not None))
        else:
            try:
                enc = taylor_integral_nd(prog, box, degree)
            except Kink:
                lo, hi = interval_range(prog, box)
                vol = volume(box)
                enc = _intersect(slope_integral(prog, box), to_arb(lo * vol).union(to_arb(hi * vol)))
            except CannotBound:  # no series on the box (e.g. sqrt at 0)
                enc = _best_of(prog, box, mean_value_integral, slope_integral)
    except CannotBound:
        lo, hi = interval_range(prog, box)
        vol = volume(box)
        return lo * vol, hi * vol, True
    if not enc.is_finite():
        raise CannotBound("non-finite integral enclosure")
    return lower_q(enc), upper_q(enc), complete


def _best_of(prog: Program, box: tuple, *methods) -> arb:
    """The intersection of the enclosures of the methods that can bound f on box; raises
    CannotBound where none can."""
    enc, why = None, None
    for method in methods:
        try:
            enc = _intersect(enc, method(prog, box))
        except CannotBound as err:
            why = err
    if enc is None:
        raise why
    return enc


def _lagrange(prog: Program, interval: tuple, degree: int, optional: bool):
    """`taylor_integral` at degree <= LAGRANGE_DEGREE; None where it cannot bound f if `optional`."""
    try:
        return taylor_integral(prog, interval, min(degree, LAGRANGE_DEGREE))
    except CannotBound:
        if optional:
            return None
        raise


def _intersect(a, b):
    """The intersection of two arb balls that both contain the same value (either may be None)."""
    if a is None or b is None or not a.is_finite() or not b.is_finite():
        return b if a is None or not a.is_finite() else a
    lo, hi = max(a.lower(), b.lower()), min(a.upper(), b.upper())
    return lo.union(hi)


def piece_degree(hint: int, n: int) -> int:
    """The Taylor degree used on a piece: the producer's hint, raised to a floor, capped so that
    the n-D Gauss rule stays small."""
    d = min(max(hint, MIN_DEGREE if n <= 2 else 6 if n == 3 else 4), MAX_DEGREE)
    while n > 1 and d > 2 and ((d + 1) // 2) ** n > MAX_NODES:
        d -= 1
    return d


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


DISC_RATIOS = (2, 4, 8, 16)      # disc radius / half-length tried first, larger while it helps
DISC_SMALL = (1.5, 1.25, 1.125)  # tried when the radius-2 disc is not proven holomorphic
_ENTIRE = ("exp", "expm1", "sin", "cos", "tan", "sinh", "cosh", "tanh", "erf")


def disc_integral(prog: Program, interval: tuple, d: int):
    """∫_lo^hi f enclosed by the Taylor polynomial of degree d-1 at the midpoint c plus a Cauchy
    bound, or None if no disc around c is proven to carry a holomorphic extension of f.

    If f extends holomorphically to a neighbourhood of the disc |z - c| <= R with |f| <= M
    there (`disc_bound`), then |f^(k)(c)/k!| <= M/R^k and, for |t| <= h < R,
    |∫_{-h}^{h} sum_{k>=d} a_k t^k dt| <= sum_{k>=d} M R^-k 2h^(k+1)/(k+1)
    <= 2hM/(d+1) * q^d/(1-q), q = h/R. Odd powers below d integrate to 0. The radius giving
    the smallest bound among those tried is used.
    """
    lo, hi = interval
    c, h = (lo + hi) / 2, (hi - lo) / 2
    cb, hb = to_arb(c), to_arb(h)
    best = None
    for ratios in (DISC_RATIOS, DISC_SMALL):
        for ratio in ratios:
            radius = hb * ratio
            m = disc_bound(prog, cb, radius)
            if m is None:
                if ratios is DISC_SMALL:
                    continue  # a smaller disc may still avoid the singularity
                break
            q = hb / radius
            bound = m * 2 * hb * _power(q, d) / ((1 - q) * (d + 1))
            if not bound.is_finite() or best is not None and not bound.upper() < best.upper():
                break
            best = bound
        if best is not None:
            break
    if best is None:
        return None
    coeffs = eval_series(prog, cb, d)
    total = arb(0, 1) * best
    for i in range(0, d, 2):
        total += coeffs[i] * to_arb(2 * h ** (i + 1) / (i + 1))
    return total


def _power(x, n: int):
    """x**n for an arb or acb x and an integer n >= 0, by binary powering (O(log n) products:
    n comes from the certificate)."""
    out, base = type(x)(1), x
    while n:
        if n & 1:
            out = out * base
        n >>= 1
        if n:
            base = base * base
    return out


def disc_bound(prog: Program, c: arb, radius: arb):
    """An arb M >= |f(z)| for all z with |z - x| <= radius, x in the ball c, where every operation
    is proven holomorphic on its argument ball (finite balls throughout; the analytic flags and
    the atan check make sqrt, log, pow, atan, abs, relu, min, max non-finite where they are not);
    None otherwise. On the real line each complex operation equals the real one."""
    spread = arb(0, 1) * radius
    v = [None] * len(prog.nodes)
    for i in prog.order:
        op, a, b = prog.nodes[i]
        if op == "var":
            r = acb(c + spread, spread)
        elif op in ("const", "pi", "e"):
            r = acb(a)
        else:
            r = _complex(op, v[a], b if op == "powi" else None if b is None else v[b])
            if not r.is_finite():
                return None
        v[i] = r
    return arb(v[prog.out].abs_upper().upper())


def _complex(op: str, x: acb, y):
    """One operation on complex balls (see `disc_bound`)."""
    if op in _ENTIRE:
        return getattr(x, op)()
    if op == "neg":
        return -x
    if op in ("add", "sub", "mul", "div"):
        return x + y if op == "add" else x - y if op == "sub" else x * y if op == "mul" else x / y
    if op == "powi":
        p = _power(x, abs(y))
        return p if y >= 0 else 1 / p
    if op == "pow":  # real pow needs x > 0; acb skips the cut check for an exact integer y
        return x.pow(y, analytic=True) if x.real > 0 else acb("nan")
    if op == "sqrt":
        return x.sqrt(analytic=True)
    if op == "log":
        return x.log(analytic=True)
    if op == "log1p":
        return (x + 1).log(analytic=True)
    if op == "atan":                       # branch cuts: i*[1, inf) and -i*[1, inf)
        ok = x.real > 0 or x.real < 0 or abs(x.imag) < 1
        return x.atan() if ok else acb("nan")
    if op == "sigmoid":
        return 1 / (1 + (-x).exp())
    if op == "swish":
        return x / (1 + (-x).exp())
    if op == "softplus":
        return (1 + x.exp()).log(analytic=True)
    if op == "abs":
        return x.real_abs(analytic=True)
    if op == "relu":
        return x.real_max(acb(0), analytic=True)
    if op == "min":
        return x.real_min(y, analytic=True)
    if op == "max":
        return x.real_max(y, analytic=True)
    return acb("nan")


def taylor_integral_nd(prog: Program, box: tuple, d: int) -> arb:
    """∫_box f enclosed by the tensor Gauss-Legendre rule Q with m <= ceil(d/2) nodes per side
    (the m whose error term below is narrowest, the fewest at a tie) plus its error term.

    In one dimension, ∫_a^b g − Q_m g = κ_m w^(2m+1) g^(2m)(ξ)/(2m)! for some ξ in [a, b]
    (w = b − a, κ_m = (m!)^4 / ((2m+1) ((2m)!)^2)). The tensor rule's error telescopes,
    ∫ − Q = Σ_i Q_1..Q_{i-1} (I_i − Q_i) I_{i+1}..I_n f, and the outer rules and integrals are
    positive with total mass V/w_i (V the volume), so term i lies in κ_m w_i^(2m) V C_i, where
    the ball C_i (coefficient 2m of the series of f in x_i over the whole box) contains every
    ∂_i^(2m) f(ξ)/(2m)!.
    """
    top = (d + 1) // 2
    vol = volume(box)
    balls = box_balls(box)
    errors = [arb(0)] * (top + 1)
    for i, (lo, hi) in enumerate(box):
        slopes = [arb(1) if j == i else arb(0) for j in range(len(box))]
        c = eval_series_line(prog, balls, slopes, 2 * top + 1)
        for k in range(1, top + 1):
            errors[k] += c[2 * k] * to_arb(_kappa(k) * (hi - lo) ** (2 * k) * vol)
    m = min(range(1, top + 1), key=lambda k: (errors[k].rad(), k))  # fewest nodes at best
    error = errors[m]
    halves = [(hi - lo) / 2 for lo, hi in box]
    rule = gauss_legendre(m)
    axes = [[(to_arb(c) + to_arb(h) * x, to_arb(h) * w) for x, w in rule]
            for c, h in zip(center(box), halves)]
    total = arb(0)
    for nodes in itertools.product(*axes):
        weight = arb(1)
        for _, w in nodes:
            weight *= w
        total += weight * eval_point(prog, [x for x, _ in nodes])
    return total + error


def _kappa(m: int) -> Fraction:
    """(m!)^4 / ((2m+1) ((2m)!)^2): the Gauss-Legendre error constant times (2m)!."""
    return Fraction(math.factorial(m) ** 4, (2 * m + 1) * math.factorial(2 * m) ** 2)


_GAUSS = {}


def gauss_legendre(m: int) -> list:
    """[(node, weight)] balls of the m-point Gauss-Legendre rule on [-1, 1] (at working precision)."""
    key = (m, ctx.prec)
    if key not in _GAUSS:
        _GAUSS[key] = [arb.legendre_p_root(m, k, weight=True) for k in range(m)]
    return _GAUSS[key]


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
