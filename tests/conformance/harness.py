"""Run CPython's ``test_concurrent_futures`` against any concurrent.futures implementation.

Usage (from the repository root)::

    python tests/conformance/harness.py --target simfutures.real
    python tests/conformance/harness.py --target concurrent.futures --group thread
    python tests/conformance/harness.py --target simfutures.real --only FutureTests.test_repr

``--target concurrent.futures`` runs the stdlib itself (no aliasing): that is how
the ``baseline-3.X.json`` files are produced (see ``make_baseline.py``).

Design
------
The suite is the running version's own: on 3.11 the file
``Lib/test/test_concurrent_futures.py``, which this interpreter does not ship;
Debian's ``libpython3.11-testsuite`` installs it at
``/usr/lib/python3.11/test/test_concurrent_futures.py``.  From 3.12 on it is a
package, ``Lib/test/test_concurrent_futures/``, which CPython 3.13 ships in its
own ``Lib/test`` (see ``KNOWN_SUITES``).  ``SIMFUTURES_CPYTHON_SUITE`` can point
at a copy of either form.

For every run the harness builds, in a temporary directory, an *overlay*::

    <tmp>/overlay/sitecustomize.py            copy of alias_site.py
    <tmp>/overlay/test/<entry>                symlinks to this interpreter's Lib/test/*
    <tmp>/overlay/test/test_concurrent_futures[.py]   symlink to the suite

and starts this same file as an *inner runner* (``--inner``) in a subprocess
with ``PYTHONPATH=<overlay>`` and ``SIMFUTURES_CONFORMANCE_TARGET=<target>``.
``sitecustomize`` aliases ``sys.modules['concurrent.futures']`` (and ``._base``,
``.thread``, ``.process``) to the target before anything else runs, in the
runner and in every child interpreter, because they inherit the environment
(spawn and forkserver workers, and ``assert_python_ok`` children once the
runner sets ``script_helper.__cached_interp_requires_environment = True``, which
stops them from being started with ``-I``).

The inner runner loads ``test.test_concurrent_futures``, keeps the tests of the
requested group (see ``group_of``) and writes one JSON line per test start/end
to an events file.  A faulthandler watchdog dumps all stacks and exits if a
single test (or the gap between two) takes longer than ``--per-test-timeout``;
the outer side then records that test as ``hung`` (``crashed`` if the runner
died without the watchdog) and restarts the runner on the tests not yet run.
Tests that fail or error are re-run once in a fresh runner; a pass on the
retry is recorded as a pass with ``flaky`` set to the first outcome.

Nothing here imports ``concurrent.futures`` at module level, and everything that
runs is behind the ``__main__`` guard, because spawn/forkserver children
re-import the runner's main module.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

SUITE_ENV = "SIMFUTURES_CPYTHON_SUITE"
REQUIRE_ENV = "SIMFUTURES_REQUIRE_CONFORMANCE"
TARGET_ENV = "SIMFUTURES_CONFORMANCE_TARGET"
SUITE_MODULE = "test.test_concurrent_futures"
STDLIB_TARGET = "concurrent.futures"
HERE = Path(__file__).resolve().parent
ALIAS_SITE = HERE / "alias_site.py"

# Groups a run can be split into (one pytest item each).  Chosen by the class
# name prefixes create_executor_tests() gives the generated classes.
GROUPS = ("thread", "fork", "forkserver", "spawn")

PER_TEST_TIMEOUT = 60.0  # seconds; the slowest stdlib test takes ~6 s, deadlock tests wait 30 s
EXIT_TIMEOUT = 60.0  # seconds allowed for interpreter shutdown after the last test
OUTCOMES_OK = ("pass", "skip")
PSEUDO_RUNNER = "<runner>"
PSEUDO_EXIT = "<interpreter exit>"


def group_of(test_id: str) -> str:
    """Group of a test id ``[module.]Class.test_method``; unknown classes go to ``thread``.

    3.11's single-file suite gives ``Class.test_method``; 3.13's package gives
    ``test_module.Class.test_method``: the class is the next-to-last part.
    """
    parts = test_id.split(".")
    cls = parts[-2] if len(parts) >= 2 else test_id
    if cls.startswith("ProcessPoolForkserver"):
        return "forkserver"
    if cls.startswith("ProcessPoolFork"):
        return "fork"
    if cls.startswith("ProcessPoolSpawn"):
        return "spawn"
    return "thread"  # ThreadPool*, FutureTests, and anything new


class HarnessError(RuntimeError):
    """The harness itself could not run the suite (not a test failure)."""


# --------------------------------------------------------------------------
# Locating the suite and building the overlay


def _own_test_dir() -> Path:
    return Path(sysconfig.get_paths()["stdlib"]) / "test"


# Where each version's suite is found when SIMFUTURES_CPYTHON_SUITE is not set.
# 3.11: Debian's libpython3.11-testsuite (the pyenv build ships no Lib/test
# suite); 3.13: the interpreter's own Lib/test.  3.12.1 here ships none.
KNOWN_SUITES: dict[tuple[int, int], list] = {
    (3, 11): [lambda: Path("/usr/lib/python3.11/test/test_concurrent_futures.py"),
              lambda: _own_test_dir() / "test_concurrent_futures.py"],
    (3, 12): [lambda: _own_test_dir() / "test_concurrent_futures"],
    (3, 13): [lambda: _own_test_dir() / "test_concurrent_futures"],
}


def baseline_path(version: tuple[int, int] | None = None) -> Path:
    """The stdlib's recorded outcomes for a Python version (default: the running one)."""
    major, minor = version or sys.version_info[:2]
    return HERE / f"baseline-{major}.{minor}.json"


