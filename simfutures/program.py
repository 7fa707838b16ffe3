"""Programs the simulator runs: a Python script as ``__main__``, or a scenario file.

A program is loaded (and checked) once, then run any number of times, each
run under its own chooser; ``Outcome`` is what one run did, in the terms the
CLI, exploration and comparison report.
"""

from __future__ import annotations

import contextlib
import io
import multiprocessing.context
import os
import sys
import traceback
import types
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Protocol

import attrs

from simfutures import events
from simfutures.errors import SimfuturesError
from simfutures.isolation import LibraryGlobals, ProcessState
from simfutures.sim import recursion
from simfutures.sim.chooser import Chooser, Schedule
from simfutures.sim.runtime import SIM_RUNTIME
from simfutures.sim.scheduler import Limits
from simfutures.sim.simulate import run as run_simulation
from simfutures.trace.output import tap_stdout

#: Exit code of a run the simulator had to stop (deadlock, watchdog, limit).
EXIT_STOPPED = 4
#: Exit code for input the tool cannot use (missing file, syntax error...).
EXIT_USAGE = 2

_PACKAGE_DIR = str(Path(__file__).resolve().parent)


class ProgramError(SimfuturesError, ValueError):
    """A program that cannot be loaded; the message names the file (and line)."""


@attrs.frozen
class Outcome:
    """What one simulated run of a program did."""

    stdout: str
    stderr: str
    exit_code: int
    error: str | None  # one line: uncaught exception, deadlock, watchdog or limit
    report: str | None  # the full traceback or stop report, for humans
    schedule: Schedule
    steps: int
    virtual_time: float
    detail: Any = None  # program-specific observation (scenarios put theirs here)
    races: tuple = ()  # the data races the run showed (``explore.races.DataRace``)

    @property
    def failed(self) -> bool:
        return self.exit_code != 0 or self.error is not None


class Program(Protocol):
    path: Path

    def run(self, chooser: Chooser, *, limits: Limits | None = None,
            observers: Iterable[Callable[[events.Event], None]] = (),
            capture: bool = True) -> Outcome: ...

    def replay_command(self, option: str) -> str: ...


