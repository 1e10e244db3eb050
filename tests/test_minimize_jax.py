"""verinum.minimize with backend="jax" (the JAX-driven search of verinum.jax_search) and "auto":
enclosures contain mpmath minima, certificates pass the independent checker, budgets give their
statuses, and a JAX bounder that lies cannot make a result wrong (every leaf is re-proved with
arb)."""
import math
import types

import mpmath as mp
import numpy as np
import pytest

from verinum import jax_search, minimization
from verinum.checker import check
from verinum.errors import DomainError
from verinum.minimization import minimize

jax_backend = pytest.importorskip("verinum.jax_backend")
pytestmark = pytest.mark.skipif(not jax_backend.available(), reason="JAX self-test failed")

mp.mp.dps = 40
CAMEL = "(4 - 2.1*x0**2 + x0**4/3)*x0**2 + x0*x1 + (-4 + 4*x1**2)*x1**2"


def camel_min():
    def f(x, y):
        return (4 - mp.mpf(21) / 10 * x**2 + x**4 / 3) * x**2 + x * y + (-4 + 4 * y**2) * y**2

    def grad(x, y):
        return [mp.diff(f, (x, y), (1, 0)), mp.diff(f, (x, y), (0, 1))]
    return f(*mp.findroot(grad, [mp.mpf("-0.0898"), mp.mpf("0.7126")]))


def contains(result, value):
    return mp.mpf(result.lower) <= value <= mp.mpf(result.upper)


@pytest.fixture(scope="module")
def camel_jax():
    return minimize(CAMEL, [(-3, 3), (-2, 2)], tol=1e-6, backend="jax")


def test_jax_search_encloses_minimum_and_certificate_is_accepted(camel_jax):
    r = camel_jax
    assert r.status == "ok" and r.gap <= 1e-6
    assert contains(r, camel_min())
    assert r.stats["jax_boxes"] > 0 and r.stats["jax_boxes"] <= r.stats["boxes"]
    verdict = check(r.certificate.data)
    assert verdict.status == "accepted", verdict.message


def test_jax_three_dimensional_with_irrational_box_ends():
    # min of (x0 - 1/3)^2 + (x1 + 0.1)^2 + cos(x2) on [-0.7, 0.9]^2 x [1, 4]: -1 at x2 = pi
    r = minimize("(x0 - 1/3)**2 + (x1 + 0.1)**2 + cos(x2)", [("-0.7", "0.9")] * 2 + [(1, 4)],
                 tol=1e-7, backend="jax", separable=False)
    assert r.status == "ok" and contains(r, mp.mpf(-1))
    assert check(r.certificate.data).status == "accepted"


def test_auto_hands_long_searches_to_jax(monkeypatch):
    """"auto" switches to the JAX search once arb has run _AUTO_JAX_AFTER seconds with enough
    boxes queued (here at once); the result is still proven and checked."""
    monkeypatch.setattr(minimization, "_AUTO_JAX_AFTER", 0.0)
    monkeypatch.setattr(minimization, "_AUTO_JAX_QUEUE", 1)
    r = minimize(CAMEL, [(-3, 3), (-2, 2)], tol=1e-6, backend="auto")
    assert r.stats["jax_boxes"] > 0
    assert r.status == "ok" and contains(r, camel_min())
    assert check(r.certificate.data).status == "accepted"


def test_auto_equals_arb_on_small_problems():
    a = minimize(CAMEL, [(-3, 3), (-2, 2)], tol=1e-6, backend="auto")
    b = minimize(CAMEL, [(-3, 3), (-2, 2)], tol=1e-6, backend="arb")
    assert a.stats["jax_boxes"] == 0 and (a.lower, a.upper) == (b.lower, b.upper)


def test_jax_max_boxes_budget():
    r = minimize(CAMEL, [(-3, 3), (-2, 2)], tol=1e-12, max_boxes=7, backend="jax")
    assert r.status == "max_boxes" and r.stats["boxes"] <= 7 + 16
    assert contains(r, camel_min())
    assert check(r.certificate.data).status == "accepted"


def test_jax_time_limit_budget():
    r = minimize(CAMEL, [(-3, 3), (-2, 2)], tol=1e-12, time_limit=0.05, backend="jax")
    assert r.status == "time_limit" and contains(r, camel_min())


def test_jax_undefined_function_raises_domain_error():
    with pytest.raises(DomainError, match="log"):
        minimize("log(x0) + x1", [(-1, 1), (0, 1)], backend="jax")


@pytest.mark.parametrize("liar", [
    lambda lo, hi: np.full(len(lo), np.inf),                        # closes every box at once
    lambda lo, hi: np.random.default_rng(len(lo)).normal(size=len(lo)),  # noise
])
def test_lying_jax_bounds_cannot_make_results_wrong(monkeypatch, liar):
    monkeypatch.setattr(minimization, "_jax_bounder", lambda root: liar)
    r = minimize(CAMEL, [(-3, 3), (-2, 2)], tol=1e-6, backend="jax")
    assert contains(r, camel_min()) and r.status == "ok"
    assert check(r.certificate.data).status == "accepted"