def suite_hint() -> str:
    """How to get the suite for the running version (for skip messages)."""
    if sys.version_info[:2] == (3, 11):
        return "apt-get install libpython3.11-testsuite"
    return f"a CPython {sys.version_info[0]}.{sys.version_info[1]} build with its Lib/test"


def _is_suite(path: Path) -> bool:
    return path.is_file() or (path / "__init__.py").is_file()


def find_suite() -> Path | None:
    """The running version's suite (file or package), or None when it is not installed."""
    env = os.environ.get(SUITE_ENV)
    if env:
        return Path(env) if _is_suite(Path(env)) else None
    for candidate in KNOWN_SUITES.get(sys.version_info[:2], []):
        path = candidate()
        if _is_suite(path):
            return path
    return None


def suite_info(suite: Path) -> dict:
    files = [suite] if suite.is_file() else sorted(suite.glob("*.py"))
    digest = hashlib.sha256()
    lines = 0
    for path in files:
        data = path.read_bytes()
        if suite.is_dir():
            digest.update(path.name.encode() + b"\0")
        digest.update(data)
        lines += data.count(b"\n")
    return {"path": str(suite), "sha256": digest.hexdigest(), "lines": lines}


def interpreter_test_dir(suite: Path) -> Path:
    """The running interpreter's ``Lib/test`` (falls back to the suite's folder)."""
    own = Path(sysconfig.get_paths()["stdlib"]) / "test"
    if (own / "support" / "__init__.py").is_file():
        return own
    if (suite.parent / "support" / "__init__.py").is_file():
        return suite.parent
    raise HarnessError(f"no test.support package in {own} or {suite.parent}")


def build_overlay(workdir: Path, suite: Path) -> Path:
    overlay = workdir / "overlay"
    pkg = overlay / "test"
    pkg.mkdir(parents=True)
    for entry in interpreter_test_dir(suite).iterdir():
        if entry.name == "__pycache__" or entry.name.startswith("test_concurrent_futures"):
            continue
        (pkg / entry.name).symlink_to(entry)
    name = "test_concurrent_futures.py" if suite.is_file() else "test_concurrent_futures"
    (pkg / name).symlink_to(suite.resolve())
    shutil.copyfile(ALIAS_SITE, overlay / "sitecustomize.py")
    return overlay


def _target_root(target: str) -> str | None:
    """Folder to put on PYTHONPATH so children can import the target's top package."""
    if target == STDLIB_TARGET:
        return None
    import importlib.util

    spec = importlib.util.find_spec(target.split(".", 1)[0])
    if spec is None:
        raise HarnessError(f"cannot find module {target!r}")
    if spec.submodule_search_locations:
        return str(Path(next(iter(spec.submodule_search_locations))).parent)
    if spec.origin:
        return str(Path(spec.origin).parent)
    return None


# --------------------------------------------------------------------------
# Outer side: run the inner runner, restart after hangs, retry failures


def _read_events(path: Path) -> list[dict]:
    events = []
    if path.exists():
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                events.append(json.loads(line))
            except ValueError:
                pass  # torn last line after a hard kill
    return events


def _tail(text: str, limit: int = 6000) -> str:
    return text if len(text) <= limit else "...\n" + text[-limit:]


