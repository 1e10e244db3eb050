"""Affine maps of the JAX backend: sums and products by constants folded into W·leaves + offset.

One job: on the host, contract chains and trees of linear IR nodes into affine heads with exact
rational weights, and build the arrays jax_kernels.affine needs for them. Guarantee: the exact
weights W lie in the float midpoints ± radii handed over, and the rounding-error constants bound
every error of the float matrix products (jax_kernels.affine), so the products enclose W·x.
"""
from fractions import Fraction

import numpy as np

from . import rounding
from .jax_kernels import INF, MAXF, SMALL_AFFINE, TINY


def _linear_terms(node):
    """[(argument, exact factor)] when node is linear in its arguments (add, sub, neg, product
    by a constant), else None."""
    if node.op == "neg":
        return [(node.args[0], Fraction(-1))]
    if node.op in ("add", "sub"):
        sign = Fraction(1 if node.op == "add" else -1)
        return [(node.args[0], Fraction(1)), (node.args[1], sign)]
    if node.op == "mul":
        for j in (1, 0):
            if node.args[j].op == "const":
                return [(node.args[1 - j], node.args[j].literal)]
    return None


def _contract(nodes, slots, constants):
    """The DAG with chains and trees of linear nodes folded into affine *heads*: a linear node
    used by a non-linear one, used twice, or the root becomes Σ w_k·leaf_k + offset (exact
    rational weights; constants, π and e go into the offset); linear nodes used once by another
    linear node disappear into it. Returns (nodes in order, {id: arguments}, {id(head): weights}).
    slots gets the offset slot of every head."""
    terms = {id(m): _linear_terms(m) for m in nodes}
    heads = _heads(nodes, terms)
    args_of, weights = {}, {}
    for node in nodes:
        if id(node) not in heads:
            args_of[id(node)] = node.args
            continue
        leaves, offset = _expand(node, terms, heads)
        args_of[id(node)] = tuple(leaf for leaf, _ in leaves)
        weights[id(node)] = [w for _, w in leaves]
        slots[id(node)] = _offset_slot(offset, constants)
    return _reachable(nodes, args_of), args_of, weights


def _heads(nodes, terms):
    """{id} of the linear nodes (terms not None) that are the root, used by a non-linear node
    or used more than once."""
    uses, nonlinear_use = {}, set()
    for node in nodes:
        args = node.args if terms[id(node)] is None else [a for a, _ in terms[id(node)]]
        for a in args:
            uses[id(a)] = uses.get(id(a), 0) + 1
            if terms[id(node)] is None:
                nonlinear_use.add(id(a))
    return {id(m) for m in nodes if terms[id(m)] is not None and (
        m is nodes[-1] or id(m) in nonlinear_use or uses.get(id(m), 0) > 1)}


def _reachable(nodes, args_of):
    """The nodes (in order) that the root (nodes[-1]) still uses through args_of."""
    needed, stack = {id(nodes[-1])}, [nodes[-1]]
    while stack:
        for a in args_of[id(stack.pop())]:
            if id(a) not in needed:
                needed.add(id(a))
                stack.append(a)
    return [m for m in nodes if id(m) in needed]


def _expand(head, terms, heads):
    """([(leaf, weight)], {"q"|"pi"|"e": coefficient}) of a head, by exact rational arithmetic."""
    acc, offset, stack = {}, {"q": Fraction(0), "pi": Fraction(0), "e": Fraction(0)}, []
    stack.extend(terms[id(head)])
    while stack:  # each absorbed node has one user: visited once
        node, k = stack.pop()
        if node.op == "const":
            offset["q"] += k * node.literal
        elif node.op in ("pi", "e"):
            offset[node.op] += k
        elif terms[id(node)] is not None and id(node) not in heads:
            stack.extend((a, k * w) for a, w in terms[id(node)])
        else:
            acc.setdefault(id(node), [node, Fraction(0)])[1] += k
    return [tuple(item) for item in acc.values()], offset


def _offset_slot(offset, constants):
    if not offset["pi"] and not offset["e"]:
        return constants.exact(offset["q"])
    from flint import arb

    def make():
        return (rounding.to_arb(offset["q"]) + rounding.to_arb(offset["pi"]) * arb.pi()
                + rounding.to_arb(offset["e"]) * arb.const_e())
    return constants.ball(("offset", offset["q"], offset["pi"], offset["e"]), make)


