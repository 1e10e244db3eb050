"""Six-hump camel: a certified global minimum, a certificate, and its independent check.

    python examples/minimize_classic.py [out.json]

Literature: min f = -1.0316284534898774 at (±0.0898, ∓0.7126) (two global minimisers).
"""
import sys
import time

from verinum import minimize

CAMEL = "(4 - 2.1*x0**2 + x0**4/3)*x0**2 + x0*x1 + (-4 + 4*x1**2)*x1**2"

start = time.perf_counter()
result = minimize(CAMEL, [(-3, 3), (-2, 2)], tol=1e-9)
print(result)
print(f"proven: {result.lower!r} <= min f <= {result.upper!r}  (literature -1.0316284534898774)")
print(f"witness {result.argmin}, {result.stats['boxes']} boxes, "
      f"{time.perf_counter() - start:.2f} s")

path = sys.argv[1] if len(sys.argv) > 1 else "camel_certificate.json"
result.certificate.save(path)
verdict = result.certificate.check()
print(f"certificate {path}: {verdict.status}  ({verdict.message[:120]}...)")
