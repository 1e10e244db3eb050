"""1-D, analytic f: ∫ over a piece from a Taylor polynomial plus a Cauchy bound on a complex disc.

If f extends holomorphically to a neighbourhood of the closed disc D = {|z − c| ≤ R} with
|f| ≤ M there, Cauchy's estimate gives |f^(k)(c)/k!| ≤ M/R^k, and for |t| ≤ h < R,
f(c + t) = Σ_k a_k t^k. So
∫_lo^hi f − ∫ Σ_{k<d} a_k t^k lies in ±Σ_{k≥d} M R^-k ∫|t|^k ≤ ±M/(d+1)·Σ_{s∈{l,r}} s·q_s^d/(1−q_s)
(l = c − lo, r = hi − c, q_s = s/R < 1), with the a_k from one point series at c (`disc_piece`).
M and the holomorphy come from one acb evaluation of f on a complex ball containing D
(`disc_bound`): every intermediate ball must be finite (a pole inside makes arb's enclosure
infinite, and a function that is bounded but not holomorphic on a ball — sqrt, log, pow across
their branch cut, atan across its cuts, abs/min/max/relu where the real part of their argument
changes sign — is made to return a non-finite ball: acb's `analytic` flags, or an explicit
check). A composition of functions holomorphic on the enclosing balls is holomorphic on D, and
on the real segment each complex function equals the real one (principal branches, the sign of
the real part of the argument of abs), so its Taylor coefficients at c are f's.
Callers run these inside `rounding.precision()`.
"""
import math

from flint import acb, arb

from . import balls
from .arb_backend import plan
from .integrate_kinks import partial_series
from .integrate_pieces import CannotBound, polynomial_integral, shifted_ends
from .rounding import to_arb

DISC_DEGREE = 80  # most terms of a disc piece's Taylor polynomial (the checker's MAX_DEGREE too)
_UNIT = arb(0, 1)  # the ball [-1, 1]
_NAN = acb("nan")
_ENTIRE = ("exp", "expm1", "sin", "cos", "tan", "sinh", "cosh", "tanh", "erf")


def _complex_op(node, args):
    """node's operation on acb balls: a ball containing its values, non-finite where the
    holomorphic extension is not proven on the argument balls (module docstring)."""
    op = node.op
    if op in _ENTIRE:  # tan, tanh: poles make the ball infinite
        return getattr(args[0], op)()
    if op in ("add", "sub", "mul", "div", "neg"):
        a = args[0]
        return (-a if op == "neg" else a + args[1] if op == "add" else a - args[1]
                if op == "sub" else a * args[1] if op == "mul" else a / args[1])
    if op == "powi":
        n = node.literal
        p = balls.ipow(args[0], abs(n))
        return p if n >= 0 else 1 / p
    if op == "pow":  # real pow needs a > 0; acb skips the cut check for an exact integer b
        return args[0].pow(args[1], analytic=True) if args[0].real > 0 else _NAN
    if op in ("sqrt", "log"):
        return getattr(args[0], op)(analytic=True)
    if op == "log1p":
        return (1 + args[0]).log(analytic=True)
    if op == "atan":  # cuts: the imaginary axis beyond ±i
        a = args[0]
        return a.atan() if a.real > 0 or a.real < 0 or abs(a.imag) < 1 else _NAN
    if op in ("sigmoid", "swish"):
        s = 1 / (1 + (-args[0]).exp())
        return s if op == "sigmoid" else args[0] * s
    if op == "softplus":
        return (1 + args[0].exp()).log(analytic=True)
    if op == "abs":
        return args[0].real_abs(analytic=True)
    if op == "relu":
        return args[0].real_max(acb(0), analytic=True)
    if op in ("min", "max"):
        return getattr(args[0], "real_" + op)(args[1], analytic=True)
    return _NAN  # an operation without a proven holomorphic extension


COMPLEX_OPS = frozenset(_ENTIRE + ("var", "const", "pi", "e", "add", "sub", "mul", "div", "neg",
                                   "powi", "pow", "sqrt", "log", "log1p", "atan", "sigmoid",
                                   "swish", "softplus", "abs", "relu", "min", "max"))


def has_complex_extension(root):
    """Whether every operation of f has a complex version in `disc_bound`."""
    return all(node.op in COMPLEX_OPS for node in plan(root).nodes)


