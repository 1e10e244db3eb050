"""Tests of verinum.certificate_format: exact numbers, hashing, load/validate, save, schema."""

import copy
import json
import pathlib
from fractions import Fraction

import pytest
from hypothesis import given, strategies as st

from verinum import certificate_format as cf
from verinum.certificate_format import CertificateFormatError, decode_exact, encode_exact

ROOT = pathlib.Path(__file__).resolve().parents[1]


def integral_cert():
    return cf.seal({
        "format": "verinum-certificate", "version": 1, "kind": "integral",
        "problem": {"variables": ["x"], "expression": [["var", 0], ["exp", 0]], "domain": [["0", "1p0"]]},
        "claim": {"lower": "1p0", "upper": "7p-2"},
        "evidence": {"pieces": [
            {"box": [["0", "1p-1"]], "enclosure": ["1p-1", "7p-3"], "degree": 8, "center": ["1p-2"]},
            {"box": [["1p-1", "1p0"]], "enclosure": ["1p-1", "9p-3"], "degree": 8, "center": ["3p-2"]},
        ]},
        "producer": {"name": "test", "version": "0"},
    })


def min_cert():
    return cf.seal({
        "format": "verinum-certificate", "version": 1, "kind": "global-min",
        "problem": {"variables": ["x", "y"],
                    "expression": [["var", 0], ["var", 1], ["mul", 0, 1], ["const", "-1/3"], ["add", 2, 3]],
                    "domain": [["0", "1p0"], ["-1p1", "1p1"]]},
        "claim": {"lower": "-3p0", "upper": "-1p0"},
        "evidence": {"witness": ["1p0", "-1p1"],
                     "tree": [["split", 0, "1p-1"], ["leaf", "-3p0"], ["leaf", "-3p0"]]},
    })


def resealed(cert, edit):
    """A copy of cert changed by edit(copy), with a fresh hash."""
    c = copy.deepcopy(cert)
    edit(c)
    return cf.seal(c)


def format_error(source):
    with pytest.raises(CertificateFormatError) as info:
        cf.load(source) if not isinstance(source, dict) else cf.validate(source)
    return info.value


# ----------------------------------------------------------------------------- exact numbers

@pytest.mark.parametrize("value, text", [
    (Fraction(0), "0"), (Fraction(1, 2), "1p-1"), (Fraction(-12), "-3p2"), (Fraction(5), "5p0"),
    (Fraction(1), "1p0"), (Fraction(1, 3), "1/3"), (Fraction(-7, 10), "-7/10"), (Fraction(6, 5), "6/5"),
    (0.1, "3602879701896397p-55"), (-0.0, "0"), (3, "3p0"), (2 ** 70, "1p70"),
])
def test_encode_examples(value, text):
    assert encode_exact(value) == text
    assert decode_exact(text) == Fraction(value)


@pytest.mark.parametrize("bad", [
    "2p0", "0.5", "2/4", "1/1", "4/2", "1/2", "-0", "+1p0", "1p+1", "01p0", "1p01", "1p-0", " 1p0",
    "1p0 ", "nan", "inf", "1/0", "0/1", "", "p0", "1p", "-3/-4", "3/-4", "1e5", "0p0", "1.5p0", "١p0",
])
def test_decode_rejects_non_canonical(bad):
    with pytest.raises(CertificateFormatError) as info:
        decode_exact(bad, "claim.lower")
    assert info.value.path == "claim.lower"
    assert "claim.lower" in str(info.value)


@pytest.mark.parametrize("bad", [0.5, 1, True, None, ["1p0"]])
def test_decode_rejects_non_strings(bad):
    with pytest.raises(CertificateFormatError, match="expected an exact-number string"):
        decode_exact(bad, "x")


def test_encode_rejects_non_numbers():
    for bad in (True, "1", float("nan"), float("inf")):
        with pytest.raises((TypeError, ValueError, OverflowError)):
            encode_exact(bad)


def test_huge_numbers_are_bounded():
    with pytest.raises(CertificateFormatError, match="too large"):
        decode_exact(f"1p{cf.MAX_EXPONENT + 1}")
    with pytest.raises(CertificateFormatError, match="too long"):
        decode_exact("1" * (cf.MAX_EXACT_CHARS + 1) + "p0")


@given(st.fractions())
def test_roundtrip_fractions(q):
    assert decode_exact(encode_exact(q)) == q


@given(st.integers(min_value=-(2 ** 200), max_value=2 ** 200), st.integers(min_value=-2000, max_value=2000))
def test_roundtrip_dyadics(m, e):
    q = Fraction(m) * Fraction(2) ** e
    text = encode_exact(q)
    assert decode_exact(text) == q
    assert "/" not in text


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_roundtrip_floats_exactly(x):
    assert decode_exact(encode_exact(x)) == Fraction(x)


