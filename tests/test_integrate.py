"""`verinum.integrate`: enclosures contain 40-digit mpmath reference values, budgets, errors and
certificates checked by the independent checker."""
import json
import math
import time
import warnings
from fractions import Fraction

import mpmath
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import verinum
from verinum import DomainError, InputError
from verinum.certificate_format import decode_exact, encode_exact, seal
from verinum.checker import check
from verinum.integration import IntegrationBudgetWarning, integrate

mp = mpmath.mp
mp.dps = 40


def contains(result, reference):
    """The float enclosure contains the mpmath reference (floats compare exactly as mpf)."""
    return mpmath.mpf(result.lo) <= reference <= mpmath.mpf(result.hi)


def quad(f, *breakpoints):
    with mpmath.workdps(40):
        return mpmath.quad(f, list(breakpoints))


ONE_D = [  # (f, domain, reference): smooth, peaky, oscillatory, kinks, endpoint, long range
    ("exp(x)*sin(x)", (0, 1), lambda: (mp.e * (mpmath.sin(1) - mpmath.cos(1)) + 1) / 2),
    ("1/(1+10000*x**2)", (-1, 1), lambda: mpmath.atan(100) / 50),
    ("sin(50*x)", (0, 3), lambda: (1 - mpmath.cos(150)) / 50),
    ("abs(x-1/3)", (0, 1), lambda: mpmath.mpf(5) / 18),
    ("max(sin(x), cos(x))", (0, 6),
     lambda: quad(lambda x: max(mpmath.sin(x), mpmath.cos(x)), 0, mp.pi / 4, 5 * mp.pi / 4, 6)),
    ("sqrt(x)", (0, 1), lambda: mpmath.mpf(2) / 3),
    ("exp(-x**2)", (-10, 10), lambda: mpmath.sqrt(mp.pi) * mpmath.erf(10)),
    ("log(1+x)*atan(x)", (0, 2), lambda: quad(lambda x: mpmath.log(1 + x) * mpmath.atan(x), 0, 2)),
    ("exp(x)", ("1/3", 1), lambda: mp.e - mpmath.exp(mpmath.mpf(1) / 3)),
]


@pytest.mark.parametrize("f, domain, reference", ONE_D, ids=[c[0] for c in ONE_D])
def test_one_dimensional_enclosures_contain_reference(f, domain, reference):
    result = integrate(f, domain, tol=1e-12)
    assert result.status == "ok"
    assert result.hi - result.lo <= 1e-12
    assert contains(result, reference())
    assert result.lo <= result.value <= result.hi


MULTI_D = [
    ("exp(-x0**2-x1**2)", [(-1, 1), (-1, 1)], 1e-8,
     lambda: (mpmath.sqrt(mp.pi) * mpmath.erf(1)) ** 2),
    ("exp(x0*x1*x2)", [(0, 1)] * 3, 1e-8,
     lambda: mpmath.nsum(lambda k: 1 / (mpmath.factorial(k) * (k + 1) ** 3), [0, mpmath.inf])),
    ("sin(x0+x1)*cos(x2)", [(0, 2), (0, "1/3"), (-1, 1)], 1e-8,
     lambda: (mpmath.sin(2) - mpmath.sin(mpmath.mpf(7) / 3) + mpmath.sin(mpmath.mpf(1) / 3))
     * 2 * mpmath.sin(1)),
    ("abs(x0-x1)", [(0, 1), (0, 1)], 1e-3, lambda: mpmath.mpf(1) / 3),
]


@pytest.mark.parametrize("f, box, tol, reference", MULTI_D, ids=[c[0] for c in MULTI_D])
def test_box_enclosures_contain_reference(f, box, tol, reference):
    result = integrate(f, box, tol=tol)
    assert result.status == "ok"
    assert result.hi - result.lo <= tol
    assert contains(result, reference())


def test_callables_and_variable_names():
    one = integrate(lambda x: verinum.exp(-x * x), (0, 2), tol=1e-12)
    assert contains(one, mpmath.sqrt(mp.pi) / 2 * mpmath.erf(2))
    two = integrate(lambda x: x[0] * verinum.exp(x[1]), [(0, 1), (0, 1)], tol=1e-10)
    assert contains(two, (mp.e - 1) / 2)
    named = integrate("u*exp(v)", [(0, 1), (0, 1)], variables=["u", "v"], tol=1e-10)
    assert contains(named, (mp.e - 1) / 2)
    assert named.certificate.data["problem"]["variables"] == ["u", "v"]


