"""``simfutures explore`` as a person or a CI job uses it: output, replay, errors, shards."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from simfutures.cli import main

RACES = Path(__file__).parent / "races"


@pytest.fixture()
def races(tmp_path):
    """A private copy of the race suite: explore writes schedule files next to the cwd."""
    target = tmp_path / "races"
    shutil.copytree(RACES, target)
    return target


def simfutures(*args: str, cwd: Path, hashseed: str = "0") -> subprocess.CompletedProcess:
    """The command in a fresh process (for what only a fresh process shows)."""
    env = dict(os.environ, PYTHONHASHSEED=hashseed)
    return subprocess.run([sys.executable, "-m", "simfutures.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture()
def cli(capsys, monkeypatch):
    """The command in this process: ``cli(*args, cwd=...)`` -> CompletedProcess-like.

    Searches run serially here (worker processes are covered by test_explore and by
    the byte-identity test, which runs the real command with two workers).
    """

    def call(*args: str, cwd: Path) -> subprocess.CompletedProcess:
        if args[0] == "explore" and "--workers" not in args and "--merge" not in args:
            args = (*args, "--workers", "1")
        monkeypatch.chdir(cwd)
        capsys.readouterr()
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse's way out
            code = exc.code
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(args, code, out, err)

    return call


# -- output ---------------------------------------------------------------------------------


@pytest.mark.parametrize("form", [[], ["--json"]])
def test_same_arguments_print_the_same_bytes(races, form):
    args = ["explore", "lost_update.py", "--runs", "450", "--shrink", *form]
    first = simfutures(*args, "--workers", "1", cwd=races, hashseed="1")
    second = simfutures(*args, "--workers", "2", cwd=races, hashseed="2")
    assert first.returncode == second.returncode == 1  # a failure was found
    assert first.stdout == second.stdout
    # stderr (not a terminal): only the time taken, which the report leaves out
    for done in (first, second):
        assert re.fullmatch(r"(explore: \d+/450 runs, .* runs/s\n)*"  # a slow machine
                            r"explore: 450 runs in [\d.]+ s \([\d,]+ runs/s\)\n", done.stderr)


def test_json_report_groups_every_run(cli, races):
    done = cli("explore", "first_response.py", "--runs", "200", "--json",
                      "--strategy", "random", cwd=races)
    report = json.loads(done.stdout)
    assert report["runs"] == 200
    outcomes = report["outcomes"]
    assert sum(o["count"] for o in outcomes) == 200
    seeds = [seed for o in outcomes for seed in o["seeds"]]
    assert sorted(seeds) == list(range(200))
    for outcome in outcomes:
        assert set(outcome) >= {"stdout", "exit_code", "error", "count", "seeds"}
        assert outcome["seeds"] == sorted(outcome["seeds"]) and outcome["count"] == len(
            outcome["seeds"])
        assert outcome["error"] is None or "\n" not in outcome["error"]
    assert report["failures"] == sum(o["count"] for o in outcomes
                                     if o["exit_code"] or o["error"])
    assert report["first_failure"]["seed"] == min(
        o["seeds"][0] for o in outcomes if o["error"])


def test_stop_on_failure_stops_at_the_first_failing_run(cli, races):
    done = cli("explore", "lost_update.py", "--runs", "1000", "--strategy", "random",
                      "--seed-start", "3", "--stop-on-failure", "--json", cwd=races)
    report = json.loads(done.stdout)
    failing = report["first_failure"]["seed"]
    assert report["runs"] == failing - 3 + 1
    assert max(seed for o in report["outcomes"] for seed in o["seeds"]) == failing


def test_text_report_lists_outcomes_with_a_replaying_seed_each(cli, races):
    done = cli("explore", "lost_update.py", "--runs", "100", "--strategy", "random",
                      cwd=races)
    assert "explored 100 schedules of lost_update.py (random walk):" in done.stdout
    assert "2 distinct outcomes" in done.stdout
    assert done.stdout.count("replay: simfutures run lost_update.py --strategy random --seed ") \
        == 2


def test_exhaustive_says_when_the_space_is_covered(cli, races):
    done = cli("explore", "cancel_race.py", "--strategy", "exhaustive",
                      "--max-preemptions", "1", "--runs", "100000", cwd=races)
    assert re.search(r"explored all \d+ schedules within the bound", done.stdout)
    capped = cli("explore", "cancel_race.py", "--strategy", "exhaustive",
                        "--max-preemptions", "1", "--runs", "5", cwd=races)
    assert "not exhausted" in capped.stdout


# -- failure reports and replay --------------------------------------------------------------


@pytest.mark.parametrize("strategy", ["random", "pct", "exhaustive"])
def test_the_reported_failure_replays_with_simfutures_run(cli, races, strategy):
    done = cli("explore", "lost_update.py", "--strategy", strategy, "--runs", "500",
                      "--stop-on-failure", "--save-schedule", "failing.json", cwd=races)
    assert done.returncode == 1
    error = "AssertionError: lost update: counter is 1, expected 2"
    assert error in done.stdout
    assert "simfutures run lost_update.py --schedule failing.json" in done.stdout
    replayed = cli("run", "lost_update.py", "--schedule", "failing.json", cwd=races)
    assert replayed.returncode == 1 and error in replayed.stderr
    if strategy == "random":
        seed = json.loads(cli("explore", "lost_update.py", "--strategy", "random",
                                     "--runs", "500", "--json", cwd=races).stdout
                          )["first_failure"]["seed"]
        assert f"simfutures run lost_update.py --strategy random --seed {seed}" in done.stdout
        by_seed = cli("run", "lost_update.py", "--strategy", "random", "--seed", str(seed),
                      cwd=races)
        assert by_seed.returncode == 1 and error in by_seed.stderr


def test_a_deadlock_report_names_every_thread_its_wait_and_where(cli, races):
    done = cli("explore", "lock_order.py", "--runs", "500", "--stop-on-failure",
                      cwd=races)
    report = done.stdout
    assert "deadlock: every thread is waiting and no timer is pending" in report
    for line in ("ThreadPoolExecutor-0_0: Lock.acquire() (held by ThreadPoolExecutor-0_1) at "
                 "lock_order.py:", "ThreadPoolExecutor-0_1: Lock.acquire() (held by "
                 "ThreadPoolExecutor-0_0) at lock_order.py:", "MainThread: "):
        assert line in report


def test_shrink_reports_a_simpler_schedule_that_still_fails_and_its_timeline(cli, races):
    done = cli("explore", "lost_update.py", "--runs", "500", "--stop-on-failure",
                      "--shrink", cwd=races)
    out = done.stdout
    assert "shrunk with" in out and "1 preemption " in out
    assert "the decisive interleaving" in out
    # Between the read and the write: at the blocking call or at the racy write.
    assert ">>" in out and re.search(r"preempted at lost_update.py:1[23] in add_one", out)
    shrunk = out.split("it still fails with:")[1].split("\n")[2].strip()
    assert shrunk.startswith("simfutures run lost_update.py --schedule ")
    replayed = cli(*shrunk.split()[1:], cwd=races)
    assert "AssertionError: lost update" in replayed.stderr


def test_every_outcome_replays_from_its_saved_schedule(cli, races):
    done = cli("explore", "first_response.py", "--runs", "100", "--json",
               "--save-schedules", "examples", cwd=races)
    outcomes = json.loads(done.stdout)["outcomes"]
    assert len(outcomes) > 2
    for outcome in outcomes:
        saved = f"examples/first_response-pct-{outcome['seeds'][0]}.json"
        replayed = cli("run", "first_response.py", "--schedule", saved, cwd=races)
        assert (replayed.stdout, replayed.returncode) == (outcome["stdout"],
                                                          outcome["exit_code"])


def test_a_saved_schedule_can_be_shrunk_later(cli, races):
    cli("explore", "lock_order.py", "--runs", "500", "--stop-on-failure",
               "--save-schedule", "ci.json", cwd=races)
    done = cli("explore", "lock_order.py", "--schedule", "ci.json", "--shrink",
                      cwd=races)
    assert done.returncode == 1
    assert "saved schedule ci.json" in done.stdout and "shrunk with" in done.stdout


# -- shards ----------------------------------------------------------------------------------


def test_merged_shards_print_what_one_search_prints(cli, races):
    args = ["explore", "as_completed_order.py", "--runs", "240", "--json"]
    whole = cli(*args, cwd=races).stdout
    for i in (1, 2, 3):
        (races / f"shard{i}.json").write_text(cli(*args, "--shard", f"{i}/3",
                                                         cwd=races).stdout)
    merged = cli("explore", "--merge", "shard2.json", "shard3.json", "shard1.json",
                        cwd=races)
    assert merged.stdout == whole


# -- bad input -------------------------------------------------------------------------------


def _bad_schedules(races: Path) -> None:
    (races / "corrupt.json").write_text("{not json")
    (races / "wrong.json").write_text(json.dumps({"format": "simfutures-schedule/1",
                                                  "choices": [[5, 2, "thread"]]}))
    (races / "other.json").write_text(json.dumps({"format": "simfutures-schedule/1",
                                                  "choices": [], "program": "lock_order.py"}))
    (races / "misfit.json").write_text(json.dumps({"format": "simfutures-schedule/1",
                                                   "choices": [[0, 2**32, "random"],
                                                               [6, 7, "thread"]]}))


@pytest.mark.parametrize("args,message", [
    (["--runs", "0"], "expected a number >= 1"),
    (["--runs", "-3"], "expected a number >= 1, got -3"),
    (["--runs", "many"], "expected a whole number"),
    (["--strategy", "bogus"], "invalid choice: 'bogus'"),
    (["--shard", "3/2"], "expected i/n with 1 <= i <= n"),
    (["--shard", "0/2"], "expected i/n with 1 <= i <= n"),
    (["--shard", "half"], "expected i/n"),
    (["--depth", "0"], "expected a number >= 1"),
    (["--workers", "-1"], "expected a number >= 1, got -1"),
    (["--max-preemptions", "x"], "expected a whole number"),
    (["--schedule", "missing.json"], "missing.json: no such schedule file"),
    (["--schedule", "corrupt.json"], "corrupt.json: not a schedule file"),
    (["--schedule", "wrong.json"], "corrupt schedule: choice 0 is 5 of 2"),
    (["--schedule", "other.json"], "recorded for lock_order.py, not lost_update.py"),
    (["--schedule", "misfit.json"], "misfit.json: schedule diverges from the program at "
                                    "choice 1"),
    (["--strategy", "exhaustive", "--shard", "1/2"], "exhaustive search has none"),
])
def test_bad_input_is_one_clear_line_and_exit_code_2(cli, races, args, message):
    _bad_schedules(races)
    done = cli("explore", "lost_update.py", *args, cwd=races)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert message in done.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize("args,message", [
    (["missing.py"], "missing.py: no such file"),
    ([], "which program?"),
    (["--merge", "corrupt.json"], "corrupt.json: not a JSON report"),
    (["--merge", "wrong.json"], "wrong.json: not a simfutures explore --json report"),
])
def test_bad_programs_and_reports_are_clear_errors(cli, races, args, message):
    _bad_schedules(races)
    done = cli("explore", *args, cwd=races)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert message in done.stderr.strip().splitlines()[-1]


def test_what_threads_write_to_stderr_tells_outcomes_apart(cli, tmp_path):
    # Two threads log one line each: the two orders print the same stdout, and are
    # two outcomes because of stderr (each replays with its own order).
    (tmp_path / "log_order.py").write_text(
        "import logging, sys, threading\n"
        "log = logging.getLogger('app')\n"
        "log.propagate = False\n"
        "handler = logging.StreamHandler(sys.stderr)\n"
        "handler.setFormatter(logging.Formatter('%(threadName)s %(message)s'))\n"
        "log.addHandler(handler)\n"
        "def work(n):\n"
        "    log.warning('step %d', n)\n"
        "threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]\n"
        "for t in threads: t.start()\n"
        "for t in threads: t.join()\n"
        "print('done')\n")
    done = cli("explore", "log_order.py", "--runs", "40", "--json", cwd=tmp_path)
    outcomes = json.loads(done.stdout)["outcomes"]
    assert {o["stdout"] for o in outcomes} == {"done\n"}
    orders = {o["stderr"] for o in outcomes}
    assert orders == {"Thread-1 (work) step 0\nThread-2 (work) step 1\n",
                      "Thread-2 (work) step 1\nThread-1 (work) step 0\n"}
    for outcome in outcomes:
        replay = cli(*outcome["replay"][1:], cwd=tmp_path)
        assert replay.stderr.endswith(outcome["stderr"])
    text = cli("explore", "log_order.py", "--runs", "40", cwd=tmp_path).stdout
    assert "    ! Thread-2 (work) step 1\n    ! Thread-1 (work) step 0\n" in text


def test_temporary_names_do_not_split_an_outcome(cli, tmp_path):
    # tempfile's names come from each run's seed: five random walks, five paths, one
    # outcome (the replay prints its own path, the same every time).
    (tmp_path / "temp_path.py").write_text(
        "import tempfile\n"
        "with tempfile.TemporaryDirectory() as folder:\n"
        "    raise RuntimeError(f'disk full in {folder}')\n")
    done = cli("explore", "temp_path.py", "--strategy", "random", "--runs", "5", "--json",
               cwd=tmp_path)
    (outcome,) = json.loads(done.stdout)["outcomes"]
    assert outcome["count"] == 5
    assert outcome["error"].startswith("RuntimeError: disk full in ")
    assert outcome["error"].endswith("/tmp…")
    replays = [cli(*outcome["replay"][1:], cwd=tmp_path).stderr for _ in range(2)]
    assert replays[0] == replays[1] and "/tmp…" not in replays[0]
