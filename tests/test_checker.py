"""Tests of the independent checker (verinum.checker) on hand-built certificates.

Valid certificates must be accepted; every mutation that breaks the theorem or the evidence must
be rejected (exit 1) or reported malformed (exit 2) with a message that names the place.
"""

import copy
import json
import math
import random
from fractions import Fraction as F

import mpmath
import pytest
from flint import arb, ctx
from hypothesis import given, settings, strategies as st

from verinum.certificate_format import encode_exact as E, seal
from verinum.checker import check, cli
from verinum.checker.evaluate import (
    Balls, CannotBound, Program, eval_ball, eval_gradient, eval_range, eval_series, precision, to_arb,
)
from verinum.checker.render import decimal_down, decimal_up, render_expression

# ----------------------------------------------------------------------------- builders


def exact_of(x):
    m, e = x.man_exp()
    return F(int(m)) * F(2) ** int(e)


def dyadic_around(value: arb, slack: F, bits: int = 64):
    """Dyadic [lo, hi] containing the ball value widened by slack on each side."""
    lo = with_prec(1024, lambda: exact_of(value.lower())) - slack
    hi = with_prec(1024, lambda: exact_of(value.upper())) + slack
    scale = 2 ** bits
    return F(math.floor(lo * scale), scale), F(math.ceil(hi * scale), scale)


def with_prec(bits, fn):
    saved = ctx.prec
    ctx.prec = bits
    try:
        return fn()
    finally:
        ctx.prec = saved


E_MINUS_1 = with_prec(256, lambda: arb.const_e() - 1)


def base(kind, names, expression, domain, lower, upper, evidence):
    return seal({
        "format": "verinum-certificate", "version": 1, "kind": kind,
        "problem": {"variables": names, "expression": expression,
                    "domain": [[E(lo), E(hi)] for lo, hi in domain]},
        "claim": {"lower": E(lower), "upper": E(upper)},
        "evidence": evidence,
        "producer": {"name": "hand-built test certificate"},
    })


def integral_cert(expression, domain, boxes, lower, upper, degree=8, names=None):
    pieces = [{"box": [[E(lo), E(hi)] for lo, hi in box], "enclosure": ["0", "0"],
               "degree": degree, "center": [E((lo + hi) / 2) for lo, hi in box]} for box in boxes]
    names = names or ["x", "y", "z"][:len(domain)]
    return base("integral", names, expression, domain, lower, upper, {"pieces": pieces})


def grid_1d(lo, hi, n):
    pts = [lo + (hi - lo) * F(i, n) for i in range(n + 1)]
    return [[(a, b)] for a, b in zip(pts, pts[1:])]


def grid_2d(n):
    return [[(F(i, n), F(i + 1, n)), (F(j, n), F(j + 1, n))] for i in range(n) for j in range(n)]


EXP = [["var", 0], ["exp", 0]]


def exp_cert(pieces=4, slack=F(1, 10 ** 10)):
    """∫_0^1 exp(x) dx = e - 1, claim e-1 ± 1e-10 (dyadic, rounded outward)."""
    lo, hi = dyadic_around(E_MINUS_1, slack)
    return integral_cert(EXP, [(F(0), F(1))], grid_1d(F(0), F(1), pieces), lo, hi)


def xy_cert():
    """∫_[0,1]^2 x*y = 1/4, claim 1/4 ± 2^-6, 4x4 pieces."""
    tol = F(1, 64)
    return integral_cert([["var", 0], ["var", 1], ["mul", 0, 1]], [(F(0), F(1))] * 2, grid_2d(4),
                         F(1, 4) - tol, F(1, 4) + tol)


def tree_uniform(box, depth, leaf):
    """Pre-order tree bisecting the widest side ``depth`` times; every leaf says f >= leaf."""
    if depth == 0:
        return [["leaf", E(leaf)]]
    k = max(range(len(box)), key=lambda j: box[j][1] - box[j][0])
    lo, hi = box[k]
    p = (lo + hi) / 2
    return ([["split", k, E(p)]] + tree_uniform(box[:k] + [(lo, p)] + box[k + 1:], depth - 1, leaf)
            + tree_uniform(box[:k] + [(p, hi)] + box[k + 1:], depth - 1, leaf))


QUAD = [["var", 0], ["const", "1/3"], ["sub", 0, 1], ["powi", 2, 2], ["const", "1p0"], ["add", 3, 4]]


def quad_min_cert():
    """min over [-1, 2] of (x - 1/3)^2 + 1 = 1 at x = 1/3; claim 1 ± 2^-20."""
    eps = F(1, 2 ** 20)
    tree = [["split", 0, "1p-1"], ["split", 0, "0"], ["leaf", "1p0"], ["leaf", E(1 - eps)], ["leaf", "1p0"]]
    return base("global-min", ["x"], QUAD, [(F(-1), F(2))], 1 - eps, 1 + eps,
                {"witness": ["1/3"], "tree": tree})


BOWL = [["var", 0], ["const", "1p-1"], ["sub", 0, 1], ["powi", 2, 2], ["var", 1], ["const", "1p0"],
        ["sub", 4, 5], ["powi", 6, 2], ["const", "1p1"], ["mul", 7, 8], ["add", 3, 9], ["const", "3p0"],
        ["add", 10, 11]]


def min2d_cert():
    """min over [0,1] x [-2,2] of (x-1/2)^2 + 2(y-1)^2 + 3 = 3 at (1/2, 1); claim 3 ± 2^-20."""
    eps = F(1, 2 ** 20)
    domain = [(F(0), F(1)), (F(-2), F(2))]
    return base("global-min", ["x", "y"], BOWL, domain, 3 - eps, 3 + eps,
                {"witness": ["1p-1", "1p0"], "tree": tree_uniform(domain, 4, 3 - eps)})


def mutated(cert, edit):
    """A resealed copy of cert changed by edit(copy)."""
    c = copy.deepcopy(cert)
    edit(c)
    return seal(c)


def rejected(cert, *words, **kw):
    v = check(cert, **kw)
    assert v.status == "rejected", v.message
    assert v.exit_code == 1
    for w in words:
        assert w in v.message, v.message
    return v


def malformed(cert, *words):
    v = check(cert)
    assert v.status == "malformed", v.message
    assert v.exit_code == 2
    for w in words:
        assert w in v.message, v.message
    return v


