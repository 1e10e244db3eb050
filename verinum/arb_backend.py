"""The arb reference backend: evaluates IR over arb balls, arb power series, and Taylor models.

- `ball_eval(root, box)`: plain interval evaluation over a box of balls.
- `series_eval(root, x, length)`: univariate Taylor series at a point or over a ball (the
  coefficient i over a ball encloses f^(i)(ξ)/i! for all ξ in it: the Lagrange remainder).
- `taylor_eval(root, x0, lo, hi, k)`: an interval Taylor model of degree k over the box (the
  AutoBound method with outward rounding) together with a range enclosure.
Callers set the precision (rounding.precision). Errors: DomainError with the subexpression named.
"""
from flint import arb, arb_series, ctx

from . import balls, ir
from .errors import DomainError, UnsupportedOperationError
from .rules import RECIPROCAL, RealPower, unary_rule
from .taylor_model import Space, TaylorModel


def constant_value(node):
    """A ball containing the value of a const/pi/e node."""
    from .rounding import to_arb
    if node.op == "const":
        return to_arb(node.literal)
    return arb.pi() if node.op == "pi" else arb.const_e()


def _with_context(err, node, names=None):
    text = ir.to_infix(node, names)
    if len(text) > 80:
        text = text[:77] + "..."
    return DomainError(f"{err} (in {text})", err.op, err.lo, err.hi)


# -- evaluation plans ----------------------------------------------------------------------------
class Plan:
    """An expression's nodes in evaluation order, the positions of each node's arguments and its
    constants as balls (made at the precision `prec`). Built once per expression by `plan`."""

    __slots__ = ("root", "nodes", "args", "constants", "prec")

    def __init__(self, root):
        self.root, self.nodes, self.prec = root, ir.walk(root), ctx.prec
        position = {id(node): k for k, node in enumerate(self.nodes)}
        self.args = [[position[id(a)] for a in node.args] for node in self.nodes]
        self.constants = {k: constant_value(node) for k, node in enumerate(self.nodes)
                          if node.op in ("const", "pi", "e")}

    def ranges(self, box, names=None):
        """The range of every node over the box (a list of ranges), in plan order. DomainError
        names the subexpression (`names`: variable names)."""
        values = []
        for k, node in enumerate(self.nodes):
            if k in self.constants:
                values.append(balls.ends(self.constants[k]))
                continue
            try:
                values.append(range_op(node, [values[a] for a in self.args[k]], box))
            except DomainError as err:
                raise _with_context(err, node, names) from None
        return values


_PLANS = {}  # id(root) -> Plan (the plan holds root, so the id is not reused while cached)


def plan(root):
    """The cached Plan of root at the current precision."""
    entry = _PLANS.get(id(root))
    if entry is None or entry.root is not root or entry.prec != ctx.prec:
        if len(_PLANS) >= 64:
            _PLANS.clear()
        entry = _PLANS[id(root)] = Plan(root)
    return entry


# -- plain interval evaluation -----------------------------------------------------------------
def range_eval(root, box, *, names=None):
    """A range (pair of exact ends) containing f over the box (a list of ranges).
    `names`: variable names for error messages."""
    return plan(root).ranges(box, names)[-1]


def ball_eval(root, box):
    """A ball containing f over the box (a list of arb balls, one per variable)."""
    return balls.to_ball(range_eval(root, [balls.ends(b) for b in box]))


def range_op(node, args, box):
    """One node of `range_eval`: the range of node's operation on the argument ranges."""
    op = node.op
    if op == "var":
        return box[node.literal]
    if op in ("const", "pi", "e"):
        return balls.ends(constant_value(node))
    if op == "neg":
        return balls.r_neg(args[0])
    if op == "add":
        return balls.r_add(*args)
    if op == "sub":
        return balls.r_sub(*args)
    if op == "mul":
        return balls.r_mul(*args) if args[0] is not args[1] else balls.r_power(args[0], 2)
    if op == "div":
        return balls.r_mul(args[0], RECIPROCAL.range(*args[1]))
    if op == "powi":
        n = node.literal
        p = balls.r_power(args[0], abs(n))
        return RECIPROCAL.range(*p) if n < 0 else p
    if op == "pow":
        if node.args[1].op == "const":
            return RealPower(node.args[1].literal).range(*args[0])
        return unary_rule("exp").range(*balls.r_mul(args[1], unary_rule("log").range(*args[0])))
    if op == "min":
        return balls.r_min(*args)
    if op == "max":
        return balls.r_max(*args)
    return unary_rule(op).range(*args[0])


# -- power series ---------------------------------------------------------------------------------
def series_eval(root, x, length):
    """arb_series of f at x + t (x an arb ball) with `length` terms, or None where some operation
    has no series there (a kink, a domain boundary: the caller falls back)."""
    values = {}
    try:
        for node in ir.walk(root):
            args = [values[id(a)] for a in node.args]
            values[id(node)] = series_op(node, args, x, length)
    except (DomainError, ArithmeticError, ValueError):
        return None
    out = values[id(root)]
    if out.prec < length or not all(c.is_finite() for c in out.coeffs()):
        return None  # truncated (see rounding.SERIES_CAP) or not finite
    return out