def test_split_points_are_short_dyadics_strictly_inside():
    lo = np.array([0.0, -3.0, 1.0, 0.1])
    hi = np.array([1.0, 5.0, np.nextafter(1.0, 2.0), 0.30000000000000004])
    p = jax_search.split_points(lo, hi)
    assert p[0] == 0.5 and p[1] == 0.0 and math.isnan(p[2])  # 0: the shortest in [-1, 3]
    assert lo[3] < p[3] < hi[3] and (hi[3] - p[3]) / (hi[3] - lo[3]) > 0.25


def test_grow_tree_ids_cover_the_box():
    """Every split names an existing box and the leaves tile the starting box."""
    def bound(lo, hi):  # interval bound of x0^2 + x1^2 (exact enough for a tiling test)
        low = np.where((lo <= 0) & (hi >= 0), 0.0, np.minimum(lo**2, hi**2))
        return low.sum(axis=1)

    def evaluate(points):
        return (points**2).sum(axis=0)
    g = jax_search.grow(bound, evaluate, np.array([[-1.0, -2.0]]), np.array([[3.0, 2.0]]),
                        np.array([4.0, 4.0]), lambda v: v - 0.05, 10_000, None)
    boxes = {0: ((-1.0, 3.0), (-2.0, 2.0))}
    for j, (parent, k, p) in enumerate(g.splits):
        box = boxes.pop(parent)
        assert box[k][0] < p < box[k][1]
        boxes[1 + 2 * j] = tuple((a, p) if i == k else (a, b) for i, (a, b) in enumerate(box))
        boxes[2 + 2 * j] = tuple((p, b) if i == k else (a, b) for i, (a, b) in enumerate(box))
    assert g.boxes == len(g.splits) > 0
    area = sum((b[0][1] - b[0][0]) * (b[1][1] - b[1][0]) for b in boxes.values())
    assert area == 16.0 and g.best[0] < 0.05
    leaves = np.array(list(boxes.values()))  # (leaves, 2, 2): the frontier was closed
    assert (bound(leaves[:, :, 0], leaves[:, :, 1]) >= g.best[0] - 0.05).all()


def test_grow_ignores_a_polish_with_nan_coordinates_and_uses_a_good_one():
    def bound(lo, hi):
        low = np.where((lo <= 0) & (hi >= 0), 0.0, np.minimum(lo**2, hi**2))
        return low.sum(axis=1)

    def evaluate(points):
        return (points**2).sum(axis=0) + 1.0
    start = (np.array([[-1.0, -2.0]]), np.array([[3.0, 2.0]]), np.array([4.0, 4.0]))
    bad = jax_search.grow(bound, evaluate, *start, lambda v: v - 0.05, 200, None,
                          polish=lambda p: (-math.inf, [math.nan, 0.0]))
    assert bad.best[0] >= 1.0 and all(map(math.isfinite, bad.best[1]))
    good = jax_search.grow(bound, evaluate, *start, lambda v: v - 0.05, 200, None,
                           polish=lambda p: (1.0, [0.0, 0.0]))
    assert good.best == (1.0, [0.0, 0.0])


SHUBERT = "*".join("(" + " + ".join(f"{j}*cos({j + 1}*x{k} + {j})" for j in range(1, 6)) + ")"
                   for k in range(2))


class _FakeClock:
    """A monotonic clock that moves `tick` seconds per reading, plus what `spend` adds."""

    def __init__(self, tick):
        self.now, self.tick = 0.0, tick

    def monotonic(self):
        self.now += self.tick
        return self.now

    def spend(self, seconds):
        self.now += seconds


def test_auto_does_not_start_jax_when_the_time_limit_leaves_no_room(monkeypatch):
    """"auto" hands the queue to JAX after _AUTO_JAX_AFTER s even when the time limit is
    nearly spent; compiling (1-5 s, here 3 s of a fake clock) then overruns the limit with
    nothing gained (measured: Hartmann 6-D, time_limit=4 s -> 7.1 s, 0 JAX boxes). A run must
    stay within its time limit up to about one batch of arb boxes."""
    clock = _FakeClock(tick=0.05)
    monkeypatch.setattr(minimization, "time", types.SimpleNamespace(monotonic=clock.monotonic))
    monkeypatch.setattr(minimization, "_AUTO_JAX_QUEUE", 1)

    def bounder(root):
        def bound(lo, hi):
            clock.spend(3.0)  # the first call compiles
            return np.full(len(lo), -np.inf)
        return bound
    monkeypatch.setattr(minimization, "_jax_bounder", bounder)
    r = minimize(SHUBERT, [(-10, 10)] * 2, tol=1e-12, backend="auto", time_limit=4.0,
                 separable=False)
    assert r.status == "time_limit"
    assert r.stats["time"] <= 4.0 + 1.0, r.stats
