"""The pytest plugin, exercised on throw-away projects through pytester."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from scenario_samples import (
    CANCEL_RACE,
    CANCEL_RACE_FAILING_LINE,
    MAP_ORDER,
    MAP_ORDER_CLAIM_LINE,
)

import simfutures.commands.check  # noqa: F401  (see below)
import simfutures.scenario.loader  # noqa: F401
import simfutures.scenario.program  # noqa: F401
from simfutures.pytest_plugin import matches_patterns

# The plugin imports the simulator on first use. pytester's in-process runs
# drop the modules a run imported when it ends, and a second run would then
# mix two copies of the scenario model: import everything up front, as a
# real session (one run per process) effectively does.

pytest_plugins = ["pytester"]

GOOD, GOOD_CLAIM_LINE = MAP_ORDER, MAP_ORDER_CLAIM_LINE
BAD, BAD_CLAIM_LINE = CANCEL_RACE, CANCEL_RACE_FAILING_LINE

MALFORMED = """\
simfutures: 1
name: typo
executor: {kind: thread, max_workers: 1}
tasks:
  work: {duration: 0.1}
steps:
  - submit: {task: wrok, as: a}
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    (pytester.path / "scenarios").mkdir()
    (pytester.path / "scenarios" / "good.yaml").write_text(GOOD)
    (pytester.path / "scenarios" / "bad.yaml").write_text(BAD)
    return pytester


def refuting_seed(output: str) -> int:
    match = re.search(r"refuted by seed (\d+) ", output)
    assert match, output
    return int(match.group(1))


def test_one_item_per_scenario_and_a_failure_report(project):
    result = project.runpytest("-v")
    result.assert_outcomes(passed=1, failed=1)
    out = result.stdout.str()
    assert "scenarios/good.yaml::map keeps input order PASSED" in out
    assert "scenarios/bad.yaml::cancel always wins FAILED" in out
    seed = refuting_seed(out)
    result.stdout.fnmatch_lines([
        "*_ scenario: cancel always wins _*",
        f"scenarios/bad.yaml:{BAD_CLAIM_LINE}: 1 of 2 claims fail over 100 runs (seeds 0..99)*",
        # every claim's verdict
        "scenarios/bad.yaml:12:5: sometimes claim holds: seen in seed *",
        f"scenarios/bad.yaml:{BAD_CLAIM_LINE}:5: always claim FAILS: seed {seed}: "
        "cancelled returned false",
        # then the failed one explained: source, seed, replay, timeline
        f"    {BAD_CLAIM_LINE} |   - always: {{returns: {{of: cancelled, equals: true}}}}",
        f"    refuted by seed {seed} (tried seeds 0..99)",
        f"    replay: simfutures run scenarios/bad.yaml --strategy random --seed {seed} --timeline",
        f"    timeline of seed {seed}:",
        "*0.0000s  MainThread*submit a (task work)",
        "*ThreadPoolExecutor-0_0  start b",
        "*line 10: - cancel: {handle: b, as: cancelled}  -> cancelled = false",
        f"FAILED scenarios/bad.yaml::cancel always wins - scenarios/bad.yaml:{BAD_CLAIM_LINE}: *",
    ])
    assert "Traceback" not in out and "simfutures/pytest_plugin.py" not in out


def test_reports_point_at_the_yaml_lines(project):
    reprec = project.inline_run()
    reports = {r.nodeid: r for r in reprec.getreports("pytest_runtest_logreport")
               if r.when == "call"}
    bad = reports["scenarios/bad.yaml::cancel always wins"]
    good = reports["scenarios/good.yaml::map keeps input order"]
    # 0-based, as pytest's locations are: the failed claim, and the claims of
    # a scenario that passed.
    assert bad.location == ("scenarios/bad.yaml", BAD_CLAIM_LINE - 1,
                            "scenario: cancel always wins")
    assert good.location == ("scenarios/good.yaml", GOOD_CLAIM_LINE - 1,
                             "scenario: map keeps input order")
    # Per-claim verdicts as properties (junitxml shows them).
    assert bad.user_properties == [("scenarios/bad.yaml:12:5", "holds"),
                                   (f"scenarios/bad.yaml:{BAD_CLAIM_LINE}:5", "FAILS")]


def test_passing_claims_are_listed_with_rP(project):
    result = project.runpytest("-rP", "-k", "good")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([
        "*simfutures claims*",
        f"scenarios/good.yaml:{GOOD_CLAIM_LINE}:5: always claim holds: held in all 100 runs",
    ])


