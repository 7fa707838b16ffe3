"""CPython 3.11's own test_concurrent_futures, run against simfutures.real.

The harness (tests/conformance/harness.py) runs the suite in a subprocess with
``concurrent.futures`` aliased to simfutures.real; this test compares each
test's outcome with the stdlib's, recorded once in
tests/conformance/baseline.json (regenerate with
``python tests/conformance/make_baseline.py``).  Every test that passes for the
stdlib must pass here, except the ones listed in EXCLUSIONS.

The suite takes ~140 s, mostly sleeping, so it is split into one pytest item per
group of test classes (thread pool + Future, then the process pool under each
start method: ~30-40 s each) that pytest-xdist runs in parallel.

Without the suite file (Debian package libpython3.11-testsuite, or a path in
SIMFUTURES_CPYTHON_SUITE) the test is skipped, or fails when
SIMFUTURES_REQUIRE_CONFORMANCE=1 (as in CI).
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

import pytest

TARGET = "simfutures.real"
CONFORMANCE_DIR = Path(__file__).resolve().parent / "conformance"

# Tests simfutures.real is allowed not to pass; they are not run at all.
# Keys are "Class.test_method" ids as in baseline.json; value: the reason.
EXCLUSIONS: dict[str, str] = {}


def _load_harness():
    spec = importlib.util.spec_from_file_location(
        "simfutures_conformance_harness", CONFORMANCE_DIR / "harness.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


harness = _load_harness()
BASELINE = json.loads((CONFORMANCE_DIR / "baseline.json").read_text())


def _unavailable(reason: str) -> None:
    if os.environ.get(harness.REQUIRE_ENV) == "1":
        pytest.fail(f"{reason} (and {harness.REQUIRE_ENV}=1)", pytrace=False)
    pytest.skip(reason)


def test_exclusions_name_baseline_tests():
    for test_id, reason in EXCLUSIONS.items():
        assert test_id in BASELINE["tests"], f"unknown test id in EXCLUSIONS: {test_id}"
        assert reason.strip(), f"EXCLUSIONS[{test_id!r}] needs a reason"


@pytest.mark.parametrize("group", harness.GROUPS)
def test_cpython_suite(group):
    suite = harness.find_suite()
    if suite is None:
        _unavailable(f"CPython's test_concurrent_futures.py not found (apt-get install "
                     f"libpython3.11-testsuite, or set {harness.SUITE_ENV})")
    if sys.version_info[:2] != (3, 11):
        _unavailable("the conformance suite and its baseline are CPython 3.11's")
    record = harness.run_suite(TARGET, group, exclude=set(EXCLUSIONS), suite=suite)
    print(harness.summary(record))
    problems = harness.compare(BASELINE["tests"], record["tests"], group, EXCLUSIONS)
    if problems:
        header = (f"{len(problems)} test(s) of group {group!r} do not behave as with the "
                  f"stdlib ({harness.counts(record['tests'])}):")
        if record["suite"]["sha256"] != BASELINE["suite"]["sha256"]:
            header += ("\nnote: the suite file differs from the one baseline.json was made "
                       "from; regenerate it with tests/conformance/make_baseline.py")
        pytest.fail(header + "\n" + "\n".join(problems), pytrace=False)
