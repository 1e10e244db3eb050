"""Proven lower bounds of f over a box, for branch and bound (arb; call inside rounding.precision).

`bound_box(root, box, probe)` returns the best of
- plain interval evaluation (`range_eval`);
- the mean-value form f(p) + Σ G_i·(X_i − p_i), G ⊇ ∇f(box) from forward-mode differentiation
  over ranges (below); where G_i has a sign, the point p is moved to the lower face (G_i > 0) or
  the upper face (G_i < 0), so that term is ≥ 0: the monotonicity test, used as a bound;
- second-order forms from a forward-mode Hessian over the box (`hessian`): the checker's separable
  form, the whole-matrix form (midpoint Hessian proven positive definite) and, where f is proven
  convex on the box, f(y) + ∇f(y)·(x − y) at a Newton point y (nearly exact near a minimiser);
- the degree-2 interval Taylor model of `taylor_eval` at p, minimised rigorously over the box
  (diagonal terms exactly as 1-D quadratics with interval coefficients, cross terms as intervals).
Every bound is an exact arb point ≤ f(x) for all x in the box. It also returns an arb-proven
upper end of f(p) (p a float point near the centre: an upper bound of the minimum) and the
gradient enclosure (for the branching rule). `interval_bound(root, box)`: the first alone.
"""
from dataclasses import dataclass, field
from fractions import Fraction

from flint import arb, arb_series

from . import balls
from .arb_backend import plan, range_eval, taylor_eval
from .errors import DomainError
from .rounding import to_arb
from .rules import RECIPROCAL, RealPower, unary_rule


@dataclass
class BoxBound:
    """lower: exact arb point ≤ f on the box, or None (f could not be bounded there: `error`).
    checkable: the part of `lower` from interval evaluation, the centred mean-value and the
    second-order form only (the checker's own methods), or None. probe_upper: exact arb point ≥ f(probe), or None.
    gradient: balls ⊇ ∂f/∂x_i(box) or None."""
    lower: object = None
    checkable: object = None
    method: str = ""
    probe_upper: object = None
    gradient: list = None
    error: str = ""
    extra_points: list = field(default_factory=list)  # [(point, upper)] also proven
    taylor: object = None  # the Taylor bound if it was tried (-inf where it failed)


def box_ranges(box):
    """The box (pairs of Fractions) as ranges of exact arb points containing it."""
    out = []
    for lo, hi in box:
        a, b = to_arb(lo), to_arb(hi)
        out.append((a.lower(), b.upper()))
    return out


def point_ranges(point):
    return [balls.ends(to_arb(q)) for q in point]


def _range(root, ranges):
    """Range of f over the box (ranges); raises DomainError."""
    return plan(root).ranges(ranges)[-1]


# -- forward-mode gradient over ranges ---------------------------------------------------------
def value_and_gradient(root, ranges, branches=None):
    """(range of f, gradient) over the box; gradient is a list of balls containing ∂f/∂x_i at
    every point of the box, or None where f may not be differentiable (a kink of abs/min/max/relu
    inside, sqrt at 0). Raises DomainError where the plain evaluation does. branches: min/max
    choices to follow (see `hessian`)."""
    p = plan(root)
    values = p.ranges(ranges)
    grads = []
    for k, node in enumerate(p.nodes):
        args = [values[a] for a in p.args[k]]
        grad = _grad_op(node, args, [grads[a] for a in p.args[k]], values[k], branches)
        if grad is None:
            return values[-1], None
        grads.append(grad)
    gradient = [grads[-1].get(i, arb(0)) for i in range(len(ranges))]
    return values[-1], (gradient if all(x.is_finite() for x in gradient) else None)


def _scale(g, s):
    return {i: balls.mul(x, s) for i, x in g.items()}


def _combine(g, h, s=arb(1), t=arb(1)):
    """s·g + t·h for sparse gradients (dicts) and balls s, t."""
    out = {i: balls.mul(x, s) for i, x in g.items()}
    for i, x in h.items():
        y = balls.mul(x, t)
        out[i] = out[i] + y if i in out else y
    return out


