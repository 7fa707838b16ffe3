"""Computation takes virtual time (docs/soundness.md section 2): race discovery counts the
program's instructions, and an exploration's clock may jump at a scheduling point as far
as the longest computation it saw may take (``Limits.opcode_time`` each)."""

from __future__ import annotations

import textwrap

import pytest

from simfutures.explore import stack_peek
from simfutures.explore.races import prepare
from simfutures.explore.search import ProgramSpec, SearchConfig, search
from simfutures.program import load_program
from simfutures.sim.scheduler import Limits

pytestmark = pytest.mark.skipif(not stack_peek.AVAILABLE,
                                reason="stack_peek's frame layout check failed here")

# 20,000 iterations of about seven instructions: some 14 ms of virtual time at 100 ns
# each, under a millisecond for real.  ITERATIONS and TIMEOUT are filled in per test.
PROGRAM = """
    from concurrent.futures import ThreadPoolExecutor

    def checksum(n):
        total = 0
        for i in range(n):
            total += i
        return total

    with ThreadPoolExecutor(max_workers=1) as pool:
        print(pool.submit(checksum, ITERATIONS).result(timeout=TIMEOUT))
"""


def _program(tmp_path, iterations: int, timeout: float):
    path = tmp_path / "checksum.py"
    path.write_text(textwrap.dedent(PROGRAM).replace("ITERATIONS", str(iterations))
                    .replace("TIMEOUT", repr(timeout)), encoding="utf-8")
    return path


def _errors(path, preempt: str = "races", runs: int = 200) -> set[str | None]:
    config = SearchConfig(runs=runs, preempt=preempt)
    result = search(ProgramSpec(str(path)), load_program(path), config)
    return {group.key.error for group in result.groups}


def test_discovery_measures_the_longest_computation(tmp_path):
    short = prepare(load_program(_program(tmp_path, 2_000, 1.0))).policy.work_time
    long = prepare(load_program(_program(tmp_path, 20_000, 1.0))).policy.work_time
    assert 0 < short < long
    assert 9 * short < long < 11 * short  # in proportion to the instructions run
    assert prepare(load_program(_program(tmp_path, 20_000, 1.0)), "sync").policy.work_time == 0


def test_a_timeout_longer_than_a_step_can_beat_a_long_computation(tmp_path):
    path = _program(tmp_path, 20_000, 0.012)
    assert 0.012 > Limits().step_time  # the jump is the measured computation's
    assert any(error and "TimeoutError" in error for error in _errors(path))
    # With --preempt sync nothing is counted: a step is one step_time long.
    assert _errors(path, "sync") == {None}


def test_a_timeout_beyond_the_computation_never_fires(tmp_path):
    # 14 ms of counted work cannot reach a timer half a second away.
    assert _errors(_program(tmp_path, 20_000, 0.5)) == {None}