def test_relative_tolerance_is_for_the_total():
    result = integrate("exp(x)", (0, 30), tol=0, rel_tol=1e-12)
    truth = mpmath.exp(30) - 1
    assert result.status == "ok" and contains(result, truth)
    assert result.hi - result.lo <= 1e-12 * float(truth)
    assert result.hi - result.lo > 1e-10  # an absolute 1e-10 is not what was asked


def test_exact_endpoints():
    decimal = integrate("x", (0, "0.1"), tol=1e-15)
    binary = integrate("x", (0, 0.1), tol=1e-15)
    assert decimal.certificate.data["problem"]["domain"] == [["0", "1/10"]]
    assert binary.certificate.data["problem"]["domain"] == [["0", encode_exact(Fraction(0.1))]]
    assert contains(decimal, mpmath.mpf(1) / 200)
    assert contains(binary, mpmath.mpf(0.1) ** 2 / 2)


@given(a=st.fractions(-4, 4, max_denominator=8).filter(lambda a: a != 0),
       lo=st.fractions(-3, 3, max_denominator=12), width=st.fractions("1/64", 3, max_denominator=64))
@settings(max_examples=20, deadline=None)
def test_random_exponentials(a, lo, width):
    hi = lo + width
    result = integrate(f"exp({a.numerator}/{a.denominator}*x)", (str(lo), str(hi)), tol=1e-12,
                       rel_tol=1e-12)
    am, lom, him = (mpmath.mpf(q.numerator) / q.denominator for q in (a, lo, hi))
    assert contains(result, (mpmath.exp(am * him) - mpmath.exp(am * lom)) / am)


# -- budgets ----------------------------------------------------------------------------------
def test_budget_returns_proven_enclosure_with_warning():
    with pytest.warns(IntegrationBudgetWarning, match="not reached"):
        result = integrate("exp(-x**2)", (-10, 10), tol=1e-12, max_pieces=3)
    assert result.status == "budget" and result.pieces <= 3
    assert contains(result, mpmath.sqrt(mp.pi) * mpmath.erf(10))
    assert "max_pieces" in result.stats["budget"]


def test_time_limit_is_a_budget():
    with pytest.warns(IntegrationBudgetWarning):
        result = integrate("abs(x0-x1)*exp(x0)", [(0, 1), (0, 1)], tol=1e-12, time_limit=0.2)
    assert result.status == "budget"
    assert contains(result, 3 * mp.e / 2 - mpmath.mpf(7) / 2)  # ∫ e^x (x² - x + 1/2) dx


def test_progress_is_updated():
    class Recorder:
        def __init__(self):
            self.lines, self.closed = [], False

        def update(self, text):
            self.lines.append(text)

        def close(self):
            self.closed = True

    recorder = Recorder()
    integrate("sqrt(x)", (0, 1), tol=1e-12, progress=recorder)
    assert recorder.closed and recorder.lines and "pieces" in recorder.lines[-1]


# -- errors -----------------------------------------------------------------------------------
@pytest.mark.parametrize("domain, message", [
    ((1, 0), "reversed"),
    ((1, 1), "empty"),
    ((0, math.inf), "improper"),
    (("-inf", 0), "improper"),
    ((math.nan, 1), "nan"),
    ([(0, 1), (2, 2)], "empty"),
])
def test_bad_domains(domain, message):
    with pytest.raises(InputError, match=message):
        integrate("exp(x)", domain)


@pytest.mark.parametrize("f, near", [
    ("log(x)", "x = 0:"), ("1/(x-0.5)", "x = 0.5:"), ("1/(x-1/3)", "x = 1/3:"),
])
def test_unbounded_integrands_raise_quickly(f, near):
    start = time.monotonic()
    with pytest.raises(DomainError, match="not bounded near") as info:
        integrate(f, (0, 1), tol=1e-10)
    assert near in str(info.value)
    assert time.monotonic() - start < 5


def test_undefined_region_in_a_box_raises():
    with pytest.raises(DomainError, match="sqrt"):
        integrate("sqrt(1-x0**2-x1**2)", [(-1, 1), (-1, 1)], tol=1e-6)


