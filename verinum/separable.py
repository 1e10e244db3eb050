"""Additive decomposition for `minimize`: f = Σ_blocks f_b(x_b) + c over disjoint variable sets.

The top-level sum of f is flattened (through add, sub, neg and multiplication or division by a
rational constant) into signed terms c_t·t; terms sharing a variable are joined (union-find) into
blocks, variable-free terms form the constant part. Then min f = Σ_b min f_b + c, each block is
minimised on its own sub-box, and the certificate carries one split tree per block (format:
certificates/README.md). The checker derives the same decomposition from the expression itself.

Block function (the checker builds the same one): the left-to-right sum of its terms in order of
appearance, each as t (c = 1), neg(t) (c = −1) or mul(const c, t).
"""
import math
import time
from collections import namedtuple
from fractions import Fraction

from . import ir, rounding

Block = namedtuple("Block", "variables terms root")  # global indices (sorted), [(c, node)], IR
Decomposition = namedtuple("Decomposition", "blocks constant")  # constant: IR or None


_MAX_TERM_VISITS = 100_000  # a DAG such as s = s + s repeated has exponentially many terms


def signed_terms(root):
    """[(c, node)] with f = Σ c·node, in left-to-right order, c an exact Fraction; None when
    there are too many."""
    out, stack = [], [(Fraction(1), root)]
    for _ in range(_MAX_TERM_VISITS):
        if not stack:
            return out
        c, node = stack.pop()
        op, args = node.op, node.args
        if op == "add":
            stack += [(c, args[1]), (c, args[0])]
        elif op == "sub":
            stack += [(-c, args[1]), (c, args[0])]
        elif op == "neg":
            stack.append((-c, args[0]))
        elif op == "mul" and args[0].op == "const":
            stack.append((c * args[0].literal, args[1]))
        elif op == "mul" and args[1].op == "const":
            stack.append((c * args[1].literal, args[0]))
        elif op == "div" and args[1].op == "const" and args[1].literal != 0:
            stack.append((c / args[1].literal, args[0]))
        else:
            out.append((c, node))
    return None


def decompose(root):
    """The Decomposition of f, or None when its terms form fewer than two blocks."""
    terms = signed_terms(root)
    if terms is None:
        return None
    depends = {}
    for node in ir.walk(root):
        depends[id(node)] = {node.literal} if node.op == "var" else \
            set().union(*(depends[id(a)] for a in node.args))
    variables = [sorted(depends[id(t)]) for _, t in terms]
    parent = {}

    def find(k):
        while parent.setdefault(k, k) != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k
    for vs in variables:
        for k in vs:
            parent[find(k)] = find(vs[0])
    groups = {}
    for term, vs in zip(terms, variables):
        if vs:
            members, block_vars = groups.setdefault(find(vs[0]), ([], set()))
            members.append(term)
            block_vars.update(vs)
    if len(groups) < 2:
        return None
    blocks = []
    for members, block_vars in groups.values():
        block_vars = sorted(block_vars)
        blocks.append(Block(block_vars, members, _sum(members, block_vars)))
    blocks.sort(key=lambda b: b.variables)
    constant = [term for term, vs in zip(terms, variables) if not vs]
    return Decomposition(blocks, _sum(constant, []) if constant else None)


def _sum(terms, variables):
    """The IR of Σ c·t with variable variables[i] renamed to i."""
    local = {k: i for i, k in enumerate(variables)}
    memo, total = {}, None
    for c, t in terms:
        t = _reindex(t, local, memo)
        e = t if c == 1 else ir.Node("neg", [t]) if c == -1 else \
            ir.Node("mul", [ir.Node("const", (), c), t])
        total = e if total is None else ir.Node("add", [total, e])
    return total


def _reindex(root, local, memo):
    for node in ir.walk(root):
        if id(node) not in memo:
            memo[id(node)] = ir.var(local[node.literal]) if node.op == "var" else \
                ir.Node(node.op, [memo[id(a)] for a in node.args], node.literal)
    return memo[id(root)]


