"""verinum.minimize: proven enclosures of global minima, witnesses, budgets, errors, certificates.

References are computed independently with mpmath (40 digits) from the known minimisers.
"""
import copy
import math
from fractions import Fraction

import mpmath as mp
import pytest

import verinum
from verinum.certificate_format import decode_exact, encode_exact, seal
from verinum.checker import check
from verinum.errors import DomainError, InputError
from verinum.minimization import minimize

mp.mp.dps = 40

CAMEL = "(4 - 2.1*x0**2 + x0**4/3)*x0**2 + x0*x1 + (-4 + 4*x1**2)*x1**2"


def camel_mp(x, y):
    return (4 - mp.mpf(21) / 10 * x**2 + x**4 / 3) * x**2 + x * y + (-4 + 4 * y**2) * y**2


def stationary_value(f, start):
    """f at the stationary point of f near `start` (Newton on the gradient, mpmath)."""
    n = len(start)

    def grad(*x):
        return [mp.diff(lambda *y: f(*y), x, tuple(int(k == j) for k in range(n)))
                for j in range(n)]
    if n == 1:
        point = [mp.findroot(lambda x: mp.diff(f, x), mp.mpf(start[0]))]
    else:
        point = list(mp.findroot(grad, [mp.mpf(s) for s in start]))
    return f(*point)


CAMEL_MIN = stationary_value(camel_mp, [-0.0898, 0.7126])


def contains(result, value):
    return mp.mpf(result.lower) <= value <= mp.mpf(result.upper)


def exact_value(f_mp, point):
    return f_mp(*[mp.mpf(Fraction(x).numerator) / Fraction(x).denominator for x in point])


@pytest.fixture(scope="module")
def camel():
    return minimize(CAMEL, [(-3, 3), (-2, 2)], tol=1e-6)


# -- enclosures --------------------------------------------------------------------------------
def test_camel_enclosure_witness_and_gap(camel):
    assert mp.nstr(CAMEL_MIN, 17) == "-1.0316284534898774"
    assert camel.status == "ok"
    assert contains(camel, CAMEL_MIN)
    assert camel.upper - camel.lower <= 1e-6
    assert exact_value(camel_mp, camel.argmin) <= camel.upper  # witness value proven <= upper
    assert camel.stats["boxes"] > 0 and camel.stats["leaves"] == len(camel.leaves)


def test_camel_certificate_accepted(camel, tmp_path):
    cert = camel.certificate
    data = cert.data
    assert data["kind"] == "global-min"
    assert decode_exact(data["claim"]["lower"]) == Fraction(camel.lower)
    assert decode_exact(data["claim"]["upper"]) == Fraction(camel.upper)
    assert [decode_exact(w) for w in data["evidence"]["witness"]] == \
        [Fraction(x) for x in camel.argmin]
    verdict = cert.check()
    assert verdict.status == "accepted", verdict.message
    path = cert.save(tmp_path / "camel.json")
    assert check(str(path)).status == "accepted"


def test_tampered_certificates_rejected(camel):
    data = camel.certificate.data
    raised = copy.deepcopy(data)  # claim.lower above the true minimum, leaves raised to match
    bad_lower = Fraction(-10316, 10000)  # -1.0316 > min f = -1.03162...
    raised["claim"]["lower"] = encode_exact(bad_lower)
    raised["claim"]["upper"] = "0"
    for item in raised["evidence"]["tree"]:
        if item[0] == "leaf" and decode_exact(item[1]) < bad_lower:
            item[1] = encode_exact(bad_lower)
    verdict = check(seal(raised))
    assert verdict.status == "rejected", verdict.message

    moved = copy.deepcopy(data)  # a witness whose value exceeds claim.upper
    moved["evidence"]["witness"] = ["0", "0"]
    assert check(seal(moved)).status == "rejected"


def test_branin_reaches_exact_minimum():
    f = "(x1 - 5.1/(4*pi**2)*x0**2 + 5/pi*x0 - 6)**2 + 10*(1 - 1/(8*pi))*cos(x0) + 10"
    r = minimize(f, [(-5, 10), (0, 15)], tol=1e-8)
    assert contains(r, 5 / (4 * mp.pi))  # min = 10/(8π), e.g. at (π, 2.275)
    assert r.status == "ok" and r.gap <= 1e-8
    assert r.certificate.check().status == "accepted"