@pytest.mark.parametrize("options, message", [
    ({"tol": -1}, "tol"), ({"tol": 0}, "positive"), ({"rel_tol": math.nan}, "rel_tol"),
    ({"max_pieces": 0}, "max_pieces"), ({"time_limit": 0}, "time_limit"),
    ({"backend": "gpu"}, "backend"),
])
def test_bad_options(options, message):
    with pytest.raises(InputError, match=message):
        integrate("x", (0, 1), **options)


# -- certificates -----------------------------------------------------------------------------
def _tiles_exactly(cert):
    domain = [(decode_exact(lo), decode_exact(hi)) for lo, hi in cert["problem"]["domain"]]
    volume = sum(math.prod(decode_exact(hi) - decode_exact(lo) for lo, hi in p["box"])
                 for p in cert["evidence"]["pieces"])
    return volume == math.prod(hi - lo for lo, hi in domain)


@pytest.mark.parametrize("f, domain", [
    ("exp(x)*sin(x)", (0, 1)), ("sqrt(x)", (0, 1)), ("abs(x-1/3)", (0, 1)),
    ("exp(x)", ("1/3", 1)), ("1/(1+10000*x**2)", (-1, 1)),
])
def test_certificates_are_accepted(f, domain, tmp_path):
    result = integrate(f, domain, tol=1e-12)
    cert = result.certificate
    claim = cert.data["claim"]
    assert (decode_exact(claim["lower"]), decode_exact(claim["upper"])) == \
        (Fraction(result.lo), Fraction(result.hi))
    assert _tiles_exactly(cert.data)
    verdict = check(str(cert.save(tmp_path / "integral.json")))
    assert verdict.status == "accepted", verdict.message


def test_box_certificate_is_accepted():
    result = integrate("x0+2*x1", [(0, 1), (0, "1/3")], tol=1e-10)
    assert contains(result, mpmath.mpf(1) / 6 + mpmath.mpf(1) / 9)
    assert result.certificate.check().status == "accepted"


def test_tampered_certificates_are_rejected():
    data = json.loads(json.dumps(integrate("exp(x)*sin(x)", (0, 1), tol=1e-12).certificate.data))
    data["claim"]["upper"] = encode_exact(Fraction(9, 10))  # the truth is 0.9093...
    data["claim"]["lower"] = encode_exact(Fraction(8, 10))
    assert check(data).status == "malformed"  # the seal no longer matches
    del data["sha256"]
    assert check(seal(data)).status == "rejected"


# -- the disc (Cauchy) method: every complex operation, branch cuts and poles near the piece ---
DISC = [  # each needs a holomorphic extension that avoids a cut, a pole or a kink nearby
    ("sqrt(x+1/4)", (0, 1), lambda: (mpmath.mpf(5) / 4) ** 1.5 * 2 / 3 - mpmath.mpf(1) / 12),
    ("log(x+1/8)", (0, 1), lambda: quad(lambda x: mpmath.log(x + mpmath.mpf(1) / 8), 0, 1)),
    ("log1p(x)", (0, 3), lambda: 4 * mpmath.log(4) - 3),
    ("atan(3*x)", (-2, 2), lambda: mpmath.mpf(0)),
    ("atan(3*x)", (-1, 2), lambda: quad(lambda x: mpmath.atan(3 * x), -1, 0, 2)),
    ("(x+1/2)**(1/3)", (0, 1), lambda: ((mpmath.mpf(3) / 2) ** (mpmath.mpf(4) / 3)
                                         - (mpmath.mpf(1) / 2) ** (mpmath.mpf(4) / 3)) * 3 / 4),
    ("x**x", ("1/8", 2), lambda: quad(lambda x: x ** x, mpmath.mpf(1) / 8, 2)),
    ("tan(x)", (0, "3/2"), lambda: -mpmath.log(mpmath.cos(mpmath.mpf(3) / 2))),
    ("1/(1+25*x**2)", (-1, 1), lambda: 2 * mpmath.atan(5) / 5),
    ("tanh(30*x-1)", (-1, 1), lambda: (mpmath.log(mpmath.cosh(29)) - mpmath.log(mpmath.cosh(31))) / 30),
    ("sigmoid(8*x)+softplus(3*x)+swish(x)", (-2, 2), lambda: quad(
        lambda x: 1 / (1 + mpmath.exp(-8 * x)) + mpmath.log(1 + mpmath.exp(3 * x))
        + x / (1 + mpmath.exp(-x)), -2, 0, 2)),
    ("erf(4*x)*expm1(x)+cosh(x)-sinh(x)", (-1, 1), lambda: quad(
        lambda x: mpmath.erf(4 * x) * mpmath.expm1(x) + mpmath.exp(-x), -1, 0, 1)),
    ("abs(x-3)+relu(x-5)+max(x, 2-x)+min(x, -1)", (0, "1/2"), lambda: mpmath.mpf(3) / 2
     - mpmath.mpf(1) / 8 + (2 * mpmath.mpf(1) / 2 - mpmath.mpf(1) / 8) - mpmath.mpf(1) / 2),
    ("cos(100*x)*exp(-x)", (0, 2),
     lambda: mpmath.re((mpmath.exp(mpmath.mpc(-1, 100) * 2) - 1) / mpmath.mpc(-1, 100))),
    ("sqrt(1-x**2)", (-1, 1), lambda: mp.pi / 2),
]


