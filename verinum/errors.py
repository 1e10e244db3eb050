"""One exception hierarchy for everything verinum raises on purpose."""


class VerinumError(Exception):
    """Base class of all verinum errors."""


class InputError(VerinumError, ValueError):
    """Bad user input: NaN, a reversed or empty region, x0 outside the region, bad syntax."""


class DomainError(VerinumError, ArithmeticError):
    """An operation cannot be bounded on the given region (log of a range reaching 0,
    division by a range containing 0, ...). The message names the operation and the range."""

    def __init__(self, message, op=None, lo=None, hi=None):
        super().__init__(message)
        self.op, self.lo, self.hi = op, lo, hi


class UnsupportedOperationError(VerinumError, TypeError):
    """An operation that has no verified rule (fails closed)."""


class TracingError(VerinumError, TypeError):
    """A function could not be traced, e.g. Python branching on a traced value."""