@pytest.mark.parametrize("expr, box", [
    ("100*(x1 - x0**2)**2 + (1 - x0)**2", [(-5, 10), (-5, 10)]),           # Rosenbrock
    ("(x0 + 2*x1 - 7)**2 + (2*x0 + x1 - 5)**2", [(-10, 10), (-10, 10)]),  # Booth
    ("0.26*(x0**2 + x1**2) - 0.48*x0*x1", [(-10, 10), (-10, 10)]),        # Matyas
])
def test_zero_minimum_problems(expr, box):
    r = minimize(expr, box, tol=1e-6)
    assert r.status == "ok" and r.lower <= 0 <= r.upper and r.gap <= 1e-6


def test_nonzero_minimiser_found_by_search():
    # Beale-like but shifted off the snapping grid: min 0 at (1/3, 2/7) is not a float
    r = minimize("(x0 - 1/3)**2 + 3*(x1 - 2/7)**2 + (x0 - 1/3)*(x1 - 2/7)",
                 [(-2, 2), (-1, 3)], tol=1e-9)
    assert r.lower <= 0 <= r.upper and r.status == "ok"
    assert r.upper > 0  # the witness is a float, so f(witness) > 0 exactly


def test_three_dimensional_styblinski_tang():
    def st(*x):
        return sum(v**4 - 16 * v**2 + 5 * v for v in x) / 2
    reference = stationary_value(st, [-2.9035] * 3)
    expr = "(" + " + ".join(f"x{i}**4 - 16*x{i}**2 + 5*x{i}" for i in range(3)) + ")/2"
    r = minimize(expr, [(-5, 5)] * 3, tol=1e-4)
    assert contains(r, reference) and r.status == "ok"
    assert r.certificate.check().status == "accepted"


def test_one_dimensional_string_and_callable():
    r = minimize("sin(x) + sin(10*x/3)", (2.7, 7.5), tol=1e-7)
    ref = stationary_value(lambda x: mp.sin(x) + mp.sin(10 * x / 3), [5.1457])
    assert contains(r, ref) and isinstance(r.argmin, float)
    assert r.certificate.check().status == "accepted"

    r = minimize(lambda x: verinum.exp(x) - 2 * x, (0, 2), tol=1e-9)
    assert contains(r, 2 - 2 * mp.log(2))


def test_vector_callable_and_rel_tol():
    gp = ("(1 + (x0 + x1 + 1)**2*(19 - 14*x0 + 3*x0**2 - 14*x1 + 6*x0*x1 + 3*x1**2))"
          "*(30 + (2*x0 - 3*x1)**2*(18 - 32*x0 + 12*x0**2 + 48*x1 - 36*x0*x1 + 27*x1**2))")
    r = minimize(gp, [(-2, 2), (-2, 2)], tol=0, rel_tol=1e-5)  # Goldstein-Price, min 3
    assert contains(r, 3) and r.gap <= 1e-5 * 3 + 1e-12
    r = minimize(lambda x: (x[0] - 1) ** 2 + verinum.cos(x[1]), [("0", "2"), ("0", "4")],
                 tol=1e-7)
    assert contains(r, -1)


def test_subdivision_resolves_spurious_domain_errors():
    # interval evaluation of x² − 2x + 2 on [−3, 3] reaches 0, yet it is ≥ 1
    r = minimize("1/(x**2 - 2*x + 2)", ("-3", "3"), tol=1e-9)
    assert contains(r, mp.mpf(1) / 17)
    assert r.certificate.check().status == "accepted"


# -- budgets ------------------------------------------------------------------------------------
def test_max_boxes_budget_keeps_bounds_correct():
    r = minimize(CAMEL, [(-3, 3), (-2, 2)], tol=1e-9, max_boxes=5)
    assert r.status == "max_boxes" and r.stats["boxes"] <= 5 + 16
    assert contains(r, CAMEL_MIN)
    assert r.certificate.check().status == "accepted"  # a coarse but correct certificate


