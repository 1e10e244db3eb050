"""The expression IR: a small DAG of `Node`s with a canonical serialised form.

A node is `(op, args, literal)`: `var` (literal = variable index), `const` (literal = exact
Fraction), `pi`, `e`, unary and binary operations (see `UNARY`, `BINARY`) and `powi` (literal =
integer exponent). `to_ops` gives the canonical instruction list embedded in certificates
(certificates/README.md): topological order, maximal sharing of equal subexpressions.
Nodes overload Python operators, so tracing a callable is calling it on variable nodes.
"""
from fractions import Fraction

from .errors import InputError, TracingError, UnsupportedOperationError

UNARY = ("neg", "exp", "expm1", "log", "log1p", "sqrt", "sin", "cos", "tan", "atan", "sinh",
         "cosh", "tanh", "erf", "sigmoid", "softplus", "relu", "swish", "abs")
BINARY = ("add", "sub", "mul", "div", "min", "max", "pow")
LEAVES = ("var", "const", "pi", "e")
OPS = frozenset(UNARY + BINARY + LEAVES + ("powi",))

_BRANCH_ADVICE = ("Python branching (if/while/and/or/comparisons/bool/float) on a traced value "
                  "is not supported: the bound must hold on a whole region. Use verinum.max, "
                  "verinum.min, verinum.abs or verinum.relu instead.")


class Node:
    """One operation of an expression DAG. Immutable; build with the helpers below."""

    __slots__ = ("op", "args", "literal", "_key")
    __array_priority__ = 1000  # so numpy scalars defer to Node operators

    def __init__(self, op, args=(), literal=None):
        if op not in OPS:
            raise UnsupportedOperationError(f"unsupported operation {op!r}")
        self.op, self.args, self.literal = op, tuple(args), literal
        self._key = None

    # -- Python operators: tracing ---------------------------------------------------------
    def __add__(self, o): return apply("add", self, o)
    def __radd__(self, o): return apply("add", o, self)
    def __sub__(self, o): return apply("sub", self, o)
    def __rsub__(self, o): return apply("sub", o, self)
    def __mul__(self, o): return apply("mul", self, o)
    def __rmul__(self, o): return apply("mul", o, self)
    def __truediv__(self, o): return apply("div", self, o)
    def __rtruediv__(self, o): return apply("div", o, self)
    def __neg__(self): return apply("neg", self)
    def __pos__(self): return self
    def __abs__(self): return apply("abs", self)

    def __pow__(self, o):
        return power(self, o)

    def __rpow__(self, o):
        return apply("pow", o, self)

    def _no_branch(self, *_):
        raise TracingError(_BRANCH_ADVICE)

    def _no_float(self, *_):
        raise TracingError("a traced value cannot be converted to a number: use verinum.exp, "
                           "verinum.sin, ... (or jax.numpy) instead of math.* or numpy functions, "
                           "and verinum.max, verinum.min, verinum.abs instead of Python branching")

    __bool__ = _no_branch
    __float__ = __int__ = __index__ = __complex__ = _no_float
    __lt__ = __le__ = __gt__ = __ge__ = _no_branch

    def __eq__(self, other):
        if isinstance(other, Node):
            return self is other
        self._no_branch()

    def __hash__(self):
        return id(self)

    def __repr__(self):
        return f"<verinum expression {to_infix(self)}>"

    __str__ = lambda self: to_infix(self)


def var(index):
    return Node("var", (), int(index))


def const(value):
    """A constant node holding the exact value (floats are their exact binary value)."""
    from .rounding import exact
    return Node("const", (), exact(value, "constant"))


def as_node(x):
    if isinstance(x, Node):
        return x
    if isinstance(x, (list, tuple)):
        raise TracingError("expected a scalar, got a sequence; index the argument, e.g. x[0]")
    try:
        return const(x)
    except InputError as err:
        if hasattr(x, "shape") or type(x).__module__.startswith("jax"):
            raise TracingError(
                f"cannot mix {type(x).__name__} with a verinum expression; pass jax.numpy "
                "functions to verinum directly (they are traced through their jaxpr)") from err
        raise


def apply(op, *args):
    """Build the node op(args), turning numbers into exact constants."""
    arity = 1 if op in UNARY else 2 if op in BINARY else None
    if arity is None:
        raise UnsupportedOperationError(f"unsupported operation {op!r}")
    if len(args) != arity:
        raise TracingError(f"{op} takes {arity} argument(s), got {len(args)}")
    nodes = [as_node(a) for a in args]
    if op in _EXACT_FOLD and all(n.op == "const" for n in nodes):
        return _fold(op, *(n.literal for n in nodes))
    return Node(op, nodes)


_EXACT_FOLD = ("neg", "add", "sub", "mul", "div")


