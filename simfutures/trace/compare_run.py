"""Running one piece of work in both worlds and collecting comparable outcomes."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs

from simfutures import events
from simfutures.program import EXIT_STOPPED, Outcome, Program, load_program
from simfutures.sim.chooser import chooser_for_seed
from simfutures.sim.runtime import MAIN_PID
from simfutures.sim.scheduler import Limits
from simfutures.trace.compare import (
    CompareError,
    ComparisonReport,
    compare_outcomes,
    ignore_line_breaks,
    outcome_text,
    real_ending,
    sim_ending,
)
from simfutures.trace.perfetto import TraceWriteError
from simfutures.trace.real_runs import RealRun, run_script


class PidCollector:
    """Observer: the pids of the worker processes a run started."""

    def __init__(self) -> None:
        self.pids: list[int] = []

    def __call__(self, event: events.Event) -> None:
        if isinstance(event, events.WorkerStart) and event.kind == "process":
            self.pids.append(event.pid)


def _check_counts(real_runs: int, sim_runs: int) -> None:
    if real_runs < 1:
        raise CompareError(f"--real-runs must be at least 1, got {real_runs}: with no real "
                           "run there is nothing to compare")
    if sim_runs < 1:
        raise CompareError(f"--sim-runs must be at least 1, got {sim_runs}")


def _sim_text(program: Program, outcome: Outcome, pids: list[int]) -> str:
    # A program that runs itself for real (a scenario) also says what to compare.
    own = getattr(program, "comparison_text", None)
    if own is not None:
        return own(outcome)
    stopped = outcome.exit_code == EXIT_STOPPED and outcome.error is not None
    return outcome_text(outcome.stdout, sim_ending(outcome.exit_code, outcome.error, stopped),
                        [MAIN_PID, *pids])


def simulated_outcomes(program: Program, sim_runs: int, limits: Limits | None = None
                       ) -> tuple[dict[str, int], dict[str, int]]:
    """Seeds 0..sim_runs-1: each distinct outcome text -> first seed, and -> count."""
    first: dict[str, int] = {}
    counts: dict[str, int] = {}
    for seed in range(sim_runs):
        pids = PidCollector()
        outcome = program.run(chooser_for_seed(seed), limits=limits, observers=[pids])
        text = _sim_text(program, outcome, pids.pids)
        first.setdefault(text, seed)
        counts[text] = counts.get(text, 0) + 1
    return first, counts


def _check_runs_for_real(program: Program) -> None:
    if program.path.suffix != ".py" and not hasattr(program, "run_real"):
        raise CompareError(
            f"{program.path}: this kind of program cannot be run for real here; a scenario "
            "states what reality may do in its 'expect: real:' claims (simfutures check)")


def _real_run(program: Program, argv: Sequence[str], timeout: float,
              trace_path: str | None) -> RealRun:
    run_real = getattr(program, "run_real", None)
    if run_real is not None:  # e.g. a scenario that knows how to run itself for real
        return run_real(timeout=timeout, trace_path=trace_path)
    return run_script(program.path, argv, timeout=timeout, trace_path=trace_path)


def compare_program(path: str | os.PathLike, argv: Sequence[str] = (), *, real_runs: int,
                    sim_runs: int, timeout: float = 60.0, limits: Limits | None = None,
                    trace_path: str | os.PathLike | None = None,
                    line_breaks: bool = True) -> ComparisonReport:
    """Run ``path`` ``real_runs`` times for real and under seeds ``0..sim_runs-1``.

    With ``trace_path``, real runs use ``simfutures.real`` (so their events can
    be recorded) and the trace of the first run the simulator could not
    reproduce (else of run 1) is written there.  ``line_breaks=False``
    compares outputs with ``ignore_line_breaks``.
    """
    _check_counts(real_runs, sim_runs)
    try:
        program = load_program(path, argv)
    except ImportError as exc:  # scenario support not installed in this build
        raise CompareError(f"{path}: cannot load: {exc}") from None
    _check_runs_for_real(program)
    first, counts = simulated_outcomes(program, sim_runs, limits)
    with tempfile.TemporaryDirectory(prefix="simfutures-compare-") as tmp:
        texts = []
        for number in range(1, real_runs + 1):
            run_trace = os.path.join(tmp, f"run{number}.json") if trace_path else None
            run = _real_run(program, list(argv), timeout, run_trace)
            texts.append(outcome_text(run.stdout, real_ending(run.exit_code, run.stderr),
                                      run.pids))
        report = compare_outcomes(texts, first, sim_counts=counts, sim_runs=sim_runs,
                                  title=f"compare {path}",
                                  key=None if line_breaks else ignore_line_breaks)
        if trace_path is not None:
            report = _keep_trace(report, tmp, Path(trace_path))
    return report


def _keep_trace(report: ComparisonReport, tmp: str, target: Path) -> ComparisonReport:
    number = report.surprises[0].runs[0] if report.surprises else 1
    source = Path(tmp, f"run{number}.json")
    if not source.exists():
        # The comparison stands; only the trace is missing: say so in the report.
        return attrs.evolve(report, notes=(*report.notes, (
            f"no trace written: real run {number} ended without writing one (killed at the "
            "time limit, or left with os._exit)")))
    try:
        shutil.copyfile(source, target)
    except OSError as exc:
        raise TraceWriteError(f"cannot write trace to {target}: {exc.strerror}") from None
    return attrs.evolve(report, notes=(*report.notes, f"trace of real run {number} written "
                                       f"to {target}"))


# -- functions, for the pytest fixture -----------------------------------------


@contextlib.contextmanager
def _recording_child_pids() -> Iterator[list[int]]:
    """The pids of the processes started inside the block (any pool, any API)."""
    import multiprocessing.process

    pids: list[int] = []
    cls = multiprocessing.process.BaseProcess
    original = cls.start

    def start(self: Any) -> None:
        original(self)
        pids.append(self.pid)

    cls.start = start  # type: ignore[method-assign]
    try:
        yield pids
    finally:
        cls.start = original  # type: ignore[method-assign]


def _describe_call(call: Callable[[], Any]) -> tuple[str, str]:
    """(what happened, how it ended) for one call of ``call``."""
    try:
        value = call()
    except Exception as exc:  # noqa: BLE001 - the outcome being compared
        return f"raised {type(exc).__name__}: {exc}", "raised"
    return f"returned {value!r}", "returned"


def compare_function(fn: Callable[[], Any], *, real_runs: int, sim_runs: int
                     ) -> ComparisonReport:
    """``fn()`` called ``real_runs`` times in this process and simulated under
    seeds ``0..sim_runs-1``; outcomes are its normalised return value or exception.

    A real call that hangs hangs the caller: compare a script (it runs under a
    time limit) when that can happen.
    """
    from simfutures.sim.simulate import run as simulate_run

    _check_counts(real_runs, sim_runs)
    first: dict[str, int] = {}
    counts: dict[str, int] = {}
    for seed in range(sim_runs):
        collector = PidCollector()
        result = simulate_run(fn, chooser=chooser_for_seed(seed), observers=[collector])
        if result.stopped is not None:
            raw, ending = "", "hangs"
        elif result.exception is not None:
            exc = result.exception
            raw, ending = f"raised {type(exc).__name__}: {exc}", "raised"
        else:
            raw, ending = _describe_call(lambda value=result.value: value)
        text = outcome_text(raw, ending, [MAIN_PID, *collector.pids])
        first.setdefault(text, seed)
        counts[text] = counts.get(text, 0) + 1
    texts = []
    for _ in range(real_runs):
        with _recording_child_pids() as children:
            raw, ending = _describe_call(fn)
        texts.append(outcome_text(raw, ending, [os.getpid(), *children]))
    name = getattr(fn, "__qualname__", repr(fn))
    return compare_outcomes(texts, first, sim_counts=counts, sim_runs=sim_runs,
                            title=f"compare {name}()")
