"""Every outcome explore reports replays, byte for byte, from the command it prints."""

from __future__ import annotations

import argparse
import difflib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from simfutures.explore.handles import decode_choices, encode_choices

REPO = Path(__file__).resolve().parent.parent


def _cli(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "simfutures.cli", *argv], cwd=REPO,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("strategy, program", [
    ("pct", "tests/races/lost_update.py"),
    ("random", "tests/races/as_completed_order.py"),
    ("exhaustive", "tests/races/check_then_act_cache.py"),
])
def test_each_outcome_replays_from_its_handle(strategy, program):
    explored = _cli("explore", program, "--strategy", strategy, "--runs", "60", "--json",
                    "--workers", "1")
    report = json.loads(explored.stdout)
    assert len(report["outcomes"]) >= 2, "a racy program: more than one outcome"
    for outcome in report["outcomes"]:
        argv = outcome["replay"]
        assert argv[:3] == ["simfutures", "run", program]
        if strategy != "exhaustive":  # a seed, and the default strategy needs no option
            assert argv[-2:] == ["--seed", str(outcome["seeds"][0])]
            assert ("--strategy" in argv) == (strategy != "pct")
        replayed = _cli(*argv[1:])
        assert replayed.stdout == outcome["stdout"], argv
        assert replayed.returncode == outcome["exit_code"], argv


def test_non_default_options_are_part_of_the_handle():
    explored = _cli("explore", "tests/races/cancel_race.py", "--depth", "2", "--max-steps",
                    "5000", "--runs", "30", "--json", "--workers", "1")
    report = json.loads(explored.stdout)
    for outcome in report["outcomes"]:
        argv = outcome["replay"]
        assert argv[3:] == ["--depth", "2", "--seed", str(outcome["seeds"][0]),
                            "--max-steps", "5000"]
        replayed = _cli(*argv[1:])
        assert (replayed.stdout, replayed.returncode) == (outcome["stdout"],
                                                          outcome["exit_code"])


def test_run_refuses_a_depth_below_one():
    done = _cli("run", "tests/races/lost_update.py", "--depth", "0", "--seed", "3")
    assert done.returncode == 2 and "--depth: expected a number >= 1" in done.stderr


def test_run_seed_with_default_options_is_explores_run_with_default_options():
    explored = _cli("explore", "tests/races/torn_progress.py", "--runs", "40", "--json",
                    "--workers", "1")
    report = json.loads(explored.stdout)
    by_seed = {seed: o for o in report["outcomes"] for seed in o["seeds"]}
    for seed in (0, 7, 23, 39):
        replayed = _cli("run", "tests/races/torn_progress.py", "--seed", str(seed))
        assert replayed.stdout == by_seed[seed]["stdout"]
        assert replayed.returncode == by_seed[seed]["exit_code"]


def test_the_text_report_prints_a_replay_line_for_every_outcome_and_a_summary():
    explored = _cli("explore", "tests/races/lost_update.py", "--runs", "30", "--workers", "1")
    lines = explored.stdout.splitlines()
    outcomes = [line for line in lines if line.startswith("outcome ")]
    replays = [line for line in lines if line.startswith("    replay: simfutures run ")]
    assert len(outcomes) == len(replays) >= 2
    assert lines[-2].startswith("summary: 30 runs, 2 distinct outcomes, ")
    assert re.fullmatch(r"replay the first failure: simfutures run tests/races/lost_update.py "
                        r"--seed \d+", lines[-1]), lines[-1]
    assert "explore: 30 runs in " in explored.stderr


def test_explore_refuses_a_seed_start_for_exhaustive_search():
    done = _cli("explore", "tests/races/lost_update.py", "--strategy", "exhaustive",
                "--seed-start", "5")
    assert done.returncode == 2
    assert "exhaustive search has no seeds" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("indices, text", [
    ([], "0"), ([0, 0, 0], "0"), ([1], "1"), ([0, 1, 0, 0, 2, 0, 0], "0,1,0*2,2"),
    ([0] * 12 + [3], "0*12,3"),
])
def test_inline_choices_round_trip(indices, text):
    assert encode_choices(indices) == text
    trimmed = list(indices)
    while trimmed and trimmed[-1] == 0:
        trimmed.pop()
    assert decode_choices(text) == (trimmed or [0])


@pytest.mark.parametrize("bad", ["x", "1*2", "0*0", "-1", "0*-3", ""])
def test_bad_inline_choices_are_refused(bad):
    with pytest.raises(argparse.ArgumentTypeError):
        decode_choices(bad)


def test_bad_inline_choices_at_the_cli_are_a_usage_error():
    done = _cli("run", "tests/races/lost_update.py", "--choices", "0,x")
    assert done.returncode == 2
    assert "expected choices like 0*12,1,0,2" in done.stderr
    assert "Traceback" not in done.stderr


