"""The checker's own rendering: infix expressions from the IR, exact and directed-rounded decimals,
and the plain-words theorem of a certificate. Nothing here reads untrusted free text."""

from __future__ import annotations

import math
from fractions import Fraction

from verinum.certificate_format import decode_exact

DIGITS = 13
INLINE_LIMIT = 400      # longest expression rendered inline; longer ones use named subterms

_INFIX = {"add": (" + ", 1, 1, 1), "sub": (" - ", 1, 1, 2), "mul": ("*", 2, 2, 4), "div": ("/", 2, 2, 4)}
_ATOM = 9


# ----------------------------------------------------------------------------- numbers

def render_exact(q: Fraction) -> str:
    """An exact, readable spelling of q: an integer or finite decimal when short, else p/q or m*2^e."""
    p, d = q.numerator, q.denominator
    if d & (d - 1):                                    # not dyadic
        return f"{p}/{d}"
    places = d.bit_length() - 1                        # q = p / 2^places, p odd unless places == 0
    if places <= 30:
        digits = str(abs(p) * 5 ** places).rjust(places + 1, "0")
        text = digits[:len(digits) - places] + ("." + digits[-places:] if places else "")
        if len(text) <= 24:
            return ("-" if p < 0 else "") + text
    twos = (p & -p).bit_length() - 1
    return f"{p >> twos}*2^{twos - places}"


def decimal_down(q: Fraction, digits: int = DIGITS) -> str:
    """A decimal with <= ``digits`` significant digits whose value is <= q."""
    return _decimal(q, digits, up=False)


def decimal_up(q: Fraction, digits: int = DIGITS) -> str:
    """A decimal with <= ``digits`` significant digits whose value is >= q."""
    return _decimal(q, digits, up=True)


def decimal_near(q: Fraction, digits: int = 7) -> str:
    """A short decimal near q, for messages only (rounded toward zero)."""
    return _decimal(q, digits, up=q < 0)


def _decimal(q: Fraction, digits: int, up: bool) -> str:
    q = Fraction(q)
    if q == 0:
        return "0"
    if q < 0:
        return "-" + _decimal(-q, digits, not up)
    e = int((q.numerator.bit_length() - q.denominator.bit_length()) * 0.30103)   # estimate only
    while Fraction(10) ** e > q:
        e -= 1
    while Fraction(10) ** (e + 1) <= q:
        e += 1
    scale = Fraction(10) ** (e - digits + 1)                 # q / scale in [10^(d-1), 10^d)
    m = math.ceil(q / scale) if up else math.floor(q / scale)
    s = e - digits + 1                                        # value = m * 10^s exactly
    while m % 10 == 0:
        m //= 10
        s += 1
    text = str(m)
    exp10 = s + len(text) - 1                                 # position of the leading digit
    if -7 <= exp10 <= 16:
        if s >= 0:
            return text + "0" * s
        if exp10 >= 0:
            return text[:exp10 + 1] + "." + text[exp10 + 1:]
        return "0." + "0" * (-exp10 - 1) + text
    mant = text[0] + ("." + text[1:] if len(text) > 1 else "")
    return f"{mant}e{exp10}"


# ----------------------------------------------------------------------------- expressions

def render_expression(expression: list, names: list[str]) -> str:
    """Infix text of the IR's last node; when inlining gets long, subterms are named v<i>."""
    texts = _render(expression, names, named=False)
    if texts is not None:
        return texts[-1][0]
    texts = _render(expression, names, named=True)
    live = _live(expression)
    defs = ", ".join(f"v{i} = {texts[i][0]}" for i in sorted(live)[:-1] if not _is_atom(expression[i]))
    return f"{texts[-1][0]} where {defs}" if defs else texts[-1][0]


def _is_atom(ins: list) -> bool:
    return ins[0] in ("var", "const", "pi", "e")


