"""1-D kinks (abs, relu, min, max): the refiner cuts short pieces around the zeros of their
arguments and proves the argument's sign on the smooth pieces between. Enclosures contain
40-digit references, the independent checker accepts the certificates, and a sign is never
claimed where the argument changes sign."""
from fractions import Fraction

import mpmath
import pytest
from flint import arb

from verinum import tracing
from verinum.checker import check
from verinum import rounding
from verinum.integrate_kinks import (
    kink_arguments, kink_cuts, kink_zeros, exact_zero, partial_series,
)
from verinum.integrate_pieces import series_piece, CannotBound
from verinum.integration import integrate
from verinum.rounding import to_arb

mp = mpmath.mp
mp.dps = 40


def quad(f, *points):
    with mpmath.workdps(40):
        return mpmath.quad(f, list(points))


def root_of(text):
    return tracing.to_expression(text, 1, False, None)[0]


def _min_reference():
    # ∫_0^0.9 min(x, 1 − x) = ∫_0^0.5 x + ∫_0.5^0.9 (1 − x) = 1/8 + 0.4 − (0.81 − 0.25)/2
    return mpmath.mpf(1) / 8 + mpmath.mpf("0.4") - (mpmath.mpf("0.81") - mpmath.mpf("0.25")) / 2


CASES = [  # f, domain, reference, most pieces expected with kink cuts
    ("abs(x-1/3)", (0, 1), lambda: mpmath.mpf(5) / 18, 6),
    ("relu(x-1/2)**2", (0, 1), lambda: mpmath.mpf(1) / 24, 6),
    ("max(sin(x), cos(x))", (0, 6),
     lambda: quad(lambda x: max(mpmath.sin(x), mpmath.cos(x)), 0, mp.pi / 4, 5 * mp.pi / 4, 6), 12),
    ("min(x, 1-x)", ("0", "0.9"), _min_reference, 8),
    ("abs(sin(10*x))", (0, 3),  # kink at the domain end 0 as well
     lambda: quad(lambda x: abs(mpmath.sin(10 * x)), *([0] + [k * mp.pi / 10 for k in range(1, 10)] + [3])),
     40),
    ("abs(abs(x)-1/2)", (-1, 1), lambda: mpmath.mpf(1) / 2, 16),  # nested kinks
]


@pytest.mark.parametrize("f, domain, reference, most", CASES)
def test_kinked_integrals_contain_reference_with_few_pieces(f, domain, reference, most):
    result = integrate(f, domain, tol=1e-12)
    assert result.status == "ok"
    assert mpmath.mpf(result.lo) <= reference() <= mpmath.mpf(result.hi)
    assert result.pieces <= most
    assert check(result.certificate.data).status == "accepted"


def test_double_zero_falls_back_to_bisection():
    """(x − 1/3)² has no sign change: no cut is found, the enclosure is still proven."""
    result = integrate("abs((x-1/3)**2 - 1/1000000)", (0, 1), tol=1e-10)
    reference = quad(lambda x: abs((x - mpmath.mpf(1) / 3) ** 2 - mpmath.mpf(10) ** -6),
                     0, mpmath.mpf(1) / 3 - mpmath.mpf(1) / 1000, mpmath.mpf(1) / 3 + mpmath.mpf(1) / 1000, 1)
    assert mpmath.mpf(result.lo) <= reference <= mpmath.mpf(result.hi)


def test_kink_zeros_and_cuts():
    root = root_of("max(sin(x), cos(x))")
    with rounding.precision():
        zeros, flat = kink_zeros(root, kink_arguments(root), Fraction(0), Fraction(6))
        assert [float(z) for z in zeros] == pytest.approx([float(mp.pi / 4), float(5 * mp.pi / 4)], abs=1e-15)
        assert not any(exact_zero(kink_arguments(root), z) for z in zeros)
        delta = Fraction(1, 2 ** 30)
        cuts = kink_cuts(zeros, Fraction(0), Fraction(6), delta)
    assert len(cuts) == 4 and cuts == sorted(cuts) and 0 < cuts[0] and cuts[-1] < 6
    for z, (p1, p2) in zip(zeros, [cuts[:2], cuts[2:]]):
        assert p1 + delta <= z <= p2 - delta and p2 - p1 <= 5 * delta
        assert p1.denominator & (p1.denominator - 1) == 0  # dyadic