def _run_inner(
    *,
    workdir: Path,
    overlay: Path,
    target: str,
    group: str | None,
    only: list[str] | None,
    skip: set[str],
    per_test_timeout: float,
    attempt: int,
) -> tuple[int, list[dict], str]:
    select = workdir / f"select-{attempt}.json"
    select.write_text(json.dumps({"only": only, "skip": sorted(skip)}))
    events_path = workdir / f"events-{attempt}.jsonl"
    log_path = workdir / f"log-{attempt}.txt"
    env = dict(os.environ)
    paths = [str(overlay)]
    root = _target_root(target)
    if root:
        paths.append(root)
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env[TARGET_ENV] = target
    cmd = [
        sys.executable, "-X", "faulthandler", str(Path(__file__).resolve()), "--inner",
        "--target", target, "--select-file", str(select), "--events", str(events_path),
        "--per-test-timeout", str(per_test_timeout),
    ]
    if group:
        cmd += ["--group", group]
    # Hard cap in case the watchdog itself cannot fire.
    hard_cap = 3600.0
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            cmd, cwd=overlay, env=env, stdin=subprocess.DEVNULL, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )
        try:
            rc = proc.wait(timeout=hard_cap)
        except BaseException:
            # Timeout or Ctrl-C: take down the runner and its workers.
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
            raise
    # Workers of a killed runner may survive it; end whatever is left of its session.
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    return rc, _read_events(events_path), log_path.read_text(encoding="utf-8", errors="replace")


def _run_until_complete(
    *,
    workdir: Path,
    overlay: Path,
    target: str,
    group: str | None,
    only: list[str] | None,
    skip: set[str],
    per_test_timeout: float,
    attempt_base: int,
    meta: dict,
) -> dict[str, dict]:
    """Run the selection, restarting the runner after a hung/crashed test."""
    results: dict[str, dict] = {}
    attempt = attempt_base
    while True:
        attempt += 1
        rc, events, log = _run_inner(
            workdir=workdir, overlay=overlay, target=target, group=group, only=only,
            skip=skip | set(results), per_test_timeout=per_test_timeout, attempt=attempt,
        )
        meta["runner_starts"] = meta.get("runner_starts", 0) + 1
        in_flight = None
        finished = False
        last = None
        for ev in events:
            kind = ev["event"]
            if kind == "start":
                in_flight = ev["id"]
            elif kind == "end":
                results[ev["id"]] = {k: v for k, v in ev.items() if k not in ("event", "id")}
                if ev["id"] == in_flight:
                    in_flight = None
                last = ev["id"]
            elif kind == "meta":
                meta.update(ev["meta"])
            elif kind == "fatal":
                raise HarnessError(f"runner could not start: {ev['detail']}\n{_tail(log)}")
            elif kind == "finished":
                finished = True
        if finished:
            if rc != 0:
                results[PSEUDO_EXIT] = {
                    "outcome": "error", "duration": 0.0,
                    "detail": f"runner exited with {rc} after the last test "
                    f"(hung or failed interpreter shutdown)\n{_tail(log)}",
                }
            return results
        if in_flight is not None:
            marker = f"=== START {in_flight}\n"
            part = log[log.rfind(marker):] if marker in log else log
            hung = "Timeout (" in part
            results[in_flight] = {
                "outcome": "hung" if hung else "crashed", "duration": None,
                "detail": f"runner exit code {rc}; "
                + ("watchdog fired, stacks:\n" if hung else "runner died:\n") + _tail(part),
            }
            continue  # restart on what is left
        # The runner died between tests (class/module fixtures, cleanups).
        if rc == 0 and not events:
            raise HarnessError(f"runner produced no events (rc 0)\n{_tail(log)}")
        pseudo = f"<runner died after {last}>" if last else PSEUDO_RUNNER
        results[pseudo] = {
            "outcome": "crashed", "duration": None,
            "detail": f"runner exit code {rc} outside any test\n{_tail(log)}",
        }
        if last is None:
            return results  # no progress: restarting would fail the same way


