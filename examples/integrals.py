"""Verified integrals: each enclosure is proven to contain the exact value.

    .venv/bin/python examples/integrals.py
"""
import os
import tempfile

import verinum
from verinum.checker import check

EXAMPLES = [
    ("∫_0^1 exp(x) sin(x) dx", "exp(x)*sin(x)", (0, 1), 1e-12),
    ("∫_-10^10 exp(-x²) dx  (≈ √π)", "exp(-x**2)", (-10, 10), 1e-12),
    ("∫_0^1 sqrt(x) dx  (= 2/3, endpoint singularity)", "sqrt(x)", (0, 1), 1e-12),
    ("∫_0^1 |x - 1/3| dx  (= 5/18, a kink)", "abs(x - 1/3)", (0, 1), 1e-12),
    ("∫_1/3^1 exp(x) dx  (an exact rational end)", "exp(x)", ("1/3", 1), 1e-12),
    ("∫∫_[-1,1]² exp(-x0² - x1²)  (= π erf(1)²)", "exp(-x0**2 - x1**2)", [(-1, 1), (-1, 1)], 1e-8),
]

for title, f, domain, tol in EXAMPLES:
    result = verinum.integrate(f, domain, tol=tol)
    print(f"{title}\n    ∈ {result.enclosure}   (width {result.width:.2g}, {result.pieces} pieces, "
          f"status {result.status})")

# A Python callable works too, and the certificate can be checked independently.
result = verinum.integrate(lambda x: verinum.exp(-x * x) * verinum.cos(3 * x), (0, 4), tol=1e-12)
path = os.path.join(tempfile.mkdtemp(), "gaussian_cosine.json")
result.certificate.save(path)
verdict = check(path)
print(f"\n∫_0^4 exp(-x²) cos(3x) dx ∈ {result.enclosure}\ncertificate {path}: {verdict.status}")
print(verdict.message)