# ----------------------------------------------------------------------------- valid certificates

@pytest.mark.parametrize("make", [exp_cert, xy_cert, quad_min_cert, min2d_cert])
def test_valid_certificates_are_accepted(make):
    v = check(make())
    assert v.status == "accepted", v.message
    assert v.exit_code == 0 and v.accepted
    assert v.statement in v.message


def test_statement_text():
    v = check(exp_cert())
    lo, hi = dyadic_around(E_MINUS_1, F(1, 10 ** 10))
    assert v.statement == f"∫_0^1 exp(x) dx ∈ [{decimal_down(lo)}, {decimal_up(hi)}]"
    assert v.kind == "integral" and v.lower == E(lo) and v.upper == E(hi)
    v = check(min2d_cert())
    assert v.statement.startswith("min over [0, 1] × [-2, 2] of f(x, y) = (x - 0.5)^2 + (y - 1)^2*2 + 3 ∈ [")
    assert "witness (x, y) = (0.5, 1)" in v.statement
    assert "witness x = 1/3" in check(quad_min_cert()).statement


def test_hints_are_not_trusted():
    """Enclosure/center/degree hints are ignored or only steer the work: absurd hints still check."""
    cert = mutated(exp_cert(), lambda c: [p.update(enclosure=["1p100", "1p100"], center=["0"], degree=0)
                                           for p in c["evidence"]["pieces"]])
    assert check(cert).status == "accepted"


def test_many_pieces_and_single_piece():
    assert check(exp_cert(pieces=1)).status == "accepted"       # the checker refines on its own
    assert check(exp_cert(pieces=1000)).status == "accepted"


def test_from_path_and_text(tmp_path):
    path = tmp_path / "c.json"
    path.write_text(json.dumps(exp_cert()))
    assert check(path).status == "accepted"
    assert check(str(path)).status == "accepted"
    assert check(json.dumps(exp_cert())).status == "accepted"


# ----------------------------------------------------------------------------- integral mutations

def test_shifted_claim_is_rejected():
    true = with_prec(1024, lambda: exact_of(E_MINUS_1.mid()))
    cert = mutated(exp_cert(), lambda c: c["claim"].update(lower=E(true - F(1, 2 ** 30)),
                                                           upper=E(true - F(1, 2 ** 34))))
    rejected(cert, "claim is false")
    # excluded by a hair: only 2^-120 above e - 1
    cert = mutated(exp_cert(), lambda c: c["claim"].update(lower=E(with_prec(1024, lambda: exact_of(E_MINUS_1.upper())) + F(1, 2 ** 120)),
                                                           upper=E(F(2))))
    rejected(cert)


def test_moved_break_point_overlap_and_gap():
    def move(to):
        return lambda c: c["evidence"]["pieces"][1]["box"][0].__setitem__(0, E(to))
    rejected(mutated(exp_cert(), move(F(3, 16))), "evidence.pieces[1]", "overlaps piece 0")
    rejected(mutated(exp_cert(), move(F(5, 16))), "evidence.pieces", "gap")


def test_dropped_and_extra_pieces():
    rejected(mutated(exp_cert(), lambda c: c["evidence"]["pieces"].pop(2)), "evidence.pieces", "gap")
    rejected(mutated(exp_cert(), lambda c: c["evidence"]["pieces"].append(c["evidence"]["pieces"][0])),
             "overlaps")
    outside = lambda c: c["evidence"]["pieces"][3]["box"][0].__setitem__(1, "5p-2")  # noqa: E731
    rejected(mutated(exp_cert(), outside), "evidence.pieces[3].box[0]", "out of the domain")
    empty = lambda c: c["evidence"]["pieces"][0]["box"][0].__setitem__(1, "0")  # noqa: E731
    rejected(mutated(exp_cert(), empty), "evidence.pieces[0].box[0]", "positive width")


def test_2d_tiling_errors():
    def shift(c):
        c["evidence"]["pieces"][5]["box"][1] = [E(F(1, 8)), E(F(3, 8))]
    rejected(mutated(xy_cert(), shift), "overlaps")
    rejected(mutated(xy_cert(), lambda c: c["evidence"]["pieces"].pop(7)), "gap")


@pytest.mark.parametrize("edit", [
    lambda c: c["problem"]["expression"].__setitem__(1, ["sin", 0]),        # exp -> sin
    lambda c: c["problem"]["expression"].extend([["const", "1p-30"], ["add", 1, 2]]),  # f + 2^-30
    lambda c: c["problem"].update(domain=[["0", "9p-3"]]),                 # different domain
])
def test_altered_problem_is_rejected(edit):
    def edit_all(c):
        edit(c)
        hi = F(1) if c["problem"]["domain"] == [["0", "1p0"]] else F(9, 8)
        c["evidence"]["pieces"] = [{"box": [[E(a), E(b)]], "enclosure": ["0", "0"]}
                                   for [(a, b)] in grid_1d(F(0), hi, 4)]
    rejected(mutated(exp_cert(), edit_all), "claim is false")


def test_changed_constant_in_quad_is_rejected():
    cert = mutated(quad_min_cert(), lambda c: c["problem"]["expression"].__setitem__(4, ["const", "3p-1"]))
    rejected(cert, "evidence.witness")


def test_claim_narrower_than_provable_is_rejected():
    lo, hi = dyadic_around(E_MINUS_1, F(1, 2 ** 200), bits=260)
    cert = integral_cert(EXP, [(F(0), F(1))], grid_1d(F(0), F(1), 4), lo, hi)
    v = rejected(cert, "not inside the claim", "widest contribution: piece", budget=200)
    assert "refinements" in v.message


def test_log_at_zero_is_rejected():
    cert = integral_cert([["var", 0], ["log", 0]], [(F(0), F(1))], grid_1d(F(0), F(1), 4), F(-2), F(0))
    rejected(cert, "piece 0", "log")


