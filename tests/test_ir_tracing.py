"""IR and tracing: strings, callables (1-D and n-D), canonical `to_ops`, round trips, errors."""
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given

import verinum
from verinum import InputError, TracingError, UnsupportedOperationError, ir
from verinum.tracing import to_expression
from strategies import expressions, mp_eval, mp_eval_text


def ops(f, nvars=1, vector=False, variables=None):
    return ir.to_ops(to_expression(f, nvars, vector, variables)[0])


def test_decimal_literals_are_exact():
    root, names = to_expression("0.1*x + 2.5e3 - 1e-3", 1, False)
    consts = sorted(n.literal for n in ir.walk(root) if n.op == "const")
    assert consts == [Fraction(1, 1000), Fraction(1, 10), Fraction(2500)]
    assert names == ["x"]


def test_float_constants_in_callables_are_their_binary_value():
    root, _ = to_expression(lambda x: 0.1 * x, 1, False)
    (c,) = [n.literal for n in ir.walk(root) if n.op == "const"]
    assert c == Fraction(0.1) != Fraction(1, 10)
    root, _ = to_expression(lambda x: np.float64(0.25) * x + np.int64(3), 1, False)
    assert sorted(n.literal for n in ir.walk(root) if n.op == "const") == [Fraction(1, 4), 3]


def test_powers_are_canonicalised():
    assert ops("x**2") == [["var", 0], ["powi", 0, 2]]
    assert ops("x**-1") == [["var", 0], ["powi", 0, -1]]
    assert ops("x**0.5") == ops("sqrt(x)") == ops(lambda x: x ** 0.5)
    assert ops("x**1.5")[-1][0] == "pow"
    assert ops("2**x")[-1][0] == "pow"
    assert ops("pow(x, 3)") == ops("x**3")


@pytest.mark.parametrize("spelling", [
    "exp(-x0**2) * sin(x1) + x0*x1",
    "exp(-x[0]**2) * sin(x[1]) + x[0]*x[1]",
    lambda x: verinum.exp(-x[0] ** 2) * verinum.sin(x[1]) + x[0] * x[1],
])
def test_equal_functions_serialise_identically_2d(spelling):
    reference = ir.apply("exp", -ir.var(0) ** 2) * ir.apply("sin", ir.var(1)) + ir.var(0) * ir.var(1)
    assert ops(spelling, 2, True) == ir.to_ops(reference)


def test_named_variables():
    assert ops("exp(-a**2) * sin(b) + a*b", 2, True, ["a", "b"]) == \
        ops("exp(-x0**2) * sin(x1) + x0*x1", 2, True)
    with pytest.raises(InputError, match="variables"):
        to_expression("a", 2, True, ["a"])
    with pytest.raises(InputError, match="variables"):
        to_expression("a", 2, True, ["a", "a"])
    with pytest.raises(InputError, match="variables"):
        to_expression("a", 1, False, ["not a name"])


def test_sharing_does_not_change_the_canonical_form():
    x = ir.var(0)
    shared = ir.apply("sin", x)
    assert ir.to_ops(shared + shared) == ir.to_ops(ir.apply("sin", x) + ir.apply("sin", ir.var(0)))
    assert ir.to_ops(shared + shared) == ops("sin(x) + sin(x)")
    assert len(ir.to_ops(shared + shared)) == 3  # var, sin, add


def test_one_d_aliases():
    assert ops("x0 * x") == ops("x * x") == ops(lambda x: x * x)
    assert ops("x[0] + 1", 1, True) == ops("x0 + 1", 1, True)


def test_callable_returning_a_constant_or_one_element_list():
    assert ops(lambda x: 3, 1, False) == [["const", "3p0"]]
    assert ops(lambda x: [x[0] + 1], 2, True) == ops("x0 + 1", 2, True)


@given(expressions(2))
def test_round_trip_from_ops(root):
    serial = ir.to_ops(root)
    again = ir.from_ops(serial)
    assert ir.to_ops(again) == serial
    point = [Fraction(1, 3), Fraction(-5, 7)]
    try:
        assert mp_eval(again, point) == mp_eval(root, point)
    except ArithmeticError:
        pass  # overflow in the reference: nothing to compare


