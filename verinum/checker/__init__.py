"""verinum.checker -- the independent checker of verinum certificates (format v1).

It trusts nothing the producer computed: it re-proves every claim with arb (python-flint) and
imports only the standard library, ``flint``, ``verinum.certificate_format`` and its own modules.

    >>> from verinum.checker import check
    >>> verdict = check("cert.json")          # or a certificate dict
    >>> verdict.status, verdict.statement

``status`` is "accepted" (the statement is proven), "rejected" (well-formed, but not proven; the
message names the piece/leaf and why) or "malformed" (the message names the field).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from verinum.certificate_format import CertificateFormatError, decode_exact, load, validate
from verinum.checker.common import Budget, Rejected, floor_log2

__all__ = ["check", "Verdict", "DEFAULT_BUDGET"]

DEFAULT_BUDGET = 20000        # box evaluations allowed for subdivision and refinement,
PER_ITEM_BUDGET = 4           # ... plus this many per piece / tree item of the certificate
BASE_PRECISION = 128
MAX_PRECISION = 1024
EXIT_CODES = {"accepted": 0, "rejected": 1, "malformed": 2}


@dataclass
class Verdict:
    """The outcome of checking one certificate."""

    status: str                      # "accepted" | "rejected" | "malformed"
    message: str
    statement: str | None = None     # the theorem (proven if accepted, claimed otherwise)
    kind: str | None = None
    lower: str | None = None         # claim bounds, exact canonical spelling
    upper: str | None = None

    @property
    def accepted(self) -> bool:
        return self.status == "accepted"

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.status]


def check(source, *, budget: int = DEFAULT_BUDGET, progress=None) -> Verdict:
    """Check a certificate (dict, JSON text, or path). Never raises for bad input.

    ``progress(done, total)`` is called now and then during long checks.
    """
    try:
        if isinstance(source, dict):
            validate(source)
            cert = source
        else:
            cert = load(source)
    except CertificateFormatError as exc:
        return Verdict("malformed", str(exc))
    except Exception as exc:  # noqa: BLE001 -- anything unexpected in untrusted input is malformed
        return Verdict("malformed", f"unreadable certificate ({type(exc).__name__}: {exc})")

    info = {"kind": cert["kind"], "lower": cert["claim"]["lower"], "upper": cert["claim"]["upper"]}
    try:
        return _check_valid(cert, budget, progress, info)
    except CertificateFormatError as exc:
        return Verdict("malformed", str(exc), **info)
    except Rejected as exc:
        return Verdict("rejected", str(exc), _claimed(cert), **info)
    except RecursionError:
        return Verdict("rejected", "the certificate is too deeply nested to check", **info)
    except Exception as exc:  # noqa: BLE001 -- a checker failure must never look like acceptance
        return Verdict("rejected", f"internal checker error ({type(exc).__name__}: {exc}); not accepted", **info)


def _check_valid(cert: dict, budget: int, progress, info: dict) -> Verdict:
    # Imported here so that `import verinum.checker` stays light (and flint loads on first use).
    from verinum.checker.evaluate import Program, precision
    from verinum.checker.integral import check_integral
    from verinum.checker.minimum import check_minimum
    from verinum.checker.render import render_interval, statement

    claim_lo, claim_hi = decode_exact(cert["claim"]["lower"]), decode_exact(cert["claim"]["upper"])
    problem = cert["problem"]
    with precision(working_precision(claim_lo, claim_hi)):
        prog = Program(problem["expression"], len(problem["variables"]))
        if cert["kind"] == "integral":
            count = len(cert["evidence"]["pieces"])
            lo, hi = check_integral(cert, prog, Budget(budget + PER_ITEM_BUDGET * count), progress)
            text = statement(cert)
            detail = f" (checker's enclosure {render_interval(lo, hi)})"
        else:
            evidence = cert["evidence"]
            trees = [b["tree"] for b in evidence["blocks"]] if "blocks" in evidence else [evidence["tree"]]
            count = sum(map(len, trees))
            fw = check_minimum(cert, prog, Budget(budget + PER_ITEM_BUDGET * count), progress)
            text = statement(cert, witness_value=fw)
            detail = ""
    return Verdict("accepted", f"accepted: {text}{detail}", text, **info)


def working_precision(lo: Fraction, hi: Fraction) -> int:
    """Bits of arb precision: 128, more when the claim [lo, hi] is relatively very narrow."""
    scale = max(abs(lo), abs(hi))
    if scale == 0:
        return BASE_PRECISION
    if hi == lo:
        return MAX_PRECISION
    bits = floor_log2(scale) - floor_log2(hi - lo) + 64
    return min(max(BASE_PRECISION, bits), MAX_PRECISION)


def _claimed(cert: dict) -> str | None:
    try:
        from verinum.checker.render import statement
        return statement(cert)
    except Exception:  # noqa: BLE001 -- the statement is informative only
        return None