@pytest.mark.parametrize("expression, domain", [
    ([["var", 0], ["const", "1p0"], ["div", 1, 0]], (F(-1), F(1))),            # 1/x across 0
    ([["var", 0], ["tan", 0]], (F(0), F(2))),                                  # pole at pi/2
    ([["var", 0], ["powi", 0, -2]], (F(-1), F(1))),
    ([["var", 0], ["const", "-1p0"], ["add", 0, 1], ["sqrt", 2]], (F(0), F(2))),  # sqrt(x - 1)
])
def test_undefined_somewhere_is_rejected(expression, domain):
    rejected(integral_cert(expression, [domain], grid_1d(*domain, 2), F(-100), F(100)), "cannot bound f")


# ----------------------------------------------------------------------------- integrals that need care

def mp_integral(f, a, b):
    """mpmath's integral, split at the kinks of the test functions (0, 1/3, 1/2, pi/4)."""
    mpmath.mp.dps = 40
    kinks = [mpmath.mpf(0), mpmath.mpf(1) / 3, mpmath.mpf(1) / 2, mpmath.pi / 4]
    return mpmath.quad(f, [a] + sorted(k for k in kinks if a < k < b) + [b])


KNOWN = {
    "abs": ([["var", 0], ["abs", 0]], (-1, 1), lambda x: abs(x)),
    "relu": ([["var", 0], ["const", "1/3"], ["sub", 0, 1], ["relu", 2]], (-1, 1), lambda x: max(x - mpmath.mpf(1) / 3, 0)),
    "max": ([["var", 0], ["const", "1p0"], ["sub", 1, 0], ["max", 0, 2]], (0, 1), lambda x: max(x, 1 - x)),
    "min": ([["var", 0], ["sin", 0], ["cos", 0], ["min", 1, 2]], (0, 3), lambda x: min(mpmath.sin(x), mpmath.cos(x))),
    "sqrt": ([["var", 0], ["sqrt", 0]], (0, 1), mpmath.sqrt),
    "sigmoid": ([["var", 0], ["sigmoid", 0]], (-3, 5), lambda x: 1 / (1 + mpmath.exp(-x))),
    "softplus": ([["var", 0], ["softplus", 0]], (-3, 5), lambda x: mpmath.log(1 + mpmath.exp(x))),
    "swish": ([["var", 0], ["swish", 0]], (-3, 5), lambda x: x / (1 + mpmath.exp(-x))),
    "erf": ([["var", 0], ["erf", 0]], (-2, 1), mpmath.erf),
    "tanh*cosh": ([["var", 0], ["tanh", 0], ["cosh", 0], ["mul", 1, 2], ["sinh", 0], ["sub", 3, 4],
                   ["add", 5, 0]], (-1, 2), lambda x: x),
    "pow": ([["var", 0], ["const", "3p-1"], ["add", 0, 1], ["pi"], ["pow", 2, 3]], (0, 1),
            lambda x: (x + 1.5) ** mpmath.pi),
    "log1p/expm1": ([["var", 0], ["log1p", 0], ["expm1", 0], ["mul", 1, 2], ["atan", 0], ["add", 3, 4]],
                    (0, 2), lambda x: mpmath.log1p(x) * mpmath.expm1(x) + mpmath.atan(x)),
    "powi": ([["var", 0], ["const", "1p1"], ["add", 0, 1], ["powi", 2, -3], ["powi", 0, 5], ["add", 3, 4]],
             (-1, 1), lambda x: (x + 2) ** -3 + x ** 5),
    "exp*sin": ([["var", 0], ["exp", 0], ["sin", 0], ["mul", 1, 2]], (0, 1), lambda x: mpmath.exp(x) * mpmath.sin(x)),
}


@pytest.mark.parametrize("name", sorted(KNOWN))
def test_known_integrals_accept_true_and_reject_false_claims(name):
    expression, (a, b), fn = KNOWN[name]
    true = F(str(mp_integral(fn, a, b)))          # 40 digits: error < 1e-35
    boxes = grid_1d(F(a), F(b), 6)
    tol = F(1, 10 ** 9)
    for degree in (8, 24):                        # 24 > flint's default series cap of 10 terms
        ok = integral_cert(expression, [(F(a), F(b))], boxes, true - tol, true + tol, degree=degree)
        v = check(ok)
        assert v.status == "accepted", v.message
        for lo, hi in [(true + F(1, 10 ** 12), true + tol), (true - tol, true - F(1, 10 ** 12))]:
            rejected(integral_cert(expression, [(F(a), F(b))], boxes, lo, hi, degree=degree))


def test_series_are_not_truncated_by_flint_cap():
    """Regression: arb_series ops truncate to ctx.cap (10) terms; a missing remainder term made
    a wrong enclosure. Coefficients beyond 10 must be there, and ctx.cap must be restored."""
    cap = ctx.cap
    with precision(128):
        coeffs = eval_series(Program(EXP, 1), to_arb(F(0)), 25)
    assert ctx.cap == cap
    assert all(contains(coeffs[k], 1 / mpmath.factorial(k)) for k in range(25))
    assert coeffs[24] > 0


def test_semicircle_needs_exact_interval_ends():
    """sqrt(1 - x^2) on [-1, 1]: near ±1 the argument is >= 0 only with exact interval ends."""
    expr = [["var", 0], ["powi", 0, 2], ["const", "1p0"], ["sub", 2, 1], ["sqrt", 3]]
    true = F(str(mpmath.pi / 2))
    tol = F(1, 10 ** 6)
    cert = integral_cert(expr, [(F(-1), F(1))], grid_1d(F(-1), F(1), 8), true - tol, true + tol)
    v = check(cert)
    assert v.status == "accepted", v.message
    with precision(128):
        lo, hi = eval_range(Program(expr, 1), [(arb(-1), arb(-1) + arb(2) ** -20)])
    assert lo >= 0 and hi > 0


def _closed_2d(a, b, c, d):
    """∫_a^b ∫_c^d 1/(1+x+y) dy dx = G(s(b,d)) - G(s(a,d)) - G(s(b,c)) + G(s(a,c)),
    with s = 1+x+y and G(s) = s log s - s."""
    mpmath.mp.dps = 50
    G = lambda s: s * mpmath.log(s) - s  # noqa: E731
    s = lambda x, y: 1 + mpmath.mpf(x.numerator) / x.denominator + mpmath.mpf(y.numerator) / y.denominator  # noqa: E731
    return G(s(b, d)) - G(s(a, d)) - G(s(b, c)) + G(s(a, c))


