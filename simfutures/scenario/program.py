"""A scenario file as a Program (see simfutures.program): what ``simfutures run``,
``explore`` and ``check`` execute when given a ``.yaml`` file.

Loading happens once, in the constructor, so an unusable file is a
ScenarioError (exit code 2 at the CLI) before any run starts.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path

from simfutures import events
from simfutures.program import EXIT_STOPPED, Outcome, one_line
from simfutures.scenario.loader import load_scenario
from simfutures.scenario.runner import run_scenario
from simfutures.sim.chooser import Chooser
from simfutures.sim.scheduler import Limits
from simfutures.sim.simulate import run as run_simulation


class ScenarioProgram:
    #: A scenario prints nothing of its own: ``simfutures run`` shows its timeline.
    shows_timeline = True
    #: Its tasks are the simulator's own code: no access of the program's to trace.
    runs_program_code = False

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.scenario = load_scenario(self.path)

    def replay_command(self, option: str) -> str:
        return f"simfutures run {self.path} {option}"

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
        with contextlib.ExitStack() as stack:
            if capture:
                stack.enter_context(contextlib.redirect_stdout(out))
                stack.enter_context(contextlib.redirect_stderr(err))
            result = run_simulation(
                run_scenario, (self.scenario,), chooser=chooser, limits=limits,
                observers=observers,
            )
            report = None
            if result.exception is not None:
                # run_scenario records the API's exceptions itself; one escaping
                # is a failure of the run (or of the runner) and deserves a trace.
                report = "".join(traceback.format_exception(result.exception))
                print(report, end="", file=sys.stderr)
        if result.stopped is not None:
            error: str | None = result.stopped.summary
            report = result.stopped.report()
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
        )
