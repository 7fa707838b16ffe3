"""Run CPython's own thread-pool and Future tests inside ``simfutures.sim.simulate()``.

Usage (from the repository root)::

    python tests/conformance/under_sim.py                  # seeds 0-4, every selected test
    python tests/conformance/under_sim.py --seeds 0 --only ThreadPoolExecutorTest.test_map -v

The suite file is CPython 3.11's ``Lib/test/test_concurrent_futures.py`` as
installed by Debian's ``libpython3.11-testsuite`` (or ``SIMFUTURES_CPYTHON_SUITE``,
see ``harness.find_suite``).  tests/test_cpython_under_sim.py runs the same
thing as pytest items.

How a test runs
---------------
Every test method runs in its own ``simulate(..., seed=s)``: a fresh world, so
thread names, pool counters and virtual time restart, and a run that stops
(deadlock, step limit, watchdog) takes only that test down.

Inside the simulation the suite's source is executed again into a fresh
module object, because the suite binds names at import time that patch mode
cannot reach afterwards: ``from concurrent.futures._base import Future``,
``executor_type = futures.ThreadPoolExecutor`` in ``ThreadPoolMixin``, and the
module-level ``PENDING_FUTURE``... objects (whose conditions must belong to the
running simulation).  Executed inside ``simulate()``, those lookups find the
patched ``concurrent.futures`` attributes, i.e. the simulator's classes.  The
source is compiled once.

Before any simulation the suite is also executed once *outside* (``load``), so
that everything it imports (``logging``, ``multiprocessing``, ``test.support``...)
is imported by real code: a module imported for the first time inside a
simulation would create its module-level locks as virtual ones owned by that
one run.  ``_like_regrtest`` sets up the rest of the process state the suite
expects.

``test.support`` under the simulator: ``BaseTestCase`` calls
``threading_helper.threading_setup/threading_cleanup`` and
``support.reap_children``; they count OS threads and child processes, which
virtual threads and processes are not, so they pass through harmlessly (and
check nothing).  What they are meant to check, that no thread outlives the
test, is checked by the simulation itself: when the test returns, ``simulate``
joins every non-daemon virtual thread, and a thread that never ends stops the
run (deadlock or limit), which fails the test.  The module's ``setUpModule``
(``multiprocessing`` clean-up and the same thread counting) is not run: tests
are run one by one with ``TestCase.run``.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib.util
import re
import sys
import time
import traceback
import types
import unittest
from collections.abc import Iterable, Iterator
from pathlib import Path

import attrs

HERE = Path(__file__).resolve().parent
SUITE_MODULE = "test.test_concurrent_futures"

#: The suite's classes that run here: every one that mixes in ThreadPoolMixin,
#: plus FutureTests (the process-pool classes are the harness's business).
#: ``load`` checks that the suite file has exactly these.
CLASSES = (
    "ThreadPoolInitializerTest",
    "ThreadPoolFailingInitializerTest",
    "ThreadPoolShutdownTest",
    "ThreadPoolWaitTests",
    "ThreadPoolAsCompletedTest",
    "ThreadPoolExecutorTest",
    "FutureTests",
)

_CHILD = ("starts a child interpreter (script_helper.assert_python_ok) running the real "
          "stdlib: nothing in it runs under the simulator")

#: Tests of those classes that are not run, with the reason.
EXCLUDED: dict[str, str] = {
    "ThreadPoolShutdownTest.test_interpreter_shutdown": _CHILD,
    "ThreadPoolShutdownTest.test_submit_after_interpreter_shutdown": _CHILD,
    "ThreadPoolShutdownTest.test_hang_gh83386": _CHILD,
    "ThreadPoolShutdownTest.test_cancel_futures_wait_false": _CHILD,
}

#: Step limit of each test's simulation: None, the simulator's default (a
#: million), as a user gets.  A lower one would make the livelocked test fail
#: faster (~5 s of CPU to reach a million today) but could keep it failing once
#: the scheduler is fair: its run takes about 300 x N steps when the running
#: thread hands over every N scheduling decisions (measured for N = 10 to
#: 1,000), ~1,600 at seeds 1-4; every other test takes fewer than 300.
MAX_STEPS: int | None = None


def _load_harness() -> types.ModuleType:
    """tests/conformance/harness.py, shared with tests/test_conformance.py."""
    name = "simfutures_conformance_harness"
    module = sys.modules.get(name)
    if module is None:
        spec = importlib.util.spec_from_file_location(name, HERE / "harness.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return module


harness = _load_harness()
find_suite = harness.find_suite
SUITE_ENV = harness.SUITE_ENV
REQUIRE_ENV = harness.REQUIRE_ENV


@attrs.frozen
class Outcome:
    """One test at one seed."""

    test_id: str
    seed: int
    outcome: str  # pass, skip, fail, error, stopped
    detail: str = ""
    steps: int = 0
    virtual_time: float = 0.0
    wall: float = 0.0

    @property
    def ok(self) -> bool:
        return self.outcome in ("pass", "skip")

    def headline(self) -> str:
        """The exception line of a traceback, or the stop summary."""
        lines = self.detail.strip().splitlines() or [""]
        return lines[0] if self.outcome == "stopped" else lines[-1]


class LoadedSuite:
    """The suite file, compiled once, and the ids of the tests to run."""

    def __init__(self, path: Path) -> None:
        self.path = path
        source = path.read_text(encoding="utf-8")
        self.code = compile(source, str(path), "exec")
        # Executed once outside any simulation: imports every dependency with real
        # code, and gives the class and method names.
        module = self.fresh_module()
        self.tests: dict[str, list[str]] = {}
        self.thread_pool_classes = sorted(
            name for name, obj in vars(module).items()
            if isinstance(obj, type) and issubclass(obj, unittest.TestCase)
            and issubclass(obj, getattr(module, "ThreadPoolMixin", ())))
        self.has_future_tests = isinstance(getattr(module, "FutureTests", None), type)
        for name in CLASSES:
            cls = getattr(module, name, None)
            names = unittest.defaultTestLoader.getTestCaseNames(cls) if cls else []
            self.tests[name] = [f"{name}.{method}" for method in names]

    def fresh_module(self) -> types.ModuleType:
        module = types.ModuleType(SUITE_MODULE)
        module.__file__ = str(self.path)
        exec(self.code, module.__dict__)
        return module

    def problems(self) -> list[str]:
        """Ways the suite file differs from what this runner expects."""
        found = set(self.thread_pool_classes) | ({"FutureTests"} if self.has_future_tests
                                                  else set())
        out = []
        if found != set(CLASSES):
            out.append(f"the suite's thread-pool and Future classes are {sorted(found)}, "
                       f"expected {sorted(CLASSES)}: update CLASSES")
        known = self.all_ids()
        out += [f"EXCLUDED names {t}, which the suite does not have" for t in EXCLUDED
                if t not in known]
        return out

    def all_ids(self) -> list[str]:
        return [t for ids in self.tests.values() for t in ids]

    def selected(self, cls: str | None = None) -> list[str]:
        """Test ids to run (all classes, or one), exclusions removed."""
        ids = self.tests[cls] if cls else self.all_ids()
        return [t for t in ids if t not in EXCLUDED]


class _Result(unittest.TestResult):
    """Keeps the worst outcome of the one test it sees, with its traceback."""

    def __init__(self) -> None:
        super().__init__()
        self.outcome = "pass"
        self.details: list[str] = []

    def _record(self, outcome: str, detail: str) -> None:
        if self.outcome in ("pass", "skip") or outcome == "error":
            self.outcome = outcome
        self.details.append(detail)

    def addFailure(self, test, err):  # noqa: N802 - unittest's API
        super().addFailure(test, err)
        self._record("fail", self._exc_info_to_string(err, test))

    def addError(self, test, err):  # noqa: N802
        super().addError(test, err)
        self._record("error", self._exc_info_to_string(err, test))

    def addSkip(self, test, reason):  # noqa: N802
        super().addSkip(test, reason)
        if self.outcome == "pass":
            self.outcome = "skip"
        self.details.append(reason)

    def addUnexpectedSuccess(self, test):  # noqa: N802
        super().addUnexpectedSuccess(test)
        self._record("fail", "unexpected success")


def _run_in_simulation(suite: LoadedSuite, test_id: str) -> tuple[str, str]:
    """The simulated program: import the suite afresh, run one test method."""
    module = suite.fresh_module()
    _check_simulated(module)
    cls_name, method = test_id.split(".", 1)
    result = _Result()
    getattr(module, cls_name)(method).run(result)
    return result.outcome, "\n".join(result.details)


def _check_simulated(module: types.ModuleType) -> None:
    """Fail loudly if the freshly executed suite would test the stdlib instead: the
    tests would still pass, on real threads and the real clock."""
    import simfutures.sim as sim

    seen = {
        "Future (from concurrent.futures._base import)": (module.Future, sim.Future),
        "ThreadPoolMixin.executor_type": (module.ThreadPoolMixin.executor_type,
                                          sim.ThreadPoolExecutor),
        "futures.wait": (module.futures.wait, sim.wait),
    }
    wrong = [name for name, (got, expected) in seen.items() if got is not expected]
    # Classes and factories, not instances: creating a thread would use up a
    # "Thread-N" name and a serial number of the run under test.
    wrong += [f"threading.{name}" for name in ("Thread", "Event", "Lock")
              if not getattr(module.threading, name).__module__.startswith("simfutures.")]
    if module.time.monotonic() != 0.0:  # the virtual clock starts at 0
        wrong.append("time.monotonic")
    if wrong:
        raise RuntimeError("inside simulate(), the suite does not see the simulator's "
                           f"{', '.join(wrong)}: has patch mode changed?")


@contextlib.contextmanager
def _like_regrtest() -> Iterator[None]:
    """The process state the suite expects from regrtest, for the duration of the runs.

    * ``support.verbose = 0``, so ``ExecutorMixin.tearDown`` prints no timings.
    * No handlers on the root logger: FutureTests.test_done_callback_raises*
      expect a callback's exception, logged on ``concurrent.futures``, to reach
      ``sys.stderr`` through logging's last-resort handler, which logging only
      uses when no handler is configured (pytest's log capture adds some).
    * The objects that exist before the runs frozen out of the collector: the
      suite calls ``support.gc_collect()`` (three full collections) dozens of
      times, which in a pytest process costs ~25 ms each when the whole heap
      is scanned (4x the run time).  Objects the tests create are not frozen,
      so their weakref checks see them collected as before.
    """
    import logging

    from test import support

    verbose = support.verbose
    support.verbose = 0
    root = logging.getLogger()
    handlers = root.handlers[:]
    for handler in handlers:
        root.removeHandler(handler)
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
        for handler in handlers:
            root.addHandler(handler)
        support.verbose = verbose


def run_tests(suite: LoadedSuite, test_ids: Iterable[str], seed: int,
              max_steps: int | None = MAX_STEPS) -> list[Outcome]:
    """Run each test in its own simulation at ``seed``."""
    from simfutures.sim import Limits, run
    from simfutures.sim.simulate import make_chooser

    outcomes = []
    with _like_regrtest():
        for test_id in test_ids:
            started = time.perf_counter()
            result = run(_run_in_simulation, (suite, test_id), chooser=make_chooser(seed, None),
                         limits=Limits() if max_steps is None else Limits(max_steps=max_steps))
            wall = time.perf_counter() - started
            if result.stopped is not None:
                outcome, detail = "stopped", result.stopped.report()
            elif result.exception is not None:  # the runner itself failed
                outcome = "error"
                detail = "".join(traceback.format_exception(result.exception))
            else:
                outcome, detail = result.value
            outcomes.append(Outcome(test_id, seed, outcome, detail, result.steps,
                                    result.virtual_time, wall))
    return outcomes


_cache: dict[Path, LoadedSuite] = {}


def load(path: Path | None = None) -> LoadedSuite | None:
    """The suite at ``path`` (default: ``harness.find_suite()``), or None if absent."""
    path = path or find_suite()
    if path is None:
        return None
    if path not in _cache:
        _cache[path] = LoadedSuite(path)
    return _cache[path]


def _parse_seeds(text: str) -> list[int]:
    seeds: list[int] = []
    for part in text.split(","):
        m = re.fullmatch(r"(\d+)(?:-(\d+))?", part.strip())
        if not m:
            raise argparse.ArgumentTypeError(f"bad seed list {text!r}")
        lo, hi = int(m[1]), int(m[2] or m[1])
        seeds += range(lo, hi + 1)
    return seeds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=_parse_seeds, default=list(range(5)),
                        help="seeds, e.g. 0-4 or 0,7 (default 0-4)")
    parser.add_argument("--only", nargs="*", metavar="ID", help="Class.test_method ids")
    parser.add_argument("--max-steps", type=int, default=MAX_STEPS,
                        help="step limit of each test's simulation (default: the simulator's)")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="one line per test, full detail of failures")
    args = parser.parse_args(argv)
    suite = load()
    if suite is None:
        print(f"suite not found (install libpython3.11-testsuite or set {SUITE_ENV})",
              file=sys.stderr)
        return 2
    for problem in suite.problems():
        print(f"warning: {problem}", file=sys.stderr)
    ids = args.only or suite.selected()
    started = time.perf_counter()
    bad = 0
    for seed in args.seeds:
        t0 = time.perf_counter()
        outcomes = run_tests(suite, ids, seed, args.max_steps)
        passed = sum(o.outcome == "pass" for o in outcomes)
        skipped = sum(o.outcome == "skip" for o in outcomes)
        for o in outcomes:
            if args.verbose or not o.ok:
                print(f"seed {seed} {o.outcome.upper():7} {o.test_id}  {o.wall:.2f}s "
                      f"steps={o.steps} vt={o.virtual_time:g}"
                      + ("" if o.ok else f"\n    {o.headline()}"))
            if args.verbose and not o.ok:
                print("    " + o.detail.replace("\n", "\n    "))
        print(f"seed {seed}: {passed}/{len(outcomes)} pass"
              + (f", {skipped} skipped" if skipped else "")
              + f" ({time.perf_counter() - t0:.1f}s)", flush=True)
        bad += len(outcomes) - passed - skipped
    print(f"excluded: {len(EXCLUDED)}; total wall {time.perf_counter() - started:.1f}s")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