# -- minimisation block by block --------------------------------------------------------------
def minimize_blocks(dec, root, names, region, tol, rel, max_boxes, time_limit, solve, vector):
    """Minimise every block with solve(root, names, region, tol, rel, max_boxes, time_limit)
    (a MinimizeResult over the block's variables) and combine into one MinimizeResult.

    Budgets are shared: each block gets the boxes and time left divided by the blocks left;
    the tolerance is split evenly (0.999·tol/k each, rel_tol as given)."""
    start, k = time.monotonic(), len(dec.blocks)
    results, boxes_left = [], max_boxes
    for i, block in enumerate(dec.blocks):
        seconds = None
        if time_limit is not None:
            seconds = max((float(time_limit) - (time.monotonic() - start)) / (k - i), 1e-3)
        sub_region = [region[j] for j in block.variables]
        r = solve(block.root, [names[j] for j in block.variables], sub_region,
                  tol * Fraction(999, 1000) / k, rel * Fraction(999, 1000),
                  max(1, boxes_left // (k - i)), seconds)
        boxes_left -= r.stats["boxes"]
        results.append(r)
    return _combine(dec, root, names, region, tol, rel, results, vector, time.monotonic() - start)


def _combine(dec, root, names, region, tol, rel, results, vector, elapsed):
    from .minimization import MinimizeResult
    c_lo, c_hi = _constant_range(dec.constant)
    lower_q = None
    if all(math.isfinite(r.lower) for r in results):
        lower = rounding.down(sum(Fraction(r.lower) for r in results) + c_lo - 4 * (c_hi - c_lo))
        lower_q = Fraction(lower) if math.isfinite(lower) else None
    witness = _witness(dec, region, results)
    upper_q = None if witness is None else _upper_at(root, witness)
    tolerance = tol if upper_q is None else max(tol, rel * abs(upper_q))
    ok = lower_q is not None and upper_q is not None and upper_q - lower_q <= tolerance
    status = "ok" if ok else next((r.status for r in results if r.status != "ok"), "resolution")
    stats = _stats(results, elapsed)
    builder = None
    if lower_q is not None and upper_q is not None:
        builder = lambda: _certificate(root, names, region, dec, results, witness,  # noqa: E731
                                       lower_q, upper_q, stats)
    return MinimizeResult(
        lower=-math.inf if lower_q is None else float(lower_q),
        upper=math.inf if upper_q is None else float(upper_q),
        argmin=None if witness is None else (tuple(witness) if vector else witness[0]),
        status=status, stats=stats, leaves=_leaves(dec, region, results, c_lo),
        expression=ir.to_infix(root, names), tolerance=float(tolerance),
        certificate_builder=builder, float_f=_float_f(root))


def _constant_range(constant):
    """Exact (lo, hi) enclosing the constant part (0, 0 when there is none)."""
    if constant is None:
        return Fraction(0), Fraction(0)
    from .arb_backend import range_eval
    lo, hi = range_eval(constant, [])
    return rounding.arb_lower_exact(lo), rounding.arb_upper_exact(hi)


def _witness(dec, region, results):
    """The blocks' witnesses put together (floats); free variables at a float near the middle."""
    if any(r.argmin is None for r in results):
        return None
    point = [min(max(rounding.down((lo + hi) / 2), rounding.up(lo)), rounding.down(hi))
             for lo, hi in region]
    for block, r in zip(dec.blocks, results):
        for j, x in zip(block.variables, r.argmin):
            point[j] = x
    return point


def _upper_at(root, witness):
    """A float ≥ f(witness), proven with arb on the full f, plus four times the enclosure's
    width (room for the checker's own evaluation); None if f cannot be bounded there."""
    from .arb_backend import range_eval
    from .errors import DomainError
    from .minimize_bounds import point_ranges
    try:
        lo, hi = range_eval(root, point_ranges([Fraction(x) for x in witness]))
    except DomainError:
        return None
    upper = rounding.arb_upper(hi + 4 * (hi - lo))
    return Fraction(upper) if math.isfinite(upper) else None


def _stats(results, elapsed):
    summed = ("boxes", "leaves", "local_searches", "jax_boxes", "jax_calls")
    stats = dict.fromkeys(summed, 0)
    stats.update({"max_depth": 0, "bounds": {}, "time": elapsed, "blocks": len(results)})
    for r in results:
        for key in summed:
            stats[key] += r.stats.get(key, 0)
        stats["max_depth"] = max(stats["max_depth"], r.stats["max_depth"])
        for method, count in r.stats["bounds"].items():
            stats["bounds"][method] = stats["bounds"].get(method, 0) + count
    return stats


_MAX_PRODUCT_LEAVES = 10_000


def _leaves(dec, region, results, c_lo):
    """Leaves on the full box: the product of the blocks' leaves when small, else each block's
    leaves extended by the other blocks' domains (lower: plus the other blocks' lowers)."""
    per_block = [r.leaves for r in results]
    full = [(rounding.down(lo), rounding.up(hi)) for lo, hi in region]
    if math.prod(len(p) for p in per_block) <= _MAX_PRODUCT_LEAVES:
        out = [(full, rounding.down(c_lo))]
        for block, leaves in zip(dec.blocks, per_block):
            out = [(_put(box, block.variables, sub), _add_down(low, sub_low))
                   for box, low in out for sub, sub_low in leaves]
        return out
    out = []
    for i, (block, leaves) in enumerate(zip(dec.blocks, per_block)):
        rest = rounding.down(c_lo)
        for j, r in enumerate(results):
            rest = rest if j == i else _add_down(rest, r.lower)
        out += [(_put(full, block.variables, sub), _add_down(low, rest)) for sub, low in leaves]
    return out


def _add_down(a, b):
    """A float ≤ a + b (floats; −inf if either is −inf)."""
    return rounding.down(Fraction(a) + Fraction(b)) if math.isfinite(a + b) else -math.inf


def _put(box, variables, sub):
    box = list(box)
    for j, pair in zip(variables, sub):
        box[j] = pair
    return box


def _float_f(root):
    from .local_search import compile_float
    return compile_float(root)


def _certificate(root, names, region, dec, results, witness, lower_q, upper_q, stats):
    """The global-min certificate with one split tree per block."""
    from .certificate import Certificate
    from .certificate_format import encode_exact
    blocks = []
    for block, r in zip(dec.blocks, results):
        blocks.append({"variables": list(block.variables), "lower": encode_exact(Fraction(r.lower)),
                       "tree": r.certificate.data["evidence"]["tree"]})
    stats["certificate_boxes"] = sum(r.stats.get("certificate_boxes", 0) for r in results)
    evidence = {"witness": [encode_exact(Fraction(x)) for x in witness], "blocks": blocks}
    return Certificate.build("global-min", root, names, region, lower_q, upper_q, evidence)
