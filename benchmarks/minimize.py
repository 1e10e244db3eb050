"""Benchmark of verinum.minimize on classic global-optimisation test problems (2-D to 10-D).

    python benchmarks/minimize.py [--time-limit 30] [--tol 1e-6] [--only NAME ...]
                                  [--check-budget 20000] [--no-jax]

One table: verinum with the default backend="auto" (time, boxes, certified gap, whether
[lower, upper] contains the literature minimum, independent checker verdict on the certificate
for every n, "budget" when the checker ran out of its work budget: --check-budget; "*" after
the time where auto handed the search to JAX), the times of the same run with backend="arb"
(the arb-only path) and backend="jax" (compilation included; "!" where the enclosure misses the
minimum or the status is not "ok"; --no-jax skips both), SCIP via pyscipopt (time, its
claimed dual/primal bounds, whether they enclose the literature minimum; SCIP's bounds are
floating point and not certified), scipy differential_evolution (whether it reached the
literature minimum within 1e-4; no bounds). Written to benchmarks/results/minimize.txt too.
"""
import argparse
import math
import os
import sys
import time

from fractions import Fraction

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from verinum import ir  # noqa: E402
from verinum.checker import check  # noqa: E402
from verinum.local_search import compile_float  # noqa: E402
from verinum.minimization import minimize  # noqa: E402
from verinum.tracing import to_expression  # noqa: E402


def _sum(d, term):
    return " + ".join(term(i) for i in range(d))


def rosenbrock(d):
    return " + ".join(f"100*(x{i + 1} - x{i}**2)**2 + (1 - x{i})**2" for i in range(d - 1))


def rastrigin(d):
    return f"{10 * d} + " + _sum(d, lambda i: f"(x{i}**2 - 10*cos(2*pi*x{i}))")


def styblinski(d):
    return "(" + _sum(d, lambda i: f"x{i}**4 - 16*x{i}**2 + 5*x{i}") + ")/2"


def levy(d):
    w = [f"(1 + (x{i} - 1)/4)" for i in range(d)]
    body = " + ".join(f"({w[i]} - 1)**2*(1 + 10*sin(pi*{w[i]} + 1)**2)" for i in range(d - 1))
    return f"sin(pi*{w[0]})**2 + {body} + ({w[-1]} - 1)**2*(1 + sin(2*pi*{w[-1]})**2)"


def trid(d):
    return _sum(d, lambda i: f"(x{i} - 1)**2") + " - (" + \
        " + ".join(f"x{i}*x{i - 1}" for i in range(1, d)) + ")"


def zakharov(d):
    s = _sum(d, lambda i: f"{(i + 1) / 2}*x{i}")
    return _sum(d, lambda i: f"x{i}**2") + f" + ({s})**2 + ({s})**4"


def dixon_price(d):
    return "(x0 - 1)**2 + " + " + ".join(f"{i + 1}*(2*x{i}**2 - x{i - 1})**2" for i in range(1, d))


def griewank(d):
    prod = "*".join(f"cos(x{i}/sqrt({i + 1}))" for i in range(d))
    return f"1 + ({_sum(d, lambda i: f'x{i}**2')})/4000 - {prod}"


def hartmann(a, p):
    """-Σ_i α_i exp(-Σ_j a_ij (x_j - p_ij/10⁴)²) with the library's α = (1, 1.2, 3, 3.2)."""
    terms = []
    for alpha, a_i, p_i in zip(["1", "1.2", "3", "3.2"], a, p):
        inner = " + ".join(f"{a_ij}*(x{j} - {p_ij / 10000})**2"
                           for j, (a_ij, p_ij) in enumerate(zip(a_i, p_i)))
        terms.append(f"{alpha}*exp(-({inner}))")
    return "-(" + " + ".join(terms) + ")"


def hartmann3():
    return hartmann([[3, 10, 30], [0.1, 10, 35], [3, 10, 30], [0.1, 10, 35]],
                    [[3689, 1170, 2673], [4699, 4387, 7470], [1091, 8732, 5547],
                     [381, 5743, 8828]])


