"""Test configuration: hypothesis profiles and a summary of the property-test outcomes.

Profiles: "ci" (default; no deadline, moderate example counts so the core suite stays under two
minutes, derandomized so that a CI run is reproducible) and "thorough" (HYPOTHESIS_PROFILE=thorough:
ten times more examples, freshly randomized on every run: use it to hunt for new failures). Tests that set
their own count scale it with VERINUM_TEST_SCALE (tests/strategies.py: examples).
"""
import os
import sys

from hypothesis import HealthCheck, settings

sys.path.insert(0, os.path.dirname(__file__))  # `import strategies` from the test modules

settings.register_profile("ci", deadline=None, max_examples=60, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow,
                                                 HealthCheck.filter_too_much])
settings.register_profile("thorough", parent=settings.get_profile("ci"), max_examples=600,
                          derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_terminal_summary(terminalreporter):
    strategies = sys.modules.get("strategies")
    if strategies is not None and strategies.STATS:
        terminalreporter.write_sep("-", "taylor_bounds property-test outcomes")
        for key, n in sorted(strategies.STATS.items()):
            terminalreporter.write_line(f"{key}: {n}")
