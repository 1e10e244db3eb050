"""The checker's own additive decomposition of f (certificates/README.md, "blocks" evidence).

f is read as a signed sum Σ c_t·t: the top-level add/sub/neg nodes and multiplications or divisions
by a nonzero `const` are flattened; every other node is a term. Terms sharing a variable form one
block (connected components), variable-free terms the constant part. Each block function is built
as a new instruction list: the left-to-right sum of its terms, each as t, neg(t) or mul(const c, t).
"""

from __future__ import annotations

from fractions import Fraction

from verinum.certificate_format import decode_exact, encode_exact
from verinum.checker.common import Rejected

MAX_TERM_VISITS = 100_000     # nodes visited while flattening the top-level sum (shared DAGs)


def signed_terms(expression: list) -> list[tuple[Fraction, int]]:
    """[(c, node index)] with f = Σ c·node, in left-to-right order; raises Rejected if too many."""
    def constant(i):
        ins = expression[i]
        return decode_exact(ins[1]) if ins[0] == "const" else None

    out, stack, visits = [], [(Fraction(1), len(expression) - 1)], 0
    while stack:
        visits += 1
        if visits > MAX_TERM_VISITS:
            raise Rejected(f"the top-level sum of f has more than {MAX_TERM_VISITS} terms")
        c, i = stack.pop()
        op, args = expression[i][0], expression[i][1:]
        if op == "add":
            stack += [(c, args[1]), (c, args[0])]
        elif op == "sub":
            stack += [(-c, args[1]), (c, args[0])]
        elif op == "neg":
            stack.append((-c, args[0]))
        elif op == "mul" and constant(args[0]) is not None:
            stack.append((c * constant(args[0]), args[1]))
        elif op == "mul" and constant(args[1]) is not None:
            stack.append((c * constant(args[1]), args[0]))
        elif op == "div" and constant(args[1]) not in (None, 0):
            stack.append((c / constant(args[1]), args[0]))
        else:
            out.append((c, i))
    return out


def node_variables(expression: list) -> list[frozenset]:
    """The set of variable indices each node depends on."""
    out = []
    for ins in expression:
        op = ins[0]
        if op == "var":
            out.append(frozenset((ins[1],)))
        elif op in ("const", "pi", "e"):
            out.append(frozenset())
        elif op == "powi":
            out.append(out[ins[1]])
        else:
            out.append(frozenset().union(*(out[a] for a in ins[1:])))
    return out


def decompose(expression: list) -> tuple[list[tuple[tuple, list]], list]:
    """(blocks, constant terms): blocks = [(sorted variable tuple, its terms)] sorted by
    variables; terms are (c, node index)."""
    terms = signed_terms(expression)
    variables = node_variables(expression)
    parent: dict[int, int] = {}

    def find(k):
        while parent.setdefault(k, k) != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k
    for _, i in terms:
        vs = sorted(variables[i])
        for k in vs[1:]:
            a, b = find(k), find(vs[0])
            if a != b:
                parent[a] = b
    groups: dict[int, list] = {}
    constant = []
    for c, i in terms:
        if variables[i]:
            groups.setdefault(find(min(variables[i])), []).append((c, i))
        else:
            constant.append((c, i))
    blocks = [(tuple(sorted(frozenset().union(*(variables[i] for _, i in members)))), members)
              for members in groups.values()]
    return sorted(blocks), constant


def block_expression(expression: list, terms: list, variables: tuple) -> list:
    """Instruction list of Σ c·t over the terms, variable variables[k] renamed to k."""
    local = {v: k for k, v in enumerate(variables)}
    needed, stack = set(), [i for _, i in terms]
    while stack:
        i = stack.pop()
        if i in needed:
            continue
        needed.add(i)
        op, args = expression[i][0], expression[i][1:]
        if op == "powi":
            stack.append(args[0])
        elif op not in ("var", "const", "pi", "e"):
            stack.extend(args)
    out, index = [], {}
    for i in sorted(needed):
        ins = expression[i]
        if ins[0] == "var":
            out.append(["var", local[ins[1]]])
        elif ins[0] == "powi":
            out.append(["powi", index[ins[1]], ins[2]])
        elif ins[0] in ("const", "pi", "e"):
            out.append(list(ins))
        else:
            out.append([ins[0]] + [index[a] for a in ins[1:]])
        index[i] = len(out) - 1
    total = None
    for c, i in terms:
        if c == 1:
            term = index[i]
        elif c == -1:
            out.append(["neg", index[i]])
            term = len(out) - 1
        else:
            out += [["const", encode_exact(c)], ["mul", len(out), index[i]]]
            term = len(out) - 1
        if total is not None:
            out.append(["add", total, term])
            term = len(out) - 1
        total = term
    return out