def hartmann6():
    return hartmann([[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14],
                     [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]],
                    [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
                     [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]])


def shubert():
    s = [" + ".join(f"{j}*cos({j + 1}*x{k} + {j})" for j in range(1, 6)) for k in range(2)]
    return f"({s[0]})*({s[1]})"


def mlp(sizes, act, seed=0):
    """A callable MLP (fixed random weights rounded to 3 decimals, exact) with `act` between
    layers and a linear output."""
    rng = np.random.default_rng(seed)
    layers = [(np.round(rng.standard_normal((b, a)) / np.sqrt(a), 3),
               np.round(0.1 * rng.standard_normal(b), 3)) for a, b in zip(sizes[:-1], sizes[1:])]

    def f(x):
        h = [x[i] for i in range(sizes[0])]
        for depth, (w, c) in enumerate(layers):
            out = [sum((Fraction(str(w[j, i])) * h[i] for i in range(len(h))),
                       Fraction(str(c[j]))) for j in range(len(c))]
            h = out if depth == len(layers) - 1 else [ir.apply(act, v) for v in out]
        return h[0]
    return f


ST = -39.16616570377142
# name, expression, box, literature minimum (Surjanovic & Bingham's library unless noted)
PROBLEMS = [
    ("Branin", "(x1 - 5.1/(4*pi**2)*x0**2 + 5/pi*x0 - 6)**2 + 10*(1 - 1/(8*pi))*cos(x0) + 10",
     [(-5, 10), (0, 15)], 0.39788735772973816),
    ("Six-hump camel", "(4 - 2.1*x0**2 + x0**4/3)*x0**2 + x0*x1 + (-4 + 4*x1**2)*x1**2",
     [(-3, 3), (-2, 2)], -1.0316284534898774),
    ("Goldstein-Price", "(1 + (x0 + x1 + 1)**2*(19 - 14*x0 + 3*x0**2 - 14*x1 + 6*x0*x1 + "
     "3*x1**2))*(30 + (2*x0 - 3*x1)**2*(18 - 32*x0 + 12*x0**2 + 48*x1 - 36*x0*x1 + 27*x1**2))",
     [(-2, 2), (-2, 2)], 3.0),
    ("Rosenbrock 2-D", rosenbrock(2), [(-5, 10)] * 2, 0.0),
    ("Rosenbrock 5-D", rosenbrock(5), [(-5, 10)] * 5, 0.0),
    ("Rosenbrock 10-D", rosenbrock(10), [(-5, 10)] * 10, 0.0),
    ("Beale", "(1.5 - x0 + x0*x1)**2 + (2.25 - x0 + x0*x1**2)**2 + (2.625 - x0 + x0*x1**3)**2",
     [("-4.5", "4.5")] * 2, 0.0),
    ("Booth", "(x0 + 2*x1 - 7)**2 + (2*x0 + x1 - 5)**2", [(-10, 10)] * 2, 0.0),
    ("Matyas", "0.26*(x0**2 + x1**2) - 0.48*x0*x1", [(-10, 10)] * 2, 0.0),
    ("Three-hump camel", "2*x0**2 - 1.05*x0**4 + x0**6/6 + x0*x1 + x1**2", [(-5, 5)] * 2, 0.0),
    ("Himmelblau", "(x0**2 + x1 - 11)**2 + (x0 + x1**2 - 7)**2", [(-5, 5)] * 2, 0.0),
    ("Easom", "-cos(x0)*cos(x1)*exp(-((x0 - pi)**2 + (x1 - pi)**2))", [(-100, 100)] * 2, -1.0),
    ("Levy 2-D", levy(2), [(-10, 10)] * 2, 0.0),
    ("Levy 5-D", levy(5), [(-10, 10)] * 5, 0.0),
    ("Griewank 2-D", griewank(2), [(-600, 600)] * 2, 0.0),
    ("Rastrigin 2-D", rastrigin(2), [("-5.12", "5.12")] * 2, 0.0),
    ("Rastrigin 5-D", rastrigin(5), [("-5.12", "5.12")] * 5, 0.0),
    ("Rastrigin 10-D", rastrigin(10), [("-5.12", "5.12")] * 10, 0.0),
    ("Styblinski-Tang 2-D", styblinski(2), [(-5, 5)] * 2, 2 * ST),
    ("Styblinski-Tang 5-D", styblinski(5), [(-5, 5)] * 5, 5 * ST),
    # separable (2^10 local minima): solved block by block; IBEX's ibexopt fails within 60 s
    ("Styblinski-Tang 10-D", styblinski(10), [(-5, 5)] * 10, 10 * ST),
    ("Ackley 2-D", "-20*exp(-0.2*sqrt(0.5*(x0**2 + x1**2))) - exp(0.5*(cos(2*pi*x0) + "
     "cos(2*pi*x1))) + e + 20", [("-32.768", "32.768")] * 2, 0.0),
    ("Bukin N.6", "100*sqrt(abs(x1 - 0.01*x0**2)) + 0.01*abs(x0 + 10)",
     [(-15, -5), (-3, 3)], 0.0),
    ("Schaffer N.2", "0.5 + (sin(x0**2 - x1**2)**2 - 0.5)/(1 + 0.001*(x0**2 + x1**2))**2",
     [(-100, 100)] * 2, 0.0),
    ("Zakharov 5-D", zakharov(5), [(-5, 10)] * 5, 0.0),
    ("Dixon-Price 4-D", dixon_price(4), [(-10, 10)] * 4, 0.0),
    ("Trid 4-D", trid(4), [(-16, 16)] * 4, -16.0),
    ("Sum of squares 10-D", _sum(10, lambda i: f"{i + 1}*x{i}**2"), [(-10, 10)] * 10, 0.0),
    ("Cross-in-tray", "-0.0001*(abs(sin(x0)*sin(x1)*exp(abs(100 - sqrt(x0**2 + x1**2)/pi)))"
     " + 1)**0.1", [(-10, 10)] * 2, -2.0626118708227397),
    ("McCormick", "sin(x0 + x1) + (x0 - x1)**2 - 1.5*x0 + 2.5*x1 + 1",
     [("-1.5", 4), (-3, 4)], -1.9132229549810367),
    # Hartmann 3-D with the library's constants: the minimum of this function is
    # -3.8627797873326625 (mpmath); the often quoted -3.86278214782076 is not its minimum.
    ("Hartmann 3-D", hartmann3(), [(0, 1)] * 3, -3.8627797873326625),
    ("Shubert", shubert(), [(-10, 10)] * 2, -186.7309088310239),
    # harder instances (below the line; "separable=False" solves ST 5-D as one block)
    ("ST 5-D one block", styblinski(5), [(-5, 5)] * 5, 5 * ST),
    ("Hartmann 6-D", hartmann6(), [(0, 1)] * 6, -3.3223680114155147),
    ("MLP tanh 2-16-16-1", mlp([2, 16, 16, 1], "tanh"), [(-1, 1)] * 2, None),
    ("MLP relu 2-16-16-1", mlp([2, 16, 16, 1], "relu"), [(-1, 1)] * 2, None),
]
NOT_SEPARABLE = {"ST 5-D one block"}




