"""The second-order bounds of verinum.minimize (minimize_bounds: forward-mode Hessian over a box,
the checker's separable second-order form, the whole-matrix form) and the certificates they
lead to. References are mpmath values (30 digits) at sample points."""
import itertools
import random
from fractions import Fraction

import mpmath as mp
import pytest
from flint import arb

from verinum import rounding, tracing
from verinum.checker import check
from verinum.minimization import minimize
from verinum.minimize_bounds import (
    _positive_definite, bound_box, box_ranges, convex_lower, hessian, matrix_lower, point_ranges,
    second_order_lower, value_and_gradient,
)

mp.mp.dps = 30

# (expression, the same with mpmath, box): smooth on the box (min/max/abs sides decided)
SMOOTH = [
    ("x0**3*x1 - 2*x0*x1**2 + exp(x0 - x1)",
     lambda x, y: x**3 * y - 2 * x * y**2 + mp.exp(x - y), [(-1, "0.5"), ("0.2", 1)]),
    ("cos(3*x0 + 1)*(2*cos(2*x1) + sin(x1))",
     lambda x, y: mp.cos(3 * x + 1) * (2 * mp.cos(2 * y) + mp.sin(y)), [(-2, -1), (0, "0.75")]),
    ("x0/(2 + x1**2) + log(1 + x0**2) + sqrt(x1 + 3)",
     lambda x, y: x / (2 + y**2) + mp.log(1 + x**2) + mp.sqrt(y + 3), [(-1, 2), (-2, 1)]),
    ("x0**-2 + x1**x0 + x1**1.5",
     lambda x, y: x**-2 + y**x + y**mp.mpf(1.5), [(1, 2), ("0.5", "1.5")]),
    ("max(x0, x1)*x0 + min(x0**2, 3) + abs(x0 - 3)*x1**2",
     lambda x, y: max(x, y) * x + min(x**2, 3) + abs(x - 3) * y**2, [(1, "1.5"), (-1, "0.5")]),
]


def q(x):
    return rounding.arb_lower_exact(x), rounding.arb_upper_exact(x)


def inside(value, ball):
    lo, hi = q(ball)
    return mp.mpf(lo.numerator) / lo.denominator <= value <= mp.mpf(hi.numerator) / hi.denominator


def sample_points(box, count, seed=0):
    rng = random.Random(seed)
    corners = [list(c) for c in itertools.product(*[(Fraction(lo), Fraction(hi)) for lo, hi in box])]
    others = [[Fraction(lo) + (Fraction(hi) - Fraction(lo)) * Fraction(rng.randrange(1001), 1000)
               for lo, hi in box] for _ in range(count)]
    return corners + others


def mpf(x):
    return mp.mpf(x.numerator) / x.denominator


def parse(expr, n=2):
    return tracing.to_expression(expr, n, True)[0]


def exact_box(box):
    return [(rounding.exact(lo), rounding.exact(hi)) for lo, hi in box]


@pytest.mark.parametrize("expr, f, box", SMOOTH)
def test_hessian_encloses_derivatives(expr, f, box):
    root, box = parse(expr), exact_box(box)
    with rounding.precision():
        value, gradient, hess = hessian(root, box_ranges(box))
    for point in sample_points(box, 12):
        x = [mpf(v) for v in point]
        assert inside(f(*x), value[0].union(value[1]))
        for i in range(2):
            assert inside(mp.diff(f, x, tuple(int(k == i) for k in range(2))), gradient[i])
            for j in range(i, 2):
                order = tuple(int(k == i) + int(k == j) for k in range(2))
                assert inside(mp.diff(f, x, order), hess.get((i, j), arb(0))), (expr, i, j)


def test_hessian_refuses_kinks_and_follows_recorded_branches():
    with rounding.precision():
        assert hessian(parse("abs(x0 - x1) + x0"), box_ranges([(-1, 1), (-1, 1)])) is None
        assert hessian(parse("sqrt(x0) + x1"), box_ranges([(0, 1), (0, 1)])) is None
        root = parse("min(x0, x1)*x1")
        record = {}
        hessian(root, box_ranges([(2, 3), (0, 1)]), record=record)     # x1 < x0: min = x1
        # at x0 = x1 = 1 both sides are equal; the recorded side (x1) gives d/dx0 = 0
        _, g = value_and_gradient(root, point_ranges([1, 1]), branches=record)
        assert g[0] == 0 and g[1] > 1.9
        _, g, _ = hessian(root, point_ranges([1, 1]), branches=record)
        assert g[0] == 0


@pytest.mark.parametrize("expr, f, box", SMOOTH[:4] + [
    ("100*(x1 - x0**2)**2 + (1 - x0)**2", lambda x, y: 100 * (y - x**2)**2 + (1 - x)**2,
     [("0.75", "1.25"), ("0.5", "1.5")]),
    ("(x0 - 1)**2 + (x1 - 1)**2 - x0*x1", lambda x, y: (x - 1)**2 + (y - 1)**2 - x * y,
     [(0, 3), (0, 3)]),
])
def test_second_order_forms_are_lower_bounds(expr, f, box):
    root, box = parse(expr), exact_box(box)
    rng = random.Random(1)
    with rounding.precision():
        for _ in range(4):  # a few sub-boxes and off-centre expansion points
            sub = []
            for lo, hi in box:
                a, b = sorted(lo + (hi - lo) * Fraction(rng.randrange(11), 10) for _ in range(2))
                sub.append((a, b) if a < b else (lo, hi))
            c = [lo + (hi - lo) * Fraction(rng.randrange(1, 16), 16) for lo, hi in sub]
            ranges = box_ranges(sub)
            record = {}
            _, _, hess = hessian(root, ranges, record=record)
            f_c, g_c = value_and_gradient(root, point_ranges(c), branches=record)
            true_min = min(f(*[mpf(v) for v in p]) for p in sample_points(sub, 60))
            for low in (second_order_lower(f_c, g_c, hess, ranges, c),
                        matrix_lower(f_c, g_c, hess, ranges, c),
                        convex_lower(root, sub, ranges, hess, c, record)):
                if low is not None:
                    assert low.is_exact() and mpf(rounding.arb_upper_exact(low)) <= true_min