def _live(expression: list) -> set:
    live = {len(expression) - 1}
    for i in range(len(expression) - 1, -1, -1):
        ins = expression[i]
        if i in live and not _is_atom(ins):
            live.update(ins[1:2] if ins[0] == "powi" else ins[1:])
    return live


def _render(expression: list, names: list[str], named: bool):
    """[(text, precedence)] per node; None if inline text grows past INLINE_LIMIT.

    With ``named``, operands that are not atoms are written as v<i>.
    """
    out = []

    def arg(i, min_prec):
        if named and not _is_atom(expression[i]):
            return f"v{i}"
        text, prec = out[i]
        return text if prec >= min_prec else f"({text})"

    for ins in expression:
        op = ins[0]
        if op == "var":
            text, prec = names[ins[1]], _ATOM
        elif op == "const":
            q = decode_exact(ins[1])
            text = render_exact(q)
            prec = 3 if q < 0 else (2 if ("/" in text or "*" in text) else _ATOM)
        elif op in ("pi", "e"):
            text, prec = ("π" if op == "pi" else "e"), _ATOM
        elif op in _INFIX:
            sym, prec, left, right = _INFIX[op]
            text = arg(ins[1], left) + sym + arg(ins[2], right)
        elif op == "neg":
            text, prec = "-" + arg(ins[1], 4), 3
        elif op == "pow":
            text, prec = arg(ins[1], _ATOM) + "^" + arg(ins[2], _ATOM), 4
        elif op == "powi":
            n = ins[2]
            text, prec = arg(ins[1], _ATOM) + "^" + (str(n) if n >= 0 else f"({n})"), 4
        elif op in ("min", "max"):
            text, prec = f"{op}({arg(ins[1], 0)}, {arg(ins[2], 0)})", _ATOM
        else:
            text, prec = f"{op}({arg(ins[1], 0)})", _ATOM
        if not named and len(text) > INLINE_LIMIT:
            return None
        out.append((text, prec))
    return out


def _wrap(operand: tuple, min_prec: int) -> str:
    text, prec = operand
    return text if prec >= min_prec else f"({text})"


# ----------------------------------------------------------------------------- statements

def render_interval(lo: Fraction, hi: Fraction) -> str:
    """[lo, hi] with lo rounded down and hi rounded up."""
    return f"[{decimal_down(lo)}, {decimal_up(hi)}]"


def render_box(box) -> str:
    """A box with its exact endpoints."""
    return " × ".join(f"[{render_exact(lo)}, {render_exact(hi)}]" for lo, hi in box)


def statement(cert: dict, witness_value: tuple | None = None) -> str:
    """The theorem a certificate states, in plain words, from its exact fields only."""
    problem, claim = cert["problem"], cert["claim"]
    names = problem["variables"]
    expr = render_expression(problem["expression"], names)
    box = [(decode_exact(lo), decode_exact(hi)) for lo, hi in problem["domain"]]
    bounds = render_interval(decode_exact(claim["lower"]), decode_exact(claim["upper"]))
    args = ", ".join(names)
    if cert["kind"] == "integral":
        if len(box) == 1:
            lo, hi = (_script(render_exact(v)) for v in box[0])
            return f"∫_{lo}^{hi} {expr} d{names[0]} ∈ {bounds}"
        return f"∫ over {render_box(box)} of {expr} d({args}) ∈ {bounds}"
    text = f"min over {render_box(box)} of f({args}) = {expr} ∈ {bounds}"
    w = [_approx(decode_exact(v)) for v in cert["evidence"]["witness"]]
    point = f"{names[0]} = {w[0]}" if len(w) == 1 else f"({args}) = ({', '.join(w)})"
    text += f"; witness {point}"
    if witness_value is not None:
        text += f" with f(witness) ∈ {render_interval(*witness_value)}"
    return text


def _script(text: str) -> str:
    return text if text.isalnum() else "{" + text + "}"


def _approx(q: Fraction) -> str:
    text = render_exact(q)
    return text if len(text) <= 24 and "*" not in text else "≈" + decimal_near(q, DIGITS)