def test_time_limit_budget():
    r = minimize(CAMEL, [(-3, 3), (-2, 2)], tol=1e-12, time_limit=0.01)
    assert r.status == "time_limit" and contains(r, CAMEL_MIN)


def test_progress_is_reported():
    class Recorder:
        def __init__(self):
            self.lines = []

        def update(self, text):
            self.lines.append(text)
    rec = Recorder()
    minimize(CAMEL, [(-3, 3), (-2, 2)], tol=1e-6, progress=rec)
    assert rec.lines and "gap" in rec.lines[-1] and "boxes left" in rec.lines[-1]


# -- bad input ----------------------------------------------------------------------------------
@pytest.mark.parametrize("box, words", [
    ([(1, 0), (0, 1)], "reversed"),
    ([(0, 0), (0, 1)], "empty"),
    ([(0, float("inf")), (0, 1)], "not a finite number"),
    ([(float("nan"), 1), (0, 1)], "not a finite number"),
    ([], "empty"),
])
def test_bad_boxes(box, words):
    with pytest.raises(InputError, match=words):
        minimize("x0 + x1", box)


@pytest.mark.parametrize("kwargs, words", [
    ({"tol": -1}, "tol"), ({"tol": float("nan")}, "tol"), ({"tol": 0}, "both 0"),
    ({"max_boxes": 0}, "max_boxes"), ({"time_limit": 0}, "time_limit"),
    ({"backend": "gpu"}, "backend"),
])
def test_bad_options(kwargs, words):
    with pytest.raises(InputError, match=words):
        minimize("x**2", (0, 1), **kwargs)


@pytest.mark.parametrize("expr, box, words", [
    ("log(x)", (0, 1), "log"),
    ("1/x", (-1, 1), "division"),
    ("sqrt(x0 - x1)", [(0, 1), (0, 1)], "sqrt"),
])
def test_undefined_functions_raise_domain_error(expr, box, words):
    with pytest.raises(DomainError, match=words):
        minimize(expr, box)


@pytest.mark.parametrize("expr, box, words", [
    ("x0*x1 - 3", [(Fraction(1, 3), 1), (0, 2)], None),             # min -3 at x1 = 0
    ("log(x0) + x1", [(-1, 1), (0, 1)], "log"),
    ("-exp(exp(x0)) + x1", [(0, 10**6), (0, 1)], "interval enclosure of f is not finite"),
])
def test_interval_bound_encloses_or_says_why(expr, box, words):
    from verinum import rounding, tracing
    from verinum.minimize_bounds import interval_bound
    root, _ = tracing.to_expression(expr, 2, True, None)
    with rounding.precision():
        b = interval_bound(root, [(Fraction(lo), Fraction(hi)) for lo, hi in box])
    if words is None:
        assert -3.001 < b.lower <= -3 and b.method == "interval" and b.error == ""
    else:
        assert b.lower is None and words in b.error


# -- plot -------------------------------------------------------------------------------------
def test_plot_leaves(camel, tmp_path):
    pytest.importorskip("matplotlib")
    from verinum.plot import plot_leaves
    out = plot_leaves(camel, tmp_path / "leaves.png")
    assert (tmp_path / "leaves.png").stat().st_size > 1000 and out == tmp_path / "leaves.png"
    one_d = minimize("x**2", (-1, 1))
    with pytest.raises(InputError, match="2-D"):
        plot_leaves(one_d, tmp_path / "x.png")


@pytest.mark.parametrize("name, expr, box", [
    ("Rosenbrock 10-D", " + ".join(f"100*(x{i + 1} - x{i}**2)**2 + (1 - x{i})**2" for i in range(9)),
     [(-5, 10)] * 10),
    ("Rastrigin 10-D", "100 + " + " + ".join(f"x{i}**2 - 10*cos(2*pi*x{i})" for i in range(10)),
     [("-5.12", "5.12")] * 10),
])
def test_ten_dimensional_problems_with_certificates(name, expr, box):
    r = minimize(expr, box, tol=1e-6)
    assert r.status == "ok" and r.lower <= 0 <= r.upper and r.gap <= 1e-6, name
    assert r.certificate.check().status == "accepted"
