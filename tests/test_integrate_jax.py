"""verinum.integrate with backend "jax" and "auto" in n-D, where JAX chooses how to cut the
pieces that have kinks (verinum.integrate_jax): enclosures contain the exact integral,
certificates pass the independent checker, and an estimator that lies cannot make a result
wrong (every leaf is proven with arb). Also `jax_backend.mean_estimates` against proven means,
and `integrate_jax.partition` tiling its boxes exactly."""
import math
import random
import warnings
from fractions import Fraction

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from verinum import integrate_jax, integration
from verinum.checker import check
from verinum.checker.integral import check_tiling
from verinum.errors import InputError
from verinum.integration import integrate
from verinum.integrate_pieces import volume
from verinum.tracing import to_expression

jax_backend = pytest.importorskip("verinum.jax_backend")
pytestmark = pytest.mark.skipif(not jax_backend.available(), reason="JAX self-test failed")


def kinked(x):
    """∫ over [0, 1]^2 = 1/3 + 1/6 = 1/2."""
    return jnp.abs(x[0] - x[1]) + jax.nn.relu(x[0] + x[1] - 1)


def contains(result, value):
    return Fraction(result.lo) <= value <= Fraction(result.hi)


@pytest.fixture(scope="module")
def kinked_jax():
    return integrate(kinked, [(0, 1), (0, 1)], tol=1e-4, backend="jax")


def test_jax_cuts_kinks_and_certificate_is_accepted(kinked_jax):
    r = kinked_jax
    assert r.status == "ok" and r.width <= 1e-4
    assert contains(r, Fraction(1, 2))
    assert r.stats["backend"] == "arb+jax" and r.stats["jax_rounds"] >= 1
    assert r.stats["jax_boxes"] > 100
    verdict = check(r.certificate.data)
    assert verdict.status == "accepted", verdict.message


def test_jax_needs_far_fewer_arb_evaluations_than_arb_alone(kinked_jax):
    arb_only = integrate(kinked, [(0, 1), (0, 1)], tol=1e-4, backend="arb")
    assert arb_only.stats["backend"] == "arb" and contains(arb_only, Fraction(1, 2))
    assert kinked_jax.stats["evaluations"] < 0.9 * arb_only.stats["evaluations"]


@pytest.mark.parametrize("lie", ["zero", "huge", "nan", "random", "reversed"])
def test_a_lying_estimator_cannot_make_the_result_wrong(monkeypatch, lie):
    rng = np.random.default_rng(7)

    def liar(root):
        def estimate(lo, hi):
            m = lo.shape[0]
            if lie == "zero":
                return np.zeros(m), np.zeros(m)
            if lie == "huge":
                return np.full(m, -1e300), np.full(m, 1e300)
            if lie == "nan":
                return np.full(m, np.nan), np.zeros(m)
            if lie == "random":
                a, b = rng.normal(size=m), rng.normal(size=m)
                return a, b
            return np.ones(m), -np.ones(m)
        return estimate
    monkeypatch.setattr(integration, "_jax_estimator", liar)
    with warnings.catch_warnings():  # "huge", "nan" may spend the pieces budget
        warnings.simplefilter("ignore", integration.IntegrationBudgetWarning)
        r = integrate(kinked, [(0, 1), (0, 1)], tol=1e-4, backend="jax", max_pieces=3000)
    assert contains(r, Fraction(1, 2))
    assert r.status == "ok" or (lie in ("huge", "nan") and r.status == "budget")
    assert check(r.certificate.data).status == "accepted"


def test_auto_hands_rough_pieces_to_jax(monkeypatch):
    monkeypatch.setattr(integration, "_AUTO_JAX_AFTER", 0.0)
    monkeypatch.setattr(integration, "_AUTO_JAX_PIECES", 4)
    r = integrate("abs(x0 - x1) + abs(x1 - 1/3)", [(0, 1), (0, 1)], tol=1e-5)
    # ∫|x0 - x1| = 1/3; ∫|x1 - 1/3| = ((1/3)^2 + (2/3)^2)/2 = 5/18
    assert contains(r, Fraction(1, 3) + Fraction(5, 18))
    assert r.stats["backend"] == "arb+jax"
    assert check(r.certificate.data).status == "accepted"


