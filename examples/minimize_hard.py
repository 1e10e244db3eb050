"""Bukin N.6: a non-smooth ridge that local and evolutionary optimisers find hard.

    f(x) = 100·sqrt(|x1 − 0.01·x0²|) + 0.01·|x0 + 10|  on [−15, −5] × [−3, 3]

The global minimum 0 sits at (−10, 1) at the bottom of a curved sqrt-kink valley: gradients
blow up next to the ridge, and scipy's differential evolution typically stops at 1e-2..1e-1.
verinum proves the minimum to 1e-9 (the lower bound from interval arithmetic, the upper bound
from a witness that local search plus snapping to short numbers finds), with a certificate.

    python examples/minimize_hard.py [out.json]
"""
import sys
import time

from verinum import minimize

BUKIN6 = "100*sqrt(abs(x1 - 0.01*x0**2)) + 0.01*abs(x0 + 10)"

start = time.perf_counter()
result = minimize(BUKIN6, [(-15, -5), (-3, 3)], tol=1e-9)
print(result)
print(f"proven: {result.lower!r} <= min f <= {result.upper!r}  (literature 0 at (-10, 1))")
print(f"{result.stats['boxes']} boxes, {time.perf_counter() - start:.2f} s")

try:
    from scipy.optimize import differential_evolution
    import numpy as np
    de = differential_evolution(
        lambda x: 100 * np.sqrt(abs(x[1] - 0.01 * x[0] ** 2)) + 0.01 * abs(x[0] + 10),
        [(-15, -5), (-3, 3)], seed=0, tol=1e-12)
    print(f"scipy differential_evolution: f = {de.fun:.3g} at {de.x} (no proof)")
except ImportError:
    pass

path = sys.argv[1] if len(sys.argv) > 1 else "bukin6_certificate.json"
result.certificate.save(path)
verdict = result.certificate.check()
print(f"certificate {path}: {verdict.status}  ({verdict.message[:120]}...)")
