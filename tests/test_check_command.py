"""``simfutures check``: scenarios (claims over many seeds) and scripts (no failing seed).

Everything runs on the simulator's virtual clock: no test sleeps.
"""

from __future__ import annotations

import contextlib
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from scenario_samples import CANCEL_RACE, MAP_ORDER

from simfutures.cli import main
from simfutures.program import load_program
from simfutures.scenario import load_scenario
from simfutures.scenario.claims import check_all
from simfutures.scenario.runner import run_scenario
from simfutures.sim import simulate
from simfutures.sim.chooser import chooser_for_seed

REPO = Path(__file__).resolve().parent.parent

GOOD = MAP_ORDER + "  - always: {time: {step: results, equals: 0.3}}\n"
RACE = CANCEL_RACE + "  - sometimes: {state: {a: pending}}\n  - never: {state: {b: running}}\n"
HELD_LINE, ALWAYS_LINE, UNSEEN_LINE, NEVER_LINE = 12, 13, 14, 15


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def check(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["check", *argv])
    return code, out.getvalue(), err.getvalue()


def first_refuting_seed(path: str, claim_index: int, runs: int, first: int = 0) -> int:
    """Worked out independently of the command: simulate each seed and judge."""
    scenario = load_scenario(path)
    claim = scenario.expect[claim_index]
    for seed in range(first, first + runs):
        with contextlib.redirect_stdout(io.StringIO()):
            holds, _ = check_all(claim, simulate(run_scenario, scenario, seed=seed))
        if holds != (claim.quantifier == "always"):
            return seed
    raise AssertionError("no seed refutes the claim")


def block_of(output: str, line: int) -> str:
    """The explanation printed for the claim on ``line``."""
    match = re.search(rf"^\S+:{line}:5: \w+ claim FAILS.*?(?=^\S|\Z)", output, re.M | re.S)
    assert match, output
    return match.group(0)


def test_all_claims_hold_exit_0(tmp_path):
    path = write(tmp_path, "good.yaml", GOOD)
    code, out, err = check(path, "--runs", "20")
    assert code == 0, out + err
    assert out == f"PASS {path}: map keeps input order: 2/2 claims hold over 20 runs " \
                  "(seeds 0..19)\n"


def test_verbose_lists_every_claim(tmp_path):
    path = write(tmp_path, "good.yaml", GOOD)
    code, out, _ = check(path, "--runs", "5", "-v")
    assert code == 0
    assert f"{path}:9:5: always claim holds: held in all 5 runs" in out
    assert f"{path}:9:5: always claim holds: held in all 5 runs" in out


def test_refuted_always_claim_names_line_seed_replay_and_timeline(tmp_path):
    path = write(tmp_path, "race.yaml", RACE)
    code, out, _ = check(path, "--runs", "50")
    assert code == 1
    seed = first_refuting_seed(path, 1, 50)
    block = block_of(out, ALWAYS_LINE)
    assert block.startswith(f"{path}:{ALWAYS_LINE}:5: always claim FAILS: seed {seed}: "
                            "cancelled returned false")
    assert f"{ALWAYS_LINE} |   - always: {{returns: {{of: cancelled, equals: true}}}}" in block
    assert f"refuted by seed {seed} (tried seeds 0..49)" in block
    assert f"replay: simfutures run {path} --strategy random --seed {seed} --timeline" in block
    assert "did not show this again" not in block
    # The timeline is the refuting run's: b started although the cancel came.
    assert re.search(r"ThreadPoolExecutor-0_0\s+start b", block)
    assert "line 10: - cancel: {handle: b, as: cancelled}  -> cancelled = false" in block


def test_timeline_is_what_the_replay_command_shows(tmp_path, capsys):
    path = write(tmp_path, "race.yaml", RACE)
    _, out, _ = check(path, "--runs", "50")
    seed = first_refuting_seed(path, 1, 50)
    block = block_of(out, ALWAYS_LINE)
    shown = block.split(f"timeline of seed {seed}:\n", 1)[1]
    assert main(["run", path, "--strategy", "random", "--seed", str(seed), "--timeline"]) == 0
    replayed = capsys.readouterr().out
    # The block indents the timeline and the steps by two levels of four spaces.
    assert "".join(line[8:] for line in shown.splitlines(True)).rstrip("\n") == \
        replayed.rstrip("\n")


