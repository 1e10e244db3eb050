"""The checker must stay independent of the producer: it may import only the standard library,
``flint``, ``verinum.certificate_format`` and its own modules ``verinum.checker.*``."""

import ast
import json
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
CHECKER = ROOT / "verinum" / "checker"
ALLOWED_VERINUM = {"verinum.certificate_format"}


def imported_modules(path: pathlib.Path):
    """(module name, line) for every import in the file, relative imports resolved."""
    package = "verinum.checker"
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(parts + ([node.module] if node.module else []))
            else:
                base = node.module
            yield base, node.lineno
            if base == "verinum":                       # `from verinum import x` imports verinum.x
                for alias in node.names:
                    yield f"verinum.{alias.name}", node.lineno


def allowed(name: str) -> bool:
    top = name.split(".")[0]
    if top == "verinum":
        return name in ALLOWED_VERINUM or name == "verinum.checker" or name.startswith("verinum.checker.")
    return top == "flint" or top in sys.stdlib_module_names


def test_checker_files_import_only_allowed_modules():
    files = sorted(CHECKER.glob("*.py"))
    assert {f.name for f in files} >= {"__init__.py", "evaluate.py", "bounds.py", "integral.py",
                                       "minimum.py", "cli.py"}
    bad = [(f.name, line, name) for f in files for name, line in imported_modules(f)
           if not allowed(name) and name != "verinum"]
    assert not bad, f"forbidden imports in verinum/checker: {bad}"


def test_checker_has_no_dynamic_imports():
    for f in sorted(CHECKER.glob("*.py")):
        tree = ast.parse(f.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                fn = node.func
                name = fn.id if isinstance(fn, ast.Name) else fn.attr if isinstance(fn, ast.Attribute) else ""
                assert name not in ("__import__", "import_module", "exec", "eval"), f"{f.name}:{node.lineno}"


def test_scanner_catches_forbidden_imports(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("import numpy\nfrom verinum import taylor\nfrom .. import rules\nfrom . import bounds\n")
    names = [n for n, _ in imported_modules(probe)]
    assert [n for n in names if not allowed(n) and n != "verinum"] == ["numpy", "verinum.taylor", "verinum.rules"]


CERT = {
    "format": "verinum-certificate", "version": 1, "kind": "integral",
    "problem": {"variables": ["x"], "expression": [["var", 0], ["sin", 0], ["mul", 0, 1]],
                "domain": [["0", "1p0"]]},
    "claim": {"lower": "3/10", "upper": "1/3"},           # ∫_0^1 x sin x dx = sin 1 - cos 1 ≈ 0.3012
    "evidence": {"pieces": [{"box": [["0", "1p-1"]], "enclosure": ["0", "1p0"]},
                            {"box": [["1p-1", "1p0"]], "enclosure": ["0", "1p0"]}]},
}

SCRIPT = """
import json, sys
import verinum.checker as checker
from verinum.certificate_format import seal
verdict = checker.check(seal(json.loads(sys.argv[1])))
loaded = sorted(m for m in sys.modules if m == "verinum" or m.startswith("verinum."))
print(json.dumps({"status": verdict.status, "message": verdict.message, "modules": loaded,
                  "numpy": "numpy" in sys.modules, "mpmath": "mpmath" in sys.modules}))
"""


def test_checking_loads_no_producer_module():
    out = subprocess.run([sys.executable, "-c", SCRIPT, json.dumps(CERT)], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["status"] == "accepted", result["message"]
    extra = [m for m in result["modules"]
             if m not in ("verinum", "verinum.certificate_format", "verinum.checker")
             and not m.startswith("verinum.checker.")]
    assert not extra, f"checking loaded producer modules: {extra}"
    assert not result["numpy"] and not result["mpmath"]
