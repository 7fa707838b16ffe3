"""The differential corpus: each program in ``tests/dropin_corpus`` behaves identically
with the stdlib, with ``simfutures.real`` and (where marked) in the simulator at seed 0.

Every program carries one marker line:

* ``# sim: compare`` -- also run by ``simfutures run`` (seed 0) and compared with the stdlib;
* ``# sim: skip (REASON)`` -- not run in the simulator, for the reason given.

Each program runs in a fresh interpreter.  For ``simfutures.real`` a
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


def run_program(program: Path, world: str) -> tuple[int, str, str]:
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
    done = subprocess.run(command, cwd=program.parent, env=env, capture_output=True, text=True,
                          timeout=TIMEOUT)
    return (done.returncode, normalise(done.stdout, program), normalise(done.stderr, program))


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
    expected = run_program(program, "stdlib")
    assert run_program(program, "real") == expected, "simfutures.real differs from the stdlib"
    compare_sim, reason = sim_marker(program)
    if not compare_sim:
        pytest.skip(f"simulator: {reason}")
    assert run_program(program, "sim") == expected, "the simulator (seed 0) differs"