@pytest.mark.parametrize("degree", [1, 2, 3, 5, 8, 12])
def test_nd_piece_enclosures_contain_exact_integrals(degree):
    from verinum.checker.integral import piece_enclosure
    rng = random.Random(degree)
    inv = [["var", 0], ["var", 1], ["add", 0, 1], ["const", "1p0"], ["add", 2, 3], ["div", 3, 4]]
    xyz = [["var", 0], ["var", 1], ["var", 2], ["mul", 0, 1], ["mul", 3, 2], ["exp", 0], ["add", 4, 5]]
    for _ in range(4):
        a, c = F(rng.randint(0, 40), 16), F(rng.randint(0, 40), 16)
        b, d = a + F(rng.randint(1, 20), 16), c + F(rng.randint(1, 20), 16)
        with precision(128):
            lo, hi = piece_enclosure(Program(inv, 2), ((a, b), (c, d)), degree)
        assert contains(to_arb(lo).union(to_arb(hi)), _closed_2d(a, b, c, d))
        e, f = F(rng.randint(-16, 16), 16), F(rng.randint(-16, 16), 16)
        e, f = min(e, f), max(e, f) + F(1, 16)
        box = ((a, b), (c, d), (e, f))
        true = (b * b - a * a) * (d * d - c * c) * (f * f - e * e) / 8 + (d - c) * (f - e) * (
            F(str(mpmath.exp(mpmath.mpf(b.numerator) / b.denominator) - mpmath.exp(mpmath.mpf(a.numerator) / a.denominator))))
        with precision(128):
            lo, hi = piece_enclosure(Program(xyz, 3), box, degree)
        assert lo - F(1, 10 ** 40) <= true <= hi + F(1, 10 ** 40)


def test_3d_integral_tight_claim():
    expr = [["var", 0], ["var", 1], ["var", 2], ["mul", 0, 1], ["mul", 3, 2]]
    tol = F(1, 10 ** 12)
    cert = integral_cert(expr, [(F(0), F(1))] * 3, [[(F(0), F(1))] * 3], F(1, 8) - tol, F(1, 8) + tol)
    assert check(cert).status == "accepted"
    rejected(integral_cert(expr, [(F(0), F(1))] * 3, [[(F(0), F(1))] * 3], F(1, 8) + tol, F(1, 8) + 2 * tol))


def test_2d_integral_with_refinement():
    expr = [["var", 0], ["var", 1], ["mul", 0, 1], ["exp", 2], ["sin", 0], ["add", 3, 4]]
    mpmath.mp.dps = 30
    true = F(str(mpmath.quad(lambda x, y: mpmath.exp(x * y) + mpmath.sin(x), [0, 1], [0, 1])))
    tol = F(1, 10 ** 10)
    cert = integral_cert(expr, [(F(0), F(1))] * 2, grid_2d(2), true - tol, true + tol)
    assert check(cert).status == "accepted"
    rejected(integral_cert(expr, [(F(0), F(1))] * 2, grid_2d(2), true + F(1, 10 ** 12), true + tol))


# ----------------------------------------------------------------------------- minimum mutations

def test_witness_outside_box():
    rejected(mutated(quad_min_cert(), lambda c: c["evidence"].update(witness=["5p-1"])), "evidence.witness[0]", "outside")
    rejected(mutated(min2d_cert(), lambda c: c["evidence"]["witness"].__setitem__(1, "-9p-2")), "evidence.witness[1]")


def test_witness_value_above_claim():
    rejected(mutated(quad_min_cert(), lambda c: c["evidence"].update(witness=["0"])),
             "evidence.witness", "claim.upper")


def test_split_point_outside_its_box():
    cert = mutated(quad_min_cert(), lambda c: c["evidence"]["tree"].__setitem__(1, ["split", 0, "1p0"]))
    rejected(cert, "evidence.tree[1]", "not strictly inside")
    cert = mutated(quad_min_cert(), lambda c: c["evidence"]["tree"].__setitem__(0, ["split", 0, "1p1"]))
    rejected(cert, "evidence.tree[0]")


def test_dropped_or_extra_leaf():
    rejected(mutated(quad_min_cert(), lambda c: c["evidence"]["tree"].pop()), "incomplete tree")
    rejected(mutated(quad_min_cert(), lambda c: c["evidence"]["tree"].append(["leaf", "1p0"])),
             "evidence.tree[5]", "left over")
    rejected(mutated(min2d_cert(), lambda c: c["evidence"]["tree"].pop(3)), "evidence.tree")


def test_leaf_bound_below_claim_lower():
    cert = mutated(quad_min_cert(), lambda c: c["evidence"]["tree"].__setitem__(2, ["leaf", "1p-1"]))
    rejected(cert, "evidence.tree[2]", "below claim.lower")


def test_min_claim_lower_too_high():
    cert = mutated(quad_min_cert(), lambda c: c["claim"].update(lower=E(1 + F(1, 2 ** 30)), upper="3p0"))
    cert = mutated(cert, lambda c: [t.__setitem__(1, c["claim"]["lower"]) for t in c["evidence"]["tree"] if t[0] == "leaf"])
    rejected(cert, "leaf 1", "evidence.tree[3]", "counterexample")


def test_min_with_kinks_and_2d_claim_shift():
    expr = [["var", 0], ["const", "1/5"], ["sub", 0, 1], ["abs", 2]]          # |x - 1/5| on [-1, 1]
    cert = base("global-min", ["x"], expr, [(F(-1), F(1))], F(-1, 2 ** 40), F(1, 2 ** 40),
                {"witness": ["1/5"], "tree": tree_uniform([(F(-1), F(1))], 3, F(-1, 2 ** 40))})
    assert check(cert).status == "accepted"
    bad = mutated(min2d_cert(), lambda c: c["claim"].update(lower=E(3 + F(1, 2 ** 22))))
    bad = mutated(bad, lambda c: [t.__setitem__(1, c["claim"]["lower"]) for t in c["evidence"]["tree"] if t[0] == "leaf"])
    rejected(bad, "counterexample")


