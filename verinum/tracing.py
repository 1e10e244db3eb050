"""Turn what the user gives (an expression string, a Python callable, a traced Node) into IR.

Strings use Python syntax with the names exp log sqrt sin cos tan atan tanh sinh cosh erf abs
min max (and expm1 log1p sigmoid softplus relu swish), constants pi and e, and variables `x` in
1-D, `x0..x{n-1}` (or `x[i]`) in n-D, or the names given by `variables=[...]`. Number literals
are exact: "0.1" means 1/10.
Callables get one argument: a scalar Node in 1-D (`vector=False`), else a `Vector` indexed
`x[0]`, `x[1]`, ... Extra tracers (the JAX one) register with `register_tracer`.
"""
import ast
import importlib
import numbers
import sys

from . import ir
from .errors import InputError, TracingError, UnsupportedOperationError

FUNCTIONS = {name: name for name in ir.UNARY if name != "neg"}
FUNCTIONS.update(min="min", max="max", pow="pow")

_extra_tracers = []


def register_tracer(tracer):
    """Add `tracer(f, nvars, vector) -> Node or None` (None: not mine); tried before calling f."""
    _extra_tracers.append(tracer)


class Vector(tuple):
    """The argument of an n-D callable: a tuple of variable nodes, indexable as x[i]."""

    def __getitem__(self, index):
        try:
            return tuple.__getitem__(self, index)
        except IndexError:
            raise TracingError(f"index {index} out of range for a {len(self)}-dimensional "
                               "argument (the region has that many dimensions)") from None
        except TypeError:
            raise TracingError("index the argument with an integer or a slice") from None


def to_expression(f, nvars, vector, variables=None):
    """The IR root for `f` with `nvars` variables. `vector`: callables get a Vector argument.

    Returns (root, names) where names are the display names of the variables."""
    names = _names(nvars, vector, variables)
    if isinstance(f, ir.Node):
        root = f
    elif isinstance(f, str):
        root = parse(f, names, vector)
    elif callable(f):
        root = _trace_callable(f, nvars, vector)
    else:
        raise InputError(f"expected an expression string or a callable, got {type(f).__name__}")
    used = ir.num_variables(root)
    if used > nvars:
        raise InputError(f"the function uses variable x{used - 1} but the region has only "
                         f"{nvars} dimension(s)")
    return root, names


def _names(nvars, vector, variables):
    if variables is not None:
        names = [str(v) for v in variables]
        if len(names) != nvars or len(set(names)) != nvars or not all(n.isidentifier() for n in names):
            raise InputError(f"variables={variables!r}: need {nvars} distinct identifiers, one "
                             "per dimension")
        return names
    return ["x"] if nvars == 1 and not vector else [f"x{i}" for i in range(nvars)]


def _trace_callable(f, nvars, vector):
    if "jax" in sys.modules:  # the user may pass jax.numpy code: load its tracer
        try:
            importlib.import_module("verinum.jax_trace")
        except ImportError:
            pass
    for tracer in _extra_tracers:
        root = tracer(f, nvars, vector)
        if root is not None:
            return root
    arg = Vector(ir.var(i) for i in range(nvars)) if vector else ir.var(0)
    try:
        out = f(arg)
    except TracingError:
        raise
    except (TypeError, AttributeError) as err:
        raise TracingError(f"could not trace {getattr(f, '__name__', f)!r}: {err}. Write it "
                           "with Python operators and verinum.exp, verinum.sin, ... (or "
                           "jax.numpy)") from err
    if isinstance(out, (list, tuple)) and len(out) == 1:
        out = out[0]
    if isinstance(out, numbers.Number):
        out = ir.const(out)
    if not isinstance(out, ir.Node):
        raise TracingError(f"the function returned {type(out).__name__}, expected a scalar "
                           "expression")
    return out


# -- strings ----------------------------------------------------------------------------------
_BINOPS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div"}


def parse(text, names, vector=True):
    """Parse an expression string into IR (see module docstring for the grammar)."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as err:
        raise InputError(f"cannot parse {text!r}: {err.msg} at column {err.offset}") from None
    env = {n: ir.var(i) for i, n in enumerate(names)}
    if names in (["x"], ["x0"]):
        env["x"] = env["x0"] = ir.var(0)  # in 1-D, x and x0 name the same variable
    return _Parser(text, env, names).visit(tree.body)


class _Parser:
    def __init__(self, text, env, names):
        self.text, self.env, self.names = text, env, names

    def fail(self, node, message):
        seg = ast.get_source_segment(self.text, node) or ""
        raise InputError(f"in {self.text!r}: {message}" + (f" (at {seg!r})" if seg else ""))

    def visit(self, node):
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                self.fail(node, "only numbers are allowed as constants")
            return ir.const(ast.get_source_segment(self.text, node))  # exact decimal text
        if isinstance(node, ast.Name):
            if node.id in self.env:
                return self.env[node.id]
            if node.id in ("pi", "e"):
                return ir.Node(node.id)
            if node.id in FUNCTIONS:
                self.fail(node, f"{node.id} is a function: call it, e.g. {node.id}(x)")
            self.fail(node, f"unknown name {node.id!r}; variables are {', '.join(self.names)}")
        if isinstance(node, ast.Subscript):
            return self._subscript(node)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub):
                return -self.visit(node.operand)
            if isinstance(node.op, ast.UAdd):
                return self.visit(node.operand)
        if isinstance(node, ast.BinOp):
            left, right = self.visit(node.left), self.visit(node.right)
            if isinstance(node.op, ast.Pow):
                if right.op == "const" or (right.op == "neg" and right.args[0].op == "const"):
                    value = right.literal if right.op == "const" else -right.args[0].literal
                    return ir.power(left, value)
                return ir.apply("pow", left, right)
            if type(node.op) in _BINOPS:
                return ir.apply(_BINOPS[type(node.op)], left, right)
        if isinstance(node, ast.Call):
            return self._call(node)
        self.fail(node, f"unsupported syntax {type(node).__name__}")

    def _subscript(self, node):
        if not (isinstance(node.value, ast.Name) and node.value.id == "x"
                and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, int)):
            self.fail(node, "only x[i] with an integer i can be indexed")
        key = f"x{node.slice.value}"
        if key not in self.env:
            self.fail(node, f"x[{node.slice.value}] is out of range ({len(self.names)} variables)")
        return self.env[key]

    def _call(self, node):
        if not isinstance(node.func, ast.Name) or node.keywords:
            self.fail(node, "only plain calls such as exp(x) are allowed")
        name = node.func.id
        if name not in FUNCTIONS:
            raise UnsupportedOperationError(
                f"in {self.text!r}: unsupported function {name!r}; supported: "
                f"{', '.join(sorted(FUNCTIONS))}")
        args = [self.visit(a) for a in node.args]
        if name in ("min", "max") and len(args) > 2:
            out = args[0]
            for a in args[1:]:
                out = ir.apply(name, out, a)
            return out
        if name == "pow" and len(args) == 2 and args[1].op == "const":
            return ir.power(args[0], args[1].literal)
        try:
            return ir.apply(FUNCTIONS[name], *args)
        except TracingError as err:
            self.fail(node, str(err))
