"""The ``simfutures`` command line as a user meets it: argument placement, --version,
usage errors, directories for ``check``, schedule files that belong to a program.

Commands run in-process through ``simfutures.cli.main`` (argparse exits raise
SystemExit, caught here); everything runs on the simulator's virtual clock.
"""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from scenario_samples import CANCEL_RACE, MAP_ORDER

from simfutures.cli import main

ARGV_SCRIPT = "import sys\nprint(sys.argv[1:])\n"
# Two threads print in an order the schedule decides.
RACY_SCRIPT = """\
import threading
def say(word):
    print(word)
threads = [threading.Thread(target=say, args=(w,)) for w in ("one", "two", "three")]
for t in threads:
    t.start()
for t in threads:
    t.join()
"""


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse: --help, --version, usage errors
            code = exc.code
    return code, out.getvalue(), err.getvalue()


def write(path: Path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


# --- script arguments after `--` ---------------------------------------------------


@pytest.mark.parametrize("argv", [
    ["run", "{script}", "--seed", "3", "--", "a", "-b"],
    ["run", "--seed", "3", "{script}", "--", "a", "-b"],
    ["run", "{script}", "--", "a", "-b"],
    ["run", "--seed", "3", "--", "{script}", "a", "-b"],
    ["run", "{script}", "a", "--seed", "3", "--", "-b"],
])
def test_script_arguments_after_double_dash_wherever_the_options_stand(tmp_path, argv):
    script = write(tmp_path / "args.py", ARGV_SCRIPT)
    code, out, err = cli(*[a.format(script=script) for a in argv])
    assert (code, out, err) == (0, "['a', '-b']\n", "")


def test_double_dash_arguments_reach_explore_and_its_replay_line(tmp_path):
    script = write(tmp_path / "args.py", ARGV_SCRIPT)
    code, out, _ = cli("explore", script, "--runs", "3", "--workers", "1",
                       "--strategy", "random", "--", "x", "--flag")
    assert code == 0
    assert "['x', '--flag']" in out


def test_options_after_double_dash_belong_to_the_script(tmp_path):
    script = write(tmp_path / "args.py", ARGV_SCRIPT)
    code, out, _ = cli("run", script, "--", "--seed", "3")
    assert (code, out) == (0, "['--seed', '3']\n")


# --- --version, usage -------------------------------------------------------------


def test_version():
    code, out, _ = cli("--version")
    assert code == 0
    assert out == f"simfutures {version('simfutures')}\n"


@pytest.mark.parametrize("command", ["run", "explore", "check", "compare"])
def test_an_unknown_flag_shows_the_subcommands_usage(tmp_path, command):
    script = write(tmp_path / "args.py", ARGV_SCRIPT)
    code, out, err = cli(command, script, "--no-such-flag")
    assert code == 2 and out == ""
    assert err.startswith(f"usage: simfutures {command} ")
    assert f"simfutures {command}: error: unrecognized arguments: --no-such-flag" in err


def test_a_missing_program_is_a_usage_error():
    code, _, err = cli("run")
    assert code == 2
    assert err.startswith("usage: simfutures run ")
    assert "the following arguments are required: program" in err


# --- check: directories, marker, one bad file among good ones ----------------------


def test_check_dir_checks_every_scenario_below_it(tmp_path):
    write(tmp_path / "top.yaml", MAP_ORDER)
    write(tmp_path / "deep" / "er" / "race.yml", CANCEL_RACE)
    write(tmp_path / "deep" / "other_tool.yaml", "jobs: {build: {runs-on: linux}}\n")
    write(tmp_path / "deep" / "notes.txt", MAP_ORDER)
    write(tmp_path / ".hidden" / "x.yaml", MAP_ORDER)
    code, out, err = cli("check", str(tmp_path), "--runs", "20")
    assert code == 1 and err == ""
    assert f"PASS {tmp_path / 'top.yaml'}" in out
    assert f"FAIL {tmp_path / 'deep' / 'er' / 'race.yml'}" in out
    assert "other_tool" not in out and "notes" not in out and ".hidden" not in out
    assert out.endswith("1 of 2 files passed\n")


def test_check_dir_without_scenarios_is_an_error(tmp_path):
    write(tmp_path / "ci.yaml", "on: push\n")
    code, out, err = cli("check", str(tmp_path))
    assert code == 2 and out == ""
    assert err == (f"simfutures check: error: {tmp_path}: no scenario files below this "
                   "directory (YAML files with a top-level 'simfutures: 1' line)\n")


def test_a_file_named_explicitly_without_the_marker_is_refused_clearly(tmp_path):
    path = write(tmp_path / "ci.yaml", "jobs: {build: {runs-on: linux}}\n")
    code, out, err = cli("check", path)
    assert code == 2 and out == ""
    assert err == (f"simfutures check: error: {path}:1:1: not a simfutures scenario: a "
                   "scenario file starts with the line 'simfutures: 1' (files without it "
                   "are left to other tools)\n")


def test_a_wrong_format_version_is_refused_with_its_line(tmp_path):
    path = write(tmp_path / "s.yaml", MAP_ORDER.replace("simfutures: 1", "simfutures: 2"))
    code, _, err = cli("check", path)
    assert code == 2
    assert err.startswith(f"simfutures check: error: {path}:1:13: 'simfutures:' gives the "
                          "scenario format version; this simfutures reads version 1")


def test_one_malformed_file_does_not_stop_the_verdicts_of_the_others(tmp_path):
    good = write(tmp_path / "a.yaml", MAP_ORDER)
    bad = write(tmp_path / "b.yaml", MAP_ORDER.replace("task: nap,", "task: npa,"))
    race = write(tmp_path / "c.yaml", CANCEL_RACE)
    code, out, err = cli("check", str(tmp_path), "--runs", "20")
    assert code == 2
    assert f"PASS {good}" in out and f"FAIL {race}" in out
    assert err.startswith(f"simfutures check: error: {bad}:7:17: ")
    assert "unknown task 'npa'" in err and "Traceback" not in err
    assert out.endswith("1 of 3 files passed; 1 could not be checked (errors above)\n")


# --- run --schedule: the schedule names its program ---------------------------------


def test_a_saved_schedule_replays_and_names_its_program(tmp_path):
    script = write(tmp_path / "racy.py", RACY_SCRIPT)
    saved = str(tmp_path / "s.json")
    code, out, _ = cli("run", script, "--seed", "5", "--save-schedule", saved)
    assert code == 0
    data = json.loads(Path(saved).read_text())
    assert data["format"] == "simfutures-schedule/1"
    assert data["program"] == "racy.py" and len(data["program_sha256"]) == 64
    assert cli("run", script, "--schedule", saved) == (0, out, "")


def test_run_refuses_a_schedule_recorded_for_another_program(tmp_path):
    racy = write(tmp_path / "racy.py", RACY_SCRIPT)
    other = write(tmp_path / "other.py", RACY_SCRIPT.replace("three", "four"))
    saved = str(tmp_path / "s.json")
    assert cli("run", racy, "--seed", "5", "--save-schedule", saved)[0] == 0
    code, out, err = cli("run", other, "--schedule", saved)
    assert (code, out) == (2, "")
    assert err == (f"simfutures run: error: {saved}: this schedule was recorded for "
                   "racy.py, not other.py\n")


def test_a_schedule_of_an_edited_program_is_replayed_with_a_note(tmp_path):
    script = tmp_path / "racy.py"
    write(script, RACY_SCRIPT)
    saved = str(tmp_path / "s.json")
    assert cli("run", str(script), "--seed", "5", "--save-schedule", saved)[0] == 0
    write(script, RACY_SCRIPT + "# a comment changes nothing that runs\n")
    code, _, err = cli("run", str(script), "--schedule", saved)
    assert code == 0
    assert err == (f"note: {script} has changed since {saved} was recorded; the replay "
                   "may diverge from the recorded run\n")


def test_a_plain_schedule_without_a_program_is_still_accepted(tmp_path):
    script = write(tmp_path / "racy.py", RACY_SCRIPT)
    saved = tmp_path / "s.json"
    saved.write_text(json.dumps({"format": "simfutures-schedule/1", "choices": []}))
    assert cli("run", script, "--schedule", str(saved)) == (0, "one\ntwo\nthree\n", "")


@pytest.mark.parametrize("content, message", [
    ("{not json", "s.json:1:2: not a schedule file (invalid JSON: "),
    ('{"format": "other"}', "s.json: not a simfutures schedule"),
    ('{"format": "simfutures-schedule/1", "choices": [[5, 2, "thread"]]}',
     "s.json: corrupt schedule: choice 0 is 5 of 2"),
])
def test_a_bad_schedule_file_is_one_line_naming_it(tmp_path, content, message):
    script = write(tmp_path / "racy.py", RACY_SCRIPT)
    (tmp_path / "s.json").write_text(content)
    code, out, err = cli("run", script, "--schedule", str(tmp_path / "s.json"))
    assert (code, out) == (2, "")
    assert err.startswith(f"simfutures run: error: {tmp_path}/{message}")
    assert len(err.splitlines()) == 1


def test_an_unwritable_save_path_is_refused_before_the_run(tmp_path):
    script = write(tmp_path / "racy.py", RACY_SCRIPT)
    target = tmp_path / "no" / "such" / "dir" / "s.json"
    code, out, err = cli("run", script, "--save-schedule", str(target))
    assert (code, out) == (2, "")  # the program did not run
    assert err == (f"simfutures run: error: {target}: cannot write the schedule: no such "
                   f"directory {target.parent}\n")
    code, out, err = cli("run", script, "--save-schedule", str(tmp_path))
    assert (code, out) == (2, "")
    assert err == (f"simfutures run: error: {tmp_path}: cannot write the schedule: is a "
                   "directory\n")


def test_a_scenario_refuses_script_arguments(tmp_path):
    path = write(tmp_path / "s.yaml", MAP_ORDER)
    code, out, err = cli("run", path, "--", "a")
    assert (code, out) == (2, "")
    assert err == (f"simfutures run: error: {path}: a scenario file takes no arguments "
                   "(got a)\n")


def test_bad_input_as_a_process_exits_2_without_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "simfutures.cli", "run", str(tmp_path / "missing.py")],
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == f"simfutures run: error: {tmp_path / 'missing.py'}: no such file\n"


def test_the_cli_s_exit_code_for_bad_input_is_the_programs():
    # cli.py keeps its own copy so that `--version` does not import the simulator.
    from simfutures import cli, program

    assert cli.EXIT_USAGE == program.EXIT_USAGE


@pytest.mark.parametrize("source, where", [
    ("print(1)\x00\n", ""),  # 3.11 and 3.12+ report it without a line
    ("x = 1\ndef broken(:\n", ":2:"),
])
def test_a_script_that_does_not_compile_is_named_with_its_line_if_any(tmp_path, source,
                                                                       where):
    path = tmp_path / "bad.py"
    path.write_bytes(source.encode())
    code, out, err = cli("run", str(path))
    assert code == 2 and out == ""
    assert err.startswith(f"simfutures run: error: {path}{where}")
    assert "None" not in err and err.count("\n") == 1
