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
    SEARCH_RUNS,
    CompareError,
    ComparisonReport,
    compare_outcomes,
    ignore_line_breaks,
    outcome_text,
    real_ending,
    sim_ending,
)
from simfutures.trace.normalize import normalize
from simfutures.trace.perfetto import TraceWriteError
from simfutures.trace.real_runs import RealRun, run_script

#: Pids a simulated run gives its processes (``MAIN_PID`` and one per started process).
_SIM_PIDS = range(MAIN_PID, MAIN_PID + 100)


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


def load_for_comparison(path: str | os.PathLike, argv: Sequence[str] = (), *,
                        preempt: str | None = None, limits: Limits | None = None) -> Program:
    """``path`` as ``compare`` simulates it: under the race policy ``preempt`` (default:
    ``explore``'s, so a switch may also come before a racy access, as in reality, and
    ``run --seed N`` replays seed N).  Raises ``CompareError`` for a program that cannot
    run for real."""
    from simfutures.explore.races import DEFAULT_PREEMPT, prepare

    try:
        program = load_program(path, argv)
    except ImportError as exc:  # scenario support not installed in this build
        raise CompareError(f"{path}: cannot load: {exc}") from None
    _check_runs_for_real(program)
    return prepare(program, preempt or DEFAULT_PREEMPT, limits)


def compare_program(path: str | os.PathLike, argv: Sequence[str] = (), *, real_runs: int,
                    sim_runs: int, timeout: float = 60.0, limits: Limits | None = None,
                    trace_path: str | os.PathLike | None = None,
                    line_breaks: bool = True, search_runs: int = SEARCH_RUNS,
                    preempt: str | None = None) -> ComparisonReport:
    """Run ``path`` ``real_runs`` times for real and under seeds ``0..sim_runs-1``
    (loaded by ``load_for_comparison``); see ``compare_loaded``."""
    _check_counts(real_runs, sim_runs)
    program = load_for_comparison(path, argv, preempt=preempt, limits=limits)
    return compare_loaded(program, argv, real_runs=real_runs, sim_runs=sim_runs,
                          timeout=timeout, limits=limits, trace_path=trace_path,
                          line_breaks=line_breaks, search_runs=search_runs)


def compare_loaded(program: Program, argv: Sequence[str] = (), *, real_runs: int,
                   sim_runs: int, timeout: float = 60.0, limits: Limits | None = None,
                   trace_path: str | os.PathLike | None = None,
                   line_breaks: bool = True, search_runs: int = SEARCH_RUNS
                   ) -> ComparisonReport:
    """Run ``program`` ``real_runs`` times for real and under seeds ``0..sim_runs-1``.

    A real outcome of a script no seed produced is then searched for directly, guided by
    its output (``explore.output_search``, at most ``search_runs`` simulated runs): a rare
    interleaving, such as two prints torn into one line on a loaded machine, is found
    there where seeded walks would need tens of thousands of runs.

    With ``trace_path``, real runs use ``simfutures.real`` (so their events can
    be recorded) and the trace of the first run the simulator could not
    reproduce (else of run 1) is written there.  ``line_breaks=False``
    compares outputs with ``ignore_line_breaks``.
    """
    _check_counts(real_runs, sim_runs)
    path = program.path
    first, counts = simulated_outcomes(program, sim_runs, limits)
    with tempfile.TemporaryDirectory(prefix="simfutures-compare-") as tmp:
        runs = [_real_run(program, list(argv), timeout,
                          os.path.join(tmp, f"run{number}.json") if trace_path else None)
                for number in range(1, real_runs + 1)]
        texts = [outcome_text(run.stdout, real_ending(run.exit_code, run.stderr), run.pids)
                 for run in runs]
        report = compare_outcomes(texts, first, sim_counts=counts, sim_runs=sim_runs,
                                  title=f"compare {path}",
                                  key=None if line_breaks else ignore_line_breaks)
        if search_runs and not hasattr(program, "comparison_text"):
            report = _search_surprises(report, program, runs, limits, search_runs,
                                       line_breaks)
        if not line_breaks:
            report = attrs.evolve(report, notes=(*report.notes, (
                "outputs were compared ignoring where line breaks fall: a replay prints "
                "the same text in the same order, its line breaks may differ")))
        if trace_path is not None:
            report = _keep_trace(report, tmp, Path(trace_path))
    return report


def _search_surprises(report: ComparisonReport, program: Program, runs: Sequence[RealRun],
                      limits: Limits | None, search_runs: int,
                      line_breaks: bool) -> ComparisonReport:
    """``report`` with each surprise a script run produced searched for by its output."""
    from simfutures.explore.output_search import schedule_printing

    real = list(report.real)
    for position, outcome in enumerate(real):
        run = runs[outcome.runs[0] - 1]
        if outcome.produced_by_sim or run.exit_code is None or run.exit_code < 0:
            continue  # a hang or a kill has no output to aim for
        wanted = normalize(run.stdout, run.pids)  # idempotent under sim_stdout below
        pids = _SIM_PIDS if "PID1" in wanted else ()

        def sim_stdout(stdout: str, pids: range | tuple = pids) -> str:
            text = normalize(stdout, pids)
            return text if line_breaks else text.replace("\n", "")

        ending = real_ending(run.exit_code, run.stderr)

        def same_ending(sim: Outcome, ending: str = ending) -> bool:
            return sim_ending(sim.exit_code, sim.error, stopped=False) == ending

        schedule = schedule_printing(
            program, wanted, exit_code=run.exit_code, max_runs=search_runs, normalise=sim_stdout,
            accept=same_ending, limits=limits)
        if schedule is not None:
            real[position] = attrs.evolve(outcome, schedule=schedule, closest_seed=None,
                                          closest_text=None)
    return attrs.evolve(report, real=tuple(real), search_runs=search_runs)


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
    seeds ``0..sim_runs-1``, with ``explore``'s race policy (a switch may also come
    before an access found racy, as in reality); outcomes are its normalised return
    value or exception.

    A real call that hangs hangs the caller: compare a script (it runs under a
    time limit) when that can happen.
    """
    from simfutures.explore.races import DEFAULT_PREEMPT, run_function

    _check_counts(real_runs, sim_runs)
    first: dict[str, int] = {}
    counts: dict[str, int] = {}
    for seed in range(sim_runs):
        collector = PidCollector()
        result, _races = run_function(fn, (), {}, chooser_for_seed(seed), None, [collector],
                                      DEFAULT_PREEMPT)
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