def run_verinum(expr, box, lit, tol, time_limit, check_budget, backend="auto", separable=True):
    if backend != "arb":
        import jax
        jax.clear_caches()  # the time includes compiling
    start = time.perf_counter()
    try:
        r = minimize(expr, box, tol=tol, time_limit=time_limit, backend=backend,
                     separable=separable)
    except Exception as err:  # noqa: BLE001 -- a benchmark row, not a crash
        return {"error": f"{type(err).__name__}: {err}"[:60]}
    elapsed = time.perf_counter() - start
    slack = 1e-12 * max(1.0, abs(lit or 0))  # literature values are rounded to ~16 digits
    out = {"time": elapsed, "boxes": r.stats["boxes"], "gap": r.upper - r.lower,
           "jax_boxes": r.stats["jax_boxes"],
           "status": r.status,
           "contains": None if lit is None else r.lower - slack <= lit <= r.upper + slack,
           "lower": r.lower, "upper": r.upper}
    if r.certificate is not None and check_budget:
        t = time.perf_counter()
        verdict = check(r.certificate.data, budget=check_budget)
        out["check"] = "budget" if verdict.status == "rejected" and \
            "budget exhausted" in verdict.message else verdict.status
        out["check_time"] = time.perf_counter() - t
    return out


def run_de(f, box, lit, time_limit):
    from scipy.optimize import differential_evolution
    bounds = [(float(lo), float(hi)) for lo, hi in box]
    start = time.perf_counter()
    res = differential_evolution(lambda x: f(list(x)), bounds, seed=0, tol=1e-10,
                                 maxiter=2000, polish=True)
    return {"time": time.perf_counter() - start, "value": res.fun,
            "found": None if lit is None else abs(res.fun - lit) <= 1e-4 * max(1.0, abs(lit))}


