"""Certificate format v1: exact numbers, canonical hashing, loading and structural validation.

Shared by the producer and the independent checker, so it imports only the standard library.
The specification is ``certificates/README.md``; ``certificates/schema.json`` is its JSON Schema.
``validate`` checks everything the syntax fixes (types, canonical exact numbers, arities, node
order, lengths matching the number of variables, ``lo < hi`` in the domain, ``lower <= upper`` in
the claim, the hash); what the evidence *proves* is the checker's business.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from fractions import Fraction

FORMAT_NAME = "verinum-certificate"
FORMAT_VERSION = 1
KINDS = ("integral", "global-min")

# Argument kinds: "node" (index of an earlier node), "var" (variable index),
# "exact" (exact-number string), "int" (integer literal).
UNARY_OPS = frozenset(
    "neg exp expm1 log log1p sqrt sin cos tan atan sinh cosh tanh erf "
    "sigmoid softplus relu swish abs".split()
)
BINARY_OPS = frozenset("add sub mul div min max pow".split())
OPS: dict[str, tuple[str, ...]] = {
    "var": ("var",),
    "const": ("exact",),
    "pi": (),
    "e": (),
    "powi": ("node", "int"),
    **{op: ("node",) for op in UNARY_OPS},
    **{op: ("node", "node") for op in BINARY_OPS},
}

MAX_EXACT_CHARS = 4000       # longest exact-number string accepted (Python's int() limit is 4300)
MAX_EXPONENT = 1 << 16       # largest |e| accepted in a dyadic "<m>p<e>"

_DYADIC = re.compile(r"(-?[1-9][0-9]*)p(0|-?[1-9][0-9]*)")
_RATIONAL = re.compile(r"(-?[1-9][0-9]*)/([1-9][0-9]*)")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class CertificateFormatError(ValueError):
    """A certificate is malformed; ``path`` names the offending field (e.g. ``claim.lower``)."""

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message


# ----------------------------------------------------------------------------- exact numbers

def encode_exact(value) -> str:
    """The canonical spelling of an exact number (Fraction, int, or finite float, exactly)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Fraction)):
        raise TypeError(f"cannot encode {type(value).__name__} as an exact number")
    q = Fraction(value)                       # exact for floats; raises on nan/inf
    if q == 0:
        return "0"
    p, d = q.numerator, q.denominator
    if d & (d - 1) == 0:                      # dyadic: p / 2^k with p odd or k == 0
        twos = (p & -p).bit_length() - 1      # p = m * 2^twos with m odd
        return f"{p >> twos}p{twos - (d.bit_length() - 1)}"
    return f"{p}/{d}"


def decode_exact(text, path: str = "value") -> Fraction:
    """The exact value of a canonical spelling; anything else raises CertificateFormatError."""
    if not isinstance(text, str):
        raise CertificateFormatError(path, f"expected an exact-number string, got {_kind(text)}")
    if len(text) > MAX_EXACT_CHARS:
        raise CertificateFormatError(path, "exact number is too long")
    if text == "0":
        return Fraction(0)
    if m := _DYADIC.fullmatch(text):
        man, exp = int(m.group(1)), int(m.group(2))
        if man % 2 == 0:
            raise CertificateFormatError(path, f"non-canonical number {text!r}: mantissa must be odd")
        if abs(exp) > MAX_EXPONENT:
            raise CertificateFormatError(path, f"exponent of {text!r} is too large")
        return Fraction(man << exp) if exp >= 0 else Fraction(man, 1 << -exp)
    if m := _RATIONAL.fullmatch(text):
        value = Fraction(int(m.group(1)), int(m.group(2)))
        if encode_exact(value) != text:
            raise CertificateFormatError(
                path, f"non-canonical number {text!r}: the canonical spelling is {encode_exact(value)!r}")
        return value
    raise CertificateFormatError(
        path, f"not an exact number {text!r} (expected '0', '<m>p<e>' with m odd, or '<p>/<q>')")


# ----------------------------------------------------------------------------- hashing