def test_exact_zeros_are_cut_at_exactly():
    """relu(x − 1/2) is exactly 0 at the sample 1/2 and sin(10x) at 0: one cut at 1/2, none
    at the domain end; x − 1/3 is not 0 at any dyadic."""
    root = root_of("relu(x-1/2)**2 + abs(sin(10*x))")
    kinks = kink_arguments(root)
    with rounding.precision():
        zeros, flat = kink_zeros(root, kinks, Fraction(0), Fraction(1, 4) * 3)
        exact = {z for z in flat if exact_zero(kinks, z)}
        assert {Fraction(0), Fraction(1, 2)} <= exact
        assert Fraction(1, 2) in kink_cuts(zeros, Fraction(0), Fraction(3, 4), Fraction(1, 2 ** 30), exact)
        root = root_of("abs(x-1/3)")
        zeros, flat = kink_zeros(root, kink_arguments(root), Fraction(0), Fraction(1))
        assert len(zeros) == 1 and not exact_zero(kink_arguments(root), zeros[0])


@pytest.mark.parametrize("f, domain, reference, pieces", [
    ("relu(x-1/2)**2", (0, 1), mpmath.mpf(1) / 24, 2),
    ("abs(x-1/4) + abs(x-3/4)", (0, 1), mpmath.mpf(5) / 8, 3),
    ("min(x, 1/2)", (0, 1), mpmath.mpf(3) / 8, 2),
])
def test_exact_kinks_need_no_piece_around_them(f, domain, reference, pieces):
    """Cut exactly at a dyadic zero: the sign of g on the closed pieces beside it holds
    non-strictly (g = 0 at the cut)."""
    result = integrate(f, domain, tol=1e-12)
    assert mpmath.mpf(result.lo) <= reference <= mpmath.mpf(result.hi)
    assert result.pieces == pieces
    assert check(result.certificate.data).status == "accepted"


def test_cuts_at_an_end_and_inside_only():
    cuts = kink_cuts([Fraction(0), Fraction(1, 3)], Fraction(0), Fraction(1), Fraction(1, 1024))
    assert cuts[0] > 0 and cuts[0] <= Fraction(3, 1024)  # short piece [0, cut] at the zero 0
    assert all(a < b for a, b in zip(cuts, cuts[1:])) and cuts[-1] < 1


def test_no_sign_claimed_where_the_argument_changes_sign():
    root = root_of("abs(x-1/3)")
    with rounding.precision():
        lo, hi = to_arb(Fraction(0)), to_arb(Fraction(1, 2))
        assert partial_series(root, [lo.union(hi)], 0, 5, (lo, hi)) is None
        with pytest.raises(CannotBound):
            series_piece(root, Fraction(0), Fraction(1, 2), Fraction(1, 4), 12)


def test_sign_proven_next_to_a_kink():
    """On [0, 1/3 − 2^-40] (ball slightly wider than the piece) abs(x − 1/3) = 1/3 − x."""
    root = root_of("abs(x-1/3)")
    hi_q = Fraction(1, 3) - Fraction(1, 2 ** 40)
    with rounding.precision():
        lo, hi = to_arb(Fraction(0)), to_arb(hi_q)
        coeffs = partial_series(root, [lo.union(hi)], 0, 3, (lo, hi))
        assert coeffs is not None and coeffs[1] == -1 and coeffs[2] == 0
        enclosure, _ = series_piece(root, Fraction(0), hi_q, hi_q / 2, 12)
        assert enclosure.contains(to_arb(Fraction(1, 3) * hi_q - hi_q ** 2 / 2))
        assert enclosure.rad() < 1e-30