def bowl_blocks_cert(lower0=F(0), lower1=F(0), claim_lower=3 - F(1, 2 ** 20)):
    """BOWL = (x-1/2)^2 + 2(y-1)^2 + 3 as blocks {x}, {y} and the constant 3 (hand-built)."""
    domain = [(F(0), F(1)), (F(-2), F(2))]
    blocks = [{"variables": [0], "lower": E(lower0), "tree": tree_uniform(domain[:1], 2, lower0)},
              {"variables": [1], "lower": E(lower1), "tree": tree_uniform(domain[1:], 3, lower1)}]
    return base("global-min", ["x", "y"], BOWL, domain, claim_lower, 3 + F(1, 2 ** 20),
                {"witness": ["1p-1", "1p0"], "blocks": blocks})


def test_min_blocks_evidence():
    assert check(bowl_blocks_cert()).status == "accepted"
    assert check(bowl_blocks_cert(claim_lower=F(3))).status == "accepted"     # exactly Σ + 3
    rejected(bowl_blocks_cert(claim_lower=3 + F(1, 2 ** 30)), "evidence.blocks", "sum to")
    rejected(bowl_blocks_cert(lower1=F(1, 2 ** 30), claim_lower=F(3)), "evidence.blocks[1].tree",
             "counterexample")
    swapped = mutated(bowl_blocks_cert(), lambda c: c["evidence"]["blocks"].reverse())  # any order
    assert check(swapped).status == "accepted"
    merged = mutated(bowl_blocks_cert(), lambda c: c["evidence"].update(blocks=[
        {"variables": [0, 1], "lower": "0", "tree": [["leaf", "0"]]}]))
    rejected(merged, "not the components", "{0, 1}", "{0}; {1}")
    coupled = mutated(bowl_blocks_cert(), lambda c: c["problem"]["expression"].__setitem__(10, ["mul", 3, 9]))
    rejected(coupled, "not separable")                                        # (x-1/2)^2 * 2(y-1)^2 + 3


def test_log_min_undefined_at_zero():
    cert = base("global-min", ["x"], [["var", 0], ["log", 0]], [(F(0), F(1))], F(-100), F(0),
                {"witness": ["1p0"], "tree": [["leaf", E(F(-100))]]})
    rejected(cert, "leaf 0", "log")


# ----------------------------------------------------------------------------- malformed

def test_malformed_certificates():
    malformed(mutated(exp_cert(), lambda c: c["problem"]["expression"].__setitem__(1, ["exq", 0])),
              "problem.expression[1][0]", "unknown op")
    malformed(mutated(exp_cert(), lambda c: c.update(version=2)), "version")
    for bad in ("2p0", "0.5", "2/4"):
        malformed(mutated(exp_cert(), lambda c: c["evidence"]["pieces"][3]["box"][0].__setitem__(1, bad)),
                  "evidence.pieces[3].box[0][1]")
    c = exp_cert()
    c["claim"]["upper"] = "1p1"
    malformed(c, "sha256", "hash mismatch")
    malformed(json.dumps(exp_cert())[:-40], "invalid JSON")
    malformed(["not", "a", "certificate"])


# ----------------------------------------------------------------------------- CLI

def run_cli(capsys, *args):
    rc = cli.main(list(args))
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    return rc, out.out


def test_cli_exit_codes_and_messages(tmp_path, capsys):
    good, bad, broken = tmp_path / "good.json", tmp_path / "bad.json", tmp_path / "broken.json"
    good.write_text(json.dumps(exp_cert()))
    bad.write_text(json.dumps(mutated(exp_cert(), lambda c: c["evidence"]["pieces"].pop(1))))
    broken.write_text(json.dumps(exp_cert())[:100])
    rc, out = run_cli(capsys, str(good))
    assert rc == 0 and "accepted" in out and "∫_0^1 exp(x) dx ∈ [1.718281828" in out
    rc, out = run_cli(capsys, "check", str(bad))
    assert rc == 1 and "rejected" in out and "evidence.pieces" in out
    rc, out = run_cli(capsys, str(broken))
    assert rc == 2 and "malformed" in out and "invalid JSON" in out
    rc, out = run_cli(capsys, str(good), str(bad))
    assert rc == 1
    rc, out = run_cli(capsys, str(good), str(bad), str(broken))
    assert rc == 2
    rc, out = run_cli(capsys, str(tmp_path / "missing.json"))
    assert rc == 2 and "cannot read" in out
    rc, out = run_cli(capsys, "--quiet", str(good))
    assert rc == 0 and out == ""
    rc, _ = run_cli(capsys)
    assert rc == 2


def test_cli_json(tmp_path, capsys):
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(quad_min_cert()))
    bad.write_text(json.dumps(mutated(quad_min_cert(), lambda c: c["evidence"].update(witness=["0"]))))
    rc, out = run_cli(capsys, "--json", str(good), str(bad))
    assert rc == 1
    first, second = (json.loads(line) for line in out.splitlines())
    assert first["file"] == str(good) and first["verdict"] == "accepted" and first["kind"] == "global-min"
    assert first["lower"] == E(1 - F(1, 2 ** 20)) and first["upper"] == E(1 + F(1, 2 ** 20))
    assert second["verdict"] == "rejected" and "evidence.witness" in second["message"]
    assert set(first) >= {"file", "verdict", "kind", "lower", "upper", "message"}


def test_progress_callback_is_called():
    calls = []
    assert check(exp_cert(pieces=50), progress=lambda d, t: calls.append((d, t))).accepted
    assert calls and calls[-1] == (50, 50)


# ----------------------------------------------------------------------------- evaluator soundness

UNARY = {
    "neg": lambda x: -x, "exp": mpmath.exp, "expm1": mpmath.expm1, "sin": mpmath.sin, "cos": mpmath.cos,
    "atan": mpmath.atan, "sinh": mpmath.sinh, "cosh": mpmath.cosh, "tanh": mpmath.tanh, "erf": mpmath.erf,
    "sigmoid": lambda x: 1 / (1 + mpmath.exp(-x)), "softplus": lambda x: mpmath.log1p(mpmath.exp(x)),
    "swish": lambda x: x / (1 + mpmath.exp(-x)), "abs": abs, "relu": lambda x: max(x, 0),
    "log": mpmath.log, "log1p": mpmath.log1p, "sqrt": mpmath.sqrt, "tan": mpmath.tan,
}


