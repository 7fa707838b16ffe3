"""The reality check's comparison (benchmarks/reality_check.py), on made-up runs: no real
program is run, so this is fast and says nothing about the simulator itself."""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parent.parent / "benchmarks" / "reality_check.py"


@pytest.fixture(scope="module")
def rc():
    # benchmarks/ is not a package: load the script as a module by its path.
    spec = importlib.util.spec_from_file_location("reality_check", _PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules["reality_check"] = module  # dataclasses look their module up by name
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop("reality_check", None)


def _sim_report(*outcomes: tuple[str, int, str | None, int]) -> dict:
    """A made-up ``simfutures explore --json`` report, in the fields the check reads."""
    return {"format": "simfutures-explore/1", "outcomes": [
        {"stdout": out, "exit_code": code, "error": error, "count": count, "seeds": [0],
         "schedule": {}} for out, code, error, count in outcomes]}


def _real(rc, *runs: tuple[str, str, int | None]) -> Counter:
    return Counter(rc.from_real(stdout, stderr, code) for stdout, stderr, code in runs)


def test_an_outcome_the_simulator_never_produced_is_flagged(rc):
    sim = rc.from_sim_report(_sim_report(("counter: 2\n", 0, None, 50)))
    real = _real(rc, *[("counter: 2\n", "", 0)] * 9,
                 ("counter: 1\n", "Traceback (most recent call last):\n  ...\n"
                  "AssertionError: lost update\n"
                  f"\n{rc.MARKER}AssertionError: lost update\n", 1))
    missed = rc.missed_outcomes(real, sim)
    assert missed == [(rc.Outcome("counter: 1\n", 1, "AssertionError: lost update"), 1)]


def test_an_outcome_the_simulator_produced_is_not_flagged(rc):
    # Same failure on both sides, with different addresses and pids: one outcome.
    sim = rc.from_sim_report(_sim_report(
        ("killed process 4001\n", 1,
         "InvalidStateError: FINISHED: <Future at 0x… state=finished returned str>", 3),
        ("killed process 4001\n", 0, None, 7)))
    real = _real(rc, ("killed process 51234\n",
                      f"{rc.MARKER}InvalidStateError: FINISHED: "
                      "<Future at 0x7f3a2c1d9e50 state=finished returned str>\n", 1),
                 ("killed process 777\n", "", 0))
    assert rc.missed_outcomes(real, sim) == []


def test_a_real_hang_matches_a_simulated_deadlock_whatever_was_printed(rc):
    sim = rc.from_sim_report(_sim_report(("a\n", 4, "deadlock: every thread is waiting", 1)))
    real = _real(rc, ("", "", None))  # killed at the timeout
    assert rc.missed_outcomes(real, sim) == []
    # ...but a simulated run that exits normally does not stand for a hang.
    assert rc.missed_outcomes(real, rc.from_sim_report(_sim_report(("a\n", 0, None, 1))))


def test_outcomes_differ_by_stdout_exit_code_and_error(rc):
    sim = rc.from_sim_report(_sim_report(("x\n", 1, "ValueError: boom", 1)))
    assert rc.missed_outcomes(_real(rc, ("y\n", f"{rc.MARKER}ValueError: boom\n", 1)), sim)
    assert rc.missed_outcomes(_real(rc, ("x\n", f"{rc.MARKER}KeyError: boom\n", 1)), sim)
    assert rc.missed_outcomes(_real(rc, ("x\n", "", 0)), sim)


def test_normalisation_keeps_which_pids_are_equal(rc):
    one_worker = rc.normalise_text("ran in process 10\nran in process 10\n")
    two_workers = rc.normalise_text("ran in process 10\nran in process 11\n")
    assert one_worker == rc.normalise_text("ran in process 4001\nran in process 4001\n")
    assert one_worker != two_workers


def test_the_error_is_the_last_marker_line_not_a_thread_traceback(rc):
    stderr = (f"{rc.MARKER}RuntimeError: main failed\n"
              "Exception in thread Thread-1:\nValueError: later, at exit\n")
    assert rc.from_real("", stderr, 1).error == "RuntimeError: main failed"
