"""Where a scenario run is, in the scenario's own terms, for reports of a run that
did not finish.

A deadlock or limit report names each virtual thread and the place it waits:
for a scenario that place is inside simfutures (the runner, the executor), which
tells the user nothing. The runner and its tasks note here which YAML step the
main thread is performing and which task each worker thread runs, so that
``describe_stop`` can point at the step's and the task's lines instead.

Only thread executors' tasks can report (a task in a worker process runs on a
pickled copy); process workers keep their place, without simfutures' paths.
"""

from __future__ import annotations

import attrs

from simfutures.scenario.model import Scenario


@attrs.define
class Progress:
    main_thread: str | None = None  # the thread that performs the steps
    step: int | None = None  # index of the step being performed; None after the last
    finishing: bool = False  # past the last step: setting events, shutting down
    #: thread name -> (task name, handle or None) for tasks running now
    tasks: dict[str, tuple[str, str | None]] = attrs.field(factory=dict)


def describe_stop(summary: str, threads: tuple, scenario: Scenario,
                  progress: Progress | None) -> str:
    """The stop report (``summary``, then one line per ThreadReport) with each
    thread's place given as the scenario's step or task, where known."""
    from simfutures.sim.scheduler import PACKAGE_DIR

    lines = [summary]
    for report in threads:
        where = _scenario_place(report.name, scenario, progress)
        if where is None:
            if not report.location.startswith(PACKAGE_DIR):
                where = f"at {report.location}"
            elif "/scenario/tasks.py:" in report.location:
                # A task in a worker process: it ran on a copy that cannot report.
                where = f"in one of the tasks of {scenario.path}"
            else:
                where = "inside the executor"
        lines.append(f"  {report.name}: {report.waiting_on} {where}")
    return "\n".join(lines)


def _scenario_place(thread: str, scenario: Scenario, progress: Progress | None) -> str | None:
    if progress is None:
        return None
    if thread == progress.main_thread:
        if progress.step is not None:
            step = scenario.steps[progress.step]
            return f"at {step.loc.path}:{step.loc.line} in step {_step_text(step)}"
        if progress.finishing:
            return (f"after the last step of {scenario.path} (setting every event, then "
                    "shutdown(wait=True))")
        return None
    if thread in progress.tasks:
        task_name, handle = progress.tasks[thread]
        task = next((t for t in scenario.tasks if t.name == task_name), None)
        for_handle = f" for {handle}" if handle else ""
        if task is None:
            return f"in task {task_name}{for_handle}"
        return f"at {task.loc.path}:{task.loc.line} in task {task_name}{for_handle}"
    return None


def _step_text(step: object) -> str:
    from simfutures.scenario.source import source_line

    loc = step.loc  # type: ignore[attr-defined]
    written = source_line(loc.path, loc.line)
    return written.strip().removeprefix("- ") if written else type(step).__name__