@pytest.mark.parametrize("f, domain, reference", DISC, ids=[f"{c[0]} {c[1]}" for c in DISC])
def test_disc_pieces_contain_reference_and_are_accepted(f, domain, reference):
    result = integrate(f, domain, tol=1e-12)
    assert result.status == "ok" and result.hi - result.lo <= 1e-12
    assert contains(result, reference())
    assert check(result.certificate.data).status == "accepted"


@pytest.mark.parametrize("f, center, radius", [
    ("sqrt(x)", "1/2", "3/4"),         # the disc reaches the cut (-inf, 0]
    ("log(x)", "1", "1"),              # touches the branch point
    ("x**(1/3)", "1/4", "1/2"),
    ("atan(x)", "0", "2"),             # contains the branch points ±i
    ("atan(x)", "0", "1"),             # touches them
    ("abs(x-1)", "0", "2"),            # the kink's line Re z = 1
    ("relu(x)", "1/2", "1"),
    ("max(x, 1-x)", "0", "1"),
    ("1/x", "1", "1"),                 # a pole on the circle
    ("tan(x)", "1", "1"),              # the pole pi/2 inside
    ("log1p(x)", "0", "1"),
    ("softplus(x)", "0", "4"),         # 1 + e^z = 0 at z = ±i·pi
])
def test_disc_bound_refuses_cuts_poles_and_kinks(f, center, radius):
    from verinum import rounding, tracing
    from verinum.integrate_disc import disc_bound
    from verinum.rounding import to_arb
    root, _ = tracing.to_expression(f, 1, False, None)
    with rounding.precision():
        assert disc_bound(root, to_arb(Fraction(center)), float(Fraction(radius))) is None


@pytest.mark.parametrize("f, mp_f", [
    ("sqrt(x+1)", lambda z: mpmath.sqrt(z + 1)), ("atan(x)", mpmath.atan),
    ("abs(x-2)*exp(x)", lambda z: (2 - z) * mpmath.exp(z)),
    ("log(x+2)/(x-3)", lambda z: mpmath.log(z + 2) / (z - 3)),
])
def test_disc_bound_bounds_f_on_the_circle(f, mp_f):
    from verinum import rounding, tracing
    from verinum.integrate_disc import disc_bound
    from verinum.rounding import to_arb
    root, _ = tracing.to_expression(f, 1, False, None)
    with rounding.precision():
        m = disc_bound(root, to_arb(Fraction(1, 4)), 0.75)
    assert m is not None
    largest = max(abs(mp_f(mpmath.mpf(1) / 4 + 0.75 * mpmath.expjpi(mpmath.mpf(k) / 32)))
                  for k in range(64))
    assert largest <= mpmath.mpf(m.upper().str(30, radius=False))


def test_tampered_disc_certificate_is_rejected():
    data = json.loads(json.dumps(integrate("sin(50*x)", (0, 3), tol=1e-12).certificate.data))
    truth = (1 - mpmath.cos(150)) / 50
    del data["sha256"]
    data["claim"]["lower"] = encode_exact(Fraction(float(truth + mpmath.mpf(1e-13))))
    data["claim"]["upper"] = encode_exact(Fraction(float(truth + mpmath.mpf(2e-13))))
    assert check(seal(data)).status == "rejected"