# -- SCIP -----------------------------------------------------------------------------------------
def scip_available():
    try:
        import pyscipopt  # noqa: F401
        return True
    except ImportError:
        return False


def run_scip(root, names, box, lit, time_limit):
    """SCIP on min t s.t. t >= f(x) with f built from its nonlinear expression API."""
    import pyscipopt as ps
    from verinum.ir import walk
    model = ps.Model()
    model.hideOutput()
    model.setParam("limits/time", time_limit)
    xs = [model.addVar(f"x{i}", lb=float(lo), ub=float(hi)) for i, (lo, hi) in enumerate(box)]
    values = {}
    unsupported = set()
    for node in walk(root):
        a = [values.get(id(x)) for x in node.args]
        op = node.op
        if op == "var":
            v = xs[node.literal]
        elif op == "const":
            v = float(node.literal)
        elif op == "pi":
            v = math.pi
        elif op == "e":
            v = math.e
        elif op in ("add", "sub", "mul", "div"):
            v = {"add": lambda p, q: p + q, "sub": lambda p, q: p - q,
                 "mul": lambda p, q: p * q, "div": lambda p, q: p / q}[op](a[0], a[1])
        elif op == "neg":
            v = -a[0]
        elif op == "powi":
            v = a[0] ** node.literal
        elif op == "pow" and node.args[1].op == "const":
            v = a[0] ** float(node.args[1].literal)
        elif op in ("exp", "log", "sqrt", "sin", "cos"):
            v = getattr(ps, op)(a[0])
        elif op == "abs":
            v = abs(a[0])
        else:
            unsupported.add(op)
            v = None
        if v is None:
            return {"error": f"no SCIP form for {', '.join(sorted(unsupported)) or op}"}
        values[id(node)] = v
    t = model.addVar("t", lb=None, ub=None)
    model.addCons(t >= values[id(root)])
    model.setObjective(t, "minimize")
    start = time.perf_counter()
    try:
        model.optimize()
    except Exception as err:  # noqa: BLE001
        return {"error": f"{type(err).__name__}"}
    elapsed = time.perf_counter() - start
    lower, upper = model.getDualbound(), model.getPrimalbound()
    if lit is None:
        return {"time": elapsed, "lower": lower, "upper": upper, "contains": "-"}
    tol = 1e-6 * max(1.0, abs(lit))  # SCIP's default feasibility tolerance
    strict = lower - 1e-9 <= lit <= upper + 1e-9
    loose = lower - tol <= lit <= upper + tol
    return {"time": elapsed, "lower": lower, "upper": upper, "status": model.getStatus(),
            "contains": "yes" if strict else "~" if loose else "NO"}


def _yes(flag, no="NO"):
    return "-" if flag is None else "yes" if flag else no


