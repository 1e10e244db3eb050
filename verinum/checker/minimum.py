"""Checking a global-min certificate: the witness, the split tree, and f >= claim.lower on every leaf."""

from __future__ import annotations

from fractions import Fraction

from verinum.certificate_format import decode_exact
from verinum.checker.bounds import prove_at_least
from verinum.checker.common import Budget, Rejected
from verinum.checker.evaluate import CannotBound, Program, eval_range, exact, to_arb
from verinum.checker.render import decimal_down, decimal_up, render_box, render_exact


def check_minimum(cert: dict, prog: Program, budget: Budget, progress=None) -> tuple[Fraction, Fraction]:
    """Return an enclosure of f(witness) if min_box f in [claim.lower, claim.upper] is proven,
    else raise Rejected."""
    domain = tuple((decode_exact(lo), decode_exact(hi)) for lo, hi in cert["problem"]["domain"])
    claim_lo, claim_hi = (decode_exact(cert["claim"][k]) for k in ("lower", "upper"))
    evidence = cert["evidence"]

    witness = [decode_exact(v) for v in evidence["witness"]]
    for k, (w, (lo, hi)) in enumerate(zip(witness, domain)):
        if not lo <= w <= hi:
            raise Rejected(f"evidence.witness[{k}]: the witness coordinate {render_exact(w)} lies outside "
                           f"[{render_exact(lo)}, {render_exact(hi)}]")
    try:
        fw = eval_range(prog, [(to_arb(w).lower(), to_arb(w).upper()) for w in witness])
    except CannotBound as exc:
        raise Rejected(f"evidence.witness: f cannot be evaluated at the witness: {exc}") from None
    fw_lo, fw_hi = exact(fw[0]), exact(fw[1])
    if not fw_hi <= claim_hi:
        raise Rejected(f"evidence.witness: f(witness) ∈ [{decimal_down(fw_lo)}, {decimal_up(fw_hi)}] is not "
                       f"proven <= claim.upper = {decimal_up(claim_hi)}")

    leaves = parse_tree(evidence["tree"], domain)
    for j, (item, box, bound) in enumerate(leaves):
        if bound < claim_lo:
            raise Rejected(f"evidence.tree[{item}]: leaf {j} claims f >= {decimal_down(bound)}, "
                           f"below claim.lower = {decimal_down(claim_lo)}")
    for j, (item, box, _) in enumerate(leaves):
        try:
            prove_at_least(prog, box, claim_lo, budget)
        except Rejected as exc:
            raise Rejected(f"leaf {j} (evidence.tree[{item}], box {render_box(box)}): {exc}") from None
        if progress is not None:
            progress(j + 1, len(leaves))
    return fw_lo, fw_hi


def parse_tree(tree: list, domain: tuple) -> list[tuple[int, tuple, Fraction]]:
    """The leaves [(item index, box, L)] of the pre-order split tree over domain.

    Raises Rejected unless the list is exactly one complete tree with every split point strictly
    inside its box.
    """
    leaves, pending = [], [domain]
    for i, item in enumerate(tree):
        if not pending:
            raise Rejected(f"evidence.tree[{i}]: items left over after a complete tree")
        box = pending.pop()
        if item[0] == "leaf":
            leaves.append((i, box, decode_exact(item[1])))
            continue
        k, p = item[1], decode_exact(item[2])
        lo, hi = box[k]
        if not lo < p < hi:
            raise Rejected(f"evidence.tree[{i}]: split point {render_exact(p)} is not strictly inside "
                           f"({render_exact(lo)}, {render_exact(hi)}) along dimension {k}")
        pending.append(box[:k] + ((p, hi),) + box[k + 1:])     # upper part, visited second
        pending.append(box[:k] + ((lo, p),) + box[k + 1:])     # lower part, visited next
    if pending:
        raise Rejected(f"evidence.tree: incomplete tree: {len(pending)} subtree(s) missing after the last item")
    return leaves
