"""Public elementary functions: `verinum.exp(x)`, `verinum.max(a, b)`, ...

On traced values (expressions) they build IR; on numbers or `Interval`s they return a verified
`Interval` enclosure of the result (numbers are exact: `verinum.exp("0.1")` encloses e^(1/10)).
"""
from . import ir, rounding
from .interval import Interval


def _evaluate(node_builder, args):
    from flint import arb

    from .arb_backend import range_eval
    with rounding.precision():
        box = []
        for a in args:
            if isinstance(a, Interval):
                box.append((arb(a.lo), arb(a.hi)))
            else:
                ball = rounding.to_arb(rounding.exact(a))
                box.append((ball.lower(), ball.upper()))
        leaves = [ir.var(i) for i in range(len(args))]
        return Interval.from_range(range_eval(node_builder(*leaves), box))


def _make(op):
    def fn(*args):
        if any(isinstance(a, ir.Node) for a in args):
            return ir.apply(op, *args)
        return _evaluate(lambda *leaves: ir.apply(op, *leaves), args)
    fn.__name__ = op
    fn.__doc__ = f"{op} of an expression (builds IR) or of numbers/Intervals (verified Interval)."
    return fn


exp, expm1, log, log1p, sqrt = (_make(op) for op in ("exp", "expm1", "log", "log1p", "sqrt"))
sin, cos, tan, atan = (_make(op) for op in ("sin", "cos", "tan", "atan"))
sinh, cosh, tanh, erf = (_make(op) for op in ("sinh", "cosh", "tanh", "erf"))
sigmoid, softplus, relu, swish = (_make(op) for op in ("sigmoid", "softplus", "relu", "swish"))
abs_ = _make("abs")
abs_.__name__ = "abs"


def _fold(op):
    single = _make(op)

    def fn(*args):
        if len(args) < 2:
            raise TypeError(f"verinum.{op} needs at least two arguments")
        out = args[0]
        for a in args[1:]:
            out = single(out, a)
        return out
    fn.__name__ = op
    fn.__doc__ = f"{op} of two or more expressions/numbers (pointwise; no Python branching)."
    return fn


min_, max_ = _fold("min"), _fold("max")


def power(base, exponent):
    """base ** exponent (integer exponents are exact powers; others need base > 0)."""
    if isinstance(base, ir.Node) or isinstance(exponent, ir.Node):
        return ir.power(base, exponent)
    if isinstance(exponent, Interval):
        return _evaluate(lambda b, e: ir.apply("pow", b, e), [base, exponent])
    return _evaluate(lambda b: ir.power(b, exponent), [base])
