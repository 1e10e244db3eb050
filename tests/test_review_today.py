"""Regressions from the adversarial review of the JAX fast path and minimize's "auto" hand-over
(quadratic_min, relu pullback, affine fast path, thread-split batches, auto -> JAX)."""
import types

import numpy as np

from verinum import minimization
from verinum.minimization import minimize

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