def test_refuted_never_claim_and_unseen_sometimes_claim(tmp_path):
    path = write(tmp_path, "race.yaml", RACE)
    code, out, _ = check(path, "--runs", "30")
    assert code == 1
    never = block_of(out, NEVER_LINE)
    seed = first_refuting_seed(path, 3, 30)
    assert f"refuted by seed {seed} " in never
    assert f"--strategy random --seed {seed} --timeline" in never
    unseen = block_of(out, UNSEEN_LINE)
    assert unseen.startswith(f"{path}:{UNSEEN_LINE}:5: sometimes claim FAILS: "
                             "not seen in any of 30 runs")
    assert "not seen in 30 runs (seeds 0..29)" in unseen
    assert "--seed" not in unseen  # no run refutes a 'sometimes': nothing to replay
    # The claim that held is not explained, only counted.
    assert f"{path}:{HELD_LINE}:5" not in out
    assert "1/4 claims hold over 30 runs (seeds 0..29)" in out


def test_first_seed_option_shifts_the_explored_seeds(tmp_path):
    path = write(tmp_path, "race.yaml", RACE)
    _, out, _ = check(path, "--runs", "20", "--seed", "40")
    seed = first_refuting_seed(path, 1, 20, first=40)
    assert f"refuted by seed {seed} (tried seeds 40..59)" in out
    assert "1/4 claims hold over 20 runs (seeds 40..59)" in out


def test_several_files_fail_if_one_fails(tmp_path):
    good = write(tmp_path, "good.yaml", GOOD)
    race = write(tmp_path, "race.yaml", RACE)
    code, out, _ = check(good, race, "--runs", "20")
    assert code == 1
    assert f"PASS {good}" in out and f"FAIL {race}" in out
    assert out.endswith("1 of 2 files passed\n")


def test_a_run_that_deadlocks_is_a_failure_with_its_report(tmp_path):
    # CPython's wait() never sees a future cancelled by shutdown(cancel_futures=True)
    # as done: without a timeout this wait blocks forever.
    path = write(tmp_path, "stuck.yaml", """\
simfutures: 1
name: waits forever
executor: {kind: thread, max_workers: 1}
tasks:
  slow: {duration: 1}
steps:
  - submit: {task: slow, as: a}
  - submit: {task: slow, as: b}
  - sleep: 0.1
  - shutdown: {wait: false, cancel_futures: true}
  - wait
expect:
  - always: {state: {b: cancelled}}
""")
    code, out, _ = check(path, "--runs", "13")
    assert code == 1
    assert f"{path}: seed 0: the run failed: deadlock" in out
    assert f"replay: simfutures run {path} --strategy random --seed 0 --timeline" in out
    assert "MainThread: Event.wait()" in out
    assert "cancel b" in out  # the timeline of seed 0
    assert "1 claim not judged over 13 runs (seeds 0..12), 13 runs failed" in out
    # Only the first failed run is shown in full.
    assert out.count("timeline of seed") == 1
    assert f"{path}: 12 more runs failed: seed 1, seed 2, " in out
    assert "seed 10, and 2 more" not in out and "seed 10 and 2 more\n" in out


@pytest.mark.parametrize("text, message", [
    ("name: x\nexecutor: {kind: thread, max_workers: 1}\nsteps:\n  - submit: {task: nope, as: a}\n",
     ":4:20: unknown task 'nope'"),
    ("name: [unclosed\n", ":2:11: YAML syntax error"),
    ("name: x\nexcutor: {kind: thread, max_workers: 1}\n",
     ":2:1: unknown key 'excutor' — did you mean 'executor'?"),
])
def test_bad_scenario_is_a_usage_error(tmp_path, text, message):
    path = write(tmp_path, "bad.yaml", text + "simfutures: 1\n")
    code, out, err = check(path)
    assert code == 2
    assert out == ""
    assert err.startswith(f"simfutures check: error: {path}{message}")
    assert len(err.splitlines()) <= 3 and "Traceback" not in err


def test_bad_files_are_reported_first_and_the_others_still_get_their_verdict(tmp_path):
    good = write(tmp_path, "good.yaml", GOOD)
    missing = str(tmp_path / "missing.yaml")
    bad = write(tmp_path, "bad.py", "def broken(:\n")
    code, out, err = check(good, missing, bad, "--runs", "3")
    assert code == 2  # the verdict is incomplete: bad input
    assert f"PASS {good}" in out
    assert out.endswith("1 of 3 files passed; 2 could not be checked (errors above)\n")
    assert f"simfutures check: error: {missing}: no such file" in err
    assert f"simfutures check: error: {bad}:1:" in err and "syntax error" in err