@given(st.text(alphabet="0123456789-p/", max_size=12))
def test_every_accepted_spelling_is_the_canonical_one(text):
    try:
        value = decode_exact(text)
    except CertificateFormatError:
        return
    assert encode_exact(value) == text


# ----------------------------------------------------------------------------- hashing

def test_seal_and_hash():
    cert = integral_cert()
    assert len(cert["sha256"]) == 64
    assert cert["sha256"] == cf.compute_sha256(cert)
    unsealed = {k: v for k, v in cert.items() if k != "sha256"}
    assert cf.compute_sha256(unsealed) == cert["sha256"]
    reordered = dict(reversed(list(cert.items())))
    assert cf.compute_sha256(reordered) == cert["sha256"]
    assert cf.canonical_bytes({"b": 1, "a": "∫"}) == b'{"a":"\\u222b","b":1}'
    assert cf.seal(cert) == cert


def test_hash_mismatch_is_reported():
    cert = integral_cert()
    cert["claim"]["upper"] = "1p1"                    # edited without resealing
    assert format_error(cert).path == "sha256"
    cert = integral_cert()
    cert["sha256"] = "0" * 64
    assert "hash mismatch" in str(format_error(cert))
    cert["sha256"] = "ABC"
    assert format_error(cert).path == "sha256"


# ----------------------------------------------------------------------------- load / validate

def test_valid_certificates_load(tmp_path):
    for cert in (integral_cert(), min_cert()):
        text = json.dumps(cert, indent=2)
        assert cf.load(text) == cert
        assert cf.load(text.encode()) == cert
        path = tmp_path / "c.json"
        path.write_text(text)
        assert cf.load(path) == cert
        assert cf.load(str(path)) == cert


