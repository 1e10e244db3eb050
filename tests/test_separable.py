"""Separable minimisation: f = Σ blocks over disjoint variables + a constant (verinum.separable),
its "blocks" certificates, and the checker's own decomposition (verinum.checker.blocks).

References are computed with mpmath (40 digits) from the known minimisers.
"""
import copy
from fractions import Fraction

import mpmath as mp
import pytest

from verinum import ir, separable, tracing
from verinum.certificate_format import (
    CertificateFormatError, decode_exact, encode_exact, seal, validate,
)
from verinum.checker import check
from verinum.checker import blocks as checker_blocks
from verinum.errors import InputError
from verinum.minimization import minimize

mp.mp.dps = 40


def st_terms(d):
    return "(" + " + ".join(f"x{i}**4 - 16*x{i}**2 + 5*x{i}" for i in range(d)) + ")/2"


def st_1d(x):
    return (x**4 - 16 * x**2 + 5 * x) / 2


ST_1D_MIN = st_1d(mp.findroot(lambda x: mp.diff(st_1d, x), mp.mpf("-2.9035")))
ST_10D_MIN = 10 * ST_1D_MIN

# a coupled 2-D block, two 1-D blocks, a constant part; sub, neg, division by a constant
MIXED = "x0**2 + x0*x1 + x1**2 + sin(3*x0) - (3 - 2*cos(x2)) + pi - 1/3 - x3**2/2 + exp(x2)/4"
MIXED_BOX = [(-2, 2), (-2, 2), (-4, 1), (-1, "1.5")]


def global_min_1d(g, lo, hi):
    """min of g on [lo, hi] from the best of 2001 grid points polished by Newton (mpmath)."""
    grid = [lo + (hi - lo) * mp.mpf(i) / 2000 for i in range(2001)]
    x = mp.findroot(lambda t: mp.diff(g, t), min(grid, key=g))
    assert lo < x < hi and g(x) <= min(g(t) for t in grid)
    return g(x)


def mixed_min():
    # x1 = -x0/2 minimises the block (x0, x1) for fixed x0 (and lies in [-2, 2])
    block01 = global_min_1d(lambda x: 3 * x**2 / 4 + mp.sin(3 * x), -2, 2)
    block2 = global_min_1d(lambda x: 2 * mp.cos(x) + mp.exp(x) / 4, -4, 1)
    return block01 + block2 - 3 + mp.pi - mp.mpf(1) / 3 - mp.mpf("1.5") ** 2 / 2


def contains(result, value):
    return mp.mpf(result.lower) <= value <= mp.mpf(result.upper)


def exact_value(f_mp, point):
    return f_mp(*[mp.mpf(Fraction(x).numerator) / Fraction(x).denominator for x in point])


@pytest.fixture(scope="module")
def st10():
    return minimize(st_terms(10), [(-5, 5)] * 10, tol=1e-6)


@pytest.fixture(scope="module")
def mixed():
    return minimize(MIXED, MIXED_BOX, tol=1e-9)


def mutated(cert, edit):
    c = copy.deepcopy(cert)
    edit(c)
    return seal(c)


def rejected(cert, *words):
    verdict = check(cert)
    assert verdict.status == "rejected", verdict.message
    for w in words:
        assert w in verdict.message, verdict.message
    return verdict


# -- decomposition ------------------------------------------------------------------------------
def blocks_of(expr, n):
    root, _ = tracing.to_expression(expr, n, True)
    return separable.decompose(root), root


def test_decomposition_of_styblinski_tang():
    dec, _ = blocks_of(st_terms(3), 3)
    assert [b.variables for b in dec.blocks] == [[0], [1], [2]] and dec.constant is None
    assert [c for c, _ in dec.blocks[1].terms] == [Fraction(1, 2), Fraction(-8), Fraction(5, 2)]
    assert ir.num_variables(dec.blocks[2].root) == 1   # re-indexed to the block's own variable


def test_decomposition_of_mixed_example():
    dec, _ = blocks_of(MIXED, 4)
    assert [b.variables for b in dec.blocks] == [[0, 1], [2], [3]]
    assert dec.constant is not None and ir.num_variables(dec.constant) == 0


@pytest.mark.parametrize("expr, n", [
    ("(4 - 2.1*x0**2 + x0**4/3)*x0**2 + x0*x1 + (-4 + 4*x1**2)*x1**2", 2),   # x0*x1 couples
    ("exp(x0 + x1)", 2),
    ("x0**2 + x0*x1 + x1*x2 + x2**2", 3),                                    # a chain
    ("x0**2 + 5", 1),
])
def test_non_separable_functions_give_none(expr, n):
    assert blocks_of(expr, n)[0] is None