def contains(ball, value):
    lo, hi = exact_of(ball.lower()), exact_of(ball.upper())
    v = F(str(value)) if not isinstance(value, F) else value
    slack = abs(v) * F(1, 10 ** 45) + F(1, 10 ** 45)    # mpmath's own rounding at 60 digits
    return lo - slack <= v <= hi + slack


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(sorted(UNARY)), st.integers(-256, 256), st.sampled_from([0, 1, 7, 64, 100]),
       st.integers(0, 16), st.sampled_from([0, 1, 2, 3, -1]))
def test_each_op_encloses_values_and_derivatives(op, mid, rad, t, power):
    """f(X), the series coefficients over X and the gradient over X contain mpmath's values
    (value, derivative, and second derivative / 2) at a point inside X (points on a grid, so
    that mpmath's numerical derivatives stay away from kinks and poles)."""
    mpmath.mp.dps = 60
    lo, hi = F(mid - rad, 64) + F(1, 1000), F(mid + rad, 64) + F(1, 1000)
    point = lo + (hi - lo) * F(t, 16)
    expr = [["var", 0], ["powi", 0, power], [op, 1]]
    g = lambda x: UNARY[op](x ** power)  # noqa: E731
    x = mpmath.mpf(point.numerator) / point.denominator
    with precision(128):
        prog = Program(expr, 1)
        X = to_arb(lo).union(to_arb(hi))
        try:
            ball = eval_ball(prog, [X])
        except CannotBound:
            return
        assert contains(ball, g(x))
        try:
            coeffs = eval_series(prog, X, 3)
            value, grad = eval_gradient(prog, [X])
        except CannotBound:
            return
        assert contains(value, g(x))
        assert contains(coeffs[0], g(x))
        if op in ("abs", "relu") and x ** power == 0:
            return                                     # a kink: no derivative to compare with
        d1 = mpmath.diff(g, x)
        assert contains(coeffs[1], d1) and contains(grad[0], d1)
        assert contains(coeffs[2], mpmath.diff(g, x, 2) / 2)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(["add", "sub", "mul", "div", "min", "max", "pow"]),
       st.lists(st.floats(-3, 3), min_size=4, max_size=4))
def test_binary_ops_enclose(op, nums):
    mpmath.mp.dps = 60
    fns = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
           "div": lambda a, b: a / b, "min": min, "max": max, "pow": lambda a, b: a ** b}
    a_lo, a_hi = sorted(F(v) for v in nums[:2])
    b_lo, b_hi = sorted(F(v) for v in nums[2:])
    if a_lo == a_hi or b_lo == b_hi:
        return
    expr = [["var", 0], ["var", 1], [op, 0, 1]]
    rng = random.Random(0)
    with precision(128):
        prog = Program(expr, 2)
        box = [to_arb(a_lo).union(to_arb(a_hi)), to_arb(b_lo).union(to_arb(b_hi))]
        try:
            ball = eval_ball(prog, box)
        except CannotBound:
            return
        for _ in range(5):
            a = a_lo + (a_hi - a_lo) * F(rng.random())
            b = b_lo + (b_hi - b_lo) * F(rng.random())
            val = fns[op](mpmath.mpf(a.numerator) / a.denominator, mpmath.mpf(b.numerator) / b.denominator)
            assert contains(ball, val)


def test_domain_rules_on_balls():
    with precision(128):
        for op, lo, hi in [("log", 0, 1), ("sqrt", -1, 1), ("log1p", -1, 0)]:
            with pytest.raises(CannotBound):
                eval_ball(Program([["var", 0], [op, 0]], 1), [to_arb(F(lo)).union(to_arb(F(hi)))])
        assert Balls.powi(to_arb(F(-2)).union(to_arb(F(1))), 2).lower() >= 0


def test_renderer():
    names = ["x", "y"]
    assert render_expression([["var", 0], ["var", 1], ["add", 0, 1], ["var", 0], ["mul", 2, 3]], names) == "(x + y)*x"
    assert render_expression([["var", 0], ["var", 1], ["sub", 0, 1], ["sub", 0, 2]], names) == "x - (x - y)"
    assert render_expression([["var", 0], ["neg", 0], ["powi", 1, 2]], names) == "(-x)^2"
    assert render_expression([["var", 0], ["const", "1/3"], ["div", 0, 1]], names) == "x/(1/3)"
    assert render_expression([["var", 0], ["pi"], ["pow", 0, 1], ["max", 2, 0]], names) == "max(x^π, x)"
    deep = [["var", 0]] + [["mul", i, i] for i in range(40)]
    text = render_expression(deep, names)
    assert len(text) < 2000 and text.startswith("v39*v39 where v1 = x*x, v2 = v1*v1")


def test_directed_decimals():
    third = F(1, 3)
    assert decimal_down(third) == "0.3333333333333" and decimal_up(third) == "0.3333333333334"
    assert decimal_down(-third) == "-0.3333333333334" and decimal_up(-third) == "-0.3333333333333"
    assert decimal_down(F(1, 2)) == decimal_up(F(1, 2)) == "0.5"
    assert decimal_up(F(10) ** 40 + 1) == "1.000000000001e40"
    assert decimal_down(F(1, 10 ** 30) * third) == "3.333333333333e-31"
    for q in [F(2, 3), F(-7, 9) * 10 ** 20, F(123456789, 10 ** 17), F(1, 7) ** 50]:
        assert F(decimal_down(q)) <= q <= F(decimal_up(q))


# ----------------------------------------------------------------------------- robustness

@settings(max_examples=80, deadline=None)
@given(st.data())
def test_corrupted_text_is_never_accepted_unless_unchanged(data):
    """Random byte edits of a certificate's JSON: the verdict is never a traceback, and it is
    "accepted" only if the edit did not change the parsed certificate (e.g. whitespace)."""
    original = quad_min_cert()
    text = bytearray(json.dumps(original, indent=1).encode())
    for _ in range(data.draw(st.integers(1, 3))):
        pos = data.draw(st.integers(0, len(text) - 1))
        text[pos] = data.draw(st.sampled_from(b'0123456789-p/{}[]",: ex'))
    v = check(bytes(text))
    assert v.status in ("accepted", "rejected", "malformed")
    if v.status == "accepted":
        assert json.loads(bytes(text)) == original