def _check_source_file(path: Path) -> str:
    if not path.exists():
        raise ProgramError(f"{path}: no such file")
    if path.is_dir():
        raise ProgramError(f"{path}: is a directory, not a script or scenario file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ProgramError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProgramError(f"{path}: not UTF-8 text (byte {exc.start})") from None


def user_traceback(exc: BaseException) -> str:
    """The traceback of ``exc`` without simfutures' own frames."""
    te = traceback.TracebackException.from_exception(exc)

    def prune(t: traceback.TracebackException) -> None:
        t.stack = traceback.StackSummary.from_list(
            [f for f in t.stack if not f.filename.startswith(_PACKAGE_DIR)
             and "greenlet" not in f.filename and not f.filename.endswith("runpy.py")])
        for nested in (t.__cause__, t.__context__):
            if nested is not None:
                prune(nested)

    prune(te)
    return "".join(te.format())


def one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


class _Capture:
    """Swap sys.stdout/stderr for buffers for the duration of a run."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.out = io.StringIO()
        self.err = io.StringIO()

    def __enter__(self) -> _Capture:
        if self.enabled:
            self._saved = sys.stdout, sys.stderr
            sys.stdout, sys.stderr = self.out, self.err
        return self

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            sys.stdout, sys.stderr = self._saved


def exit_code_of(exc: BaseException | None) -> int:
    if exc is None:
        return 0
    if isinstance(exc, SystemExit):
        code = exc.code
        if code is None:
            return 0
        return code if isinstance(code, int) else 1
    return 1


class ScriptProgram:
    """A Python script, run as ``__main__`` with its directory on ``sys.path``."""

    def __init__(self, path: str | os.PathLike, argv: Iterable[str] = ()) -> None:
        self.path = Path(path)
        self.argv = [str(self.path), *argv]
        self._directory = str(self.path.resolve().parent)  # once, not per run
        self._library = LibraryGlobals()  # as before the first run (see isolation)
        source = _check_source_file(self.path)
        try:
            self.code = compile(source, str(self.path), "exec", dont_inherit=True)
        except SyntaxError as exc:
            # (3.12+ reports null bytes as a SyntaxError with no line)
            where = str(self.path) + (f":{exc.lineno}" if exc.lineno else "") + (
                f":{exc.offset}" if exc.lineno and exc.offset else "")
            raise ProgramError(f"{where}: syntax error: {exc.msg}") from None
        except ValueError as exc:  # e.g. null bytes in the source
            raise ProgramError(f"{self.path}: cannot compile: {exc}") from None

    def replay_command(self, option: str) -> str:
        args = " ".join(self.argv[1:])
        return f"simfutures run {self.path} {option}" + (f" -- {args}" if args else "")

    def _main(self) -> None:
        module = types.ModuleType("__main__")
        module.__file__ = str(self.path)
        module.__builtins__ = __builtins__
        saved_main = sys.modules.get("__main__")
        saved_argv = sys.argv
        saved_path = list(sys.path)
        sys.modules["__main__"] = module
        sys.argv = list(self.argv)
        sys.path.insert(0, self._directory)
        # A fresh interpreter's multiprocessing has no start method chosen yet (whatever
        # the host process chose); ProcessState puts the host's back after the run.
        multiprocessing.context._default_context._actual_context = None
        try:
            recursion.enter_program(recursion.MAIN_SCRIPT, recursion.exec_hops())
            exec(self.code, module.__dict__)
        finally:
            sys.modules["__main__"] = saved_main
            sys.argv = saved_argv
            sys.path[:] = saved_path

    def run(self, chooser: Chooser, *, limits: Limits | None = None,
            observers: Iterable[Callable[[events.Event], None]] = (),
            capture: bool = True) -> Outcome:
        observers = list(observers)
        # Observed runs also report printed lines as Output events (timelines show them).
        tap = tap_stdout(SIM_RUNTIME) if observers else contextlib.nullcontext()
        # (outside the capture, whose buffers replace sys.stdout for the run)
        self._library.begin()
        try:
            return self._run(chooser, limits, observers, capture, tap)
        finally:
            self._library.restore()

    def _run(self, chooser: Chooser, limits: Limits | None,
             observers: list[Callable[[events.Event], None]], capture: bool,
             tap: Any) -> Outcome:
        with _Capture(capture) as captured, tap:
            # Each run starts from the state the first one did (see isolation).
            state = ProcessState.capture()
            try:
                result = run_simulation(self._main, chooser=chooser, limits=limits,
                                        observers=observers)
            finally:
                state.restore()
            report = None
            if result.exception is not None and not isinstance(result.exception, SystemExit):
                report = user_traceback(result.exception)
                print(report, end="", file=sys.stderr)
            elif isinstance(result.exception, SystemExit) and \
                    not isinstance(result.exception.code, (int, type(None))):
                print(result.exception.code, file=sys.stderr)
        if result.stopped is not None:
            error: str | None = result.stopped.summary
            report = result.stopped.report()
            code = EXIT_STOPPED
        elif result.exception is not None and not isinstance(result.exception, SystemExit):
            error, code = one_line(result.exception), 1
        else:
            error, code = None, exit_code_of(result.exception)
        return Outcome(captured.out.getvalue(), captured.err.getvalue(), code, error, report,
                       result.schedule, result.steps, result.virtual_time)


def load_program(path: str | os.PathLike, argv: Iterable[str] = ()) -> Program:
    """A script (``.py``) or a scenario file (``.yaml``/``.yml``)."""
    p = Path(path)
    if p.suffix in (".yaml", ".yml"):
        from simfutures.scenario.program import ScenarioProgram

        return ScenarioProgram(p)
    return ScriptProgram(p, argv)