def disc_bound(root, center, radius):
    """An arb M ≥ |f| on the closed disc |z − center| ≤ radius (center: an arb ball, the disc
    is around each of its points; radius: a float), where f is proven holomorphic; None where
    it is not (module docstring)."""
    p = plan(root)
    spread = arb(0, radius)
    z = acb(center + spread, spread)  # a box containing the disc
    values = []
    for k, node in enumerate(p.nodes):
        if node.op == "var":
            out = z
        elif k in p.constants:
            out = acb(p.constants[k])
        else:
            out = _complex_op(node, [values[a] for a in p.args[k]])
            if not out.is_finite():
                return None
        values.append(out)
    return arb(values[-1].abs_upper().upper())


DISC_RATIOS = (2, 4, 8, 16)      # disc radius / half-length tried first, growing while it pays
DISC_SMALL = (1.5, 1.25, 1.125)  # tried when the radius-2 disc is not proven holomorphic


def disc_remainder(m, left, right, radius, d):
    """A ball containing [−E, E], E = M/(d+1)·Σ_s s·q_s^d/(1 − q_s) for s in (left, right),
    q_s = s/radius < 1 (arb balls): the bound on the remainder beyond degree d − 1."""
    total = arb(0)
    for s in (left, right):
        q = s / radius
        if not q < 1:
            return arb.nan()
        total += s * balls.ipow(q, d) / (1 - q)
    return _UNIT * (m * total / (d + 1))


def _degree_for(m, length, q, target):
    """The degree d ≤ DISC_DEGREE (≥ 1) at which the estimate M·length·q^d/(1 − q) of the
    remainder meets target (DISC_DEGREE if none does), and that estimate (floats)."""
    scale = m * length / (1 - q)
    if not 0 < scale < math.inf:
        return DISC_DEGREE, scale
    ratio = target / scale
    d = DISC_DEGREE if not ratio > 0 else math.ceil(math.log(ratio) / math.log(q))
    d = min(max(d, 1), DISC_DEGREE)
    return d, scale * q ** d


def disc_radius(root, center, half, length, target):
    """(radius, M, degree, estimated remainder) of the best disc tried around the arb ball
    `center` of a piece with `half` ≥ the largest distance from the centre to an end and
    `length` (floats), or None where f is not proven holomorphic on any disc tried. Larger
    discs are tried while they lower the degree (then the estimate); smaller ones until one
    works. Every radius is > half, so the disc holds the piece."""
    return (_best_disc(root, center, half, length, target, DISC_RATIOS, skip_failures=False)
            or _best_disc(root, center, half, length, target, DISC_SMALL, skip_failures=True))


def _best_disc(root, center, half, length, target, ratios, skip_failures):
    """`disc_radius` over the radii half·ratio in order: stops when one does not lower
    (degree, estimate), and at the first disc not proven holomorphic unless `skip_failures`."""
    best = None
    for ratio in ratios:
        radius = half * ratio
        m = disc_bound(root, center, radius) if radius > half else None
        mf = math.inf if m is None else float(m)  # a heuristic: the proof uses m itself
        if not mf < math.inf:
            if skip_failures:
                continue
            break
        d, estimate = _degree_for(mf, length, 1 / ratio, target)
        if best is not None and (d, estimate) >= best[2:]:
            break
        best = (radius, m, d, estimate)
    return best


def disc_piece(root, lo, hi, center, radius, m, degree):
    """(enclosure, degree) for ∫_lo^hi f: the Taylor polynomial with `degree` terms at the
    dyadic `center` integrated exactly, plus the Cauchy remainder for |f| ≤ m on the disc of
    `radius` (from `disc_radius`). Raises CannotBound where the point series fails."""
    c = to_arb(center)
    point = partial_series(root, [c], 0, degree)
    if point is None:
        raise CannotBound("no Taylor series at the centre")
    a, b = shifted_ends(to_arb(lo) - c, to_arb(hi) - c)
    rest = disc_remainder(m, -a, b, arb(radius), degree)
    total = polynomial_integral(point, a, b) + rest
    if not total.is_finite():
        raise CannotBound("the Taylor enclosure is not finite here")
    return total, degree