@pytest.mark.parametrize("junk", [None, 123, [], {}, b"\xff\xfe", "", "{", "[]", {"format": "verinum-certificate"}])
def test_junk_input_is_malformed(junk):
    v = check(junk)
    assert v.status == "malformed" and v.exit_code == 2


def test_exact_min_claim_with_exact_ends():
    """min of x^2 on [-1, 1] is exactly 0: claim [0, 0] is provable with exact interval ends."""
    cert = base("global-min", ["x"], [["var", 0], ["powi", 0, 2]], [(F(-1), F(1))], F(0), F(0),
                {"witness": ["0"], "tree": tree_uniform([(F(-1), F(1))], 2, F(0))})
    v = check(cert)
    assert v.status == "accepted", v.message


def test_min_budget_exhaustion_is_a_rejection():
    """exp(x) - x >= 1 - 2^-60 needs ~20 levels of subdivision around x = 0 (a quadratic such as
    x*x - x + 1 no longer does: the second-order form is exact for it)."""
    expr = [["var", 0], ["exp", 0], ["sub", 1, 0]]
    low = 1 - F(1, 2 ** 60)
    cert = base("global-min", ["x"], expr, [(F(-1), F(2))], low, F(1),
                {"witness": ["0"], "tree": [["leaf", E(low)]]})
    assert check(cert).status == "accepted"
    rejected(cert, "budget exhausted", budget=0)


def test_working_precision():
    from verinum.checker import working_precision
    assert working_precision(F(1), F(2)) == 128
    assert working_precision(F(1), F(1) + F(1, 2 ** 200)) == 264
    assert working_precision(F(1), F(1)) == 1024
    assert working_precision(F(0), F(0)) == 128


# ----------------------------------------------------------------------------- second-order forms

# u(x, y) = x*y/4 + 3x/7 - y and w(x, y) = x^2 + y^2/5 + 1/8 > 0: non-trivial gradients and Hessians
HESS_UW = [["var", 0], ["var", 1], ["mul", 0, 1], ["const", "1p-2"], ["mul", 2, 3], ["const", "3/7"],
           ["mul", 0, 5], ["add", 4, 6], ["sub", 7, 1],                                      # 8: u
           ["mul", 0, 0], ["mul", 1, 1], ["const", "1/5"], ["mul", 10, 11], ["add", 9, 12],
           ["const", "1p-3"], ["add", 13, 14]]                                               # 15: w
BINARY = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
          "div": lambda a, b: a / b, "min": min, "max": max, "pow": lambda a, b: a ** b}


def _u(x, y):
    return x * y / 4 + 3 * x / 7 - y


def _w(x, y):
    return x * x + y * y / 5 + mpmath.mpf(1) / 8


@pytest.mark.parametrize("op", sorted(UNARY) + sorted(BINARY))
def test_hessian_encloses_second_derivatives(op):
    """eval_hessian over random boxes X contains mpmath's second partial derivatives at random
    points of X, for op(u^p) (unary ops, p in 1, 2, 3, -1) and op(u, w) or op(w, u) (binary)."""
    from verinum.checker.evaluate import eval_hessian
    mpmath.mp.dps = 60
    rng = random.Random(op)
    checked = 0
    for trial in range(16):
        rad = rng.choice([0, 1, 8, 40])
        box = [(F(m - rad, 32) + F(1, 1000), F(m + rad, 32) + F(1, 1000)) for m in (rng.randint(-160, 160),
                                                                                  rng.randint(-160, 160))]
        point = [lo + (hi - lo) * F(rng.randint(1, 7), 8) for lo, hi in box]   # inside: no kink there
        if op in BINARY:
            (first, fa), (second, fb) = ((8, _u), (15, _w)) if trial % 2 else ((15, _w), (8, _u))
            expr = HESS_UW + [[op, first, second]]
            g = lambda x, y, fa=fa, fb=fb: BINARY[op](fa(x, y), fb(x, y))  # noqa: E731
        else:
            power = [1, 2, 3, -1][trial % 4]
            expr = HESS_UW + [["powi", 8, power], [op, 16]]
            g = lambda x, y, p=power: UNARY[op](_u(x, y) ** p)  # noqa: E731
        x, y = (mpmath.mpf(q.numerator) / q.denominator for q in point)
        with precision(128):
            try:
                hess = eval_hessian(Program(expr, 2), [to_arb(lo).union(to_arb(hi)) for lo, hi in box])
            except CannotBound:
                continue
        assert hess[0][1] is hess[1][0]
        for i, j in [(0, 0), (0, 1), (1, 1)]:
            order = (2 - i - j, i + j)                      # (2, 0), (1, 1), (0, 2)
            assert contains(hess[i][j], mpmath.diff(g, (x, y), order)), (op, trial, i, j)
        checked += 1
    assert checked >= 4, f"only {checked} boxes of 16 could be evaluated for {op}"


def test_hessian_domain_rules():
    """Where f is not C^2 on the box (kink, sqrt/log at 0, pole), there is no Hessian."""
    from verinum.checker.evaluate import Kink, eval_hessian
    X = to_arb(F(-1)).union(to_arb(F(1)))
    x_squared_minus_1 = [["var", 0], ["powi", 0, 2], ["const", "-1p0"], ["add", 1, 2]]
    with precision(128):
        for op in ["abs", "relu", "sqrt", "log"]:
            with pytest.raises(CannotBound):
                eval_hessian(Program([["var", 0], [op, 0]], 1), [X])
        with pytest.raises(CannotBound):
            eval_hessian(Program(x_squared_minus_1 + [["log1p", 3]], 1), [X])
        with pytest.raises(Kink):
            eval_hessian(Program([["var", 0], ["var", 1], ["min", 0, 1]], 2), [X, X])
        for expr in ([["var", 0], ["powi", 0, -1]], [["var", 0], ["var", 0], ["div", 0, 1]],
                     [["var", 0], ["const", "1p1"], ["mul", 0, 1], ["tan", 2]]):
            with pytest.raises(CannotBound):
                eval_hessian(Program(expr, 1), [X])


