"""Bad input raises the documented verinum exception with a message that names the problem."""
import math

import pytest

import verinum
from verinum import (DomainError, InputError, TracingError, UnsupportedOperationError,
                     VerinumError, taylor_bounds)


@pytest.mark.parametrize("region, words", [
    ((2, 1), "reversed"),
    ([(0, 1), (3, -3)], "dimension 1 is reversed"),
    ((), "empty"),
    ([], "empty"),
    ((1,), "pair"),
    ((0, 1, 2), "pair"),
    ("0 1", "expected"),
    (5, "expected"),
])
def test_bad_regions(region, words):
    with pytest.raises(InputError, match=words):
        taylor_bounds("x", 0, region)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, "nan", "abc", None, True])
def test_non_numbers_in_region_and_x0(bad):
    with pytest.raises(InputError):
        taylor_bounds("x", 0, (bad, 1))
    with pytest.raises(InputError):
        taylor_bounds("x", 0, (0, bad))
    with pytest.raises(InputError):
        taylor_bounds("x", bad, (0, 1))


@pytest.mark.parametrize("f", ["sigmoid(x)", "swish(x)", "softplus(x)", "exp(x)"])
@pytest.mark.parametrize("x0", [-1, 2, 1 + 2 ** -52, "-1/1000000"])
def test_x0_outside_region(f, x0):
    with pytest.raises(InputError, match="outside the trust region"):
        taylor_bounds(f, x0, (0, 1))


def test_x0_outside_box_and_wrong_length():
    with pytest.raises(InputError, match="coordinate 1"):
        taylor_bounds("x0 + x1", [0.5, 3], [(0, 1), (0, 1)])
    with pytest.raises(InputError, match="coordinate"):
        taylor_bounds("x0 + x1", [0.5], [(0, 1), (0, 1)])


@pytest.mark.parametrize("degree", [-1, 1.5, "2", True, None])
def test_bad_degree(degree):
    with pytest.raises(InputError, match="degree"):
        taylor_bounds("x", 0, (0, 1), degree)


@pytest.mark.parametrize("f, region, op", [
    ("log(x)", (-1, 1), "log"),
    ("log(x)", (0, 1), "log"),            # log needs > 0; the region touches 0
    ("log1p(x)", (-2, 0), "log1p"),
    ("sqrt(x)", (-1e-300, 1), "sqrt"),
    ("sqrt(x - 1)", (0, 2), "sqrt"),
    ("x**0.5", (-1, 1), "sqrt"),
    ("x**1.5", (-1, 1), "power"),
    ("x**-0.5", (0, 1), "power"),
    ("pow(x, x)", (-1, 1), "log"),
    ("1/x", (-1, 1), "division"),
    ("1/(x - 0.5)", (0, 1), "division"),
    ("x**-2", (-1, 1), "division"),
    ("tan(x)", (1, 2), "tan"),
])
@pytest.mark.parametrize("degree", [0, 2])
def test_domain_errors_name_the_operation(f, region, op, degree):
    with pytest.raises(DomainError, match=op) as info:
        taylor_bounds(f, region[0], region, degree)
    assert "in " in str(info.value)  # names the subexpression


def test_domain_error_names_the_users_variables():
    with pytest.raises(DomainError, match="speed"):
        taylor_bounds("log(speed)", -1, (-1, 1), variables=["speed"])


def test_unsupported_operation():
    with pytest.raises(UnsupportedOperationError, match="gamma"):
        taylor_bounds("gamma(x)", 0, (0, 1))
    with pytest.raises(UnsupportedOperationError):
        verinum.ir.apply("cbrt", verinum.ir.var(0))
    with pytest.raises(UnsupportedOperationError):
        verinum.ir.Node("lgamma", [verinum.ir.var(0)])


@pytest.mark.parametrize("f", [
    lambda x: x if x > 0 else -x,
    lambda x: verinum.exp(x) if x < 1 else 1.0,
    lambda x: max(x, 0),
    lambda x: bool(x),
    lambda x: float(x) + 1,
    lambda x: 1 if x == 0 else x,
    lambda x: [1, 2][x],
])
def test_python_branching_on_traced_values(f):
    with pytest.raises(TracingError) as info:
        taylor_bounds(f, 0, (0, 1))
    message = str(info.value)
    assert "verinum.max" in message and "verinum.min" in message, message


def test_math_module_functions_are_rejected_with_advice():
    with pytest.raises(TracingError, match="verinum.exp"):
        taylor_bounds(lambda x: math.exp(x), 0, (0, 1))


def test_all_errors_are_verinum_errors():
    for cls in (InputError, DomainError, UnsupportedOperationError, TracingError):
        assert issubclass(cls, VerinumError)
    assert issubclass(InputError, ValueError) and issubclass(DomainError, ArithmeticError)


def test_point_outside_region_in_lower_upper():
    enc = taylor_bounds("exp(x)", 0.5, (0, 1), 2)
    with pytest.raises(InputError, match="outside the region"):
        enc.lower(1.5)
    with pytest.raises(InputError, match="outside the region"):
        enc.upper(-1e-300)
    with pytest.raises(InputError):
        enc.lower(math.nan)


def test_cli_reports_an_unwritable_certificate_path(tmp_path, capsys):
    from verinum.cli import main
    path = tmp_path / "missing" / "c.json"
    assert main(["integrate", "x", "--domain", "0", "1", "--certificate", str(path)]) == 1
    err = capsys.readouterr().err
    assert "cannot write the certificate" in err and str(path) in err


def test_an_overflowing_enclosure_prints_as_an_interval():
    text = repr(verinum.taylor_bounds("exp(exp(x))", 5, (0, 10), 2))
    assert "[-inf, inf]" in text and "-inf + " not in text


def test_integrand_undefined_on_the_whole_domain_names_a_point():
    with pytest.raises(DomainError, match=r"undefined at x = -1\.9.*sqrt"):
        verinum.integrate("sqrt(x)", (-2, -1))
