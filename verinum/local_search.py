"""Float local search (heuristics only); the float compilers are in `float_eval`.

Nothing here is a proof: these functions only *propose* points. `verinum.minimize` proves the
value at every proposed point with arb before it uses it as an upper bound.
"""
import math

from .float_eval import compile_batch, compile_float  # noqa: F401 (used by minimize, separable)


def clip(x, lower, upper):
    """x moved inside the float box [lower, upper] coordinate by coordinate (a list of floats)."""
    return [min(max(float(v), lo), hi) for v, lo, hi in zip(x, lower, upper)]


def local_minimize(f, start, lower, upper, max_evals=2000):
    """(value, point): a local minimum of the float function f from `start` within [lower, upper]
    (L-BFGS-B, then a short Nelder-Mead polish for kinks). Heuristic only."""
    from scipy.optimize import minimize as scipy_minimize
    n = len(start)
    best = (f(start), clip(start, lower, upper))
    bounds = list(zip(lower, upper))

    def safe(x):
        value = f(clip(x, lower, upper))
        return value if math.isfinite(value) else 1e300

    for method, options in (("L-BFGS-B", {"maxfun": max_evals}),
                            ("Nelder-Mead", {"maxfev": min(max_evals, 200 * n), "xatol": 1e-12,
                                             "fatol": 0.0})):
        try:
            res = scipy_minimize(safe, best[1], method=method, bounds=bounds, options=options)
        except (ValueError, ArithmeticError):
            continue
        point = clip(res.x, lower, upper)
        value = f(point)
        if value < best[0]:
            best = (value, point)
    return best


def snapped_points(x, lower, upper):
    """Short-dyadic and short-decimal roundings of x inside [lower, upper] (minimisers of test
    problems are often simple numbers; an exact one makes the proven upper bound sharp)."""
    out = []
    for bits in range(0, 44, 2):
        scale = 2.0 ** bits
        out.append(clip([round(v * scale) / scale for v in x], lower, upper))
    for digits in range(0, 13):
        out.append(clip([round(v, digits) for v in x], lower, upper))
    return out


def best_snapped(f, x, lower, upper):
    """(value, point): the best of x and its snapped versions under the float function f."""
    best = (f(x), list(x))
    for p in snapped_points(x, lower, upper):
        value = f(p)
        if value <= best[0]:
            best = (value, p)
    return best
