"""A real outcome no seeded schedule produced is searched for by its output before the
comparison calls it a mismatch, and the schedule found replays from the printed command.

The real run here is one CI recorded (``futures_thread_pool_map`` on a loaded machine:
main's print torn by a worker's, and the worker that printed "done" second taking the
last task): 2000 seeded schedules missed it, which failed CI.  Real runs are replaced by
that recording so the test does not depend on the machine's load.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from simfutures import cli
from simfutures.trace import compare_run
from simfutures.trace.compare import normalize
from simfutures.trace.real_runs import RealRun

ROOT = Path(__file__).resolve().parent.parent
PROGRAM = "examples/seeds/futures_thread_pool_map.py"
RECORDED = RealRun(stdout="""main: starting
ThreadPoolExecutor-0_0: sleeping 5
main: unprocessed results <generator object Executor.map.<locals>.result_iterator \
at 0x7f3a2b1c0e40>ThreadPoolExecutor-0_1: sleeping 4

main: waiting for real results
ThreadPoolExecutor-0_1: done with 4
ThreadPoolExecutor-0_1: sleeping 3
ThreadPoolExecutor-0_0: done with 5
ThreadPoolExecutor-0_0: sleeping 2
ThreadPoolExecutor-0_0: done with 2ThreadPoolExecutor-0_1: done with 3
ThreadPoolExecutor-0_1: sleeping 1

ThreadPoolExecutor-0_1: done with 1
main: results: [0.5, 0.4, 0.3, 0.2, 0.1]
""", stderr="", exit_code=0, pids=(), seconds=1.6)


@pytest.fixture
def recorded_reality(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compare_run, "run_script", lambda *args, **kwargs: RECORDED)


def test_seeded_schedules_alone_miss_the_recorded_run(recorded_reality: None) -> None:
    report = compare_run.compare_program(ROOT / PROGRAM, real_runs=1, sim_runs=300,
                                         line_breaks=False, search_runs=0)
    assert not report.ok
    assert "nor did a search" not in report.render()


def test_the_search_finds_it(recorded_reality: None) -> None:
    report = compare_run.compare_program(ROOT / PROGRAM, real_runs=1, sim_runs=300,
                                         line_breaks=False)
    assert report.ok, report.render()
    [outcome] = report.real
    assert outcome.sim_seed is None and outcome.schedule is not None
    assert "a search for this output found one" in report.render()
    assert "ignoring where line breaks fall" in report.render()  # why a replay may differ


def test_an_impossible_output_is_a_mismatch_after_the_search(
        monkeypatch: pytest.MonkeyPatch) -> None:
    impossible = RECORDED.stdout.replace("done with 1", "done with 6")
    monkeypatch.setattr(compare_run, "run_script",
                        lambda *args, **kwargs: RealRun(impossible, "", 0, (), 1.0))
    report = compare_run.compare_program(ROOT / PROGRAM, real_runs=1, sim_runs=50,
                                         line_breaks=False, search_runs=100)
    assert not report.ok
    assert "nor did a search guided by its output (100 runs)" in report.render()


def test_the_printed_replay_command_reproduces_the_real_output(
        recorded_reality: None, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    code = cli.main(["compare", PROGRAM, "--real-runs", "1", "--sim-runs", "300",
                     "--ignore-line-breaks"])
    printed = capsys.readouterr().out
    assert code == 0, printed
    [command] = [line.split("replay: ", 1)[1] for line in printed.splitlines()
                 if "replay: " in line]
    assert "--schedule" in command
    argv = shlex.split(command)
    assert argv[:2] == ["simfutures", "run"]
    done = subprocess.run([sys.executable, "-m", "simfutures.cli", *argv[1:]], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr

    def comparable(text: str) -> str:  # the order of the text, not where lines break
        return normalize(text).replace("\n", "")

    assert comparable(done.stdout) == comparable(RECORDED.stdout)