def _affine_mats(rows, width):
    """The arrays jax_kernels.affine needs for the exact weights `rows` (one list of `width`
    Fractions per output row): midpoints, radii, signs and the rounding-error constants, with a
    factor 2 of margin on γ_L and on the absolute terms."""
    u, eta = Fraction(1, 2 ** 53), Fraction(1, 2 ** 1022)
    gamma = 2 * Fraction(width, 2 ** 53 - width)
    f = 1 / ((1 - gamma) * (1 - u) ** 2)
    abs_dot = Fraction(2 * width, 2 ** 1020)
    shape = (len(rows), width)
    w, wr, a = np.zeros(shape), np.zeros(shape), np.zeros(len(rows))
    sign = np.array([[(q > 0) - (q < 0) for q in row] for row in rows], dtype=np.float64)
    for i, row in enumerate(rows):
        for j, q in enumerate(row):
            w[i, j], wr[i, j] = _split_weight(q)
    for i in range(len(rows)):
        if not np.isfinite(wr[i]).all():
            a[i] = INF
            continue
        norm_w = sum(abs(Fraction(x)) for x in w[i])
        err = f * abs_dot + 2 * eta * norm_w / (1 - u) ** 2 + abs_dot
        if wr.any():
            err += f * abs_dot + 2 * eta * sum(Fraction(x) for x in wr[i])
        a[i] = rounding.up(err)
    mats = {"w": w, "abs_w": np.abs(w), "pos": (sign > 0) * 1.0, "neg": (sign < 0) * 1.0,
            "c": np.float64(rounding.up(gamma)), "f": np.float64(rounding.up(f)), "a": a}
    if wr.any():
        mats["wr"] = wr
    return mats


def _split_weight(q):
    """(m, r): floats with q in [m - r, m + r], m zero or normal (XLA reads subnormals as 0),
    r zero or at least 2^-1022."""
    if q == 0:
        return 0.0, 0.0
    if abs(q) > MAXF:
        return 0.0, INF
    m = rounding.down(q)
    if abs(m) < TINY:
        return 0.0, max(rounding.up(abs(q)), TINY)
    r = q - Fraction(m)
    return m, (0.0 if r == 0 else max(rounding.up(r), TINY))


def _affine_group(group, args_of, weights, slots, constants, mats):
    """(union of leaves, (matrix index, offset slots or None, transposed matrix index, gather
    indices of both or None), largest array rows) for a group of heads."""
    index, leaves = {}, []
    for head in group:
        for leaf in args_of[id(head)]:
            if id(leaf) not in index:
                index[id(leaf)] = len(leaves)
                leaves.append(leaf)
    rows = [[(index[id(leaf)], w) for leaf, w in zip(args_of[id(h)], weights[id(h)])]
            for h in group]
    columns = [[] for _ in leaves]
    for i, row in enumerate(rows):
        for j, w in row:
            columns[j].append((i, w))
    size, gathers = 1, []
    for entries, width in ((rows, len(leaves)), (columns, len(group))):
        matrix, rows_needed, gather = _matrix(entries, width)
        mats.append(matrix)
        gathers.append(gather)
        size = max(size, rows_needed)
    offsets = np.array([slots[id(h)] for h in group])
    if all(constants.lo[k] == 0 == constants.hi[k] for k in offsets):
        offsets = None
    return leaves, (len(mats) - 2, offsets, len(mats) - 1, *gathers), size


def _matrix(rows, width):
    """(jax_kernels.affine's arrays, rows of the largest intermediate array, gather indices or
    None) for the sparse rows [(column, weight)] of a matrix with `width` columns: dense unless
    that would be mostly zeros or rows have few terms (then K terms per row, gathered)."""
    terms = max(1, max(len(r) for r in rows))
    if terms > SMALL_AFFINE and (width <= 2 * terms or len(rows) * width <= 1024):
        dense = [[Fraction(0)] * width for _ in rows]
        for i, row in enumerate(rows):
            for j, w in row:
                dense[i][j] += w
        return _affine_mats(dense, width), max(len(rows), width), None
    pad = [[(0, Fraction(0))] * (terms - len(r)) for r in rows]
    matrix = _affine_mats([[w for _, w in r + p] for r, p in zip(rows, pad)], terms)
    gather = np.array([[j for j, _ in r + p] for r, p in zip(rows, pad)], dtype=np.int32)
    return matrix, len(rows) * terms, gather
