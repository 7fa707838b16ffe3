"""A scenario file as a Program (see simfutures.program): what ``simfutures run``,
``explore`` and ``check`` execute when given a ``.yaml`` file.

Loading happens once, in the constructor, so an unusable file is a
ScenarioError (exit code 2 at the CLI) before any run starts; so is a duration
that cannot end within the run's ``--max-time`` (checked before the first run
under each limit).

A scenario with ``call`` tasks runs the user's code, which the race detector
traces like a script's (``runs_program_code``): ``prepared`` gives it the race
policy ``simfutures run`` learns, and its runs' outcomes carry their races.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import attrs

from simfutures import events
from simfutures.explore import stack_peek
from simfutures.explore.races import RaceLog, RacePolicy, instrument
from simfutures.program import EXIT_STOPPED, Outcome, one_line
from simfutures.scenario.loader import load_scenario
from simfutures.scenario.model import Scenario
from simfutures.scenario.progress import Progress, describe_stop
from simfutures.scenario.runner import run_scenario
from simfutures.scenario.time_limit import check_time_limit
from simfutures.scenario.timeline import ScenarioTimeline, describe_races, describe_steps
from simfutures.sim.chooser import Chooser
from simfutures.sim.instruments import active, instrumented
from simfutures.sim.scheduler import Limits
from simfutures.sim.simulate import RunResult
from simfutures.sim.simulate import run as run_simulation


def run_with_progress(
    scenario: Scenario,
    chooser: Chooser,
    limits: Limits | None = None,
    observers: Iterable[Callable[[events.Event], None]] = (),
) -> tuple[RunResult, str | None]:
    """One simulated run: its result and, if the simulator stopped it, the stop
    report pointing at the scenario's steps and tasks."""
    check_time_limit(scenario, (limits or Limits()).max_virtual_time)
    progress = Progress()
    result = run_simulation(run_scenario, (scenario,), {"progress": progress},
                            chooser=chooser, limits=limits, observers=observers)
    report = None
    if result.stopped is not None:
        report = describe_stop(result.stopped.summary, result.stopped.threads, scenario,
                               progress)
    return result, report


class ScenarioProgram:
    #: A scenario prints nothing of its own: ``simfutures run`` shows its timeline.
    shows_timeline = True

    def __init__(self, path: str | os.PathLike[str], scenario: Scenario | None = None
                 ) -> None:
        """The scenario file at ``path``, or ``scenario`` (already loaded from there)."""
        self.path = Path(path)
        self.scenario = load_scenario(self.path) if scenario is None else scenario

    @classmethod
    def of(cls, scenario: Scenario) -> ScenarioProgram:
        return cls(scenario.path, scenario)

    @property
    def runs_program_code(self) -> bool:
        """Whether a run executes the user's code (a ``call:`` task), which the race
        detector traces; the other tasks are the simulator's own code."""
        return self.scenario.calls_user_code

    def replay_command(self, option: str) -> str:
        return f"simfutures run {self.path} {option}"

    def timeline_recorder(self) -> ScenarioTimeline:
        return ScenarioTimeline(self.scenario)

    def render_run(self, timeline: ScenarioTimeline, outcome: Outcome) -> str:
        """What ``simfutures run FILE.yaml`` shows: the events in the scenario's
        names, then each step with what it gave."""
        timeline.observation = outcome.detail
        text = timeline.render()
        if outcome.detail is not None:
            text += describe_steps(self.scenario, outcome.detail)
        return text + describe_races(outcome.races)

    def run(
        self,
        chooser: Chooser,
        *,
        limits: Limits | None = None,
        observers: Iterable[Callable[[events.Event], None]] = (),
        capture: bool = True,
    ) -> Outcome:
        """One simulated run; ``Outcome.detail`` is the scenario Observation (None if
        the run did not finish)."""
        out, err = io.StringIO(), io.StringIO()
        races = self._race_log()
        with contextlib.ExitStack() as stack:
            if capture:
                stack.enter_context(contextlib.redirect_stdout(out))
                stack.enter_context(contextlib.redirect_stderr(err))
            if races is not None:
                stack.enter_context(instrumented(instrument(RacePolicy("races"), races)))
            result, stop_report = run_with_progress(self.scenario, chooser, limits,
                                                    observers)
            report = None
            if result.exception is not None:
                # run_scenario records the API's exceptions itself; one escaping
                # is a failure of the run (or of the runner) and deserves a trace.
                report = "".join(traceback.format_exception(result.exception))
                print(report, end="", file=sys.stderr)
        if result.stopped is not None:
            error: str | None = result.stopped.summary
            report = stop_report
            code = EXIT_STOPPED
        elif result.exception is not None:
            error, code = one_line(result.exception), 1
        else:
            error, code = None, 0
        return Outcome(
            out.getvalue(),
            err.getvalue(),
            code,
            error,
            report,
            result.schedule,
            result.steps,
            result.virtual_time,
            detail=result.value if code == 0 else None,
            races=() if races is None else tuple(races.last_run),
        )

    def _race_log(self) -> RaceLog | None:
        """A log for this run's races when claims are about them and no race policy
        traces the run already (one with no racy line to switch at does not): then
        the run is traced to detect races only, which changes no schedule, so every
        judged run is looked at, and ``simfutures run`` shows what ``check`` saw."""
        if not (self.scenario.claims_data_races and stack_peek.AVAILABLE) or active():
            return None
        return RaceLog()


def prepared(scenario: Scenario, mode: str | None = None) -> Any:
    """``scenario`` as a program whose runs carry the data races they showed, under
    the race policy ``simfutures run FILE`` learns too (``explore.races.prepare``), so
    a seed replays exactly there.  A scenario without a call task learns nothing."""
    from simfutures.explore.races import DEFAULT_PREEMPT, prepare

    return prepare(ScenarioProgram.of(scenario), mode or DEFAULT_PREEMPT)


def observation_of(outcome: Outcome) -> Any:
    """The run's Observation with its data races, or None if the run did not finish."""
    if outcome.detail is None:
        return None
    return attrs.evolve(outcome.detail, races=tuple(outcome.races))
