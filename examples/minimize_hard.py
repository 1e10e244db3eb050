"""Two hard minimisations: Bukin N.6 and Styblinski–Tang 10-D.

Bukin N.6: a non-smooth ridge that local and evolutionary optimisers find hard.

    f(x) = 100·sqrt(|x1 − 0.01·x0²|) + 0.01·|x0 + 10|  on [−15, −5] × [−3, 3]

The global minimum 0 sits at (−10, 1) at the bottom of a curved sqrt-kink valley: gradients
blow up next to the ridge, and scipy's differential evolution typically stops at 1e-2..1e-1.
verinum proves the minimum to 1e-9 (the lower bound from interval arithmetic, the upper bound
from a witness that local search plus snapping to short numbers finds), with a certificate.

Styblinski–Tang 10-D: f(x) = Σ_i (x_i⁴ − 16·x_i² + 5·x_i)/2 on [−5, 5]¹⁰ has 2¹⁰ local minima;
IBEX's ibexopt does not solve it within 60 s. f is separable (a sum of parts over disjoint
variables), so verinum minimises it as ten 1-D blocks and proves the minimum
−391.6616570377… to 1e-6, with a certificate that has one split tree per block.

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

STYBLINSKI_TANG_10 = "(" + " + ".join(f"x{i}**4 - 16*x{i}**2 + 5*x{i}" for i in range(10)) + ")/2"
start = time.perf_counter()
st = minimize(STYBLINSKI_TANG_10, [(-5, 5)] * 10, tol=1e-6)
print(f"\nStyblinski-Tang 10-D: min f in [{st.lower!r}, {st.upper!r}] (status {st.status}, "
      f"{st.stats['blocks']} blocks, {st.stats['boxes']} boxes, "
      f"{time.perf_counter() - start:.2f} s; literature -391.6616570377142)")
verdict = st.certificate.check()
print(f"its certificate: {verdict.status}")