def _derivative(rule, a_range):
    """A ball containing φ'(y) for every y in the range, or None (no derivative there)."""
    try:
        d = rule.series(arb_series([balls.to_ball(a_range), 1], prec=2)).coeffs()
    except (DomainError, ArithmeticError, ValueError):  # arb cannot form the series there
        return None
    d = d[1] if len(d) > 1 else arb(0)
    return d if d.is_finite() else None


def _grad_op(node, args, grads, value, branches=None):
    op = node.op
    if op == "var":
        return {node.literal: arb(1)}
    if op in ("const", "pi", "e"):
        return {}
    if all(not g for g in grads):
        return {}
    if op == "neg":
        return _scale(grads[0], arb(-1))
    if op == "add":
        return _combine(grads[0], grads[1])
    if op == "sub":
        return _combine(grads[0], grads[1], arb(1), arb(-1))
    a = balls.to_ball(args[0])
    if op == "mul":
        return _combine(grads[0], grads[1], balls.to_ball(args[1]), a)
    if op == "div":
        inv = 1 / balls.to_ball(args[1])
        return _combine(grads[0], grads[1], inv, -balls.mul(balls.to_ball(value), inv))
    if op == "powi":
        n = node.literal
        if n > 0:
            d = balls.to_ball(balls.r_power(args[0], n - 1)) * n
        else:
            d = n / balls.to_ball(balls.r_power(args[0], 1 - n))
        return _scale(grads[0], d) if d.is_finite() else None
    if op == "pow":
        if node.args[1].op == "const":
            d = _derivative(RealPower(node.args[1].literal), args[0])
            return None if d is None else _scale(grads[0], d)
        v, b = balls.to_ball(value), balls.to_ball(args[1])
        return _combine(grads[0], grads[1], balls.mul(v, balls.mul(b, 1 / a)), balls.mul(v, a.log()))
    if op in ("min", "max"):
        choice = _branch(node, args, branches)
        return None if choice is None else grads[choice]
    d = _derivative(unary_rule(op), args[0])
    return None if d is None else _scale(grads[0], d)


# -- forward-mode Hessian over ranges ----------------------------------------------------------
def hessian(root, ranges, branches=None, record=None):
    """(range of f, gradient, Hessian) over the box (ranges), or None where f may not be C² on
    it (a kink of abs/relu/min/max inside, sqrt at 0, ...). gradient: list of balls ⊇ ∂f/∂x_i,
    Hessian: dict {(i, j): ball ⊇ ∂²f/∂x_i∂x_j} for i ≤ j (missing entries are 0). min/max
    take the argument proven smaller/larger on the box; that choice per node goes into `record`
    and is forced from `branches` (so a point evaluation follows the same smooth piece)."""
    p = plan(root)
    values = p.ranges(ranges)
    jets = []
    for k, node in enumerate(p.nodes):
        args = [values[a] for a in p.args[k]]
        jet = _jet_op(node, args, [jets[a] for a in p.args[k]], branches, record)
        if jet is None:
            return None
        jets.append(jet)
    g, h = jets[-1]
    gradient = [g.get(i, arb(0)) for i in range(len(ranges))]
    if not all(x.is_finite() for x in gradient) or not all(x.is_finite() for x in h.values()):
        return None
    return values[-1], gradient, h


def _branch(node, args, branches=None, record=None):
    """0 or 1: the argument of min/max proven to give its value on the whole range (forced from
    `branches` if given, stored in `record`), or None."""
    if branches is not None:
        choice = branches.get(id(node))
    else:
        (alo, ahi), (blo, bhi) = args
        first = ahi <= blo if node.op == "min" else alo >= bhi
        second = bhi <= alo if node.op == "min" else blo >= ahi
        choice = 0 if first else 1 if second else None
    if record is not None:
        record[id(node)] = choice
    return choice


def _outer(x, y):
    """The Hessian part x·yᵀ + y·xᵀ of sparse vectors x, y (dict over i ≤ j)."""
    out = {}
    for i, a in x.items():
        for j, b in y.items():
            key = (i, j) if i <= j else (j, i)
            term = balls.mul(a, b) if i != j else 2 * balls.mul(a, b)
            out[key] = out[key] + term if key in out else term
    return out


