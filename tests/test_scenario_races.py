"""Scenario tasks that call the user's code (``call:``), and ``data_race`` claims.

Everything runs on the simulator's virtual clock: no test sleeps.  Race
detection needs ``stack_peek`` (CPython 3.11 today): the tests that need a race
to be seen are skipped elsewhere, and turn on by themselves where it works.
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import sys
import textwrap
from pathlib import Path

import pytest

from simfutures.cli import main
from simfutures.explore import stack_peek
from simfutures.scenario import ScenarioError, load_scenario
from simfutures.scenario.check import check_scenario

pytest_plugins = ["pytester"]

REPO = Path(__file__).resolve().parent.parent
APP = REPO / "scenarios" / "counter_app.py"
APP_LINES = APP.read_text().splitlines()
READ_LINE = APP_LINES.index('    count = hits["count"]  # read, ...') + 1
WRITE_LINE = READ_LINE + 1

needs_race_detection = pytest.mark.skipif(
    not stack_peek.AVAILABLE,
    reason="data race detection needs explore.stack_peek, not available on this Python")


def scenario_text(function: str, claims: str, kind: str = "thread") -> str:
    return textwrap.dedent(f"""\
        simfutures: 1
        name: bump twice
        executor: {{kind: {kind}, max_workers: 2}}
        tasks:
          bump: {{call: "counter_app:{function}"}}
          read: {{call: "counter_app:total"}}
        steps:
          - submit: {{task: bump, as: a}}
          - submit: {{task: bump, as: b}}
          - wait
          - submit: {{task: read, as: count}}
        expect:
        """) + textwrap.indent(textwrap.dedent(claims), "  ")


@pytest.fixture
def app_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory with the bundled counter_app.py, as the working directory."""
    shutil.copy(APP, tmp_path / "counter_app.py")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


# --- the racy counter and its locked twin -----------------------------------------


@needs_race_detection
def test_never_data_race_is_refuted_naming_both_accesses(app_dir: Path):
    (app_dir / "racy.yaml").write_text(scenario_text("increment", "- never: data_race\n"))
    code, out, err = cli("check", "racy.yaml", "--runs", "50")
    assert (code, err) == (1, "")
    verdict = next(line for line in out.splitlines() if "never claim FAILS" in line)
    assert verdict.startswith("racy.yaml:13:5: never claim FAILS: seed ")
    # Both sides: read and write, two threads, each by file:line.
    sides = re.search(r"data race on entry 'count' of a dict: "
                      rf"read by (ThreadPoolExecutor-0_\d) at counter_app.py:{READ_LINE}, "
                      rf"write by (ThreadPoolExecutor-0_\d) at counter_app.py:{WRITE_LINE}",
                      verdict)
    assert sides is not None and sides[1] != sides[2], verdict
    seed = int(verdict.split(": seed ")[1].split(":")[0])
    replay = f"replay: simfutures run racy.yaml --strategy random --seed {seed} --timeline"
    assert replay in out

    # The replay command shows the same race, and no earlier seed showed one.
    code, shown, _ = cli("run", "racy.yaml", "--strategy", "random", "--seed", str(seed))
    assert code == 0
    race = verdict.split(f"seed {seed}: ", 1)[1].removesuffix(" (and 1 more)")
    assert race in shown.splitlines()
    for earlier in range(seed):
        _, quiet, _ = cli("run", "racy.yaml", "--strategy", "random", "--seed", str(earlier))
        assert "data race" not in quiet


@needs_race_detection
def test_the_locked_twin_has_no_race_and_loses_no_update(app_dir: Path):
    (app_dir / "locked.yaml").write_text(scenario_text(
        "increment_locked", """\
        - never: data_race
        - always: {returns: {of: count, equals: 2}}
        - sometimes: data_race
        """))
    report = check_scenario(load_scenario("locked.yaml"), runs=60)
    never, always, sometimes = report.results
    assert never.passed and always.passed and not report.failures
    assert not sometimes.passed and sometimes.detail == "not seen in any of 60 runs"


@needs_race_detection
def test_sometimes_data_race_documents_a_known_race_and_its_lost_update(app_dir: Path):
    (app_dir / "racy.yaml").write_text(scenario_text("increment", """\
        - sometimes: data_race
        - sometimes: {returns: {of: count, equals: 1}}
        - sometimes: {returns: {of: count, equals: 2}}
        """))
    report = check_scenario(load_scenario("racy.yaml"), runs=60)
    assert report.passed, report.render()