def test_k_selects_by_name(project):
    result = project.runpytest("-k", "map and order")
    result.assert_outcomes(passed=1, deselected=1)
    result = project.runpytest("-k", "bad")
    result.assert_outcomes(failed=1, deselected=1)


def test_x_stops_at_the_first_failure(project):
    (project.path / "scenarios" / "worse.yaml").write_text(BAD.replace("wins", "wins too"))
    result = project.runpytest("-x")
    result.assert_outcomes(passed=0, failed=1)
    assert "stopping after 1 failures" in result.stdout.str()
    result = project.runpytest()
    result.assert_outcomes(passed=1, failed=2)


def test_last_failed_reruns_only_the_failed_scenario(project):
    project.runpytest().assert_outcomes(passed=1, failed=1)
    result = project.runpytest("--lf", "-v")
    # pytest skips files without failures before collecting them.
    result.assert_outcomes(passed=0, failed=1)
    out = result.stdout.str()
    assert "run-last-failure: rerun previous 1 failure" in out
    assert "scenarios/bad.yaml::cancel always wins FAILED" in out
    assert "good.yaml" not in out


def test_xdist_runs_scenarios_in_workers(project):
    result = project.runpytest_subprocess("-p", "xdist", "-n", "2")
    result.assert_outcomes(passed=1, failed=1)
    out = result.stdout.str()
    assert "2 workers [2 items]" in out
    seed = refuting_seed(out)
    assert (f"replay: simfutures run scenarios/bad.yaml --strategy random --seed {seed} "
            "--timeline") in out


def test_malformed_scenario_is_a_clean_collection_error(project):
    (project.path / "scenarios" / "typo.yaml").write_text(MALFORMED)
    result = project.runpytest()
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.assert_outcomes(errors=1)
    out = result.stdout.str()
    result.stdout.fnmatch_lines([
        "*ERROR collecting scenarios/typo.yaml*",
        "bad scenario file: scenarios/typo.yaml:7:20: unknown task 'wrok' "
        "— did you mean 'work'?",
    ])
    assert "Traceback" not in out and "simfutures/" not in out and "raise " not in out
    # The other files still collect, and run if asked to carry on.
    result = project.runpytest("--continue-on-collection-errors")
    result.assert_outcomes(passed=1, failed=1, errors=1)


def test_runs_and_first_seed_options(project):
    result = project.runpytest("--simfutures-runs", "40", "--simfutures-seed", "30", "-k", "bad")
    out = result.stdout.str()
    assert "simfutures: scenarios run seeds 30..69" in out
    assert (f"scenarios/bad.yaml:{BAD_CLAIM_LINE}: 1 of 2 claims fail over 40 runs "
            "(seeds 30..69)") in out
    assert 30 <= refuting_seed(out) <= 69
    assert project.runpytest("--simfutures-runs", "0").ret == pytest.ExitCode.USAGE_ERROR


def test_unseen_sometimes_claim_says_how_many_runs(project):
    (project.path / "scenarios" / "rare.yaml").write_text(
        GOOD + "  - sometimes: {order: {of: results, equals: [0.1, 0.2, 0.3]}}\n")
    result = project.runpytest("--simfutures-runs", "12", "-k", "rare")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "scenarios/rare.yaml:10:5: sometimes claim FAILS: not seen in any of 12 runs",
        "    not seen in 12 runs (seeds 0..11); if the schedule is rare, try more runs "
        "(--simfutures-runs)",
    ])


def test_ini_patterns_and_runs(pytester: pytest.Pytester):
    for path in ("checks/one.yaml", "checks/deep/two.yaml", "scenarios/not_these.yaml",
                 "config/settings.yaml", "tests/scenario_named.yaml"):
        (pytester.path / path).parent.mkdir(parents=True, exist_ok=True)
        (pytester.path / path).write_text(GOOD.replace("map keeps", f"{path} keeps"))
    # Not a scenario at all: must not be collected by default patterns either.
    (pytester.path / "config" / "settings.yaml").write_text("just: [some, config]\n")
    pytester.makeini("[pytest]\nsimfutures_scenarios = checks/**/*.yaml\nsimfutures_runs = 9\n")
    result = pytester.runpytest("-v")
    result.assert_outcomes(passed=2)
    out = result.stdout.str()
    assert "checks/one.yaml::" in out and "checks/deep/two.yaml::" in out
    assert "simfutures: scenarios run seeds 0..8" in out