def _other_backend(j, v):
    """Time of run j, '!' unless ok and (where known) enclosing; the auto run v for MLPs."""
    if "error" in j:
        return f"{'error':>7}"
    good = j["status"] == "ok" and j["contains"] is not False
    if j["contains"] is None and "lower" in v:  # no literature value: the enclosures must meet
        good = good and j["lower"] <= v["upper"] and v["lower"] <= j["upper"]
    return f"{j['time']:6.2f}{' ' if good else '!'}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--tol", type=float, default=1e-6)
    parser.add_argument("--only", nargs="*", default=None)
    parser.add_argument("--check-budget", type=int, default=20_000,
                        help="box evaluations the checker may spend per certificate")
    parser.add_argument("--no-jax", action="store_true",
                        help="skip the backend='arb' and backend='jax' runs")
    args = parser.parse_args()
    have_scip = scip_available()
    lines = [f"verinum.minimize benchmark: tol {args.tol}, time limit {args.time_limit} s per "
             "problem and solver",
             "SCIP (pyscipopt): " + ("available; its bounds are floating point, not certified"
                                     if have_scip else "NOT AVAILABLE (pip install pyscipopt)"),
             "enc = [lower, upper] contains the literature minimum; cert = independent checker "
             "verdict (budget: it ran out of its work budget); SCIP enc: yes, ~ (only within "
             "its 1e-6 feasibility tolerance) or NO; DE = scipy differential_evolution reached "
             "it within 1e-4; time s: backend='auto' (* = it handed the search to JAX after "
             "3 s); arb s, jax s = the same run with backend='arb' / 'jax' (compilation "
             "included; ! = status not ok or enclosure wrong); MLPs: no literature minimum, "
             "enc '-'", ""]
    head = (f"{'problem':<22} {'n':>2} {'lit. min':>13} | {'time s':>7} {'boxes':>7} "
            f"{'gap':>8} {'status':>10} {'enc':>3} {'cert':>8} {'arb s':>7} {'jax s':>7} | "
            f"{'SCIP s':>6} "
            f"{'SCIP bounds':>27} {'enc':>3} | {'DE':>3} {'DE s':>5}")
    lines += [head, "-" * len(head)]
    print("\n".join(lines), flush=True)
    for name, expr, box, lit in PROBLEMS:
        if args.only and not any(o.lower() in name.lower() for o in args.only):
            continue
        n = len(box)
        root, names = to_expression(expr, n, True)
        sep = name not in NOT_SEPARABLE
        v = run_verinum(expr, box, lit, args.tol, args.time_limit, args.check_budget,
                        separable=sep)
        if "error" in v:
            vtxt = f"{v['error']:<50}"
        else:
            vtxt = (f"{v['time']:6.2f}{'*' if v['jax_boxes'] else ' '} {v['boxes']:7d} "
                    f"{v['gap']:8.1e} {v['status']:>10} {_yes(v['contains']):>3} "
                    f"{v.get('check', '-'):>8}")
        for backend in ("arb", "jax"):
            vtxt += " " + (f"{'-':>7}" if args.no_jax else _other_backend(
                run_verinum(expr, box, lit, args.tol, args.time_limit, 0, backend, sep), v))
        if have_scip:
            s = run_scip(root, names, box, lit, args.time_limit)
            stxt = (f"{s['error'][:42]:<42}" if "error" in s else
                    f"{s['time']:6.2f} [{s['lower']:12.6g}, {s['upper']:12.6g}] "
                    f"{s['contains']:>3}")
        else:
            stxt = f"{'n/a':<42}"
        d = run_de(compile_float(root), box, lit, args.time_limit)
        dtxt = f"{_yes(d['found'], 'no'):>3} {d['time']:5.1f}"
        lit_txt = "-" if lit is None else f"{lit:13.6g}"
        line = f"{name:<22} {n:>2} {lit_txt:>13} | {vtxt} | {stxt} | {dtxt}"
        lines.append(line)
        print(line, flush=True)
    out = os.path.join(os.path.dirname(__file__), "results", "minimize.txt")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    print(f"\nwritten to {out}")


if __name__ == "__main__":
    main()
