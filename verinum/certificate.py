"""Producer side of certificates: assemble, seal and save (format: certificates/README.md)."""
import json

from . import __version__, ir
from .certificate_format import encode_exact, save, seal


class Certificate:
    """A sealed certificate (a JSON-ready dict). `save(path)` writes it; `check()` runs the
    independent checker on it."""

    def __init__(self, data):
        self.data = data

    @classmethod
    def build(cls, kind, root, names, domain, lower, upper, evidence):
        """kind: "integral" | "global-min"; domain: (lo, hi) Fractions; lower/upper: Fractions;
        evidence: the kind's evidence dict with numbers already encoded."""
        data = {
            "format": "verinum-certificate",
            "version": 1,
            "kind": kind,
            "problem": {
                "variables": list(names),
                "expression": ir.to_ops(root),
                "domain": [[encode_exact(lo), encode_exact(hi)] for lo, hi in domain],
            },
            "claim": {"lower": encode_exact(lower), "upper": encode_exact(upper)},
            "evidence": evidence,
            "producer": {"name": "verinum", "version": __version__},
        }
        return cls(seal(data))

    def save(self, path):
        save(self.data, path)
        return path

    def to_json(self):
        return json.dumps(self.data, indent=1)

    def check(self):
        """Verdict of the independent checker (verinum.checker) on this certificate."""
        from .checker import check
        return check(self.data)

    def __repr__(self):
        claim = self.data["claim"]
        return (f"<verinum certificate {self.data['kind']}: [{claim['lower']}, {claim['upper']}], "
                f"sha256 {self.data['sha256'][:12]}...>")
