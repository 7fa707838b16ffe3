"""Sim vs real on every bundled seed example, and the ``sim_vs_real`` fixture.

Each example runs twice for real and under 2000 simulated schedules (seeds
0..1999, the random walk).  2000 comes from measured frequencies: over 30 real
runs of each comparable example, every real outcome was produced by at least
0.5% of the schedules (as_completed's 120 equally likely orders: 1/120 each),
so the chance that 2000 schedules miss one the simulator can produce is below
(1 - 1/120)**2000, about 6e-8.

Two examples print from several threads at once
(``futures_future_callback_cancel``, ``futures_thread_pool_map``): ``print()``
writes its text and its newline separately, so reality shows lines like
``9: sleepingmain: submitting 8``.  The simulator produces those too, but
every split multiplies the outcomes (~1,100 distinct in 2,000 schedules, a
real one reached by ~0.1% of them), so they are compared ignoring where line
breaks fall; ``test_line_breaks_are_why...`` checks that explanation.

Rarer real outcomes still occur on a loaded machine (a torn line and a worker
that printed "done" first but took the next task second, in one run; the
second worker starting task 9 only after main's whole cancel loop): seeded
walks miss those, so the comparison searches for each real outcome no seed
produced, guided by its output (``tests/test_compare_search.py``).
"""

from __future__ import annotations

import concurrent.futures
import os
from pathlib import Path

import pytest

from simfutures.program import load_program
from simfutures.sim.chooser import chooser_for_seed
from simfutures.trace import compare
from simfutures.trace.compare_run import compare_function, compare_program

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "examples" / "seeds").glob("*.py"))
SPLIT_PRINTS = {"futures_future_callback_cancel", "futures_thread_pool_map"}

sim_vs_real = pytest.fixture(compare.sim_vs_real)


def test_every_seed_example_is_covered() -> None:
    assert len(SEEDS) >= 9
    assert SPLIT_PRINTS <= {p.stem for p in SEEDS}


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.stem)
def test_reality_only_does_what_the_simulator_allows(path: Path) -> None:
    report = compare_program(path, real_runs=2, sim_runs=2000, timeout=60,
                             line_breaks=path.stem not in SPLIT_PRINTS)
    assert report.ok, report.render()
    text = "\n".join(o.text for o in report.real)
    source = path.read_text()
    if "getpid" in source:  # pids differ per run and per world: compared by order
        assert "PID1" in text
    if " at 0x" in path.with_suffix(".expected").read_text():
        assert "0xADDR1" in text


@pytest.mark.parametrize("stem", sorted(SPLIT_PRINTS))
def test_line_breaks_are_why_two_examples_need_the_coarser_comparison(stem: str) -> None:
    program = load_program(ROOT / "examples" / "seeds" / f"{stem}.py")
    outputs = [program.run(chooser_for_seed(seed)).stdout for seed in range(500)]
    exact = len(set(outputs))
    coarse = len({o.replace("\n", "") for o in outputs})
    # (GIL-biased walks split a print less often than uniform ones did: 2x, not 3x)
    assert exact > 2 * coarse, (exact, coarse)


def pool_results() -> list[int]:
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        return sorted(pool.map(abs, [-3, 1, -2]))


def worker_pids() -> str:
    with concurrent.futures.ProcessPoolExecutor(max_workers=1) as pool:
        first = pool.submit(os.getpid).result()
        second = pool.submit(os.getpid).result()
    return f"{first} then {second}"


def test_fixture_passes_when_the_worlds_agree(sim_vs_real) -> None:
    report = sim_vs_real(pool_results, real_runs=2, sim_runs=50)
    assert [o.text for o in report.real] == ["returned [1, 2, 3]\n[returned]"]


def test_fixture_normalises_the_pids_of_worker_processes(sim_vs_real) -> None:
    report = sim_vs_real(worker_pids, real_runs=1, sim_runs=20)
    assert report.real[0].text == "returned 'PID1 then PID1'\n[returned]"


def test_fixture_fails_the_test_when_reality_differs(sim_vs_real) -> None:
    def from_the_os() -> str:
        return os.urandom(8).hex()  # not scheduling: differs every run, in both worlds

    with pytest.raises(pytest.fail.Exception, match="MISMATCH"):
        sim_vs_real(from_the_os, real_runs=2, sim_runs=5)


def test_fixture_compares_scripts_too(sim_vs_real) -> None:
    report = sim_vs_real(ROOT / "examples" / "race_lost_update_fixed.py", real_runs=1,
                         sim_runs=100)
    assert report.real[0].text.endswith("final balance: 30\n[exit 0]")


def unlocked_increments() -> int:
    box = {"n": 0}

    def increment() -> None:
        value = box["n"]
        box["n"] = value + 1

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for _ in range(2):
            pool.submit(increment)
    return box["n"]


def test_a_function_is_simulated_with_switches_at_racy_accesses() -> None:
    # Reality can lose an update here (rarely); the simulated runs must include that
    # outcome, which needs a switch between the read and the write.
    report = compare_function(unlocked_increments, real_runs=1, sim_runs=100)
    simulated = [text for text, _seed in report.unseen_in_reality]
    simulated += [outcome.text for outcome in report.real if outcome.produced_by_sim]
    assert any(text.startswith("returned 1\n") for text in simulated), report.render()