def run_suite(
    target: str,
    group: str | None = None,
    *,
    only: list[str] | None = None,
    exclude: set[str] | frozenset[str] = frozenset(),
    per_test_timeout: float = PER_TEST_TIMEOUT,
    retry_failures: bool = True,
    suite: Path | None = None,
    keep_workdir: bool = False,
) -> dict:
    """Run (part of) the suite against ``target`` and return the result record.

    ``tests`` maps ``Class.test_method`` to ``{"outcome", "duration", ...}`` with
    outcome one of pass, skip, fail, error, xfail, xpass, hung, crashed.
    ``exclude``: ids not to run at all.
    """
    suite = suite or find_suite()
    if suite is None:
        raise HarnessError(f"suite not found: set {SUITE_ENV} or install it ({suite_hint()})")
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="simfutures-conformance-"))
    meta: dict = {}
    try:
        overlay = build_overlay(workdir, suite)
        common = {"workdir": workdir, "overlay": overlay, "target": target, "group": group,
                  "per_test_timeout": per_test_timeout, "meta": meta}
        tests = _run_until_complete(only=only, skip=set(exclude), attempt_base=0, **common)
        bad = [t for t, r in tests.items()
               if r["outcome"] in ("fail", "error", "crashed") and not t.startswith("<")]
        if retry_failures and bad:
            again = _run_until_complete(only=bad, skip=set(), attempt_base=100, **common)
            for test_id in bad:
                second = again.get(test_id)
                if second and second["outcome"] == "pass":
                    second["flaky"] = tests[test_id]["outcome"]
                    second["first_detail"] = tests[test_id].get("detail", "")
                    tests[test_id] = second
                else:
                    tests[test_id]["retried"] = second["outcome"] if second else "not run"
    finally:
        if keep_workdir:
            print(f"kept work directory {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return {
        "target": target,
        "group": group,
        "python": platform.python_version(),
        "suite": suite_info(suite),
        "wall_time": round(time.monotonic() - started, 2),
        "meta": meta,
        "tests": dict(sorted(tests.items())),
    }


def counts(tests: dict[str, dict]) -> dict[str, int]:
    """unittest-style counts: ``run`` includes skipped tests, like "Ran N tests"."""
    out = {"run": 0}
    for test_id, rec in tests.items():
        if not test_id.startswith("<"):
            out["run"] += 1
        out[rec["outcome"]] = out.get(rec["outcome"], 0) + 1
    return out


def compare(baseline: dict[str, str], tests: dict[str, dict], group: str | None,
            excluded: dict[str, str]) -> list[str]:
    """Problems of a run against the stdlib's baseline outcomes (empty list: conformant).

    Every test that passes for the stdlib (in ``group``) must pass, except the
    excluded ones; tests unknown to the baseline must pass or skip.
    """
    problems = []
    for test_id, expected in sorted(baseline.items()):
        if group and group_of(test_id) != group:
            continue
        if expected != "pass" or test_id in excluded:
            continue
        got = tests.get(test_id)
        if got is None:
            problems.append(f"{test_id}: not run (passes with the stdlib)")
        elif got["outcome"] != "pass":
            problems.append(f"{test_id}: {got['outcome']} (passes with the stdlib)\n"
                            + _indent(_tail(got.get("detail") or "", 2500)))
    for test_id, got in sorted(tests.items()):
        if test_id in baseline or got["outcome"] in OUTCOMES_OK:
            continue
        problems.append(f"{test_id}: {got['outcome']} (not in the baseline)\n"
                        + _indent(_tail(got.get("detail") or "", 2500)))
    return problems


def _indent(text: str) -> str:
    return "".join("    " + line + "\n" for line in text.rstrip().splitlines())


# --------------------------------------------------------------------------
# Inner side: runs inside the overlay environment


