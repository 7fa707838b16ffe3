"""The differential corpus: each program in ``tests/dropin_corpus`` behaves identically
with the stdlib, with ``simfutures.real`` and (where marked) in the simulator at seed 0.

Every program carries one marker line:

* ``# sim: compare`` -- also run by ``simfutures run`` (seed 0) and compared with the stdlib;
* ``# sim: skip (REASON)`` -- not run in the simulator, for the reason given.

Each program runs in a fresh interpreter per world, the worlds side by side (they
share nothing: the programs write no files).  For ``simfutures.real`` a
``sitecustomize`` (``dropin_corpus/_site``) aliases ``concurrent.futures`` and its
submodules before anything imports them, in process-pool children too.
stdout, stderr and the exit status are compared exactly after normalising
only what cannot be equal between two runs or two implementations:

* ``0x...`` addresses and decimal ``id()`` values (9+ digits);
* traceback entries of files other than the program (library internals: the
  stdlib's ``concurrent/futures/_base.py`` line 401 is not simfutures'
  ``executor/future.py``) are dropped.  The program's own frames, the
  exception lines and the chaining text stay.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parent / "dropin_corpus"
SITE = CORPUS / "_site"
PROGRAMS = sorted(p for p in CORPUS.glob("*.py") if not p.name.startswith("_"))
MARKER = re.compile(r"^# sim: (compare|skip \((?P<reason>.+)\))$", re.MULTILINE)
TIMEOUT = 60

_ADDRESS = re.compile(r"0x[0-9a-fA-F]+")
_OBJECT_ID = re.compile(r"\b\d{9,}\b")
_FRAME = re.compile(r'^(?P<indent>\s*)File "(?P<file>[^"]+)", line \d+, in .*$')


def sim_marker(program: Path) -> tuple[bool, str | None]:
    """(run in the simulator?, reason if not) from the program's marker line."""
    found = MARKER.findall(program.read_text())
    assert len(found) == 1, f"{program.name}: needs exactly one '# sim: ...' marker line"
    match = MARKER.search(program.read_text())
    return match.group(1) == "compare", match.group("reason")


def normalise(text: str, program: Path) -> str:
    out: list[str] = []
    frame_indent: int | None = None  # set while inside a library frame's source lines
    for line in text.splitlines():
        frame = _FRAME.match(line)
        if frame:
            if frame.group("file") == str(program):
                frame_indent = None
                out.append(line)
            else:
                frame_indent = len(frame.group("indent"))
            continue
        if frame_indent is not None and line.startswith(" " * (frame_indent + 2)) and (
                line.strip()):
            continue  # the library frame's source line or its ^^^ marks
        frame_indent = None
        out.append(line)
    joined = "\n".join(out)
    return _OBJECT_ID.sub("<id>", _ADDRESS.sub("0xADDR", joined))


def _command(program: Path, world: str) -> tuple[list[str], dict[str, str]]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "SIMFUTURES_DROPIN_TARGET", "PYTHONWARNINGS")}
    env["PYTHONHASHSEED"] = "0"
    if world == "stdlib":
        command = [sys.executable, program.name]
    elif world == "real":
        command = [sys.executable, program.name]
        env["PYTHONPATH"] = str(SITE)
        env["SIMFUTURES_DROPIN_TARGET"] = "simfutures.real"
    else:
        # The absolute path: CPython makes __main__'s file name absolute, `simfutures run`
        # keeps it as given (a known difference of program.py, not compared here).
        command = [sys.executable, "-c", "import sys; from simfutures.cli import main; "
                   "sys.exit(main(sys.argv[1:]))", "run", str(program), "--seed", "0"]
    return command, env


def start_program(program: Path, world: str) -> subprocess.Popen[str]:
    """Start one run; the worlds of a program run side by side (each in its own
    interpreter, so they cannot see each other), which overlaps their start-up
    and their waits."""
    command, env = _command(program, world)
    return subprocess.Popen(command, cwd=program.parent, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def finish_program(running: subprocess.Popen[str], program: Path) -> tuple[int, str, str]:
    try:
        stdout, stderr = running.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        running.kill()
        running.communicate()
        raise
    return (running.returncode, normalise(stdout, program), normalise(stderr, program))


def run_program(program: Path, world: str) -> tuple[int, str, str]:
    return finish_program(start_program(program, world), program)


def test_the_corpus_is_large_and_every_program_is_marked():
    assert len(PROGRAMS) >= 30
    for program in PROGRAMS:
        sim_marker(program)


def test_normalising_keeps_the_programs_frames_and_drops_library_frames(tmp_path):
    program = tmp_path / "prog.py"
    text = ('Traceback (most recent call last):\n'
            f'  File "{program}", line 3, in <module>\n'
            '    f.result()\n'
            '  File "/lib/_base.py", line 449, in result\n'
            '    return self.__get_result()\n'
            '           ^^^^^^^^^^^^^^^^^^^\n'
            '  File "/lib/_base.py", line 401, in __get_result\n'
            '    raise self._exception\n'
            'ValueError: <Future at 0x7f00ab state=finished> 140234567890123\n')
    assert normalise(text, program).splitlines() == [
        "Traceback (most recent call last):",
        f'  File "{program}", line 3, in <module>',
        "    f.result()",
        "ValueError: <Future at 0xADDR state=finished> <id>",
    ]


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.stem for p in PROGRAMS])
def test_program_behaves_as_with_the_stdlib(program):
    compare_sim, reason = sim_marker(program)
    worlds = ["stdlib", "real"] + (["sim"] if compare_sim else [])
    started = {world: start_program(program, world) for world in worlds}
    try:
        outcome = {world: finish_program(started[world], program) for world in worlds}
    finally:
        for running in started.values():
            if running.poll() is None:
                running.kill()
                running.communicate()
    expected = outcome["stdlib"]
    assert outcome["real"] == expected, "simfutures.real differs from the stdlib"
    if not compare_sim:
        pytest.skip(f"simulator: {reason}")
    assert outcome["sim"] == expected, "the simulator (seed 0) differs"