def test_auto_stays_on_arb_for_short_runs():
    r = integrate("abs(x0 - x1)", [(0, 1), (0, 1)], tol=1e-4)
    assert r.stats["backend"] == "arb" and r.stats["jax_rounds"] == 0
    assert contains(r, Fraction(1, 3))


def test_smooth_and_one_dimensional_integrands_stay_on_arb():
    r = integrate("exp(x0)*sin(x1)", [(0, 1), (0, 1)], tol=1e-10, backend="jax")
    assert r.stats["jax_rounds"] == 0  # Gauss pieces everywhere: nothing rough
    r = integrate("abs(x - 1/3)", (0, 1), tol=1e-10, backend="jax")
    assert r.stats["backend"] == "arb" and contains(r, Fraction(5, 18))


def test_time_limit_with_jax_returns_a_proven_enclosure():
    with pytest.warns(integration.IntegrationBudgetWarning):
        r = integrate("abs(x0 - x1) + abs(x0 + x1 - 1)", [(0, 1), (0, 1)], tol=1e-12,
                      backend="jax", time_limit=2)
    assert r.status == "budget" and r.stats["seconds"] < 6
    # ∫|x0 - x1| = 1/3 and ∫|x0 + x1 - 1| = 1/3
    assert contains(r, Fraction(2, 3))


def test_max_pieces_is_respected_with_jax():
    with pytest.warns(integration.IntegrationBudgetWarning):
        r = integrate(kinked, [(0, 1), (0, 1)], tol=1e-12, backend="jax", max_pieces=300)
    assert r.pieces <= 300 and contains(r, Fraction(1, 2))


# -- the estimator ---------------------------------------------------------------------------------
CASES = [
    ("abs(x0 - x1)", [(Fraction(0), Fraction(1))] * 2),
    ("relu(x0 + 2*x1 - 1/2) - relu(x1 - x0)", [(Fraction(-1), Fraction(1))] * 2),
    ("exp(x0)*sin(3*x1) + x0*x1", [(Fraction(-1), Fraction(2))] * 2),
    ("max(x0, x1) * (1 + x1**2)", [(Fraction(-1), Fraction(1))] * 2),
]


@pytest.mark.parametrize("expr, domain", CASES)
def test_mean_estimates_hold_the_proven_mean(expr, domain):
    """On random sub-boxes the estimate meets the enclosure of the mean of f proven by arb
    (integrate): a wrong estimate would miss it by more than its width."""
    root, _ = to_expression(expr, len(domain), True)
    rnd = random.Random(expr)
    for _ in range(4):
        box = []
        for lo, hi in domain:
            a, b = sorted(rnd.sample(range(65), 2))
            box.append((lo + (hi - lo) * Fraction(a, 64), lo + (hi - lo) * Fraction(b, 64)))
        m_lo, m_hi = jax_backend.mean_estimates(root, np.array([[float(a) for a, _ in box]]),
                                                np.array([[float(b) for _, b in box]]))
        vol = volume(box)
        proof = integrate(expr, box, tol=1e-5 * float(vol), backend="arb")
        slack = 1e-12 * (1 + abs(m_lo[0]) + abs(m_hi[0]))
        assert m_lo[0] - slack <= Fraction(proof.hi) / vol
        assert Fraction(proof.lo) / vol <= m_hi[0] + slack
        assert proof.width / float(vol) < 0.1 * (m_hi[0] - m_lo[0]) or \
            m_hi[0] - m_lo[0] < 1e-9  # the test can fail: the proof is much narrower


