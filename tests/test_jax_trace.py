"""Tracing jax.numpy functions into the IR: the traced IR is the same function (checked with arb
at exact points against the float value jax computes), and unsupported code fails closed."""
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flint import arb

import verinum
from verinum import ir, rounding, tracing
from verinum.arb_backend import range_eval
from verinum.errors import TracingError, UnsupportedOperationError
from verinum.jax_trace import jax_tracer, trace

jax.config.update("jax_enable_x64", True)

RNG = np.random.default_rng(7)
W1, B1 = RNG.normal(size=(4, 8)) / 2, RNG.normal(size=8)
W2, B2 = RNG.normal(size=(8, 8)) / 3, RNG.normal(size=8)
W3 = RNG.normal(size=8) / 3


def mlp(x):
    h = jax.nn.relu(x @ W1 + B1)
    h = jnp.tanh(h @ W2 + B2)
    return jax.nn.sigmoid(jnp.dot(h, W3))


FUNCTIONS = {
    "logsumexp": (lambda x: jax.scipy.special.logsumexp(x), 4),
    "mlp": (mlp, 4),
    "dot": (lambda x: jnp.dot(x, jnp.array([0.5, -1.25, 3.0, 0.1])) / 3.0, 4),
    "index_slice": (lambda x: x[0] * jnp.sum(x[1:]) - x[-1] ** 3, 4),
    "where_relu": (lambda x: jnp.sum(jnp.where(x > 0, x, 0.0)) + jnp.where(x[0] < x[1], x[0], x[1]), 4),
    "maximum": (lambda x: jnp.maximum(x[0], x[1] * x[2]) + jnp.max(x) - jnp.min(jnp.cos(x)), 4),
    "nn": (lambda x: jax.nn.softplus(x[0]) + jax.nn.silu(x[1]) + jnp.clip(x[2], -0.5, 0.5), 4),
    "elementary": (lambda x: jnp.exp(-x ** 2) * jnp.sin(3 * x) + jnp.sqrt(1 + x * x)
                   + jnp.log1p(x * x) + jnp.arctan(x) + jax.scipy.special.erf(x)
                   + jnp.expm1(x / 4) - jnp.abs(x) + jax.lax.rsqrt(2 + x) + (1 + x * x) ** 1.5, 1),
    "jitted": (jax.jit(lambda x: jnp.mean(jnp.tanh(x) * x)), 4),
}


def _arb_at(root, point):
    with rounding.precision():
        lo, hi = range_eval(root, [(arb(float(p)), arb(float(p))) for p in point])
    return lo, hi


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_traced_ir_is_the_same_function(name):
    f, n = FUNCTIONS[name]
    vector = name != "elementary"
    root = trace(f, n, vector)
    rng = np.random.default_rng(1)
    for _ in range(12):
        x = rng.uniform(-1.5, 1.5, size=n)
        value = float(f(jnp.asarray(x if vector else x[0])))
        lo, hi = _arb_at(root, x)
        slack = arb(8 * np.spacing(abs(value)) + 1e-300)  # jax rounds; arb is exact here
        assert lo - slack <= arb(value) <= hi + slack, (name, x, value, lo, hi)


def test_jax_nn_functions_become_their_ir_operations():
    root = trace(lambda x: jax.nn.relu(x[0]) + jax.nn.softplus(x[1]) + jax.nn.silu(x[2])
                 + jax.nn.sigmoid(x[0]), 3, True)
    ops = {node.op for node in ir.walk(root)}
    assert {"relu", "softplus", "swish", "sigmoid"} <= ops
    assert "max" not in ops


def test_where_patterns_map_to_max_min_abs():
    assert trace(lambda x: jnp.where(x > 0, x, 0.0), 1, False).op == "max"
    assert trace(lambda x: jnp.where(x[0] >= x[1], x[1], x[0]), 2, True).op == "min"
    assert trace(lambda x: jnp.where(x < 0, -x, x), 1, False).op == "abs"


def test_constants_are_exact_float_values():
    root = trace(lambda x: x * 0.1, 1, False)
    c = [n for n in ir.walk(root) if n.op == "const"][0]
    from fractions import Fraction
    assert c.literal == Fraction(0.1)  # the float 0.1, exactly; not folded, not rounded


def test_python_branching_is_a_clear_error():
    with pytest.raises(TracingError, match="Python branching"):
        trace(lambda x: x if x > 0 else -x, 1, False)


def test_unsupported_primitive_is_named():
    with pytest.raises(UnsupportedOperationError, match="floor"):
        trace(lambda x: jnp.floor(x) + x, 1, False)


def test_unsupported_select_fails_closed():
    with pytest.raises(UnsupportedOperationError, match="max, min, abs or relu"):
        trace(lambda x: jnp.where(x > 0, x, 0.01 * x), 1, False)


def test_non_scalar_output_is_an_error():
    with pytest.raises(TracingError, match="scalar"):
        trace(lambda x: jnp.sin(x), 3, True)


def test_dynamic_index_is_rejected():
    with pytest.raises((UnsupportedOperationError, TracingError)):
        trace(lambda x: x[jnp.argmax(x)], 3, True)


def test_tracer_ignores_plain_python_callables():
    assert jax_tracer(lambda x: x * x + 1, 1, False) is None
    assert jax_tracer(lambda x: verinum.exp(x), 1, False) is None
    assert jax_tracer(lambda x: jnp.exp(x), 1, False) is not None


def test_to_expression_and_taylor_bounds_accept_jnp_functions():
    root, _ = tracing.to_expression(lambda x: jnp.exp(x[0]) * jnp.cos(x[1]), 2, True)
    assert {n.op for n in ir.walk(root)} >= {"exp", "cos", "mul"}
    enc = verinum.taylor_bounds(lambda x: jnp.exp(x) * jnp.sin(x), 0.5, (0, 1), 2)
    for x in (0.0, 0.3, 1.0):
        true = math.exp(x) * math.sin(x)
        assert enc.lower(x) <= true <= enc.upper(x)