def canonical_bytes(obj) -> bytes:
    """The canonical encoding: sorted keys, no whitespace, ASCII."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def compute_sha256(obj: dict) -> str:
    """SHA-256 (hex) of the canonical encoding of ``obj`` without its ``sha256`` key."""
    return hashlib.sha256(canonical_bytes({k: v for k, v in obj.items() if k != "sha256"})).hexdigest()


def seal(obj: dict) -> dict:
    """A copy of ``obj`` with its ``sha256`` field set."""
    sealed = {k: v for k, v in obj.items() if k != "sha256"}
    sealed["sha256"] = compute_sha256(sealed)
    return sealed


# ----------------------------------------------------------------------------- load / save

def load(source) -> dict:
    """Parse and validate a certificate given as JSON text/bytes or a path; return the dict.

    A string starting with ``{`` or ``[`` is JSON text. Any problem raises CertificateFormatError.
    """
    if isinstance(source, bytes):
        text = source.decode("utf-8", errors="replace")
    elif isinstance(source, str) and source.lstrip()[:1] in ("{", "["):
        text = source
    else:
        try:
            with open(os.fspath(source), encoding="utf-8") as fh:
                text = fh.read()
        except (OSError, TypeError, UnicodeDecodeError) as exc:
            raise CertificateFormatError("", f"cannot read certificate: {exc}") from None
    try:
        obj = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise CertificateFormatError(
            "", f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except (ValueError, RecursionError) as exc:
        raise CertificateFormatError("", f"invalid JSON: {exc}") from None
    validate(obj)
    return obj


def save(obj: dict, path) -> dict:
    """Seal ``obj`` if it has no ``sha256``, validate it, write it as JSON; return what was written."""
    if "sha256" not in obj:
        obj = seal(obj)
    validate(obj)
    with open(os.fspath(path), "w", encoding="utf-8") as fh:
        json.dump(obj, fh, indent=1, sort_keys=True, ensure_ascii=True)
        fh.write("\n")
    return obj


def _no_duplicates(pairs):
    obj = {}
    for key, value in pairs:
        if key in obj:
            raise ValueError(f"duplicate key {key!r}")
        obj[key] = value
    return obj


def _no_constant(name):
    raise ValueError(f"{name} is not allowed")


# ----------------------------------------------------------------------------- validation

def validate(obj) -> None:
    """Raise CertificateFormatError naming the first field that violates format v1 (hash last)."""
    _object(obj, "", required=("format", "version", "kind", "problem", "claim", "evidence", "sha256"),
            optional=("producer",))
    if obj["format"] != FORMAT_NAME:
        raise CertificateFormatError("format", f"expected {FORMAT_NAME!r}, got {obj['format']!r}")
    if type(obj["version"]) is not int:
        raise CertificateFormatError("version", f"expected an integer, got {_kind(obj['version'])}")
    if obj["version"] != FORMAT_VERSION:
        raise CertificateFormatError("version", f"unknown version {obj['version']} (this reader knows {FORMAT_VERSION})")
    if obj["kind"] not in KINDS:
        raise CertificateFormatError("kind", f"unknown kind {obj['kind']!r} (expected one of {', '.join(KINDS)})")
    n = _problem(obj["problem"])
    claim = obj["claim"]
    _object(claim, "claim", required=("lower", "upper"))
    if decode_exact(claim["lower"], "claim.lower") > decode_exact(claim["upper"], "claim.upper"):
        raise CertificateFormatError(
            "claim", f"lower {claim['lower']} > upper {claim['upper']}: the claim is empty")
    if obj["kind"] == "integral":
        _integral_evidence(obj["evidence"], n)
    else:
        _min_evidence(obj["evidence"], n)
    if "producer" in obj and not isinstance(obj["producer"], dict):
        raise CertificateFormatError("producer", f"expected an object, got {_kind(obj['producer'])}")
    digest = obj["sha256"]
    if not isinstance(digest, str) or not _HEX64.fullmatch(digest):
        raise CertificateFormatError("sha256", "expected 64 lowercase hex digits")
    if digest != compute_sha256(obj):
        raise CertificateFormatError("sha256", "hash mismatch: the certificate was modified or corrupted")


def _problem(problem) -> int:
    _object(problem, "problem", required=("variables", "expression", "domain"))
    names = _list(problem["variables"], "problem.variables")
    for i, name in enumerate(names):
        if not isinstance(name, str) or not _IDENTIFIER.fullmatch(name):
            raise CertificateFormatError(f"problem.variables[{i}]", f"expected an identifier, got {name!r}")
    if len(set(names)) != len(names):
        raise CertificateFormatError("problem.variables", "variable names must be distinct")
    n = len(names)
    _expression(problem["expression"], n)
    domain = _box(problem["domain"], "problem.domain", n)
    for k, (lo, hi) in enumerate(domain):
        if not lo < hi:
            raise CertificateFormatError(f"problem.domain[{k}]", "need lo < hi")
    return n


def _expression(expr, n: int) -> None:
    path = "problem.expression"
    for i, ins in enumerate(_list(expr, path)):
        where = f"{path}[{i}]"
        if not isinstance(ins, list) or not ins or not isinstance(ins[0], str):
            raise CertificateFormatError(where, "expected an instruction [op, ...]")
        sig = OPS.get(ins[0])
        if sig is None:
            raise CertificateFormatError(f"{where}[0]", f"unknown op {ins[0]!r}")
        if len(ins) != 1 + len(sig):
            raise CertificateFormatError(where, f"op {ins[0]!r} takes {len(sig)} argument(s), got {len(ins) - 1}")
        for j, (kind, arg) in enumerate(zip(sig, ins[1:]), start=1):
            at = f"{where}[{j}]"
            if kind == "exact":
                decode_exact(arg, at)
            elif type(arg) is not int:
                raise CertificateFormatError(at, f"expected an integer, got {_kind(arg)}")
            elif kind == "node" and not 0 <= arg < i:
                raise CertificateFormatError(at, f"argument {arg} must be the index of an earlier node (0..{i - 1})")
            elif kind == "var" and not 0 <= arg < n:
                raise CertificateFormatError(at, f"variable index {arg} out of range (0..{n - 1})")


def _integral_evidence(ev, n: int) -> None:
    _object(ev, "evidence", required=("pieces",))
    for i, piece in enumerate(_list(ev["pieces"], "evidence.pieces")):
        where = f"evidence.pieces[{i}]"
        _object(piece, where, required=("box", "enclosure"), optional=("degree", "center"))
        _box(piece["box"], f"{where}.box", n)
        _exacts(piece["enclosure"], f"{where}.enclosure", 2)
        if "degree" in piece and (type(piece["degree"]) is not int or piece["degree"] < 0):
            raise CertificateFormatError(f"{where}.degree", "expected a non-negative integer")
        if "center" in piece:
            _exacts(piece["center"], f"{where}.center", n)


def _min_evidence(ev, n: int) -> None:
    _object(ev, "evidence", required=("witness",), optional=("tree", "blocks"))
    _exacts(ev["witness"], "evidence.witness", n)
    if "tree" not in ev and "blocks" not in ev:
        raise CertificateFormatError("evidence.tree", 'missing field (or "blocks")')
    if "tree" in ev and "blocks" in ev:
        raise CertificateFormatError("evidence", 'expected "tree" or "blocks", not both')
    if "tree" in ev:
        _tree(ev["tree"], "evidence.tree", n)
        return
    for b, block in enumerate(_list(ev["blocks"], "evidence.blocks")):
        where = f"evidence.blocks[{b}]"
        _object(block, where, required=("variables", "lower", "tree"))
        variables = _list(block["variables"], f"{where}.variables")
        for j, k in enumerate(variables):
            if type(k) is not int or not 0 <= k < n or (j and k <= variables[j - 1]):
                raise CertificateFormatError(f"{where}.variables[{j}]",
                                             f"expected increasing variable indices 0..{n - 1}")
        decode_exact(block["lower"], f"{where}.lower")
        _tree(block["tree"], f"{where}.tree", len(variables))


def _tree(tree, path: str, n: int) -> None:
    for i, item in enumerate(_list(tree, path)):
        where = f"{path}[{i}]"
        if isinstance(item, list) and len(item) == 3 and item[0] == "split":
            if type(item[1]) is not int or not 0 <= item[1] < n:
                raise CertificateFormatError(f"{where}[1]", f"expected a dimension index 0..{n - 1}")
            decode_exact(item[2], f"{where}[2]")
        elif isinstance(item, list) and len(item) == 2 and item[0] == "leaf":
            decode_exact(item[1], f"{where}[1]")
        else:
            raise CertificateFormatError(where, 'expected ["split", k, p] or ["leaf", L]')


def _box(box, path: str, n: int) -> list[tuple[Fraction, Fraction]]:
    if not isinstance(box, list) or len(box) != n:
        raise CertificateFormatError(path, f"expected a list of {n} [lo, hi] pairs")
    return [tuple(_exacts(pair, f"{path}[{k}]", 2)) for k, pair in enumerate(box)]


def _exacts(values, path: str, count: int) -> list[Fraction]:
    if not isinstance(values, list) or len(values) != count:
        raise CertificateFormatError(path, f"expected a list of {count} exact numbers")
    return [decode_exact(v, f"{path}[{j}]") for j, v in enumerate(values)]


def _list(value, path: str) -> list:
    if not isinstance(value, list) or not value:
        raise CertificateFormatError(path, f"expected a non-empty list, got {_kind(value) if value != [] else 'an empty list'}")
    return value


def _object(value, path: str, required=(), optional=()) -> None:
    if not isinstance(value, dict):
        raise CertificateFormatError(path, f"expected an object, got {_kind(value)}")
    for key in required:
        if key not in value:
            raise CertificateFormatError(_join(path, key), "missing field")
    for key in value:
        if key not in required and key not in optional:
            raise CertificateFormatError(_join(path, key), "unknown field")


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _kind(value) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return f"the JSON number {value!r}"
    return {str: "a string", list: "a list", dict: "an object", type(None): "null"}.get(type(value), type(value).__name__)