def test_mean_estimates_are_exact_where_f_is_affine():
    root, _ = to_expression("relu(x0 - x1) + 2*x0", 2, True)
    lo, hi = np.array([[0.5, 0.0], [-1.0, 0.0]]), np.array([[1.0, 0.25], [-0.5, 0.5]])
    m_lo, m_hi = jax_backend.mean_estimates(root, lo, hi)
    # box 0: x0 > x1 throughout, f = 3 x0 - x1, mean 3*0.75 - 0.125; box 1: f = 2 x0, mean -1.5
    assert m_hi[0] - m_lo[0] < 1e-12 and abs(m_lo[0] - 2.125) < 1e-12
    assert m_hi[1] - m_lo[1] < 1e-12 and abs(m_lo[1] + 1.5) < 1e-12


# -- the partition ---------------------------------------------------------------------------------
def _diagonal_estimate(lo, hi):
    """A made-up estimate: the box's distance to the diagonal, small away from it."""
    d = np.maximum(0.0, np.max(lo - hi[:, ::-1], axis=1))
    w = np.max(hi - lo, axis=1)
    return np.zeros(len(lo)), w / (1 + 100 * d)


@pytest.mark.parametrize("max_splits", [0, 1, 37, 3000])
def test_partition_tiles_every_box_exactly(max_splits):
    boxes = [[(Fraction(0), Fraction(1, 3)), (Fraction(0), Fraction(1))],
             [(Fraction(1, 3), Fraction(1)), (Fraction(-1, 7), Fraction(1))]]
    widths = integrate_jax.estimate_widths(_diagonal_estimate, boxes)
    leaves, splits, _ = integrate_jax.partition(_diagonal_estimate, boxes, widths, [1, 1],
                                                1e-4, max_splits, None)
    assert splits <= max_splits
    assert sum(len(parts) for parts in leaves) == len(boxes) + splits
    for box, parts in zip(boxes, leaves):
        check_tiling(tuple(box), parts)  # inside, disjoint, volumes sum exactly: else raises


def test_partition_stops_splitting_boxes_it_cannot_bound():
    def nothing(lo, hi):
        return np.full(len(lo), -np.inf), np.full(len(lo), np.inf)
    boxes = [[(Fraction(0), Fraction(1)), (Fraction(0), Fraction(1))]]
    leaves, splits, _ = integrate_jax.partition(nothing, boxes, [math.inf], [1], 1e-3, 10 ** 6,
                                                None)
    assert 0 < splits < 2 ** (integrate_jax._MAX_UNBOUNDED + 1)
    assert sum(volume(p) for p in leaves[0]) == 1


def test_jax_is_not_started_without_time_to_compile():
    """A first JAX round needs _JAX_COMPILE_ROOM seconds left: a short time limit stays on arb
    (the self-test and compilation would overrun it)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", integration.IntegrationBudgetWarning)
        r = integrate("abs(x0 + x1 + x2 - 1/3) * exp(x0*x1)", [(0, 1)] * 3, tol=1e-14,
                      time_limit=integration._JAX_COMPILE_ROOM / 2, backend="jax")
    assert r.stats["jax_rounds"] == 0 and r.stats["backend"] == "arb"


def test_backend_label_says_arb_where_jax_is_unavailable(monkeypatch):
    monkeypatch.setattr(integration, "_jax_estimator", lambda root: None)
    r = integrate("abs(x0 - x1)", [(0, 1), (0, 1)], tol=1e-4, backend="jax")
    assert r.stats["backend"] == "arb" and r.stats["jax_rounds"] == 0
    assert contains(r, Fraction(1, 3))


def test_mean_estimates_reject_bad_input():
    root, _ = to_expression("abs(x0 - x1)", 2, True)
    with pytest.raises(InputError, match="expects an expression"):
        jax_backend.mean_estimates("abs(x0 - x1)", np.zeros((1, 2)), np.ones((1, 2)))
    with pytest.raises(InputError, match="NaN"):
        jax_backend.mean_estimates(root, np.array([[0.0, np.nan]]), np.ones((1, 2)))
    with pytest.raises(InputError, match="reversed"):
        jax_backend.mean_estimates(root, np.ones((1, 2)), np.zeros((1, 2)))