@needs_race_detection
def test_data_race_at_a_line(app_dir: Path):
    total_line = APP_LINES.index("def total():") + 2
    (app_dir / "racy.yaml").write_text(scenario_text("increment", f"""\
        - sometimes: {{data_race: {{at: "counter_app.py:{READ_LINE}"}}}}
        - never: {{data_race: {{at: "counter_app.py:{total_line}"}}}}
        - never: {{data_race: {{at: "counter_app.py:{WRITE_LINE}"}}}}
        """))
    seen, unseen, refuted = check_scenario(load_scenario("racy.yaml"), runs=40).results
    assert seen.passed and f"counter_app.py:{READ_LINE}" in seen.detail
    assert unseen.passed
    assert not refuted.passed and f"counter_app.py:{WRITE_LINE}" in refuted.detail


@needs_race_detection
def test_checks_are_deterministic(app_dir: Path):
    (app_dir / "racy.yaml").write_text(scenario_text("increment", "- never: data_race\n"))
    first = cli("check", "racy.yaml", "--runs", "20")
    assert first == cli("check", "racy.yaml", "--runs", "20")


def test_without_race_detection_the_claim_is_not_judged(app_dir: Path,
                                                        monkeypatch: pytest.MonkeyPatch):
    # What every Python without stack_peek shows: a verdict, never a silent pass.
    monkeypatch.setattr(stack_peek, "AVAILABLE", False)
    (app_dir / "locked.yaml").write_text(scenario_text(
        "increment_locked", "- never: data_race\n- always: {returns: {of: count, equals: 2}}\n"))
    code, out, _ = cli("check", "locked.yaml", "--runs", "5")
    assert code == 1
    assert "locked.yaml:13:5: never claim NOT JUDGED: data race detection is not available " \
           "on this Python (" in out
    assert "claim FAILS" not in out  # the other claim holds


# --- call tasks -----------------------------------------------------------------------


def test_each_run_imports_the_module_afresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tally.py").write_text(
        "import threading\ncalls = []\nlock = threading.Lock()\n\n\n"
        "def add(x):\n    with lock:\n        calls.append(x)\n        return len(calls)\n")
    (tmp_path / "t.yaml").write_text(textwrap.dedent("""\
        simfutures: 1
        name: fresh
        executor: {kind: thread, max_workers: 2}
        tasks:
          add: {call: "tally:add"}
        steps:
          - submit: {task: add, as: a, args: [1]}
          - result: {handle: a, as: r}
        expect:
          - always: {returns: {of: r, equals: 1}}
        """))
    report = check_scenario(load_scenario("t.yaml"), runs=5)
    assert report.passed, report.render()
    assert "tally" not in sys.modules and str(tmp_path) not in sys.path


@pytest.mark.parametrize("kind", ["thread", "process"])
def test_call_tasks_get_the_step_arguments(tmp_path: Path, kind: str):
    (tmp_path / "maths.py").write_text(
        "def double(x):\n    return 2 * x\n\n\ndef fail(text):\n    raise ValueError(text)\n")
    (tmp_path / "t.yaml").write_text(textwrap.dedent(f"""\
        simfutures: 1
        name: calls
        executor: {{kind: {kind}, max_workers: 2}}
        tasks:
          double: {{call: "maths:double"}}
          fail: {{call: "maths:fail"}}
        steps:
          - submit: {{task: double, as: a, args: [21]}}
          - submit: {{task: fail, as: b, args: [boom]}}
          - map: {{task: double, items: [1, 2, 3], as: m}}
        expect:
          - always: {{returns: {{of: a, equals: 42}}}}
          - always: {{raises: {{of: b, exception: ValueError, message: boom}}}}
          - always: {{returns: {{of: m, equals: [2, 4, 6]}}}}
        """))
    report = check_scenario(load_scenario(tmp_path / "t.yaml"), runs=10)
    assert report.passed, report.render()


# --- bad input: one line, file:line, exit 2 -----------------------------------------


