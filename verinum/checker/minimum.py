"""Checking a global-min certificate: the witness, then either one split tree with f >= claim.lower
on every leaf, or one split tree per block of the additive decomposition of f ("blocks")."""

from __future__ import annotations

from fractions import Fraction

from verinum.certificate_format import decode_exact
from verinum.checker.blocks import block_expression, decompose
from verinum.checker.bounds import prove_at_least
from verinum.checker.common import Budget, Rejected
from verinum.checker.evaluate import CannotBound, Program, eval_range, exact, to_arb
from verinum.checker.render import decimal_down, decimal_up, render_box, render_exact


def check_minimum(cert: dict, prog: Program, budget: Budget, progress=None) -> tuple[Fraction, Fraction]:
    """Return an enclosure of f(witness) if min_box f in [claim.lower, claim.upper] is proven,
    else raise Rejected."""
    domain = tuple((decode_exact(lo), decode_exact(hi)) for lo, hi in cert["problem"]["domain"])
    claim_lo = decode_exact(cert["claim"]["lower"])
    evidence = cert["evidence"]
    fw = check_witness(evidence["witness"], domain, decode_exact(cert["claim"]["upper"]), prog)
    if "blocks" in evidence:
        check_blocks(cert["problem"]["expression"], evidence["blocks"], domain, claim_lo, budget, progress)
    else:
        check_tree(prog, evidence["tree"], domain, claim_lo, budget, progress)
    return fw


def check_witness(witness: list, domain: tuple, claim_hi: Fraction, prog: Program) -> tuple[Fraction, Fraction]:
    """An enclosure of f(witness) if the witness lies in the domain and f(witness) <= claim_hi."""
    witness = [decode_exact(v) for v in witness]
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
    return fw_lo, fw_hi


def check_tree(prog: Program, tree: list, box: tuple, lower: Fraction, budget: Budget, progress=None,
               path: str = "evidence.tree", what: str = "claim.lower") -> None:
    """Prove f >= lower on every leaf of the split tree over box; raise Rejected otherwise."""
    leaves = parse_tree(tree, box, path)
    for j, (item, _, bound) in enumerate(leaves):
        if bound < lower:
            raise Rejected(f"{path}[{item}]: leaf {j} claims f >= {decimal_down(bound)}, "
                           f"below {what} = {decimal_down(lower)}")
    for j, (item, leaf, _) in enumerate(leaves):
        try:
            prove_at_least(prog, leaf, lower, budget)
        except Rejected as exc:
            raise Rejected(f"leaf {j} ({path}[{item}], box {render_box(leaf)}): {exc}") from None
        if progress is not None:
            progress(j + 1, len(leaves))


def check_blocks(expression: list, blocks: list, domain: tuple, claim_lo: Fraction, budget: Budget,
                 progress=None) -> None:
    """f = Σ_b f_b + constant over the components the checker derives itself; prove min f_b >= the
    block's lower on its sub-box for every block and Σ lowers + constant >= claim_lo."""
    components, constant = decompose(expression)
    if len(components) < 2:
        raise Rejected("evidence.blocks: f is not separable (its terms share variables: one block); "
                       "a blocks certificate needs at least two")
    given = sorted(tuple(b["variables"]) for b in blocks)
    expected = [variables for variables, _ in components]
    if given != expected:
        raise Rejected(f"evidence.blocks: the blocks' variable sets {_sets(given)} are not the components "
                       f"of f, which are {_sets(expected)} (variable indices)")
    low = Fraction(0)
    if constant:
        try:
            low = exact(eval_range(Program(block_expression(expression, constant, ()), 0), [])[0])
        except CannotBound as exc:
            raise Rejected(f"the constant part of f cannot be evaluated: {exc}") from None
    lowers = [decode_exact(b["lower"]) for b in blocks]
    if low + sum(lowers) < claim_lo:
        raise Rejected(f"evidence.blocks: the block lowers plus the constant part sum to "
                       f"{decimal_down(low + sum(lowers))} < claim.lower = {decimal_down(claim_lo)}")
    terms = dict(components)
    for i, (block, lower) in enumerate(zip(blocks, lowers)):
        variables = tuple(block["variables"])
        prog = Program(block_expression(expression, terms[variables], variables), len(variables))
        check_tree(prog, block["tree"], tuple(domain[k] for k in variables), lower, budget, progress,
                   f"evidence.blocks[{i}].tree", f"evidence.blocks[{i}].lower")


def _sets(sets: list) -> str:
    return "; ".join("{" + ", ".join(map(str, s)) + "}" for s in sets)


def parse_tree(tree: list, domain: tuple, path: str = "evidence.tree") -> list[tuple[int, tuple, Fraction]]:
    """The leaves [(item index, box, L)] of the pre-order split tree over domain.

    Raises Rejected unless the list is exactly one complete tree with every split point strictly
    inside its box.
    """
    leaves, pending = [], [domain]
    for i, item in enumerate(tree):
        if not pending:
            raise Rejected(f"{path}[{i}]: items left over after a complete tree")
        box = pending.pop()
        if item[0] == "leaf":
            leaves.append((i, box, decode_exact(item[1])))
            continue
        k, p = item[1], decode_exact(item[2])
        lo, hi = box[k]
        if not lo < p < hi:
            raise Rejected(f"{path}[{i}]: split point {render_exact(p)} is not strictly inside "
                           f"({render_exact(lo)}, {render_exact(hi)}) along dimension {k}")
        pending.append(box[:k] + ((p, hi),) + box[k + 1:])     # upper part, visited second
        pending.append(box[:k] + ((lo, p),) + box[k + 1:])     # lower part, visited next
    if pending:
        raise Rejected(f"{path}: incomplete tree: {len(pending)} subtree(s) missing after the last item")
    return leaves
