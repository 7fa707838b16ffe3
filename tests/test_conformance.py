"""CPython's own test_concurrent_futures, run against simfutures.real.

The suite is the running interpreter's: 3.11's single file (Debian package
libpython3.11-testsuite) or 3.13's package (shipped in 3.13's Lib/test); see
``KNOWN_SUITES`` in tests/conformance/harness.py, or set
SIMFUTURES_CPYTHON_SUITE.  The harness runs it in a subprocess with
``concurrent.futures`` aliased to simfutures.real; this test compares each
test's outcome with the stdlib's on the same version, recorded once in
tests/conformance/baseline-3.X.json (regenerate with
``python tests/conformance/make_baseline.py`` on that version).  Every test
that passes for the stdlib must pass here, except the ones listed in
EXCLUSIONS for that version.

The suite takes ~140 s, mostly sleeping, so it is split into one pytest item per
group of test classes (thread pool + Future, then the process pool under each
start method: ~30-40 s each) that pytest-xdist runs in parallel.

Without the suite or a baseline for the running version the test is skipped,
or fails when SIMFUTURES_REQUIRE_CONFORMANCE=1 (as in CI).
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

# Tests simfutures.real is allowed not to pass, per Python version; they are
# not run at all.  Keys are test ids as in that version's baseline file
# ("Class.test_method" on 3.11, "test_module.Class.test_method" on 3.13);
# value: the reason.
EXCLUSIONS_BY_VERSION: dict[tuple[int, int], dict[str, str]] = {
    (3, 11): {},
    (3, 13): {},
}
EXCLUSIONS = EXCLUSIONS_BY_VERSION.get(sys.version_info[:2], {})


def _load_harness():
    spec = importlib.util.spec_from_file_location(
        "simfutures_conformance_harness", CONFORMANCE_DIR / "harness.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


harness = _load_harness()
BASELINE_PATH = harness.baseline_path()
BASELINE = json.loads(BASELINE_PATH.read_text()) if BASELINE_PATH.is_file() else None


def _unavailable(reason: str) -> None:
    if os.environ.get(harness.REQUIRE_ENV) == "1":
        pytest.fail(f"{reason} (and {harness.REQUIRE_ENV}=1)", pytrace=False)
    pytest.skip(reason)


@pytest.mark.parametrize("version", sorted(EXCLUSIONS_BY_VERSION))
def test_exclusions_name_baseline_tests(version):
    major, minor = version
    path = harness.baseline_path(version)
    assert path.is_file(), f"no baseline for {major}.{minor}: {path}"
    baseline = json.loads(path.read_text())
    assert baseline["python"].startswith(f"{major}.{minor}."), baseline["python"]
    for test_id, reason in EXCLUSIONS_BY_VERSION[version].items():
        assert test_id in baseline["tests"], f"unknown test id in EXCLUSIONS: {test_id}"
        assert reason.strip(), f"EXCLUSIONS[{test_id!r}] needs a reason"


@pytest.mark.parametrize("group", harness.GROUPS)
def test_cpython_suite(group):
    version = "%d.%d" % sys.version_info[:2]
    suite = harness.find_suite()
    if suite is None:
        _unavailable(f"CPython {version}'s test_concurrent_futures not found "
                     f"({harness.suite_hint()}, or set {harness.SUITE_ENV})")
    if BASELINE is None:
        _unavailable(f"no stdlib baseline for Python {version} ({BASELINE_PATH.name}; "
                     f"make it with tests/conformance/make_baseline.py)")
    record = harness.run_suite(TARGET, group, exclude=set(EXCLUSIONS), suite=suite)
    print(harness.summary(record))
    problems = harness.compare(BASELINE["tests"], record["tests"], group, EXCLUSIONS)
    if problems:
        header = (f"{len(problems)} test(s) of group {group!r} do not behave as with the "
                  f"stdlib ({harness.counts(record['tests'])}):")
        if record["suite"]["sha256"] != BASELINE["suite"]["sha256"]:
            header += (f"\nnote: the suite differs from the one {BASELINE_PATH.name} was made "
                       "from; regenerate it with tests/conformance/make_baseline.py")
        pytest.fail(header + "\n" + "\n".join(problems), pytrace=False)
