"""Proven lower bounds of f over a box, for branch and bound (arb; call inside rounding.precision).

`bound_box(root, box, probe)` returns the best of
- plain interval evaluation (`range_eval`);
- the mean-value form f(p) + Σ G_i·(X_i − p_i), G ⊇ ∇f(box) from forward-mode differentiation
  over ranges (below); where G_i has a sign, the point p is moved to the lower face (G_i > 0) or
  the upper face (G_i < 0), so that term is ≥ 0: the monotonicity test, used as a bound;
- the degree-2 interval Taylor model of `taylor_eval` at p, minimised rigorously over the box
  (diagonal terms exactly as 1-D quadratics with interval coefficients, cross terms as intervals).
Every bound is an exact arb point ≤ f(x) for all x in the box. It also returns an arb-proven
upper end of f(p) (p a float point near the centre: an upper bound of the minimum) and the
gradient enclosure (for the branching rule).
"""
from dataclasses import dataclass, field

from flint import arb, arb_series

from . import balls, ir
from .arb_backend import range_op, range_eval, taylor_eval  # range_op: the per-node rule
from .errors import DomainError
from .rounding import to_arb
from .rules import RealPower, unary_rule


@dataclass
class BoxBound:
    """lower: exact arb point ≤ f on the box, or None (f could not be bounded there: `error`).
    checkable: the part of `lower` from interval evaluation and the centred mean-value form only
    (the checker's own methods), or None. probe_upper: exact arb point ≥ f(probe), or None.
    gradient: balls ⊇ ∂f/∂x_i(box) or None."""
    lower: object = None
    checkable: object = None
    method: str = ""
    probe_upper: object = None
    gradient: list = None
    error: str = ""
    extra_points: list = field(default_factory=list)  # [(point, upper)] also proven


def box_ranges(box):
    """The box (pairs of Fractions) as ranges of exact arb points containing it."""
    out = []
    for lo, hi in box:
        a, b = to_arb(lo), to_arb(hi)
        out.append((a.lower(), b.upper()))
    return out


def point_ranges(point):
    return [balls.ends(to_arb(q)) for q in point]


# -- forward-mode gradient over ranges ---------------------------------------------------------
def value_and_gradient(root, ranges):
    """(range of f, gradient) over the box; gradient is a list of balls containing ∂f/∂x_i at
    every point of the box, or None where f may not be differentiable (a kink of abs/min/max/relu
    inside, sqrt at 0). Raises DomainError where the plain evaluation does."""
    values, grads = {}, {}
    smooth = True
    for node in ir.walk(root):
        args = [values[id(a)] for a in node.args]
        value = range_op(node, args, ranges)
        values[id(node)] = value
        if smooth:
            grad = _grad_op(node, args, [grads[id(a)] for a in node.args], value)
            if grad is None:
                smooth = False
            else:
                grads[id(node)] = grad
    out = values[id(root)]
    if not smooth:
        return out, None
    g = grads[id(root)]
    gradient = [g.get(i, arb(0)) for i in range(len(ranges))]
    return out, (gradient if all(x.is_finite() for x in gradient) else None)


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


def _grad_op(node, args, grads, value):
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
        (alo, ahi), (blo, bhi) = args
        first = ahi <= blo if op == "min" else alo >= bhi
        second = bhi <= alo if op == "min" else blo >= ahi
        return grads[0] if first else grads[1] if second else None
    d = _derivative(unary_rule(op), args[0])
    return None if d is None else _scale(grads[0], d)


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


def bound_box(root, box, probe, threshold=None, use_taylor=True, close_on_checkable=True):
    """BoxBound of f over `box` (pairs of Fractions) with probe point `probe` (Fractions in the
    box, near its centre). Stronger bounds are tried only while the bound that closes boxes
    (`checkable` if close_on_checkable, else `lower`) is below `threshold` (an arb point)."""
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
        return BoxBound(error="the interval enclosure of f is not finite on this box",
                        gradient=gradient)
    out = BoxBound(lower=value[0], checkable=value[0], method="interval", gradient=gradient)
    f_p = _point_range(root, probe)
    if f_p is not None:
        out.probe_upper = f_p[1]

    def better(candidate, method, checkable=False):
        if candidate is None or not candidate.is_finite():
            return
        if checkable and candidate > out.checkable:
            out.checkable = candidate
        if candidate > out.lower:
            out.lower, out.method = candidate, method

    def wanted():
        bound = out.checkable if close_on_checkable else out.lower
        return threshold is None or bound < threshold

    if gradient is not None and f_p is not None and wanted():
        better(mean_value_lower(f_p, gradient, ranges, probe), "mean-value", checkable=True)
        face = _monotone_face_point(gradient, box, probe)
        if face is not None and wanted():
            f_face = _point_range(root, face)
            if f_face is not None:
                better(mean_value_lower(f_face, gradient, ranges, face), "monotone")
                out.extra_points.append((face, f_face[1]))
    if use_taylor and wanted():
        try:
            tm, _ = taylor_eval(root, [to_arb(q) for q in probe], [to_arb(lo) for lo, _ in box],
                                [to_arb(hi) for _, hi in box], 2)
            better(taylor_lower(tm), "taylor-2")
        except DomainError:
            pass
    return out


def _point_range(root, point):
    try:
        r = range_eval(root, point_ranges(point))
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