@given(expressions(1))
def test_infix_rendering_parses_back_to_the_same_function(root):
    text = ir.to_infix(root, ["x"])
    reparsed, _ = to_expression(text, 1, False)
    for x in (Fraction(1, 3), Fraction(-2), Fraction(7, 2)):
        try:
            want = mp_eval(root, [x])
        except ArithmeticError:
            continue
        assert abs(mp_eval(reparsed, [x]) - want) <= 1e-40 * (1 + abs(want))


def test_string_and_callable_agree_with_python_semantics():
    text = "3 - 2*x / (1 + x) ** 2 + max(x, 0.5, 1/3) + -x**2"
    root, _ = to_expression(text, 1, False)
    for x in (Fraction(1, 7), Fraction(2)):
        assert abs(mp_eval(root, [x]) - mp_eval_text(text, [x])) < 1e-50


def test_num_variables():
    assert ir.num_variables(to_expression("x0 + x2", 3, True)[0]) == 3
    assert ir.num_variables(to_expression("pi + e", 1, False)[0]) == 0


# -- errors ------------------------------------------------------------------------------------
def test_unknown_function():
    with pytest.raises(UnsupportedOperationError, match="'foo'.*supported: "):
        to_expression("foo(x)", 1, False)


def test_unknown_name():
    with pytest.raises(InputError, match="unknown name 'y'; variables are x"):
        to_expression("y + 1", 1, False)
    with pytest.raises(InputError, match="exp is a function"):
        to_expression("exp + 1", 1, False)


@pytest.mark.parametrize("text", ["x +* 2", "exp(x", "", "x = 1", "lambda x: x"])
def test_syntax_errors(text):
    with pytest.raises(InputError):
        to_expression(text, 1, False)


@pytest.mark.parametrize("text", ["x < 1", "x if x else 1", "'a'", "True", "x.real",
                                  "exp(x, 2)", "exp(x=1)", "[x][0]", "x @ x", "x % 2"])
def test_unsupported_syntax(text):
    with pytest.raises((InputError, TracingError)):
        to_expression(text, 1, False)


def test_index_out_of_range():
    with pytest.raises(InputError, match="out of range"):
        to_expression("x[2]", 2, True)
    with pytest.raises(TracingError, match="out of range"):
        to_expression(lambda x: x[2], 2, True)


def test_function_uses_more_variables_than_the_region():
    with pytest.raises(InputError, match="x1"):
        to_expression("x0 + x1", 1, True)
    with pytest.raises(InputError, match="x1"):
        to_expression(ir.var(1), 1, True)


def test_python_if_on_a_traced_value():
    def f(x):
        if x > 0:
            return x
        return -x
    with pytest.raises(TracingError, match="verinum.max"):
        to_expression(f, 1, False)


def test_sequence_argument_in_one_d():
    with pytest.raises(TracingError):
        to_expression(lambda x: x[0], 1, False)


def test_non_expression_results_and_inputs():
    with pytest.raises(TracingError, match="returned"):
        to_expression(lambda x: "x", 1, False)
    with pytest.raises(InputError):
        to_expression(3.0, 1, False)


def test_public_functions_survive_submodule_imports():
    # `import verinum.<module>` must never shadow the public functions integrate/minimize
    import importlib

    import verinum
    for name in ("integration", "minimization", "taylor", "checker"):
        importlib.import_module(f"verinum.{name}")
    assert callable(verinum.integrate) and verinum.integrate.__name__ == "integrate"
    assert callable(verinum.minimize) and verinum.minimize.__name__ == "minimize"
    assert callable(verinum.taylor_bounds)


def test_one_dimensional_list_regions_accept_x_and_x0():
    from verinum.tracing import parse
    from verinum import ir
    for text in ("x", "x0"):
        assert ir.to_ops(parse(text, ["x0"])) == ir.to_ops(ir.var(0))
        assert ir.to_ops(parse(text, ["x"])) == ir.to_ops(ir.var(0))