def _inner_main(args: argparse.Namespace) -> int:
    import faulthandler
    import importlib
    import traceback
    import unittest

    events = open(args.events, "a", encoding="utf-8", buffering=1)  # noqa: SIM115

    def emit(**record):
        events.write(json.dumps(record) + "\n")
        events.flush()

    def fatal(msg):
        emit(event="fatal", detail=msg)
        return 3

    log = sys.__stderr__
    faulthandler.dump_traceback_later(args.per_test_timeout, exit=True, file=log)

    # 1. Is the aliasing in place?
    site = sys.modules.get("sitecustomize")
    if site is None or getattr(site, "TARGET_ENV", None) != TARGET_ENV:
        return fatal("the overlay's sitecustomize was not imported")
    if site.ALIAS_ERROR:
        return fatal(f"importing target {args.target!r} failed:\n{site.ALIAS_ERROR}")
    try:
        cf = importlib.import_module("concurrent.futures")
        if args.target != STDLIB_TARGET:
            for sub in ("", "._base", ".thread", ".process"):
                aliased = importlib.import_module("concurrent.futures" + sub)
                real = importlib.import_module(args.target + sub)
                if aliased is not real:
                    return fatal(f"concurrent.futures{sub} is not aliased to {args.target}{sub}")
        emit(event="meta", meta={
            "target_file": getattr(cf, "__file__", None),
            "stdlib_imported_before_target": bool(site.PRELOADED),
            "stdlib_imported_by_target": bool(getattr(site, "STDLIB_USED_BY_TARGET", False)),
        })

        # 2. Make test.support behave as under regrtest, and let
        #    assert_python_ok children see PYTHONPATH (otherwise they get -I).
        from test import support
        from test.support import script_helper

        support.verbose = 0
        setattr(script_helper, "__cached_interp_requires_environment", True)
        module = importlib.import_module(SUITE_MODULE)
    except BaseException:  # noqa: BLE001 - reported to the outer side as fatal
        return fatal(traceback.format_exc())

    # 3. Select the tests.
    select = json.loads(Path(args.select_file).read_text())
    only = set(select["only"]) if select["only"] is not None else None
    skip = set(select["skip"])
    prefix = SUITE_MODULE + "."

    def flatten(suite):
        for item in suite:
            if isinstance(item, unittest.TestSuite):
                yield from flatten(item)
            else:
                yield item

    def short_id(test):
        tid = test.id()
        return tid.removeprefix(prefix)

    chosen = []
    for test in flatten(unittest.defaultTestLoader.loadTestsFromModule(module)):
        tid = short_id(test)
        if args.group and group_of(tid) != args.group:
            continue
        if (only is not None and tid not in only) or tid in skip:
            continue
        chosen.append(test)

    # 4. Run, recording every outcome.
    timeout = args.per_test_timeout
    rank = {"pass": 0, "skip": 1, "xfail": 1, "xpass": 2, "fail": 3, "error": 4}

    class Recorder(unittest.TestResult):
        def __init__(self):
            super().__init__()
            self.current = {}

        def uncaught(self, kind, text):
            # Exceptions escaping threads / __del__ do not fail a test but
            # often explain why it failed: keep them with the test.
            self.current.setdefault("uncaught", []).append(f"{kind}: {text}")

        def _note(self, test, outcome, detail=""):
            if not isinstance(test, unittest.TestCase):  # setUpClass/module errors
                emit(event="end", id=short_id(test), outcome=outcome, duration=0.0,
                     detail=detail)
                print(f"{short_id(test)} ... {outcome.upper()}\n{detail}", file=log)
                return
            cur = self.current
            if rank[outcome] >= rank.get(cur.get("outcome"), -1):
                cur["outcome"] = outcome
            if detail:
                cur["detail"] = (cur.get("detail", "") + "\n" + detail).strip()

        def _exc(self, test, err):
            return self._exc_info_to_string(err, test)

        def startTest(self, test):
            super().startTest(test)
            faulthandler.dump_traceback_later(timeout, exit=True, file=log)
            support.environment_altered = False
            self.current = {"t0": time.monotonic()}
            print(f"=== START {short_id(test)}", file=log, flush=True)
            emit(event="start", id=short_id(test))

        def stopTest(self, test):
            super().stopTest(test)
            cur = self.current
            rec = {"outcome": cur.get("outcome", "pass"),
                   "duration": round(time.monotonic() - cur["t0"], 3)}
            if cur.get("detail"):
                rec["detail"] = cur["detail"]
            if support.environment_altered:
                rec["env_changed"] = True
            if cur.get("uncaught"):
                rec["uncaught"] = cur["uncaught"]
                if rec["outcome"] not in ("pass", "skip"):
                    rec["detail"] = (rec.get("detail", "") + "\nuncaught during the test:\n"
                                     + "\n".join(cur["uncaught"]))
            print(f"{short_id(test)} ... {rec['outcome']} ({rec['duration']:.2f}s)"
                  + (" [env changed]" if rec.get("env_changed") else ""), file=log, flush=True)
            if rec.get("detail") and rec["outcome"] not in ("pass", "skip"):
                print(rec["detail"], file=log, flush=True)
            emit(event="end", id=short_id(test), **rec)
            faulthandler.dump_traceback_later(timeout, exit=True, file=log)

        def addSuccess(self, test):
            super().addSuccess(test)
            self._note(test, "pass")

        def addFailure(self, test, err):
            super().addFailure(test, err)
            self._note(test, "fail", self._exc(test, err))

        def addError(self, test, err):
            super().addError(test, err)
            self._note(test, "error", self._exc(test, err))

        def addSkip(self, test, reason):
            super().addSkip(test, reason)
            self._note(test, "skip", reason)

        def addExpectedFailure(self, test, err):
            super().addExpectedFailure(test, err)
            self._note(test, "xfail")

        def addUnexpectedSuccess(self, test):
            super().addUnexpectedSuccess(test)
            self._note(test, "xpass")

        def addSubTest(self, test, subtest, err):
            super().addSubTest(test, subtest, err)
            if err is not None:
                failed = issubclass(err[0], test.failureException)
                self._note(test, "fail" if failed else "error", self._exc(test, err))

    result = Recorder()

    def thread_hook(hook_args):
        text = "".join(traceback.format_exception(
            hook_args.exc_type, hook_args.exc_value, hook_args.exc_traceback))
        name = hook_args.thread.name if hook_args.thread else "?"
        result.uncaught(f"exception in thread {name}", text)
        original_thread_hook(hook_args)

    def unraisable_hook(hook_args):
        text = "".join(traceback.format_exception(
            hook_args.exc_type, hook_args.exc_value, hook_args.exc_traceback))
        try:
            where = repr(hook_args.object)
        except Exception:  # noqa: BLE001 - a broken repr must not hide the report
            where = object.__repr__(hook_args.object)
        result.uncaught(f"unraisable ({hook_args.err_msg or 'ignored'} {where})", text)
        original_unraisable_hook(hook_args)

    import threading

    original_thread_hook, threading.excepthook = threading.excepthook, thread_hook
    original_unraisable_hook, sys.unraisablehook = sys.unraisablehook, unraisable_hook
    result.startTestRun()
    unittest.TestSuite(chosen).run(result)
    result.stopTestRun()
    emit(event="finished", ran=result.testsRun)
    print(f"Ran {result.testsRun} tests", file=log, flush=True)
    # Interpreter shutdown (joining worker threads, atexit hooks) is bounded too.
    faulthandler.dump_traceback_later(EXIT_TIMEOUT, exit=True, file=log)
    events.close()
    return 0


