"""CPython 3.11's own thread-pool, Future, wait and as_completed tests, run inside
``simfutures.sim.simulate()`` at seeds 0-4.

tests/conformance/under_sim.py does the work (each test method in its own
simulation, the suite's source executed afresh inside it so that its
``futures``, ``Future``, ``threading`` and ``time`` names are the simulator's;
see its docstring).  One pytest item per test class and seed; the tests listed
in ``under_sim.EXCLUDED`` (child interpreters) are not run.  A test that fails
in the simulator fails its class's item (``test_hang_global_shutdown_lock``,
a task resubmitting itself while the main thread shuts down, passes since the
natural order is fair: docs/soundness.md).

Cost: about 5 s of CPU for the 300 runs (60 tests x 5 seeds) in one process
(``python tests/conformance/under_sim.py --seeds 0-4``).

Without the suite file (Debian package libpython3.11-testsuite, or a path in
SIMFUTURES_CPYTHON_SUITE) the tests are skipped, or fail when
SIMFUTURES_REQUIRE_CONFORMANCE=1 (as in CI).
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

import pytest

SEEDS = range(5)


def _load_runner():
    name = "simfutures_conformance_under_sim"
    path = Path(__file__).resolve().parent / "conformance" / "under_sim.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


under_sim = _load_runner()
# The stdlib's outcome of each test (tests/conformance/make_baseline.py).
BASELINE = json.loads(
    (Path(__file__).resolve().parent / "conformance" / "baseline-3.11.json").read_text())["tests"]


def _acceptable(outcome) -> bool:
    """Passed; or skipped where the stdlib skips too (a skip the stdlib does not
    have means the test did not run under the simulator)."""
    return outcome.outcome == "pass" or (
        outcome.outcome == "skip" and BASELINE.get(outcome.test_id) != "pass")


@pytest.fixture(scope="module")
def suite():
    if sys.version_info[:2] != (3, 11):
        # Not a missing file: this leg's interpreter is another version.
        pytest.skip("the suite file run under the simulator is CPython 3.11's")
    path = under_sim.find_suite()
    if path is None:
        _unavailable(f"CPython's test_concurrent_futures.py not found (apt-get install "
                     f"libpython3.11-testsuite, or set {under_sim.SUITE_ENV})")
    return under_sim.load(path)


def _unavailable(reason: str) -> None:
    if os.environ.get(under_sim.REQUIRE_ENV) == "1":
        pytest.fail(f"{reason} (and {under_sim.REQUIRE_ENV}=1)", pytrace=False)
    pytest.skip(reason)


def _report(outcomes) -> str:
    return "\n".join(
        f"{o.test_id} at seed {o.seed}: {o.outcome} ({o.steps} steps, "
        f"{o.virtual_time:g} s virtual)\n    " + o.detail.strip().replace("\n", "\n    ")
        for o in outcomes)


def test_selection_matches_the_suite(suite):
    """Every thread-pool class of the suite file is run, and every exclusion and
    known failure names a test the suite has."""
    assert suite.problems() == []
    known = set(suite.selected())
    # The figures the docs and the issue speak of: 64 tests, 4 in child interpreters.
    assert len(suite.all_ids()) - len(known) == len(under_sim.EXCLUDED)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("cls", under_sim.CLASSES)
def test_cpython_class_under_sim(suite, cls, seed):
    ids = suite.selected(cls)
    outcomes = under_sim.run_tests(suite, ids, seed)
    bad = [o for o in outcomes if not _acceptable(o)]
    if bad:
        pytest.fail(f"{len(bad)} of {len(outcomes)} tests of {cls} fail under the simulator "
                    f"at seed {seed}:\n" + _report(bad), pytrace=False)