def _add_jets(p, q, s=arb(1), t=arb(1)):
    """s·p + t·q for jets (gradient dict, Hessian dict) and balls s, t."""
    return _combine(p[0], q[0], s, t), _combine(p[1], q[1], s, t)


def _chain(c1, c2, jet):
    """The jet of φ(u) from φ' ∈ c1 and φ''/2 ∈ c2 over the range of u and the jet of u."""
    g, h = jet
    return _scale(g, c1), _combine(h, _outer(g, g), c1, c2)


def _product(a, b, ja, jb):
    """The jet of u·v from the balls a ∋ u, b ∋ v and their jets."""
    g, h = _add_jets(ja, jb, b, a)
    return g, _combine(h, _outer(ja[0], jb[0]))


def _rule_jet(rule, a_range, jet):
    """The jet of rule(u), or None where arb has no finite φ', φ'' over the range of u."""
    c = rule.taylor_at(balls.to_ball(a_range), 3)
    if not (c[1].is_finite() and c[2].is_finite()):
        return None
    return _chain(c[1], c[2], jet)


def _powi_jet(n, a_range, jet):
    """The jet of u**n (n an integer; u**n = 1/u**|n| for n < 0)."""
    m = abs(n)
    if m <= 1:
        return ({}, {}) if m == 0 else jet if n == 1 else _rule_jet(RECIPROCAL, a_range, jet)
    c1 = m * balls.to_ball(balls.r_power(a_range, m - 1))
    c2 = (m * (m - 1) // 2) * balls.to_ball(balls.r_power(a_range, m - 2))
    out = _chain(c1, c2, jet)
    return out if n > 0 else _rule_jet(RECIPROCAL, balls.r_power(a_range, m), out)


def _jet_op(node, args, jets, branches, record):
    op = node.op
    if op == "var":
        return {node.literal: arb(1)}, {}
    if op in ("const", "pi", "e") or all(not j[0] and not j[1] for j in jets):
        return {}, {}
    if op == "neg":
        return _add_jets(jets[0], ({}, {}), arb(-1))
    if op in ("add", "sub"):
        return _add_jets(jets[0], jets[1], arb(1), arb(1 if op == "add" else -1))
    a = balls.to_ball(args[0])
    if op == "mul":
        return _product(a, balls.to_ball(args[1]), jets[0], jets[1])
    if op == "div":
        inv = _rule_jet(RECIPROCAL, args[1], jets[1])
        recip = balls.to_ball(RECIPROCAL.range(*args[1]))
        return None if inv is None else _product(a, recip, jets[0], inv)
    if op == "powi":
        return _powi_jet(node.literal, args[0], jets[0])
    if op == "pow":
        if node.args[1].op == "const":
            return _rule_jet(RealPower(node.args[1].literal), args[0], jets[0])
        log_range = unary_rule("log").range(*args[0])   # a**b = exp(b·log a)
        log_jet = _rule_jet(unary_rule("log"), args[0], jets[0])
        if log_jet is None:
            return None
        prod = _product(balls.to_ball(args[1]), balls.to_ball(log_range), jets[1], log_jet)
        return _rule_jet(unary_rule("exp"), balls.r_mul(args[1], log_range), prod)
    if op in ("min", "max"):
        choice = _branch(node, args, branches, record)
        return None if choice is None else jets[choice]
    return _rule_jet(unary_rule(op), args[0], jets[0])


# -- the bounds --------------------------------------------------------------------------------
def _low(x):
    """Exact lower end of ball x (arb point)."""
    return x.lower()


def mean_value_lower(f_at_p, gradient, ranges, point):
    """Exact point ≤ f(p) + Σ G_i·(X_i − p_i) over the box (f_at_p: range of f(p))."""
    total = f_at_p[0]
    for g, x, q in zip(gradient, ranges, point):
        t = balls.r_sub(x, balls.ends(to_arb(q)))
        total = _low(total + balls.r_mul(balls.ends(g), t)[0])
    return total


def _quadratic_lower(a_ball, b_ball, t_range):
    """Exact point ≤ a·t² + b·t for all t in t_range, a ∈ a_ball, b ∈ b_ball."""
    u, v = t_range
    a = a_ball.lower()
    pieces = []
    if v > 0:  # t ≥ 0: b·t ≥ b_lo·t
        pieces.append((u if u > 0 else arb(0), v, b_ball.lower()))
    if u < 0:  # t ≤ 0: b·t ≥ b_hi·t
        pieces.append((u, v if v < 0 else arb(0), b_ball.upper()))
    best = arb(0) if not pieces else None
    for s, e, beta in pieces:
        candidates = [a * s * s + beta * s, a * e * e + beta * e]
        if a > 0:
            vertex = -beta / (2 * a)
            if not (vertex < s or vertex > e):
                candidates.append(-(beta * beta) / (4 * a))
        for c in candidates:
            low = c.lower()
            best = low if best is None or low < best else best
    return best


def taylor_lower(tm):
    """Exact point ≤ the minimum over the box of the interval Taylor model tm (degree ≤ 2)."""
    space = tm.space
    linear, square = {}, {}
    total = arb(0)
    for alpha, c in tm.coeffs.items():
        degree = sum(alpha)
        if degree == 1:
            linear[alpha.index(1)] = c
        elif degree == 2 and max(alpha) == 2:
            square[alpha.index(2)] = c
        elif degree == 0:
            total = _low(total + c.lower())
        else:
            term = balls.r_mul(balls.ends(c), space.monomial_range(alpha))
            total = _low(total + term[0])
    for i in set(linear) | set(square):
        q = _quadratic_lower(square.get(i, arb(0)), linear.get(i, arb(0)), space.t[i])
        total = _low(total + q)
    return total


def second_order_lower(f_c, g_c, hess, ranges, point):
    """Exact point ≤ f over the box from f(x) = f(c) + ∇f(c)·t + ½ tᵀH(ξ)t, t = x − c, ξ in the
    box (f C² there): diagonal terms as exact 1-D quadratics, cross terms as intervals (the
    checker's second-order form). f_c: range of f(c); g_c: balls ⊇ ∇f(c); hess over the box."""
    t = [balls.r_sub(x, balls.ends(to_arb(q))) for x, q in zip(ranges, point)]
    total = f_c[0]
    for (i, j), h in hess.items():
        if i != j:
            total = _low(total + balls.r_mul(balls.ends(h), balls.r_mul(t[i], t[j]))[0])
    for i, g in enumerate(g_c):
        total = _low(total + _quadratic_lower(hess.get((i, i), arb(0)) / 2, g, t[i]))
    return total


def matrix_lower(f_c, g_c, hess, ranges, point):
    """Exact point ≤ f over the box from the same expansion with the whole Hessian: if the
    midpoint matrix M of H(box) is proven positive definite (Cholesky in arb), then for any y
    g·t + ½tᵀMt = ½(t−y)ᵀM(t−y) + (g + My)·t − ½yᵀMy ≥ −|g + My|·T − ½yᵀMy (|t_i| ≤ T_i),
    with y ≈ −M⁻¹g from floats; the radius R of H costs ½ Σ R_ij T_i T_j. None if M is not
    proven positive definite."""
    import numpy as np
    n = len(point)
    full = [[hess.get((min(i, j), max(i, j)), arb(0)) for j in range(n)] for i in range(n)]
    mid = [[arb(h.mid()) for h in row] for row in full]
    if not _positive_definite(mid):
        return None
    t = [balls.r_sub(x, balls.ends(to_arb(q))) for x, q in zip(ranges, point)]
    reach = [abs(a).max(abs(b)) for a, b in t]
    try:
        y = np.linalg.solve(np.array([[float(m) for m in row] for row in mid]),
                            -np.array([float(g.mid()) for g in g_c]))
    except np.linalg.LinAlgError:
        return None
    if not np.all(np.isfinite(y)):
        return None
    y = [arb(float(v)) for v in y]
    total = f_c[0]
    for i in range(n):
        my = sum((mid[i][j] * y[j] for j in range(n)), arb(0))
        residual = g_c[i] + my
        total = _low(total - residual.abs_upper() * reach[i] - my * y[i] / 2)
        for j in range(n):
            total = _low(total - full[i][j].rad() * reach[i] * reach[j] / 2)
    return total


def _newton_step(y, gradient, hess, box):
    """y − H⁻¹g in floats (mid-points of the balls), clipped to the box (a list of Fractions)."""
    import numpy as np
    n = len(y)
    h = np.array([[float(hess.get((min(i, j), max(i, j)), arb(0)).mid()) for j in range(n)]
                  for i in range(n)])
    try:
        with np.errstate(all="ignore"):
            moved = np.array([float(v) for v in y]) - np.linalg.solve(
                h, np.array([float(g.mid()) for g in gradient]))
    except np.linalg.LinAlgError:
        return y
    return [min(max(Fraction(float(m)), lo), hi) if np.isfinite(m) else v
            for v, m, (lo, hi) in zip(y, moved, box)]


def _positive_definite(m):
    """True only if the symmetric matrix m (exact arb points) is positive definite: every pivot
    of its Cholesky factorisation, computed with balls, is > 0."""
    n = len(m)
    low = [[arb(0)] * n for _ in range(n)]
    for k in range(n):
        pivot = m[k][k] - sum((low[k][j] * low[k][j] for j in range(k)), arb(0))
        if not pivot > 0:
            return False
        low[k][k] = pivot.sqrt()
        for i in range(k + 1, n):
            low[i][k] = (m[i][k] - sum((low[i][j] * low[k][j] for j in range(k)), arb(0))) \
                / low[k][k]
    return True


_NOT_FINITE = "the interval enclosure of f is not finite on this box"


def interval_bound(root, box):
    """BoxBound of f over `box` from interval evaluation only (the cheapest bound)."""
    try:
        value = range_eval(root, box_ranges(box))
    except DomainError as err:
        return BoxBound(error=str(err))
    if not value[0].is_finite():
        return BoxBound(error=_NOT_FINITE)
    return BoxBound(lower=value[0], checkable=value[0], method="interval")


def bound_box(root, box, probe, threshold=None, use_taylor=True, checkable_only=False,
              taylor_first=False):
    """BoxBound of f over `box` (pairs of Fractions) with probe point `probe` (Fractions in the
    box, near its centre). Bounds are tried cheapest first (the Taylor bound before the Hessian
    forms if taylor_first) and only while the best one is below `threshold` (an arb point).
    checkable_only: only the checker's own methods (interval, centred mean-value and
    second-order forms), which then decide `lower` too."""
    ranges = box_ranges(box)
    try:
        value, gradient = value_and_gradient(root, ranges)
    except DomainError:
        try:
            range_eval(root, ranges)  # for the message with the subexpression named
            message = "f cannot be bounded on this box"
        except DomainError as err:
            message = str(err)
        return BoxBound(error=message)
    if not value[0].is_finite():
        return BoxBound(error=_NOT_FINITE, gradient=gradient)
    out = BoxBound(lower=value[0], checkable=value[0], method="interval", gradient=gradient)
    f_p = _point_range(root, probe)
    if f_p is not None:
        out.probe_upper = f_p[1]

    def better(candidate, method, checkable=False):
        if candidate is None or not candidate.is_finite() or (checkable_only and not checkable):
            return
        if checkable and candidate > out.checkable:
            out.checkable = candidate
        if candidate > out.lower:
            out.lower, out.method = candidate, method

    def wanted():
        return threshold is None or out.lower < threshold

    def second_order():
        if gradient is not None and f_p is not None and wanted():
            for method, low, checkable in _second_order(root, box, ranges, probe, f_p,
                                                        checkable_only):
                better(low, method, checkable)
                if not wanted():
                    break

    def taylor():
        if use_taylor and not checkable_only and wanted():
            out.taylor = _taylor_bound(root, box, probe)
            better(out.taylor, "taylor-2")

    if gradient is not None and f_p is not None and wanted():
        better(mean_value_lower(f_p, gradient, ranges, probe), "mean-value", checkable=True)
        face = None if checkable_only else _monotone_face_point(gradient, box, probe)
        if face is not None and wanted():
            f_face = _point_range(root, face)
            if f_face is not None:
                better(mean_value_lower(f_face, gradient, ranges, face), "monotone")
                out.extra_points.append((face, f_face[1]))
    for step in ((taylor, second_order) if taylor_first else (second_order, taylor)):
        step()
    return out


def _taylor_bound(root, box, probe):
    """The lower bound of the degree-2 Taylor model at the probe (-inf where it fails)."""
    try:
        tm, _ = taylor_eval(root, [to_arb(q) for q in probe], [to_arb(lo) for lo, _ in box],
                            [to_arb(hi) for _, hi in box], 2)
    except DomainError:
        return arb("-inf")
    return taylor_lower(tm)


def _second_order(root, box, ranges, probe, f_p, checkable_only):
    """Yield (method, lower bound, checkable) of the second-order forms at the probe, cheapest
    first (none where f may not be C² on the box)."""
    record = {}
    try:
        box_jet = hessian(root, ranges, record=record)
        g_c = box_jet and value_and_gradient(root, point_ranges(probe), branches=record)[1]
    except DomainError:
        return
    if not g_c:
        return
    _, _, hess = box_jet
    yield "second-order", second_order_lower(f_p, g_c, hess, ranges, probe), True
    if checkable_only:
        return
    if any(i != j for i, j in hess):
        yield "hessian-matrix", matrix_lower(f_p, g_c, hess, ranges, probe), False
    yield "convex", convex_lower(root, box, ranges, hess, probe, record), False


def convex_lower(root, box, ranges, hess, start, branches, steps=3):
    """Exact point ≤ f over the box if f is proven convex there, else None. Convexity: every
    matrix in the Hessian enclosure H = M ± R is positive definite, because M − D is, with
    D = diag(Σ_j R_ij) (tᵀEt ≥ −tᵀDt for |E| ≤ R). Then f(x) ≥ f(y) + ∇f(y)·(x − y) for any y
    in the box: y comes from a few Newton steps (floats) from `start`, so near a
    minimiser the bound is nearly exact. `branches`: the min/max sides of the Hessian pass."""
    n = len(box)
    full = [[hess.get((min(i, j), max(i, j)), arb(0)) for j in range(n)] for i in range(n)]
    mid = [[arb(h.mid()) for h in row] for row in full]
    spread = [sum((h.rad() for h in row), arb(0)) for row in full]
    if not _positive_definite([[m - spread[i] if i == j else m for j, m in enumerate(row)]
                               for i, row in enumerate(mid)]):
        return None
    y = list(start)
    try:
        for _ in range(steps):  # Newton steps in floats (heuristic: any y in the box is sound)
            jet = hessian(root, point_ranges(y), branches=branches)
            if jet is None:
                break
            y = _newton_step(y, jet[1], jet[2], box)
        value, g = value_and_gradient(root, point_ranges(y), branches=branches)
    except DomainError:
        return None
    if g is None or not balls.is_finite_range(value):
        return None
    total = value[0]
    for gi, x, q in zip(g, ranges, y):
        total = _low(total + balls.r_mul(balls.ends(gi), balls.r_sub(x, balls.ends(to_arb(q))))[0])
    return total


def _point_range(root, point):
    try:
        r = _range(root, point_ranges(point))
    except DomainError:
        return None
    return r if balls.is_finite_range(r) else None


def _monotone_face_point(gradient, box, probe):
    """The probe moved to the lower (upper) face along every dimension where ∂f/∂x_i > 0 (< 0),
    or None when f is monotone in no dimension."""
    point, moved = list(probe), False
    for i, g in enumerate(gradient):
        if g > 0:
            point[i], moved = box[i][0], True
        elif g < 0:
            point[i], moved = box[i][1], True
    return point if moved else None