# --------------------------------------------------------------------------
# Command line


def summary(record: dict) -> str:
    """Human-readable counts plus one line per test that did not pass."""
    tests = record["tests"]
    c = counts(tests)
    lines = [
        (f"target {record['target']}  group {record['group'] or 'all'}  "
         f"python {record['python']}  suite {record['suite']['path']} "
         f"({record['suite']['lines']} lines)"),
        "counts: " + ", ".join(f"{k}={v}" for k, v in c.items())
        + f"  wall {record['wall_time']:.1f}s  runner starts {record['meta'].get('runner_starts')}",
    ]
    if record["meta"].get("stdlib_imported_by_target"):
        lines.append("note: importing the target also imports the stdlib concurrent.futures")
    for test_id, rec in tests.items():
        if rec["outcome"] not in OUTCOMES_OK:
            detail = (rec.get("detail") or "").strip().splitlines() or [""]
            # Tracebacks end with the exception; hang/crash reports start with the cause.
            line = detail[0] if rec["outcome"] in ("hung", "crashed") else detail[-1]
            lines.append(f"  {rec['outcome'].upper():8} {test_id}: {line}")
        elif rec.get("flaky"):
            lines.append(f"  FLAKY    {test_id} (first attempt: {rec['flaky']})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", default="simfutures.real",
                        help="implementation module (concurrent.futures = stdlib, no aliasing)")
    parser.add_argument("--group", choices=GROUPS, help="run only this group of test classes")
    parser.add_argument("--only", nargs="*", metavar="ID", help="run only these Class.test ids")
    parser.add_argument("--exclude", nargs="*", default=[], metavar="ID")
    parser.add_argument("--per-test-timeout", type=float, default=PER_TEST_TIMEOUT)
    parser.add_argument("--no-retry", action="store_true", help="do not re-run failed tests")
    parser.add_argument("--json", metavar="FILE", help="write the full result record here")
    parser.add_argument("--keep", action="store_true", help="keep the temporary work dir")
    # Inner-runner arguments (used by the harness itself).
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--select-file", help=argparse.SUPPRESS)
    parser.add_argument("--events", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.inner:
        return _inner_main(args)
    try:
        record = run_suite(args.target, args.group, only=args.only, exclude=set(args.exclude),
                           per_test_timeout=args.per_test_timeout,
                           retry_failures=not args.no_retry, keep_workdir=args.keep)
    except HarnessError as exc:
        print(f"harness error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        Path(args.json).write_text(json.dumps(record, indent=1) + "\n")
    print(summary(record))
    bad = [r for r in record["tests"].values() if r["outcome"] not in OUTCOMES_OK]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