BAD = {
    "unknown module": ('bump: {call: "countr_app:increment"}',
                       "5:16: task 'bump': no module named 'countr_app' next to the "
                       "scenario file (./) or on sys.path"),
    "unknown function": ('bump: {call: "counter_app:incremnt"}',
                         "5:16: task 'bump': 'counter_app' (counter_app.py) has no "
                         "attribute 'incremnt' — did you mean 'increment'?"),
    "not a function": ('bump: {call: "counter_app:hits"}',
                       "5:16: task 'bump': counter_app:hits is a dict, not a function"),
    "no function": ('bump: {call: "counter_app"}',
                    "5:16: task 'bump': call must be 'module:function' (e.g. "
                    "'counter_app:increment'), got 'counter_app'"),
    "not the project's code": ('bump: {call: "os:system"}',
                               "5:16: task 'bump': 'os' is not your project's code (it is "
                               "built in, standard library or an installed package): a "
                               "task calls only functions of your own modules"),
    "call and duration": ('bump: {call: "counter_app:increment", duration: 1}',
                          "5:51: task 'bump' has 'call', which cannot be combined with "
                          "'duration': the called function alone decides what the task does"),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_calls_are_load_errors_at_their_line(app_dir: Path, case: str):
    task, message = BAD[case]
    text = scenario_text("increment", "- always: {state: {a: finished}}\n")
    text = text.replace('bump: {call: "counter_app:increment"}', task)
    (app_dir / "bad.yaml").write_text(text)
    code, out, err = cli("check", "bad.yaml")
    assert (code, out) == (2, "")
    assert err == f"simfutures check: error: bad.yaml:{message}\n"


def test_a_module_missing_for_a_process_pool_says_the_worker_imports_it(app_dir: Path):
    text = scenario_text("increment", "- always: {state: {a: finished}}\n", kind="process")
    (app_dir / "bad.yaml").write_text(text.replace("counter_app:increment", "nope:increment"))
    with pytest.raises(ScenarioError, match="a process worker imports it by this name: it "
                       "must be importable there"):
        load_scenario("bad.yaml")


@pytest.mark.parametrize(("claims", "message"), [
    ("- never: data_race\n", "a data_race claim needs a thread executor"),
    ("- never: {data_race: {at: counter_app.py}}\n", "at must be 'FILE:LINE'"),
    ("- never: {data_race: {at: 'nowhere.py:3'}}\n", "at: no file 'nowhere.py' next to"),
    ("- never: {data_race: {at: 'counter_app.py:999'}}\n",
     f"at: counter_app.py has {len(APP_LINES)} lines, so no line 999"),
])
def test_bad_data_race_claims(app_dir: Path, claims: str, message: str):
    kind = "process" if "thread executor" in message else "thread"
    (app_dir / "bad.yaml").write_text(scenario_text("increment", claims, kind=kind))
    with pytest.raises(ScenarioError, match=message) as error:
        load_scenario("bad.yaml")
    assert error.value.line == 13


def test_a_data_race_claim_needs_a_call_task(app_dir: Path):
    (app_dir / "bad.yaml").write_text(textwrap.dedent("""\
        simfutures: 1
        name: nothing of the user's runs
        executor: {kind: thread, max_workers: 2}
        tasks:
          nap: {duration: 0.1}
        steps:
          - submit: {task: nap, as: a}
        expect:
          - never: data_race
        """))
    with pytest.raises(ScenarioError, match="needs a task that calls your code") as error:
        load_scenario("bad.yaml")
    assert (error.value.line, error.value.column) == (9, 12)


def test_loading_leaves_no_module_behind(app_dir: Path):
    (app_dir / "ok.yaml").write_text(scenario_text("increment", "- always: {state: {a: "
                                                   "finished}}\n"))
    path = list(sys.path)
    load_scenario("ok.yaml")
    assert "counter_app" not in sys.modules and sys.path == path


# --- the pytest plugin ------------------------------------------------------------------


@pytest.fixture
def plugin_project(pytester: pytest.Pytester) -> pytest.Pytester:
    (pytester.path / "scenarios").mkdir()
    shutil.copy(APP, pytester.path / "scenarios" / "counter_app.py")
    (pytester.path / "scenarios" / "locked.yaml").write_text(scenario_text(
        "increment_locked", "- never: data_race\n"))
    (pytester.path / "scenarios" / "racy.yaml").write_text(scenario_text(
        "increment", "- never: data_race\n"))
    return pytester


@needs_race_detection
def test_the_plugin_judges_data_race_claims(plugin_project: pytest.Pytester):
    result = plugin_project.runpytest_subprocess("-p", "no:cacheprovider",
                                                 "--simfutures-runs", "30")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines([
        "*scenarios/racy.yaml:13:5: never claim FAILS: seed *: data race on entry 'count' "
        f"of a dict: read by ThreadPoolExecutor-0_? at *counter_app.py:{READ_LINE}, write by "
        f"ThreadPoolExecutor-0_? at *counter_app.py:{WRITE_LINE}*"])


def test_the_plugin_skips_what_this_python_cannot_judge(plugin_project: pytest.Pytester):
    plugin_project.makeconftest(
        "from simfutures.explore import stack_peek\nstack_peek.AVAILABLE = False\n")
    result = plugin_project.runpytest_subprocess("-p", "no:cacheprovider", "-rs",
                                                 "--simfutures-runs", "3")
    result.assert_outcomes(skipped=2)
    result.stdout.fnmatch_lines(["SKIPPED * scenarios/locked.yaml:13:5: data race detection "
                                 "is not available on this Python (*"])