def test_second_order_lower_bound_is_sound_and_tight():
    """On random boxes, second_order_lower is <= f at points of the box (f from mpmath); near a
    minimiser its error is O(h^3) where the mean-value form's is O(h^2)."""
    from verinum.checker.bounds import mean_value_enclosure, second_order_lower
    from verinum.checker.evaluate import lower_q
    rng = random.Random(1)
    mpmath.mp.dps = 40
    expr = [["var", 0], ["var", 1], ["sin", 0], ["mul", 2, 1], ["exp", 1], ["add", 3, 4],
            ["mul", 0, 0], ["add", 5, 6]]                           # sin(x) y + exp(y) + x^2
    f = lambda x, y: mpmath.sin(x) * y + mpmath.exp(y) + x * x  # noqa: E731
    with precision(128):
        prog = Program(expr, 2)
        for _ in range(40):
            box = tuple(sorted((F(rng.randint(-99, 99), 32), F(rng.randint(-99, 99), 32) + F(1, 7)))
                        for _ in range(2))
            low = second_order_lower(prog, box)
            for _ in range(5):
                x, y = (lo + (hi - lo) * F(rng.randint(0, 16), 16) for lo, hi in box)
                fx = f(mpmath.mpf(x.numerator) / x.denominator, mpmath.mpf(y.numerator) / y.denominator)
                assert low <= F(mpmath.nstr(fx, 35)) + F(1, 10 ** 30)
        # Styblinski-Tang 2-D, min 2 m at (r, r), r the root of 4x^3 - 32x + 5 near -2.9
        st = [["var", 0], ["powi", 0, 4], ["powi", 0, 2], ["const", "1p4"], ["mul", 2, 3], ["sub", 1, 4],
              ["const", "5p0"], ["mul", 0, 6], ["add", 5, 7], ["var", 1], ["powi", 9, 4], ["powi", 9, 2],
              ["mul", 11, 3], ["sub", 10, 12], ["mul", 9, 6], ["add", 13, 14], ["add", 8, 15],
              ["const", "1p-1"], ["mul", 16, 17]]
        r = mpmath.findroot(lambda x: 4 * x ** 3 - 32 * x + 5, -2.9)
        true_min = F(mpmath.nstr(r ** 4 - 16 * r ** 2 + 5 * r, 35))
        c, h = F(-29035, 10000), F(1, 2 ** 12)
        box = ((c - h, c + h / 2), (c - h / 3, c + h))                # contains (r, r)
        low = second_order_lower(Program(st, 2), box)
        mean_value = lower_q(mean_value_enclosure(Program(st, 2), box)[0])
        assert true_min - F(1, 10 ** 9) < low <= true_min + F(1, 10 ** 30)
        assert mean_value < true_min - F(1, 10 ** 6)
        # a quadratic with a cross term: 2 (x - 1/3)^2 + (x - 1/3)(y + 1/5) + (y + 1/5)^2 + 7 >= 7
        quad = [["var", 0], ["const", "1/3"], ["sub", 0, 1], ["var", 1], ["const", "1/5"], ["add", 3, 4],
                ["powi", 2, 2], ["const", "1p1"], ["mul", 6, 7], ["mul", 2, 5], ["powi", 5, 2],
                ["add", 8, 9], ["add", 11, 10], ["const", "7p0"], ["add", 12, 13]]
        box = ((F(1, 3) - F(1, 2 ** 20), F(1, 3) + F(1, 2 ** 21)), (F(-1, 5) - F(1, 2 ** 22), F(-1, 5) + F(1, 2 ** 20)))
        assert 7 - F(1, 10 ** 11) <= second_order_lower(Program(quad, 2), box) <= 7
        # max(x, y) + x y on [1, 2] x [-1, 0]: one branch (x) on the box, min 0 along y = -1
        kinked = [["var", 0], ["var", 1], ["max", 0, 1], ["mul", 0, 1], ["add", 2, 3]]
        low = second_order_lower(Program(kinked, 2), ((F(1), F(2)), (F(-1), F(0))))
        assert -2 < low <= 0
        with pytest.raises(CannotBound):                              # x = y inside: a kink
            second_order_lower(Program(kinked, 2), ((F(-1), F(1)), (F(-1), F(1))))


# a 4-D certificate from the producer (module-level cache: it takes a few seconds to make)
_ST4 = {}


def styblinski_tang_4d():
    """min over [-5, 5]^4 of sum (x_i^4 - 16 x_i^2 + 5 x_i)/2 (tol 1e-4), from verinum.minimize,
    and the true minimum 4 m (m = the 1-D minimum at the root of 4x^3 - 32x + 5 near -2.9)."""
    if not _ST4:
        from verinum import minimize
        expr = "(" + " + ".join(f"x{i}**4 - 16*x{i}**2 + 5*x{i}" for i in range(4)) + ")/2"
        result = minimize(expr, [(-5, 5)] * 4, tol=1e-4, separable=False)  # one tree, no blocks
        assert result.status == "ok"
        mpmath.mp.dps = 50
        root = mpmath.findroot(lambda x: 4 * x ** 3 - 32 * x + 5, -2.9)
        _ST4["cert"] = result.certificate.data
        _ST4["min"] = F(mpmath.nstr(2 * (root ** 4 - 16 * root ** 2 + 5 * root), 45))
    return _ST4["cert"], _ST4["min"]


def test_4d_producer_certificate_is_accepted_quickly():
    """Near the minimiser the first-order forms would need ~10^5 sub-boxes; the second-order form
    proves the producer's leaves with few (well under a minute)."""
    import time
    from verinum.certificate_format import decode_exact
    cert, true_min = styblinski_tang_4d()
    assert decode_exact(cert["claim"]["lower"]) <= true_min <= decode_exact(cert["claim"]["upper"])
    start = time.perf_counter()
    v = check(cert)
    assert v.status == "accepted", v.message
    assert time.perf_counter() - start < 30


def test_4d_certificate_with_lower_raised_above_the_minimum_is_rejected():
    """claim.lower (and every leaf) raised to just above the true minimum: false, so rejected."""
    from verinum.certificate_format import decode_exact
    cert, true_min = styblinski_tang_4d()
    upper = decode_exact(cert["claim"]["upper"])
    assert true_min < upper
    raised = (true_min + upper) / 2

    def edit(c):
        c["claim"]["lower"] = E(raised)
        for item in c["evidence"]["tree"]:
            if item[0] == "leaf":
                item[1] = E(raised)
    v = rejected(mutated(cert, edit), "leaf")
    assert "could not prove" in v.message or "counterexample" in v.message