def test_default_patterns(pytester: pytest.Pytester):
    for path in ("scenarios/a.yaml", "scenarios/sub/b.yaml", "tests/scenario_c.yaml",
                 "scenario_d.yaml"):
        (pytester.path / path).parent.mkdir(parents=True, exist_ok=True)
        (pytester.path / path).write_text(GOOD.replace("map keeps", f"{path} keeps"))
    (pytester.path / "config").mkdir()
    (pytester.path / "config" / "settings.yaml").write_text("just: [some, config]\n")
    result = pytester.runpytest()
    result.assert_outcomes(passed=4)
    # A file named on the command line is collected whatever its name.
    (pytester.path / "config" / "odd.yml").write_text(GOOD)
    pytester.runpytest("config/odd.yml").assert_outcomes(passed=1)


@pytest.mark.parametrize("path, expected", [
    ("/r/scenarios/a.yaml", True),
    ("/r/scenarios/x/y/a.yaml", True),
    ("/r/tests/scenario_b.yaml", True),
    ("/elsewhere/scenario_b.yaml", True),
    ("/r/tests/b.yaml", False),
    ("/r/other/scenarios/a.yaml", False),
    ("/r/scenarios/a.yml", False),
    ("/r/scenarios.yaml", False),
])
def test_matches_patterns(path, expected):
    patterns = ["scenarios/**/*.yaml", "scenario_*.yaml"]
    assert matches_patterns(Path(path), patterns, Path("/r")) is expected


def test_pattern_star_stays_in_one_directory():
    assert matches_patterns(Path("/r/s/a.yaml"), ["s/*.yaml"], Path("/r"))
    assert not matches_patterns(Path("/r/s/t/a.yaml"), ["s/*.yaml"], Path("/r"))
    assert matches_patterns(Path("/r/s/a1.yaml"), ["./s/a[0-9].yaml"], Path("/r"))
    assert not matches_patterns(Path("/r/s/ab.yaml"), ["s/a[!b].yaml"], Path("/r"))


# --- only what is its own ----------------------------------------------------------

OTHER_TOOLS_SCENARIO = """\
# A load-testing tool's scenario: not ours, whatever the directory says.
name: checkout flow
users: 50
steps:
  - get: /cart
  - post: {url: /checkout, body: {simfutures: 1}}
"""


def test_other_tools_scenarios_are_left_alone_and_nothing_is_printed(
        pytester: pytest.Pytester):
    (pytester.path / "scenarios").mkdir()
    (pytester.path / "scenarios" / "load.yaml").write_text(OTHER_TOOLS_SCENARIO)
    (pytester.path / "scenario_settings.yaml").write_text("retries: 3\n")
    pytester.makepyfile(test_app="def test_app():\n    assert True\n")
    result = pytester.runpytest("-v")
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.OK
    # pytest's own "plugins: simfutures-0.1.0, ..." line is pytest's, not ours.
    out = "\n".join(line for line in result.outlines + result.errlines
                    if not line.startswith("plugins: "))
    # (The banner's words, not the bare name: paths such as CI's venv may contain it.)
    assert "simfutures:" not in out and "scenarios run seeds" not in out
    assert "load.yaml" not in out
    # Named on the command line, another tool's file is still not ours: pytest
    # itself says nothing collects it.
    result = pytester.runpytest("-p", "no:cacheprovider", "scenarios/load.yaml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: not found: */scenarios/load.yaml"])
    assert "unknown key" not in result.stdout.str() + result.stderr.str()


def test_a_session_with_scenarios_says_how_they_run(project):
    result = project.runpytest("--collect-only")
    result.stdout.fnmatch_lines(["collected 2 items", "simfutures: scenarios run seeds 0..99"])


def test_the_plugin_does_not_load_the_simulator_until_a_scenario_needs_it():
    code = ("import sys, simfutures.pytest_plugin; "
            "print(sorted(m for m in sys.modules if m.startswith('simfutures')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert "simfutures.sim" not in out and "simfutures.scenario.loader" not in out


def test_plugin_default_runs_is_the_check_commands():
    from simfutures.commands.check import DEFAULT_RUNS
    from simfutures.pytest_plugin import DEFAULT_RUNS as PLUGIN_RUNS

    assert PLUGIN_RUNS == DEFAULT_RUNS


def test_a_scenario_that_cannot_end_in_time_fails_with_its_line(pytester: pytest.Pytester):
    (pytester.path / "scenarios").mkdir()
    (pytester.path / "scenarios" / "long.yaml").write_text(
        GOOD.replace("items: [0.3, 0.1, 0.2]", "items: [0.3, 100000, 0.2]"))
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "scenarios/long.yaml:7:5: the duration of task 'nap' (100000 s) is beyond the "
        "virtual time limit of 86400 s (--max-time)*"])
    assert "Traceback" not in result.stdout.str()
