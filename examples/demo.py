"""The main job: a verified integral, a verified global minimum, their certificates, and the
independent checker re-proving both. Run: python examples/demo.py [OUTPUT_DIR]"""
import os
import sys
import time

import verinum as vn
from verinum.checker import check


def main(out_dir="demo-output"):
    os.makedirs(out_dir, exist_ok=True)

    print("1. A Taylor enclosure (AutoBound-style, outward rounded)")
    enclosure = vn.taylor_bounds("exp(sqrt(x))", "0.25", ("0", "0.5"), degree=2)
    print(enclosure, "\n")

    print("2. A verified integral: ∫_0^1 exp(x)·sin(x) dx")
    start = time.perf_counter()
    integral = vn.integrate(lambda x: vn.exp(x) * vn.sin(x), (0, 1), tol=1e-12)
    print(f"   enclosure {integral.enclosure}  width {integral.enclosure.width:.2e}  "
          f"status {integral.status}  pieces {integral.pieces}  "
          f"({time.perf_counter() - start:.2f} s)")
    integral_path = integral.certificate.save(os.path.join(out_dir, "integral.json"))

    print("\n3. A verified global minimum: the six-hump camel function on [-3, 3] x [-2, 2]")
    camel = "4*x0**2 - 2.1*x0**4 + x0**6/3 + x0*x1 - 4*x1**2 + 4*x1**4"
    start = time.perf_counter()
    minimum = vn.minimize(camel, [(-3, 3), (-2, 2)], tol=1e-6)
    print(f"   min f in [{minimum.lower!r}, {minimum.upper!r}]  status {minimum.status}  "
          f"argmin {minimum.argmin}  ({time.perf_counter() - start:.2f} s)")
    minimum_path = minimum.certificate.save(os.path.join(out_dir, "minimum.json"))

    print("\n4. The independent checker (python-flint only) re-proves both certificates")
    ok = True
    for path in (integral_path, minimum_path):
        verdict = check(path)
        print(f"   {path}: {verdict.status}\n     {verdict.statement or verdict.message}")
        ok &= verdict.status == "accepted"
    print("\nSame from the shell:  verinum check", integral_path, minimum_path)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
