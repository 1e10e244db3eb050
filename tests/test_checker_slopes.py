"""The checker's slope integral (verinum.checker.slopes) on boxes with kinks inside: it contains
∫ f, which arb (the producer's integrate, a separate code path) encloses far more narrowly, and
chord slopes contain every chord slope of relu."""
import random
from fractions import Fraction as F

import pytest
from flint import arb

from verinum import ir, tracing
from verinum.checker.evaluate import Program, precision, to_arb
from verinum.checker.slopes import relu_slope, slope_integral
from verinum.integration import integrate

CASES = [
    ("abs(x0 - x1)", 2),
    ("relu(x0 + x1 - 1/3) * x0", 2),
    ("max(x0, x1) - min(x0*x0, x1)", 2),
    ("abs(x0 - x1) / (2 + x0)", 2),
    ("relu(x0 - x1)**2 * exp(x1)", 2),
    ("sqrt(1 + abs(x0 - x1)) + sin(3*x0)*relu(x1)", 2),
    ("max(x0, x1)**3 - x0*abs(x1 - 1/4)", 2),
    ("abs(x0 + x1 - x2) * (1 + x2)", 3),
]


def _program(expr, n):
    root, _ = tracing.to_expression(expr, n, True)
    return Program(ir.to_ops(root), n)


@pytest.mark.parametrize("expr, n", CASES)
def test_slope_integral_contains_the_integral(expr, n):
    rng = random.Random(expr)
    checked = 0
    for _ in range(12):
        box = []
        for _ in range(n):
            a, b = sorted(rng.sample(range(-32, 33), 2))
            box.append((F(a, 32), F(b, 32)))
        with precision(128):
            try:
                enc = slope_integral(_program(expr, n), tuple(box))
            except Exception as err:  # CannotBound only: a refusal is fine, never a wrong ball
                assert type(err).__name__ in ("CannotBound", "Kink"), err
                continue
        width = float(enc.rad()) * 2
        ref = integrate(expr, box, tol=max(width / 200, 1e-12), backend="arb")
        assert ref.width <= max(width / 50, 1e-11)
        lo, hi = F(ref.lo), F(ref.hi)  # ∫ f lies in [lo, hi]; so must it in enc
        with precision(128):
            assert enc.upper() >= to_arb(lo) and enc.lower() <= to_arb(hi), (box, enc, ref)
        checked += 1
    assert checked >= 6


@pytest.mark.parametrize("uc_q, lo_q, hi_q", [
    (F(1, 3), F(-1), F(2)), (F(-1, 5), F(-1), F(3, 7)), (F(0), F(-1, 2), F(1, 2)),
    (F(5, 8), F(1, 8), F(1)), (F(-5, 8), F(-1), F(-1, 8)), (F(1, 1000), F(-3), F(1, 100)),
])
def test_relu_slope_contains_every_chord_slope(uc_q, lo_q, hi_q):
    with precision(128):
        sigma = relu_slope(to_arb(uc_q), (to_arb(lo_q), to_arb(hi_q)))
        for k in range(201):
            u = lo_q + (hi_q - lo_q) * F(k, 200)
            if u == uc_q:
                continue
            chord = (max(u, 0) - max(uc_q, 0)) / (u - uc_q)
            assert sigma.lower() <= to_arb(chord) <= sigma.upper(), (u, chord, sigma)
        assert isinstance(sigma, arb) and sigma.is_finite()


@pytest.mark.parametrize("a, b, c, d", [
    (F(0), F(1, 1024), F(1, 10), F(1, 8)), (F(0), F(1, 3), F(0), F(1, 5)),
    (F(1, 7), F(2, 7), F(0), F(1, 64)), (F(0), F(1, 2 ** 20), F(1, 2), F(1)),
])
def test_sqrt_chord_slopes_reach_an_axis(a, b, c, d):
    """sqrt(x0*x1) on boxes touching an axis (no series, no bounded derivative there): the slope
    integral contains the exact ∫ = (2/3)(b^1.5 − a^1.5)·(2/3)(d^1.5 − c^1.5) and is narrower
    than range × volume (by 20% or more where the box touches only one axis)."""
    import mpmath
    mpmath.mp.dps = 40
    box = ((a, b), (c, d))
    q = lambda v: mpmath.mpf(v.numerator) / v.denominator  # noqa: E731
    exact = (mpmath.mpf(2) / 3) ** 2 * (q(b) ** 1.5 - q(a) ** 1.5) * (q(d) ** 1.5 - q(c) ** 1.5)
    with precision(128):
        enc = slope_integral(_program("sqrt(x0*x1)", 2), box)
        assert mpmath.mpf(enc.lower().str(40, radius=False)) <= exact
        assert exact <= mpmath.mpf(enc.upper().str(40, radius=False))
        top = mpmath.sqrt(q(b) * q(d)) * (q(b) - q(a)) * (q(d) - q(c))  # range × volume width
        assert mpmath.mpf(2 * enc.rad()) < (1 if a == c == 0 else 0.8) * top