RACY_SCRIPT = """\
import concurrent.futures as cf

with cf.ThreadPoolExecutor(2) as ex:
    a = ex.submit(print, "a")
    b = ex.submit(print, "b")
    order = [f is a for f in cf.as_completed([a, b])]
assert order == [True, False], order
"""


def test_script_first_failing_seed_error_report_and_replay(tmp_path):
    path = write(tmp_path, "racy.py", RACY_SCRIPT)
    code, out, _ = check(path, "--runs", "100")
    assert code == 1
    program = load_program(path)
    failed = [program.run(chooser_for_seed(s)).failed for s in range(100)]
    seed = failed.index(True)  # the first failing seed, found independently
    assert out.startswith(f"FAIL {path}: seed {seed} failed "
                          "(AssertionError: [False, True]); "
                          f"{seed} runs passed before it\n")
    assert "error report:" in out
    assert 'line 7, in <module>' in out and "AssertionError: [False, True]" in out
    assert f"replay: simfutures run {path} --strategy random --seed {seed} --timeline" in out
    assert re.search(r"ThreadPoolExecutor-0_\d\s+print: b", out)


def test_script_that_never_fails_passes(tmp_path):
    path = write(tmp_path, "fine.py", RACY_SCRIPT.replace("assert", "print(order) or"))
    code, out, _ = check(path, "--runs", "25")
    assert (code, out) == (0, f"PASS {path}: no schedule failed in 25 runs (seeds 0..24)\n")


def test_script_exit_code_counts_as_failure(tmp_path):
    path = write(tmp_path, "exits.py", "import sys\nprint('bye')\nsys.exit(3)\n")
    code, out, _ = check(path, "--runs", "5")
    assert code == 1
    assert out.startswith(f"FAIL {path}: seed 0 failed (exit code 3); 0 runs passed before it")


def test_script_deadlock_is_reported(tmp_path):
    path = write(tmp_path, "stuck.py", "import threading\nthreading.Event().wait()\n")
    code, out, _ = check(path, "--runs", "3")
    assert code == 1
    assert "seed 0 failed (deadlock" in out
    assert "MainThread: Event.wait() at " in out and "stuck.py:2" in out


def test_bundled_scenarios_pass():
    from simfutures.explore import stack_peek

    files = sorted(str(p) for p in (REPO / "scenarios").glob("*.yaml"))
    assert len(files) >= 20
    if not stack_peek.AVAILABLE:  # their data_race claims cannot be judged here
        files = [f for f in files if "data_race" not in Path(f).read_text()]
    code, out, err = check(*files, "--runs", "100")
    assert code == 0, out + err
    assert out.endswith(f"{len(files)} of {len(files)} files passed\n")


def run_cli(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "simfutures.cli", *argv], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def test_exit_codes_as_a_process(tmp_path):
    write(tmp_path, "good.yaml", GOOD)
    write(tmp_path, "race.yaml", RACE)
    write(tmp_path, "bad.yaml", "name: x\n")
    ok = run_cli("check", "good.yaml", "--runs", "10", cwd=tmp_path)
    assert (ok.returncode, ok.stderr) == (0, "")
    failed = run_cli("check", "race.yaml", "--runs", "10", cwd=tmp_path)
    assert failed.returncode == 1
    assert f"race.yaml:{ALWAYS_LINE}:5: always claim FAILS" in failed.stdout
    bad = run_cli("check", "bad.yaml", cwd=tmp_path)
    assert bad.returncode == 2
    assert bad.stdout == ""
    assert bad.stderr.startswith("simfutures check: error: bad.yaml:")
    assert "Traceback" not in bad.stderr
    usage = run_cli("check", "good.yaml", "--runs", "0", cwd=tmp_path)
    assert usage.returncode == 2 and "--runs" in usage.stderr


def test_run_shows_a_scenario_timeline(tmp_path, capsys):
    path = write(tmp_path, "good.yaml", GOOD)
    assert main(["run", path, "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^\s+0\.0000s\s+MainThread\s+submit nap \(a map item\)$", out, re.M)
    assert re.search(r"^\s+0\.3000s\s+ThreadPoolExecutor-0_\d\s+finish nap$", out, re.M)