def series_op(node, args, x, length):
    """One node of `series_eval`: node's operation on argument series (x: the variable ball)."""
    op = node.op
    if op == "var":
        return arb_series([x, 1], prec=length)
    if op in ("const", "pi", "e"):
        return arb_series([constant_value(node)], prec=length)
    if op == "neg":
        return -args[0]
    if op == "add":
        return args[0] + args[1]
    if op == "sub":
        return args[0] - args[1]
    if op == "mul":
        return args[0] * args[1]
    if op == "div":
        return args[0] / args[1]
    if op == "powi":
        n = node.literal
        return args[0] ** n if n >= 0 else 1 / args[0] ** (-n)
    if op == "pow":
        if node.args[1].op == "const":
            return RealPower(node.args[1].literal).series(args[0])
        return (args[1] * args[0].log()).exp()
    if op in ("min", "max"):
        a, b = args
        diff = unary_rule("abs").series(a - b)
        return (a + b - diff) / 2 if op == "min" else (a + b + diff) / 2
    return unary_rule(op).series(args[0])


# -- Taylor models --------------------------------------------------------------------------------
def taylor_eval(root, x0, lo, hi, degree, *, names=None):
    """(TaylorModel, range) of f over the box [lo, hi] around x0 (lists of arb balls).
    `names`: variable names for error messages."""
    space = Space(x0, lo, hi, degree)
    values = {}
    for node in ir.walk(root):
        args = [values[id(a)] for a in node.args]
        try:
            values[id(node)] = _taylor_op(node, args, space)
        except DomainError as err:
            raise _with_context(err, node, names) from None
    return _tightened(values[id(root)])


def _tightened(arg):
    """(model, its range ∩ the range carried along): sums and products by constants carry only
    the interval range, since the model's own range costs a pass over its coefficients; it is
    taken where a range is used (rule arguments, products, the result)."""
    tm, rng = arg
    return tm, balls.r_intersect(tm.range(), rng)


def _apply_rule(rule, arg, space):
    tm, (lo, hi) = _tightened(arg)
    y0 = arb(tm.constant_term().mid())
    y0 = lo if not y0 >= lo else hi if not y0 <= hi else y0
    outer = rule.enclosure(y0, lo, hi, space.k)
    out = tm.compose(outer, y0)
    return out, balls.r_intersect(out.range(), rule.range(lo, hi))


def _taylor_op(node, args, space):
    op = node.op
    if op == "var":
        i = node.literal
        return TaylorModel.variable(space, i), space.x[i]
    if op in ("const", "pi", "e"):
        c = constant_value(node)
        return TaylorModel.constant(space, c), balls.ends(c)
    if op == "neg":
        return -args[0][0], balls.r_neg(args[0][1])
    if op in ("add", "sub", "mul"):
        (ta, ra), (tb, rb) = args
        if op == "add":
            return ta + tb, balls.r_add(ra, rb)
        if op == "sub":
            return ta - tb, balls.r_sub(ra, rb)
        if ta.is_constant() or tb.is_constant():
            return ta * tb, balls.r_mul(ra, rb)
        (ta, ra), (tb, rb) = _tightened(args[0]), _tightened(args[1])
        tm = ta * tb
        rng = balls.r_power(ra, 2) if args[0] is args[1] else balls.r_mul(ra, rb)
        return _tightened((tm, rng))
    if op == "div":
        inv = _apply_rule(RECIPROCAL, args[1], space)
        return _taylor_op(ir.Node("mul"), [args[0], inv], space)
    if op == "powi":
        return _powi(args[0], node.literal, space)
    if op == "pow":
        if node.args[1].op == "const":
            return _apply_rule(RealPower(node.args[1].literal), args[0], space)
        log_a = _apply_rule(unary_rule("log"), args[0], space)
        prod = _taylor_op(ir.Node("mul"), [args[1], log_a], space)
        return _apply_rule(unary_rule("exp"), prod, space)
    if op in ("min", "max"):
        (ta, ra), (tb, rb) = _tightened(args[0]), _tightened(args[1])
        diff = ta - tb
        absd, _ = _apply_rule(unary_rule("abs"),
                              (diff, balls.r_intersect(diff.range(), balls.r_sub(ra, rb))), space)
        total = ta + tb
        tm = (total - absd if op == "min" else total + absd).scale(arb(0.5))
        rng = balls.r_min(ra, rb) if op == "min" else balls.r_max(ra, rb)
        return tm, balls.r_intersect(tm.range(), rng)
    if op in ir.UNARY:
        return _apply_rule(unary_rule(op), args[0], space)
    raise UnsupportedOperationError(f"no verified rule for operation {op!r}")


def _powi(arg, n, space):
    tm, rng = _tightened(arg)
    m, result, base = abs(n), None, tm
    while m:
        if m & 1:
            result = base if result is None else result * base
        m >>= 1
        if m:
            base = base * base
    if result is None:
        result = TaylorModel.constant(space, arb(1))
    pr = balls.r_power(rng, abs(n))
    out = (result, balls.r_intersect(result.range(), pr))
    return _apply_rule(RECIPROCAL, out, space) if n < 0 else out
