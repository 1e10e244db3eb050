"""The committed example certificates (certificates/examples/) are re-checked on every run:
real ones produced by integrate/minimize are accepted, tampered copies are refused."""
import json
import pathlib
import subprocess
import sys

import pytest

from verinum.checker import check

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "certificates" / "examples"
EXPECTED = json.loads((EXAMPLES / "expected.json").read_text())
EXIT_CODES = {"accepted": 0, "rejected": 1, "malformed": 2}


def test_every_example_file_has_an_expected_verdict():
    files = {p.name for p in EXAMPLES.glob("*.json")} - {"expected.json"}
    assert files == set(EXPECTED)
    assert sum(v == "accepted" for v in EXPECTED.values()) >= 4
    assert sum(v != "accepted" for v in EXPECTED.values()) >= 5


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_checker_verdict(name):
    verdict = check(str(EXAMPLES / name))
    assert verdict.status == EXPECTED[name], verdict.message
    if verdict.status == "accepted":
        assert verdict.statement and ("∫" in verdict.statement or "min" in verdict.statement)


def test_cli_exit_codes():
    names = sorted(EXPECTED)
    run = subprocess.run([sys.executable, "-m", "verinum", "check", "--json",
                          *[str(EXAMPLES / n) for n in names]],
                         capture_output=True, text=True, timeout=300)
    verdicts = [json.loads(line) for line in run.stdout.splitlines() if line.strip()]
    assert [v["verdict"] for v in verdicts] == [EXPECTED[n] for n in names]
    assert run.returncode == max(EXIT_CODES[EXPECTED[n]] for n in names)