def _fold(op, a, b=None):
    """Rational arithmetic on constants is done exactly ("1/3" is the number one third)."""
    if op == "div" and b == 0:
        from .errors import DomainError
        raise DomainError("division by the constant 0", "div")
    value = {"neg": lambda: -a, "add": lambda: a + b, "sub": lambda: a - b,
             "mul": lambda: a * b, "div": lambda: a / b}[op]()
    return Node("const", (), value)


def power(base, exponent):
    """base ** exponent: integer constant exponents become `powi`, 1/2 becomes `sqrt`."""
    if not isinstance(exponent, Node):
        from .rounding import exact
        q = exact(exponent, "exponent")
        if isinstance(base, Node) and base.op == "const" and q.denominator == 1 and \
                (base.literal != 0 or q >= 0):
            return Node("const", (), base.literal ** int(q))
        if q.denominator == 1:
            return Node("powi", [as_node(base)], int(q))
        if q == Fraction(1, 2):
            return apply("sqrt", base)
    return apply("pow", base, exponent)


# -- canonical form ---------------------------------------------------------------------------
def _literal_text(node):
    from .certificate_format import encode_exact
    if node.op == "const":
        return encode_exact(node.literal)
    return node.literal


def to_ops(root):
    """Canonical instruction list: [[op, arg indices or literal...], ...], root last.

    Equal subexpressions share one instruction, so equal functions serialise identically
    whatever object sharing the traced DAG had."""
    ops, index_of_key, index_of_node = [], {}, {}
    stack = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if id(node) in index_of_node:
            continue
        if not expanded:
            stack.append((node, True))
            stack.extend((a, False) for a in reversed(node.args))
            continue
        if node.op in ("var", "const", "powi"):
            instr = [node.op] + [index_of_node[id(a)] for a in node.args] + [_literal_text(node)]
        else:
            instr = [node.op] + [index_of_node[id(a)] for a in node.args]
        key = tuple(instr)
        if key not in index_of_key:
            index_of_key[key] = len(ops)
            ops.append(instr)
        index_of_node[id(node)] = index_of_key[key]
    return ops


def from_ops(ops):
    """Rebuild a DAG from a canonical instruction list (inverse of `to_ops`)."""
    from .certificate_format import decode_exact
    nodes = []
    for instr in ops:
        op, rest = instr[0], list(instr[1:])
        if op == "var":
            nodes.append(var(rest[0]))
        elif op == "const":
            nodes.append(Node("const", (), decode_exact(rest[0])))
        elif op == "powi":
            nodes.append(Node("powi", [nodes[rest[0]]], int(rest[1])))
        else:
            nodes.append(Node(op, [nodes[i] for i in rest]))
    return nodes[-1]


def canonical_text(root):
    """The canonical text form: one instruction per line, `%i = op args`."""
    lines = []
    for i, instr in enumerate(to_ops(root)):
        args = " ".join(f"%{a}" if isinstance(a, int) and instr[0] not in ("var", "powi")
                        or (instr[0] == "powi" and j == 0) else str(a)
                        for j, a in enumerate(instr[1:]))
        lines.append(f"%{i} = {instr[0]} {args}".rstrip())
    return "\n".join(lines)


def num_variables(root):
    """1 + the largest variable index used (0 for a constant expression)."""
    return 1 + max((n.literal for n in walk(root) if n.op == "var"), default=-1)


def walk(root):
    """Every node of the DAG once, arguments before the nodes that use them."""
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        node, done = stack.pop()
        if id(node) in seen:
            continue
        if done:
            seen.add(id(node))
            order.append(node)
        else:
            stack.append((node, True))
            stack.extend((a, False) for a in node.args if id(a) not in seen)
    return order


_INFIX = {"add": ("+", 1), "sub": ("-", 1), "mul": ("*", 2), "div": ("/", 2)}


def to_infix(root, names=None):
    """A readable infix rendering (for messages and repr; not canonical)."""
    def name(i):
        return names[i] if names else f"x{i}"

    def go(node):  # returns (text, precedence)
        op = node.op
        if op == "var":
            return name(node.literal), 9
        if op == "const":
            q = node.literal
            text = str(q) if q.denominator == 1 else f"{q.numerator}/{q.denominator}"
            return text, (9 if q >= 0 and q.denominator == 1 else 0)
        if op in ("pi", "e"):
            return op, 9
        if op == "neg":
            t, p = go(node.args[0])
            return "-" + (t if p >= 3 else f"({t})"), 3
        if op == "powi":
            t, p = go(node.args[0])
            return (t if p >= 9 else f"({t})") + f"**{node.literal}", 4
        if op in _INFIX:
            sym, prec = _INFIX[op]
            (lt, lp), (rt, rp) = go(node.args[0]), go(node.args[1])
            left = lt if lp >= prec else f"({lt})"
            right = rt if rp > prec else f"({rt})"
            return f"{left}{sym}{right}", prec
        return f"{op}({', '.join(go(a)[0] for a in node.args)})", 9

    return go(root)[0]


PI = Node("pi")  # the constant π as an expression
E = Node("e")    # the constant e as an expression