def test_matrix_form_is_sharp_for_a_convex_quadratic():
    """Trid 4-D: f = Σ (x_i − 1)² − Σ x_i x_{i−1}, min −16 at x_i = i(5 − i); one box suffices."""
    expr = " + ".join(f"(x{i} - 1)**2" for i in range(4)) + " - (x1*x0 + x2*x1 + x3*x2)"
    root, box = parse(expr, 4), [(Fraction(-16), Fraction(16))] * 4
    with rounding.precision():
        ranges = box_ranges(box)
        _, _, hess = hessian(root, ranges)
        c = [Fraction(1, 3)] * 4
        f_c, g_c = value_and_gradient(root, point_ranges(c))
        low = matrix_lower(f_c, g_c, hess, ranges, c)
        separable = second_order_lower(f_c, g_c, hess, ranges, c)
        b = bound_box(root, box, c)
    assert -16 - Fraction(1, 10**9) <= rounding.arb_lower_exact(low) <= -16
    assert separable < -100 and b.lower >= low and b.method in ("hessian-matrix", "convex")
    assert b.checkable < -100  # the checker has no whole-matrix form: not checkable


def test_convex_form_is_nearly_exact_near_a_minimiser():
    """Six-hump camel is convex near its minimiser (−0.0898, 0.7126): on a box around it the
    convexity bound is within 1e-12 of the minimum (the second-order forms are not)."""
    f = lambda x, y: (4 - mp.mpf(21) / 10 * x**2 + x**4 / 3) * x**2 + x * y + (-4 + 4 * y**2) * y**2
    true_min = f(*mp.findroot(lambda x, y: [mp.diff(f, (x, y), (1, 0)), mp.diff(f, (x, y), (0, 1))],
                              (mp.mpf("-0.09"), mp.mpf("0.71"))))
    root = parse("(4 - 2.1*x0**2 + x0**4/3)*x0**2 + x0*x1 + (-4 + 4*x1**2)*x1**2")
    box = [(Fraction(-1, 8), Fraction(-1, 16)), (Fraction(11, 16), Fraction(3, 4))]
    c = [Fraction(-3, 32), Fraction(23, 32)]
    with rounding.precision():
        ranges = box_ranges(box)
        record = {}
        _, _, hess = hessian(root, ranges, record=record)
        f_c, g_c = value_and_gradient(root, point_ranges(c))
        low = mpf(rounding.arb_lower_exact(convex_lower(root, box, ranges, hess, c, record)))
        second = mpf(rounding.arb_lower_exact(second_order_lower(f_c, g_c, hess, ranges, c)))
        assert convex_lower(root, [(-1, 1), (-1, 1)], box_ranges([(-1, 1), (-1, 1)]),
                            hessian(root, box_ranges([(-1, 1), (-1, 1)]))[2], [0, 0], {}) is None
    assert true_min - mp.mpf(10)**-12 <= low <= true_min
    assert second < true_min - mp.mpf(10)**-6


def test_positive_definite():
    def m(rows):
        return [[arb(v) for v in row] for row in rows]
    assert _positive_definite(m([[2, -1, 0], [-1, 2, -1], [0, -1, 2]]))
    assert not _positive_definite(m([[1, 2], [2, 1]]))        # indefinite
    assert not _positive_definite(m([[1, 1], [1, 1]]))        # singular
    assert not _positive_definite(m([[-1, 0], [0, 3]]))


def test_checkable_only_uses_the_checkers_methods():
    root = parse("(x0 - 1)**2 + (x1 - 1)**2 - x0*x1")
    box = [(Fraction(0), Fraction(3))] * 2
    with rounding.precision():
        b = bound_box(root, box, [Fraction(3, 2)] * 2, checkable_only=True)
    assert b.lower == b.checkable and b.method in ("interval", "mean-value", "second-order")
    assert b.taylor is None and not b.extra_points


@pytest.mark.parametrize("expr, box, true_min", [
    (" + ".join(f"(x{i} - 1)**2" for i in range(4)) + " - (x1*x0 + x2*x1 + x3*x2)",
     [(-16, 16)] * 4, -16),
    ("0.26*(x0**2 + x1**2) - 0.48*x0*x1", [(-10, 10)] * 2, 0),
])
def test_certificates_need_no_search_by_the_checker(expr, box, true_min):
    """Leaves closed by bounds the checker lacks are refined until its own forms suffice: the
    certificate is accepted with no subdivision budget beyond the per-item allowance."""
    r = minimize(expr, box, tol=1e-6)
    assert r.status == "ok" and r.lower <= true_min <= r.upper and r.gap <= 1e-6
    assert check(r.certificate.data, budget=0).status == "accepted"
