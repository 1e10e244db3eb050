"""Regenerate the example certificates: real ones from verinum.integrate / verinum.minimize, and
tampered copies that the checker must refuse. Run: python certificates/examples/make_examples.py

Each tampered file's name says what was changed and its "expect" entry in expected.json says
whether the checker must answer "rejected" (exit 1) or "malformed" (exit 2)."""
import copy
import json
import os

import verinum as vn
from verinum.certificate_format import seal

HERE = os.path.dirname(os.path.abspath(__file__))


def write(name, data, expected, verdicts):
    with open(os.path.join(HERE, name), "w") as out:
        json.dump(data, out, indent=1, sort_keys=True)
        out.write("\n")
    verdicts[name] = expected


def tampered(data, edit, reseal=True):
    data = copy.deepcopy(data)
    data.pop("sha256", None)
    edit(data)
    return seal(data) if reseal else data


def main():
    verdicts = {}
    integral = vn.integrate(lambda x: vn.exp(x) * vn.sin(x), (0, 1), tol=1e-12).certificate.data
    kink = vn.integrate("abs(x - 1/3) + sqrt(x)", (0, 1), tol=1e-10).certificate.data
    gauss2d = vn.integrate("exp(-x0**2 - x1**2)", [(-1, 1), (-1, 1)], tol=1e-8).certificate.data
    camel = vn.minimize("4*x0**2 - 2.1*x0**4 + x0**6/3 + x0*x1 - 4*x1**2 + 4*x1**4",
                        [(-3, 3), (-2, 2)], tol=1e-6).certificate.data
    bukin = vn.minimize("100*sqrt(abs(x1 - 0.01*x0**2)) + 0.01*abs(x0 + 10)",
                        [(-15, -5), (-3, 3)], tol=1e-6).certificate.data
    styblinski = vn.minimize(  # separable: one tree per block ("blocks" evidence)
        "(" + " + ".join(f"x{i}**4 - 16*x{i}**2 + 5*x{i}" for i in range(10)) + ")/2",
        [(-5, 5)] * 10, tol=1e-6).certificate.data
    for name, data in [("integral_exp_sin.json", integral), ("integral_kink_sqrt.json", kink),
                       ("integral_gauss_2d.json", gauss2d), ("min_six_hump_camel.json", camel),
                       ("min_bukin6.json", bukin), ("min_styblinski_tang_10d.json", styblinski)]:
        write(name, data, "accepted", verdicts)

    def shift_claim(d):  # a zero-width claim at the upper end: excludes the true value
        d["claim"]["lower"] = d["claim"]["upper"]
    write("tampered_integral_claim_point.json", tampered(integral, shift_claim), "rejected", verdicts)
    write("tampered_integral_expression.json",
          tampered(integral, lambda d: d["problem"]["expression"][1].__setitem__(0, "cos")),
          "rejected", verdicts)
    write("tampered_integral_dropped_piece.json",
          tampered(kink, lambda d: d["evidence"]["pieces"].pop(1)), "rejected", verdicts)
    write("tampered_integral_hash.json",
          tampered(integral, lambda d: d["claim"].__setitem__("upper", "1p0"), reseal=False)
          | {"sha256": integral["sha256"]}, "malformed", verdicts)
    write("tampered_min_lower_raised.json",
          tampered(camel, shift_claim), "rejected", verdicts)
    def raise_everything(d):  # claim and every leaf bound raised above the true minimum
        shift_claim(d)
        for item in d["evidence"]["tree"]:
            if item[0] == "leaf":
                item[1] = d["claim"]["lower"]
    write("tampered_min_leaves_raised.json", tampered(camel, raise_everything), "rejected",
          verdicts)
    write("tampered_min_witness_outside.json",
          tampered(camel, lambda d: d["evidence"]["witness"].__setitem__(0, "7p0")),
          "rejected", verdicts)
    write("tampered_min_dropped_leaf.json",
          tampered(camel, lambda d: d["evidence"]["tree"].pop()), "rejected", verdicts)

    def merge_blocks(d):  # blocks {0} and {1} claimed as one block {0, 1}
        blocks = d["evidence"]["blocks"]
        blocks[0]["variables"] = [0, 1]
        del blocks[1]
    write("tampered_min_blocks_merged.json", tampered(styblinski, merge_blocks), "rejected",
          verdicts)
    with open(os.path.join(HERE, "expected.json"), "w") as out:
        json.dump(verdicts, out, indent=1, sort_keys=True)
        out.write("\n")
    print(json.dumps(verdicts, indent=1))


if __name__ == "__main__":
    main()