# -- one race policy: every entry point's handle replays with `simfutures run` ---------


def _timeline_of(text: str) -> str:
    """The timeline lines (they start with virtual time or deep indentation) of a run."""
    return "".join(line.strip() + "\n" for line in text.splitlines()
                   if re.match(r"\s+(\d+\.\d{4}s\s+)?\S+\s{2,}\S", line)
                   and not line.startswith("    replay"))


@pytest.mark.parametrize("preempt", [None, "sync", "every-access"])
def test_checks_replay_line_reproduces_the_failing_seed(preempt):
    options = ["--preempt", preempt] if preempt else []
    checked = _cli("check", "examples/race_lost_update.py", "--runs", "200", *options)
    assert checked.returncode == 1, checked.stdout + checked.stderr
    command = re.search(r"^    replay: (.*)$", checked.stdout, re.M).group(1)
    argv = command.split()
    assert argv[:3] == ["simfutures", "run", "examples/race_lost_update.py"]
    assert ("--preempt" in argv) == (preempt is not None)
    replayed = _cli(*argv[1:])
    assert replayed.returncode == 1
    error = re.search(r"failed \((.*)\); ", checked.stdout).group(1)
    assert replayed.stderr.count(error) == 1  # the same failure...
    shown = checked.stdout.split("timeline of seed", 1)[1].split("\n", 1)[1]
    assert _timeline_of(shown) == _timeline_of(replayed.stderr)  # ...the same run
    assert _timeline_of(shown)  # (the timeline was read at all)


def test_checks_replay_line_carries_the_limits():
    checked = _cli("check", "examples/race_lost_update.py", "--runs", "200",
                   "--max-steps", "4000", "--max-time", "50")
    command = re.search(r"^    replay: (.*)$", checked.stdout, re.M).group(1)
    assert "--max-steps 4000 --max-time 50" in command
    replayed = _cli(*command.split()[1:])
    shown = checked.stdout.split("timeline of seed", 1)[1].split("\n", 1)[1]
    assert _timeline_of(shown) == _timeline_of(replayed.stderr)


@pytest.mark.parametrize("preempt", ["sync", "every-access"])
def test_explores_handle_names_a_non_default_race_mode(preempt):
    explored = _cli("explore", "tests/races/lost_update.py", "--preempt", preempt,
                    "--runs", "40", "--json", "--workers", "1")
    report = json.loads(explored.stdout)
    for outcome in report["outcomes"]:
        argv = outcome["replay"]
        assert argv[-4:-2] == ["--preempt", preempt] or argv[-2:] == ["--preempt", preempt]
        replayed = _cli(*argv[1:])
        assert (replayed.stdout, replayed.returncode) == (outcome["stdout"],
                                                          outcome["exit_code"]), argv


def test_plugins_replay_line_reproduces_the_refuting_seed(tmp_path):
    # The plugin prints check's report for a scenario: its replay line must replay.
    scenario = tmp_path / "scenarios" / "order.yaml"
    scenario.parent.mkdir()
    scenario.write_text(
        "simfutures: 1\n"
        "name: tied tasks finish in submission order\n"
        "executor: {kind: thread, max_workers: 2}\n"
        "tasks:\n"
        "  fetch: {duration: {min: 0.1, max: 0.5}, returns: ok}\n"
        "steps:\n"
        "  - submit: {task: fetch, as: a}\n"
        "  - submit: {task: fetch, as: b}\n"
        "  - as_completed: {timeout: 1, as: order}\n"
        "expect:\n"
        "  - always: {order: {of: order, equals: [a, b]}}\n", encoding="utf-8")
    ran = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          str(scenario)], cwd=tmp_path, capture_output=True, text=True,
                         timeout=300)
    assert ran.returncode == 1, ran.stdout + ran.stderr
    command = re.search(r"replay: (simfutures run .*)$", ran.stdout, re.M).group(1)
    # Only the failure section: on CI (env CI set) pytest's short summary repeats the
    # whole message, timeline included.
    failures = ran.stdout.split("short test summary info", 1)[0]
    shown = failures.split("timeline of seed", 1)[1].split("\n", 1)[1]
    replayed = subprocess.run([sys.executable, "-m", "simfutures.cli", *command.split()[1:]],
                              cwd=tmp_path, capture_output=True, text=True, timeout=300)
    timeline = _timeline_of(shown)
    again = _timeline_of(replayed.stdout + replayed.stderr)
    assert timeline and timeline in again, "".join(difflib.unified_diff(
        timeline.splitlines(True), again.splitlines(True), "shown by the plugin", "replayed"))