# -- the checker's n-D Gauss rule: per-dimension error terms, as the producer's ---------------
@pytest.mark.parametrize("f, box, reference", [
    ("exp(x0+x1+x2+x3)", [(0, 1)] * 4, lambda: (mp.e - 1) ** 4),
    ("cos(x0*x1*x2)", [(0, 2)] * 3, lambda: mpmath.nsum(
        lambda k: (-1) ** k * 2 ** (6 * k + 3) / (mpmath.factorial(2 * k) * (2 * k + 1) ** 3), [0, mpmath.inf])),
])
def test_box_certificates_are_rechecked_tightly(f, box, reference):
    """The checker re-proves the producer's few pieces without refining them (its Gauss error
    term is as tight as the producer's) and rejects a claim shifted off the truth."""
    result = integrate(f, box, tol=1e-8)
    assert contains(result, reference())
    verdict = check(result.certificate.data)
    assert verdict.status == "accepted", verdict.message
    data = json.loads(json.dumps(result.certificate.data))
    del data["sha256"]
    shift = Fraction(result.hi) - Fraction(result.lo)
    data["claim"]["lower"] = encode_exact(Fraction(result.hi) + shift)  # above the truth
    data["claim"]["upper"] = encode_exact(Fraction(result.hi) + 2 * shift)
    assert check(seal(data)).status == "rejected"


def test_checker_gauss_rule_encloses_exact_integrals():
    """The checker's n-D piece enclosure contains ∫ exp(x0+x1+x2) over small boxes (exact:
    Π (e^b − e^a)) and is narrow."""
    from verinum.checker.evaluate import Program, precision
    from verinum.checker.integral import taylor_integral_nd
    expr = [["var", 0], ["var", 1], ["var", 2], ["add", 0, 1], ["add", 3, 2], ["exp", 4]]
    box = ((Fraction(0), Fraction(1, 2)), (Fraction(-1, 4), Fraction(1, 8)), (Fraction(1), Fraction(3, 2)))
    true = mpmath.fprod(mpmath.exp(mpmath.mpf(b)) - mpmath.exp(mpmath.mpf(a)) for a, b in box)
    for degree in (1, 4, 9, 15):
        with precision(128):
            enclosure = taylor_integral_nd(Program(expr, 3), box, degree)
        lo, hi = (mpmath.mpf(enclosure.lower().str(40, radius=False)),
                  mpmath.mpf(enclosure.upper().str(40, radius=False)))
        assert lo - mpmath.mpf(10) ** -35 <= true <= hi + mpmath.mpf(10) ** -35
    assert hi - lo < 1e-12


def test_budget_exit_keeps_the_range_times_length_bound():
    """Out of pieces on a long oscillatory domain: each piece is still bounded by its range
    times its length, so |∫| ≤ the domain length, never a huge disc bound."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = verinum.integrate("sin(x)", (0, 10 ** 4), max_pieces=100)
    assert result.status == "budget"
    exact = 1 - mpmath.cos(10 ** 4)
    assert result.lo <= exact <= result.hi
    assert result.hi - result.lo <= 2 * 10 ** 4


def test_status_is_ok_when_the_pieces_taken_at_the_budget_exit_meet_tol():
    """Status follows the returned width: "ok" exactly when it meets the tolerance."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = verinum.integrate("sin(x)", (0, 10 ** 4), tol=1e-12)
    assert result.lo <= 1 - mpmath.cos(10 ** 4) <= result.hi
    assert (result.status == "ok") == (result.hi - result.lo <= 1e-12)


def test_smooth_pieces_split_anyway_keep_range_bounds_until_a_budget_exit():
    """A Gauss piece whose error bound alone exceeds the goal is not summed (it will be split);
    a budget exit sums the rule there, so the result stays as tight as before."""
    with pytest.warns(IntegrationBudgetWarning):
        r = integrate("exp(-x0**2 - x1**2 - x2**2)", [(-2, 2)] * 3, tol=1e-12, max_pieces=8)
    assert r.pieces <= 8
    assert all(piece["degree"] > 0 for piece in r.certificate.data["evidence"]["pieces"])
    with mpmath.workdps(30):
        exact = (mpmath.sqrt(mpmath.pi) * mpmath.erf(2)) ** 3
    assert mpmath.mpf(r.lo) <= exact <= mpmath.mpf(r.hi)
    assert check(r.certificate.data).status == "accepted"
