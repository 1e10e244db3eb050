"""Review regression tests for the checker's interval slopes (n-D pieces with a kink inside) and
the JAX-cut n-D refinement: exact integrals of piecewise polynomials with kinks, tight claims
accepted and claims off by 1e-12 rejected; slope enclosures on extreme boxes."""
from fractions import Fraction as F

import pytest
from test_checker import integral_cert

from verinum import ir, tracing
from verinum.certificate_format import encode_exact as E
from verinum.checker import check
from verinum.checker.evaluate import Program, precision, to_arb
from verinum.checker.slopes import slope_integral

X, Y, Z = ["var", 0], ["var", 1], ["var", 2]
ONE, THIRD = F(1), F(1, 3)


def _grid(domain, n):
    boxes = [[]]
    for lo, hi in domain:
        ends = [lo + (hi - lo) * F(i, n) for i in range(n + 1)]
        boxes = [b + [(a, c)] for b in boxes for a, c in zip(ends, ends[1:])]
    return boxes


# (name, IR, domain, exact integral): kinks cross the pieces of every grid below
KINKED = [
    ("|x-y| on [0,1/3]^2", [X, Y, ["sub", 0, 1], ["abs", 2]], [(F(0), THIRD)] * 2, F(1, 81)),
    ("relu(x+y-1)", [X, Y, ["add", 0, 1], ["const", E(ONE)], ["sub", 2, 3], ["relu", 4]],
     [(F(0), ONE)] * 2, F(1, 6)),
    ("relu(x)*y, x in [-1/3, 2/3]", [X, Y, ["relu", 0], ["mul", 2, 1]],
     [(-THIRD, F(2, 3)), (F(0), ONE)], F(1, 9)),
    ("relu(x-y)*relu(x-y)", [X, Y, ["sub", 0, 1], ["relu", 2], ["mul", 3, 3]],
     [(F(0), ONE)] * 2, F(1, 12)),
    ("|x-y|*(x+y)", [X, Y, ["sub", 0, 1], ["abs", 2], ["add", 0, 1], ["mul", 3, 4]],
     [(F(0), ONE)] * 2, F(1, 3)),
    ("max(x,max(y,z))", [X, Y, Z, ["max", 1, 2], ["max", 0, 3]], [(F(0), ONE)] * 3, F(3, 4)),
    ("relu(x+y+z-2)", [X, Y, Z, ["add", 0, 1], ["add", 3, 2], ["const", E(F(2))], ["sub", 4, 5],
                       ["relu", 6]], [(F(0), ONE)] * 3, F(1, 24)),
]


@pytest.mark.parametrize("name, expression, domain, exact", KINKED, ids=[k[0] for k in KINKED])
def test_kinked_claims_tight_accepted_slightly_wrong_rejected(name, expression, domain, exact):
    boxes = _grid(domain, 3)
    slack = F(1, 10 ** 6) if len(domain) == 2 else F(1, 10 ** 3)
    good = check(integral_cert(expression, domain, boxes, exact - slack, exact + slack))
    assert good.accepted, good.message
    d = F(1, 10 ** 12)
    for lo, hi in ((exact + d, exact + 1), (exact - 1, exact - d)):
        verdict = check(integral_cert(expression, domain, boxes, lo, hi), budget=4000)
        assert verdict.status == "rejected", (lo, hi, verdict.message)


def _program(expr, n):
    root, _ = tracing.to_expression(expr, n, True)
    return Program(ir.to_ops(root), n)


@pytest.mark.parametrize("a", [F(0), F(10 ** 20) + THIRD, -F(10 ** 40, 7), F(1, 3 * 10 ** 30)])
@pytest.mark.parametrize("w", [THIRD, F(1, 3 * 10 ** 12), F(10 ** 15, 7)])
@pytest.mark.parametrize("bits", [53, 200])
def test_slope_integral_on_extreme_boxes(a, w, bits):
    """∫ over [a, a+w]^2 of |x0 - x1| (and of its spellings by max/min/relu) is w^3/3."""
    exact = w ** 3 / 3
    with precision(bits):
        for expr in ("abs(x0 - x1)", "max(x0, x1) - min(x0, x1)", "relu(x0 - x1) + relu(x1 - x0)"):
            try:
                enc = slope_integral(_program(expr, 2), ((a, a + w), (a, a + w)))
            except Exception as err:  # a refusal is fine, never a wrong ball
                assert type(err).__name__ in ("CannotBound", "Kink"), err
                continue
            ref = to_arb(exact)
            assert enc.lower() <= ref.upper() and ref.lower() <= enc.upper(), (expr, enc)


def test_jax_cut_pieces_tile_exactly_and_are_accepted():
    """backend="jax" on a non-dyadic domain: the certificate (pieces cut by JAX, proven by arb)
    passes the checker (exact tiling) and the enclosure holds the exact ∫ |x - y| = w^3/3."""
    integrate = pytest.importorskip("verinum.integration").integrate
    jax_backend = pytest.importorskip("verinum.jax_backend")
    if not jax_backend.available():
        pytest.skip("JAX not available")
    result = integrate("abs(x0 - x1)", [("1/3", "2/3")] * 2, tol=1e-6, backend="jax",
                       max_pieces=3000)
    assert result.stats["jax_rounds"] >= 1
    assert F(result.lo) <= F(1, 81) <= F(result.hi)
    assert check(result.certificate.to_json()).accepted