@pytest.mark.parametrize("expr, n", [
    (MIXED, 4), (st_terms(4), 4), ("2*(x0 + x1) - x2*x3 + x3 + 7", 4), ("x0**2 + x2**2", 3),
    ("-(x1 - sin(x0)*x0) + e*x2/3 + 0*log(x1)", 3),
])
def test_checker_derives_the_same_decomposition(expr, n):
    dec, root = blocks_of(expr, n)
    components, constant = checker_blocks.decompose(ir.to_ops(root))
    assert [tuple(b.variables) for b in dec.blocks] == [v for v, _ in components]
    assert [[c for c, _ in b.terms] for b in dec.blocks] == \
        [[c for c, _ in terms] for _, terms in components]
    assert (dec.constant is None) == (not constant)


# -- minimisation -------------------------------------------------------------------------------
def test_styblinski_tang_10d(st10):
    assert mp.nstr(ST_10D_MIN, 16) == "-391.6616570377142"
    assert st10.status == "ok" and st10.gap <= 1e-6 and st10.stats["blocks"] == 10
    assert contains(st10, ST_10D_MIN)
    assert exact_value(lambda *x: sum(st_1d(v) for v in x), st10.argmin) <= st10.upper
    # too many products of the blocks' leaves: each block's leaves, extended to the full box
    assert len(st10.leaves) == st10.stats["leaves"]
    assert all(len(box) == 10 for box, _ in st10.leaves)
    assert min(low for _, low in st10.leaves) <= ST_10D_MIN


def test_styblinski_tang_10d_certificate(st10, tmp_path):
    cert = st10.certificate
    data = cert.data
    assert decode_exact(data["claim"]["lower"]) == Fraction(st10.lower)
    assert decode_exact(data["claim"]["upper"]) == Fraction(st10.upper)
    blocks = data["evidence"]["blocks"]
    assert [b["variables"] for b in blocks] == [[k] for k in range(10)]
    assert sum(decode_exact(b["lower"]) for b in blocks) >= Fraction(st10.lower)
    assert check(str(cert.save(tmp_path / "st10.json"))).status == "accepted"


def test_mixed_example(mixed):
    reference = mixed_min()
    assert mixed.status == "ok" and mixed.gap <= 1e-9 and mixed.stats["blocks"] == 3
    assert contains(mixed, reference)
    verdict = mixed.certificate.check()
    assert verdict.status == "accepted", verdict.message


def test_unused_variable_gets_a_witness_coordinate():
    r = minimize("(x0 - 1/3)**2 + cos(x2)", [(-1, 1), (5, 6), (0, 4)], tol=1e-9)
    assert contains(r, mp.mpf(-1)) and r.status == "ok" and 5 <= r.argmin[1] <= 6
    assert r.certificate.check().status == "accepted"


def test_leaves_are_the_product_of_the_blocks_leaves_when_few():
    def f(x, y):
        return 3 * x**2 / 4 + mp.sin(3 * x) + 2 * mp.cos(y) + mp.exp(y) / 4
    r = minimize("3*x0**2/4 + sin(3*x0) + 2*cos(x1) + exp(x1)/4", [(-2, 2), (-4, 1)], tol=1e-8)
    assert r.stats["blocks"] == 2 and len(r.leaves) > 4
    area = sum(Fraction(b[0][1] - b[0][0]) * Fraction(b[1][1] - b[1][0]) for b, _ in r.leaves)
    assert area == 20                                         # the leaves tile the box
    for (bx, by), low in r.leaves:                            # each lower bound holds on its leaf
        assert low <= f(mp.mpf(sum(bx)) / 2, mp.mpf(sum(by)) / 2)


def test_budgets_are_shared_and_bounds_stay_proven():
    r = minimize(st_terms(4), [(-5, 5)] * 4, tol=1e-12, max_boxes=8)
    assert r.status == "max_boxes" and contains(r, 4 * ST_1D_MIN)
    assert r.stats["boxes"] <= 8 + 4 * 16
    assert r.certificate.check().status == "accepted"


# -- tampered certificates -------------------------------------------------------------------------
def test_wrong_variable_sets_rejected(mixed):
    data = mixed.certificate.data

    def merge(c):  # blocks {2} and {3} claimed as one block {2, 3}
        b = c["evidence"]["blocks"]
        b[1]["variables"] = [2, 3]
        del b[2]
    rejected(mutated(data, merge), "evidence.blocks", "not the components", "{2}; {3}")

    def swap(c):
        c["evidence"]["blocks"][1]["variables"] = [3]
    rejected(mutated(data, swap), "not the components")


