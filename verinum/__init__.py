"""verinum: verified numerics. Enclosures that are proofs, and certificates that say so.

Imports are lazy (PEP 562): `import verinum.checker` loads only the checker, never the solver.
"""
import importlib

__version__ = "0.1.0"

_EXPORTS = {
    "Interval": ("verinum.interval", "Interval"),
    "taylor_bounds": ("verinum.taylor", "taylor_bounds"),
    "TaylorEnclosure": ("verinum.taylor", "TaylorEnclosure"),
    "integrate": ("verinum.integration", "integrate"),
    "minimize": ("verinum.minimization", "minimize"),
    "VerinumError": ("verinum.errors", "VerinumError"),
    "InputError": ("verinum.errors", "InputError"),
    "DomainError": ("verinum.errors", "DomainError"),
    "UnsupportedOperationError": ("verinum.errors", "UnsupportedOperationError"),
    "TracingError": ("verinum.errors", "TracingError"),
    "exact": ("verinum.rounding", "exact"),
    "abs": ("verinum.functions", "abs_"),
    "min": ("verinum.functions", "min_"),
    "max": ("verinum.functions", "max_"),
    "pow": ("verinum.functions", "power"),
    "pi": ("verinum.ir", "PI"),
    "e": ("verinum.ir", "E"),
}
for _name in ("exp", "expm1", "log", "log1p", "sqrt", "sin", "cos", "tan", "atan", "sinh", "cosh",
              "tanh", "erf", "sigmoid", "softplus", "relu", "swish"):
    _EXPORTS[_name] = ("verinum.functions", _name)

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name):
    if name in _EXPORTS:
        module, attr = _EXPORTS[name]
        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'verinum' has no attribute {name!r}")


def __dir__():
    return __all__
