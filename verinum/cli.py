"""The `verinum` command: check, integrate, minimize, bounds.

`verinum check` runs the independent checker only (verinum.checker); the solver is not imported.
"""
import argparse
import re
import sys
import warnings

_NEGATIVE = re.compile(r"^-[0-9.]")


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "check":
        from .checker.cli import main as check_main
        return check_main(argv[1:])
    # numbers such as "-5,10" must not be taken for options
    argv = [" " + a if _NEGATIVE.match(a) else a for a in argv]
    args = _parser().parse_args(argv)
    if not hasattr(args, "run"):
        _parser().print_help()
        return 2
    from .errors import VerinumError
    warnings.formatwarning = lambda message, *_args, **_kw: f"warning: {message}\n"
    try:
        return args.run(args)
    except VerinumError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1


def _parser():
    p = argparse.ArgumentParser(prog="verinum", description="Verified numerics with certificates.")
    sub = p.add_subparsers(metavar="COMMAND")
    sub.add_parser("check", help="re-verify certificates independently (see `verinum check -h`)")

    q = sub.add_parser("integrate", help="verified integral of an expression over an interval/box")
    q.add_argument("expression", type=str.strip, help='e.g. "exp(-x**2)"; x in 1-D, x0, x1, ... in n-D')
    q.add_argument("--domain", nargs="+", required=True, metavar="LO HI",
                   help='"lo hi" in 1-D, or one "lo,hi" per dimension')
    q.add_argument("--tol", default="1e-10", help="absolute width of the enclosure (default 1e-10)")
    q.add_argument("--rel-tol", default=None, help="or relative to |integral|")
    q.add_argument("--max-pieces", type=int, default=None, help="piece budget (default 20000)")
    q.add_argument("--variables", nargs="+", default=None, help="names of the variables")
    q.add_argument("--certificate", metavar="OUT.json", help="write a certificate there")
    q.set_defaults(run=_integrate)

    m = sub.add_parser("minimize", help="verified global minimum of an expression over a box")
    m.add_argument("expression", type=str.strip, help='e.g. "(x0-1)**2 + x1**2"')
    m.add_argument("--box", nargs="+", required=True, metavar="LO,HI",
                   help='one "lo,hi" per dimension, e.g. --box -1,1 -2,2')
    m.add_argument("--tol", default="1e-6", help="gap between lower and upper bound (default 1e-6)")
    m.add_argument("--rel-tol", default=None, help="or relative to |minimum|")
    m.add_argument("--max-boxes", type=int, default=None, help="box budget")
    m.add_argument("--time-limit", type=float, default=None, help="seconds")
    m.add_argument("--variables", nargs="+", default=None, help="names of the variables")
    m.add_argument("--certificate", metavar="OUT.json", help="write a certificate there")
    m.add_argument("--plot", metavar="OUT.png", help="2-D only: the proof's leaves on a contour plot")
    m.set_defaults(run=_minimize)

    b = sub.add_parser("bounds", help="verified Taylor enclosure (taylor_bounds)")
    b.add_argument("expression", type=str.strip, help='e.g. "exp(x)"')
    b.add_argument("--x0", nargs="+", required=True, type=str.strip,
                   help="expansion point (one number per dimension)")
    b.add_argument("--region", nargs="+", required=True, metavar="LO HI",
                   help='"lo hi" in 1-D, or one "lo,hi" per dimension')
    b.add_argument("--degree", type=int, default=2, help="degree k of the enclosure (default 2)")
    b.set_defaults(run=_bounds)
    return p


def _pairs(tokens, what):
    """'lo hi' (1-D) or 'lo,hi' per dimension → (region, is_box)."""
    from .errors import InputError
    tokens = [t.strip() for t in tokens]
    if any("," in t for t in tokens):
        pairs = [tuple(s.strip() for s in t.split(",")) for t in tokens]
        if any(len(pair) != 2 for pair in pairs):
            raise InputError(f"{what}: each dimension is written lo,hi")
        return (pairs[0] if len(pairs) == 1 else pairs), len(pairs) > 1
    if len(tokens) % 2:
        raise InputError(f"{what}: expected pairs of numbers, got {len(tokens)} number(s); "
                         "write \"lo hi\" in 1-D or one \"lo,hi\" per dimension")
    pairs = [(tokens[i], tokens[i + 1]) for i in range(0, len(tokens), 2)]
    return (pairs[0] if len(pairs) == 1 else pairs), len(pairs) > 1


def _num(text):
    """Tolerances are targets, not bounds: a float is fine."""
    from .errors import InputError
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        raise InputError(f"not a number: {text.strip()!r}") from None


def _integrate(args):
    from .integration import integrate
    from .progress import Progress
    domain, _ = _pairs(args.domain, "--domain")
    kwargs = {"tol": _num(args.tol), "rel_tol": _num(args.rel_tol), "variables": args.variables}
    if args.max_pieces:
        kwargs["max_pieces"] = args.max_pieces
    progress = Progress()
    try:
        result = integrate(args.expression, domain, progress=progress, **kwargs)
    finally:
        progress.close()
    print(result)
    _save(result, args.certificate)
    return 0


def _minimize(args):
    from .minimization import minimize
    from .progress import Progress
    box, is_box = _pairs(args.box, "--box")
    kwargs = {"tol": _num(args.tol), "rel_tol": _num(args.rel_tol), "variables": args.variables,
              "time_limit": args.time_limit}
    if args.max_boxes:
        kwargs["max_boxes"] = args.max_boxes
    progress = Progress()
    try:
        result = minimize(args.expression, box if is_box else [box], progress=progress, **kwargs)
    finally:
        progress.close()
    print(result)
    _save(result, args.certificate)
    if args.plot:
        from .plot import plot_leaves
        plot_leaves(result, args.plot)
        print(f"plot written to {args.plot}")
    return 0


def _bounds(args):
    from .taylor import taylor_bounds
    region, is_box = _pairs(args.region, "--region")
    x0 = args.x0 if is_box else args.x0[0]
    print(taylor_bounds(args.expression, x0, region, args.degree))
    return 0


def _save(result, path):
    if path:
        try:
            result.certificate.save(path)
        except OSError as err:
            from .errors import InputError
            raise InputError(f"cannot write the certificate to {path}: {err.strerror}") from None
        print(f"certificate written to {path}; re-check it with: verinum check {path}")


if __name__ == "__main__":
    sys.exit(main())