def test_block_lower_raised_rejected(st10):
    def raise_block(c):
        block = c["evidence"]["blocks"][3]
        block["lower"] = encode_exact(Fraction(-39))           # min of the block is -39.166...
        for item in block["tree"]:
            if item[0] == "leaf":
                item[1] = block["lower"]
    rejected(mutated(st10.certificate.data, raise_block), "evidence.blocks[3].tree", "leaf")

    def raise_lower_only(c):  # leaves left as they are: they now lie below the block's lower
        c["evidence"]["blocks"][0]["lower"] = encode_exact(Fraction(-39))
    rejected(mutated(st10.certificate.data, raise_lower_only), "evidence.blocks[0].lower")


def test_claim_above_sum_of_block_lowers_rejected(mixed):
    data = mixed.certificate.data
    lowers = sum(decode_exact(b["lower"]) for b in data["evidence"]["blocks"])

    def raise_claim(c):
        c["claim"]["lower"] = encode_exact(decode_exact(c["claim"]["upper"]))
    assert lowers < decode_exact(data["claim"]["upper"]) + 1   # the constant part is pi - 10/3
    rejected(mutated(data, raise_claim), "evidence.blocks", "sum to", "claim.lower")


def test_blocks_evidence_for_non_separable_function_rejected():
    camel = minimize("(4 - 2.1*x0**2 + x0**4/3)*x0**2 + x0*x1 + (-4 + 4*x1**2)*x1**2",
                     [(-3, 3), (-2, 2)], tol=1e-6)
    data = camel.certificate.data

    def as_blocks(c):
        ev = c["evidence"]
        low = c["claim"]["lower"]
        ev["blocks"] = [{"variables": [0], "lower": low, "tree": [["leaf", low]]},
                        {"variables": [1], "lower": "0", "tree": [["leaf", "0"]]}]
        del ev["tree"]
    rejected(mutated(data, as_blocks), "not separable")


@pytest.mark.parametrize("edit, path", [
    (lambda ev: ev.update(tree=[["leaf", "0"]]), "evidence"),                    # both forms
    (lambda ev: ev["blocks"][0]["tree"].insert(0, ["split", 1, "0"]),
     "evidence.blocks[0].tree[0][1]"),
    (lambda ev: ev["blocks"][0].update(variables=[1, 0]), "evidence.blocks[0].variables[1]"),
    (lambda ev: ev["blocks"][0].update(variables=[10]), "evidence.blocks[0].variables[0]"),
    (lambda ev: ev["blocks"][0].pop("lower"), "evidence.blocks[0].lower"),
    (lambda ev: ev.update(blocks=[]), "evidence.blocks"),
])
def test_malformed_blocks(st10, edit, path):
    bad = mutated(st10.certificate.data, lambda c: edit(c["evidence"]))
    with pytest.raises(CertificateFormatError) as err:
        validate(bad)
    assert err.value.path == path
    assert check(bad).status == "malformed"


def test_separable_false_gives_one_tree():
    r = minimize(st_terms(2), [(-5, 5)] * 2, tol=1e-6, separable=False)
    assert "blocks" not in r.stats and "tree" in r.certificate.data["evidence"]
    assert contains(r, 2 * ST_1D_MIN) and r.certificate.check().status == "accepted"


def test_schema_accepts_blocks_evidence(st10):
    jsonschema = pytest.importorskip("jsonschema")
    import json
    import pathlib
    schema = json.loads((pathlib.Path(__file__).resolve().parents[1] / "certificates" /
                         "schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    data = st10.certificate.data
    validator.validate(data)
    both = mutated(data, lambda c: c["evidence"].update(tree=[["leaf", "0"]]))
    neither = mutated(data, lambda c: c["evidence"].pop("blocks"))
    no_lower = mutated(data, lambda c: c["evidence"]["blocks"][0].pop("lower"))
    assert not any(validator.is_valid(c) for c in (both, neither, no_lower))


def test_exponentially_many_terms_are_not_decomposed():
    s = ir.var(0)
    for _ in range(40):
        s = s + s                                   # 2^40 copies of x0 in a 41-node DAG
    root = s + ir.var(1) * ir.var(1)
    assert separable.decompose(root) is None
    with pytest.raises(checker_blocks.Rejected, match="more than"):
        checker_blocks.decompose(ir.to_ops(root))


def test_separable_option_must_be_a_bool():
    with pytest.raises(InputError, match="separable must be True or False"):
        minimize("x0**2 + x1**2", [(-1, 1), (-1, 1)], separable="no")