@pytest.mark.parametrize("rule", ["tanh", "sigmoid", "softplus"])
def test_ode_series_over_a_ball_encloses_point_coefficients(rule):
    """The ODE series of tanh/sigmoid/softplus over a ball contains the Taylor coefficients of
    f(20x − 7) at points of the ball (mpmath, 40 digits)."""
    from verinum.rules import unary_rule
    from flint import arb_series
    funcs = {"tanh": mpmath.tanh, "sigmoid": lambda y: 1 / (1 + mpmath.exp(-y)),
             "softplus": lambda y: mpmath.log(1 + mpmath.exp(y))}
    with rounding.precision():
        ball = arb("0.3").union(arb("0.4"))
        series = unary_rule(rule).series(20 * arb_series([ball, 1], prec=12) - 7)
        coeffs = series.coeffs()
        for x in ("0.3", "0.33", "0.37", "0.4"):
            taylor = mpmath.taylor(lambda t: funcs[rule](20 * t - 7), mpmath.mpf(x), 11)
            for c, t in zip(coeffs, taylor):
                assert c.overlaps(arb(mpmath.nstr(t, 40), 1e-30))


@pytest.mark.parametrize("f, lo, hi, sign", [
    ("x-1/2", "0", "1/2", -1), ("x-1/2", "1/2", "1", 1), ("x-1/2", "0", "1", 0),  # monotone
    ("1/2-x", "0", "1/2", 1), ("1/2-x", "1/2", "1", -1),
    ("sin(x)-cos(x)", "0.7854", "3.9269", 1),      # halving: g' changes sign inside
    ("sin(x)-cos(x)", "0.78", "3.9269", 0),        # a zero (pi/4) inside
    ("(x-1/3)**2-1/1000000", "0", "1", 0),         # two zeros, g not monotone
])
def test_sign_over_proves_only_true_signs(f, lo, hi, sign):
    """`_sign_over` (via the kink series of abs(g)) proves g ≥ 0 or g ≤ 0 exactly where it
    holds; the one-end check of a monotone g uses the end where g is smallest (largest)."""
    from verinum.integrate_kinks import _sign_over
    g = root_of(f)
    with rounding.precision():
        ends = to_arb(Fraction(lo)), to_arb(Fraction(hi))
        over = partial_series(g, [ends[0].union(ends[1])], 0, 2)
        assert _sign_over(g, ends, over[0], over[1], 4) == sign
    if sign:  # the claimed sign holds at 200 points of the piece (mpmath, 40 digits)
        a, b = mpmath.mpf(Fraction(lo).numerator) / Fraction(lo).denominator, \
            mpmath.mpf(Fraction(hi).numerator) / Fraction(hi).denominator
        fn = {"x-1/2": lambda x: x - mpmath.mpf(1) / 2, "1/2-x": lambda x: mpmath.mpf(1) / 2 - x,
              "sin(x)-cos(x)": lambda x: mpmath.sin(x) - mpmath.cos(x)}[f]
        assert all(sign * fn(a + (b - a) * k / 199) >= 0 for k in range(200))


def test_lower_degree_for_a_looser_target_still_encloses():
    """series_piece stops at the first degree whose remainder estimate meets the target:
    fewer terms for a looser target, and both enclosures contain the integral."""
    root = root_of("max(sin(x), cos(x))")
    lo, hi = Fraction(3217, 4096), Fraction(16084, 4096)  # cos < sin on the whole piece
    exact = mpmath.cos(mpmath.mpf(3217) / 4096) - mpmath.cos(mpmath.mpf(16084) / 4096)
    with rounding.precision():
        tight, d_tight = series_piece(root, lo, hi, (lo + hi) / 2, 24)
        loose, d_loose = series_piece(root, lo, hi, (lo + hi) / 2, 24, 1e-10)
        reference = arb(mpmath.nstr(exact, 40)) + arb(0, 1e-38)
        assert all(ball.contains(reference) for ball in (tight, loose))
    assert d_loose < d_tight
    assert loose.rad() < 1e-10 and tight.rad() < loose.rad()


@pytest.mark.parametrize("delta", [Fraction(1, 2 ** 30), Fraction(3, 2 ** 31),
                                   Fraction(1, 3 * 2 ** 29), Fraction(5), Fraction(8)])
def test_cuts_hold_the_zero_at_least_delta_inside(delta):
    z = Fraction(7, 3)
    cuts = kink_cuts([z], Fraction(-100), Fraction(100), delta)
    assert len(cuts) == 2 and cuts[0] + delta <= z <= cuts[1] - delta
    assert Fraction(5, 2) * delta < cuts[1] - cuts[0] <= 5 * delta
