"""``verinum check CERT.json [CERT2.json ...] [--json] [--quiet]``.

Exit status: 0 if every certificate is accepted, else the worst of 1 (rejected) and 2 (malformed).
Never prints a traceback.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys

from verinum.checker import Verdict, check


class _Progress:
    """A one-line progress bar on stderr (used only when stderr is a terminal)."""

    def __init__(self, label: str):
        self.label = label
        self.shown = -1

    def __call__(self, done: int, total: int) -> None:
        pct = 100 * done // max(total, 1)
        if pct != self.shown:
            self.shown = pct
            bar = "#" * (pct // 5)
            sys.stderr.write(f"\r{self.label} [{bar:<20}] {pct:3d}%")
            sys.stderr.flush()

    def clear(self) -> None:
        if self.shown >= 0:
            sys.stderr.write("\r" + " " * (len(self.label) + 30) + "\r")
            sys.stderr.flush()


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="verinum check", description="Independently check verinum certificates.")
    p.add_argument("certificates", nargs="+", metavar="CERT.json")
    p.add_argument("--json", action="store_true", help="print one JSON verdict per certificate")
    p.add_argument("--quiet", action="store_true", help="no progress bar; print nothing for accepted certificates")
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the checker CLI on argv (without the program name; a leading 'check' is skipped)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["check"]:
        argv = argv[1:]
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="replace")
        except (AttributeError, ValueError):
            pass
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:          # argparse already printed the usage message
        return 2 if exc.code else 0
    worst = 0
    try:
        for path in args.certificates:
            verdict = _check_one(path, show_progress=not args.quiet and not args.json and _isatty())
            worst = max(worst, verdict.exit_code)
            _report(path, verdict, args)
    except KeyboardInterrupt:
        print("interrupted: not accepted", file=sys.stderr)
        return max(worst, 1)
    return worst


def _check_one(path: str, show_progress: bool) -> Verdict:
    bar = _Progress(path) if show_progress else None
    try:
        return check(pathlib.Path(path), progress=bar)
    finally:
        if bar is not None:
            bar.clear()


def _report(path: str, verdict: Verdict, args) -> None:
    if args.json:
        print(json.dumps({"file": path, "verdict": verdict.status, "kind": verdict.kind,
                          "lower": verdict.lower, "upper": verdict.upper,
                          "statement": verdict.statement, "message": verdict.message}))
        return
    if verdict.accepted:
        if not args.quiet:
            print(f"accepted  {path}\n  {verdict.statement}")
        return
    print(f"{verdict.status}  {path}\n  {verdict.message}")
    if verdict.statement:
        print(f"  claimed: {verdict.statement}")


def _isatty() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False