def test_truncated_and_invalid_json():
    text = json.dumps(integral_cert())
    err = format_error(text[: len(text) // 2])
    assert "invalid JSON" in str(err) and "line 1" in str(err)
    assert "invalid JSON" in str(format_error("{}}"))
    assert "duplicate key" in str(format_error('{"a": 1, "a": 2}'))
    assert "NaN" in str(format_error(text.replace('"version": 1', '"version": NaN')))
    assert "expected an object" in str(format_error(json.dumps([1, 2])))


def test_missing_file():
    assert "cannot read" in str(format_error("/nonexistent/cert.json"))


@pytest.mark.parametrize("edit, path, words", [
    (lambda c: c.update(format="other"), "format", "expected 'verinum-certificate'"),
    (lambda c: c.update(version=2), "version", "unknown version"),
    (lambda c: c.update(version="1"), "version", "integer"),
    (lambda c: c.update(version=True), "version", "integer"),
    (lambda c: c.update(kind="max"), "kind", "unknown kind"),
    (lambda c: c.pop("claim"), "claim", "missing field"),
    (lambda c: c.update(extra=1), "extra", "unknown field"),
    (lambda c: c["problem"]["expression"].__setitem__(1, ["exq", 0]), "problem.expression[1][0]", "unknown op 'exq'"),
    (lambda c: c["problem"]["expression"].__setitem__(1, ["exp", 1]), "problem.expression[1][1]", "earlier node"),
    (lambda c: c["problem"]["expression"].__setitem__(1, ["exp", 5]), "problem.expression[1][1]", "earlier node"),
    (lambda c: c["problem"]["expression"].__setitem__(1, ["exp", -1]), "problem.expression[1][1]", "earlier node"),
    (lambda c: c["problem"]["expression"].__setitem__(1, ["exp", 0.0]), "problem.expression[1][1]", "integer"),
    (lambda c: c["problem"]["expression"].__setitem__(1, ["exp", 0, 0]), "problem.expression[1]", "takes 1 argument"),
    (lambda c: c["problem"]["expression"].__setitem__(0, ["var", 1]), "problem.expression[0][1]", "out of range"),
    (lambda c: c["problem"]["expression"].append(["const", "0.5"]), "problem.expression[2][1]", "0.5"),
    (lambda c: c["problem"]["expression"].append(["powi", 1, "2"]), "problem.expression[2][2]", "integer"),
    (lambda c: c["problem"]["expression"].append("exp"), "problem.expression[2]", "instruction"),
    (lambda c: c["problem"].update(expression=[]), "problem.expression", "non-empty"),
    (lambda c: c["problem"].update(variables=["x", "x"]), "problem.variables", "distinct"),
    (lambda c: c["problem"].update(variables=["1x"]), "problem.variables[0]", "identifier"),
    (lambda c: c["problem"].update(domain=[["1p0", "0"]]), "problem.domain[0]", "lo < hi"),
    (lambda c: c["problem"].update(domain=[["0", "1p0"], ["0", "1p0"]]), "problem.domain", "1 [lo, hi]"),
    (lambda c: c["claim"].update(lower=0.5), "claim.lower", "JSON number"),
    (lambda c: c["claim"].update(lower="2p0"), "claim.lower", "mantissa must be odd"),
    (lambda c: c["claim"].update(lower="1p1"), "claim", "the claim is empty"),
    (lambda c: c["evidence"]["pieces"][1]["box"][0].__setitem__(1, "2p0"), "evidence.pieces[1].box[0][1]", "2p0"),
    (lambda c: c["evidence"]["pieces"][0]["box"][0].__setitem__(1, "2/4"), "evidence.pieces[0].box[0][1]", "'1p-1'"),
    (lambda c: c["evidence"]["pieces"][0].update(degree=-1), "evidence.pieces[0].degree", "non-negative"),
    (lambda c: c["evidence"]["pieces"][0].update(center=[]), "evidence.pieces[0].center", "1 exact"),
    (lambda c: c["evidence"]["pieces"][0].update(note="x"), "evidence.pieces[0].note", "unknown field"),
    (lambda c: c["evidence"].update(pieces=[]), "evidence.pieces", "non-empty"),
    (lambda c: c.update(producer="me"), "producer", "object"),
])
def test_structural_errors_name_the_field(edit, path, words):
    err = format_error(resealed(integral_cert(), edit))
    assert err.path == path
    assert words in str(err)


@pytest.mark.parametrize("edit, path", [
    (lambda c: c["evidence"].update(witness=["1p0"]), "evidence.witness"),
    (lambda c: c["evidence"]["witness"].__setitem__(1, "0.5"), "evidence.witness[1]"),
    (lambda c: c["evidence"]["tree"].__setitem__(0, ["split", 2, "1p-1"]), "evidence.tree[0][1]"),
    (lambda c: c["evidence"]["tree"].__setitem__(0, ["split", 0, "2/4"]), "evidence.tree[0][2]"),
    (lambda c: c["evidence"]["tree"].__setitem__(1, ["leaf"]), "evidence.tree[1]"),
    (lambda c: c["evidence"]["tree"].__setitem__(1, ["node", "0"]), "evidence.tree[1]"),
    (lambda c: c["evidence"].pop("tree"), "evidence.tree"),
])
def test_min_evidence_errors_name_the_field(edit, path):
    assert format_error(resealed(min_cert(), edit)).path == path


def test_all_ops_validate():
    expr = [["var", 0], ["const", "1p-1"], ["pi"], ["e"]]
    for op, sig in cf.OPS.items():
        if sig == ("node",):
            expr.append([op, 0])
        elif sig == ("node", "node"):
            expr.append([op, 0, 1])
    expr.append(["powi", 0, -3])
    cert = resealed(integral_cert(), lambda c: c["problem"].update(expression=expr))
    cf.validate(cert)
    assert set(cf.OPS) == cf.UNARY_OPS | cf.BINARY_OPS | {"var", "const", "pi", "e", "powi"}


def test_save_seals_and_validates(tmp_path):
    cert = integral_cert()
    unsealed = {k: v for k, v in cert.items() if k != "sha256"}
    written = cf.save(unsealed, tmp_path / "a.json")
    assert written == cert
    assert cf.load(tmp_path / "a.json") == cert
    bad = copy.deepcopy(cert)
    bad["claim"]["lower"] = "0.5"
    with pytest.raises(CertificateFormatError):
        cf.save(bad, tmp_path / "b.json")
    assert not (tmp_path / "b.json").exists()


def test_format_module_imports_only_stdlib():
    import ast
    import sys
    tree = ast.parse((ROOT / "verinum" / "certificate_format.py").read_text())
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    names |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert all(name.split(".")[0] in sys.stdlib_module_names or name == "__future__" for name in names), names


# ----------------------------------------------------------------------------- schema

def _schema():
    return json.loads((ROOT / "certificates" / "schema.json").read_text())


def test_schema_ops_match_module():
    schema = _schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    ops = set(schema["$defs"]["instruction"]["prefixItems"][0]["enum"])
    assert ops == set(cf.OPS)


def test_schema_exact_pattern_agrees_with_decoder():
    import re
    pattern = re.compile(_schema()["$defs"]["exact"]["pattern"])
    for text in ["0", "1p-1", "-3p2", "5p0", "1/3", "-7/10", "12345p-99"]:
        assert pattern.fullmatch(text)
    for text in ["2p0", "0.5", "-0", "1p01", "01/3", "nan", "1p-0"]:
        assert not pattern.fullmatch(text)


def test_schema_validates_examples():
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(_schema())
    jsonschema.Draft202012Validator.check_schema(_schema())
    validator.validate(integral_cert())
    validator.validate(min_cert())
    for bad in (resealed(integral_cert(), lambda c: c["problem"]["expression"].append(["exq", 0])),
                resealed(integral_cert(), lambda c: c["claim"].update(lower="0.5")),
                resealed(min_cert(), lambda c: c["evidence"]["tree"].append(["leaf"]))):
        assert not validator.is_valid(bad)
