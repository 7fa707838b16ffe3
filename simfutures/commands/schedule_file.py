"""Schedule files as ``simfutures run`` writes and reads them: the schedule plus
which program it was recorded for.

The file is ``Schedule.to_json()`` with two more keys, which
``Schedule.from_json`` ignores (so older readers still replay it):

- ``program``: the program's file name (as ``explore`` also writes it);
- ``program_sha256``: the hash of the program's bytes when it was recorded.

A schedule recorded for a program of another name is refused. One recorded
for an earlier version of the same program (the hash differs) is replayed with
a note: replaying an old failure on the fixed code is a normal thing to do,
and a schedule that no longer fits stops with the choice where it diverged.
Files without these keys (older ones, or ``Schedule.to_json()`` written by
hand) are replayed as they are.
"""

from __future__ import annotations

import os
from pathlib import Path

from simfutures.sim.chooser import Schedule, ScheduleError


def program_identity(program: Path) -> dict[str, str]:
    import hashlib  # lazily: most runs use no schedule file, and start-up time counts

    try:
        digest = hashlib.sha256(program.read_bytes()).hexdigest()
    except OSError:  # the program was loaded a moment ago; if it is gone, name it only
        return {"program": program.name}
    return {"program": program.name, "program_sha256": digest}


def check_writable(path: str) -> None:
    """Refuse, before a run, a place a schedule cannot be written to."""
    target = Path(path)
    if target.is_dir():
        raise ScheduleError(f"{path}: cannot write the schedule: is a directory")
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise ScheduleError(f"{path}: cannot write the schedule: no such directory "
                            f"{parent}")


def save(path: str, schedule: Schedule, program: Path) -> None:
    import json  # lazily, as hashlib in program_identity

    data = schedule.to_json()
    data.update(program_identity(program))
    try:
        Path(path).write_text(json.dumps(data) + "\n", encoding="utf-8")
    except OSError as exc:
        raise ScheduleError(f"{path}: cannot write the schedule: "
                            f"{exc.strerror or exc}") from None


def read(path: str) -> tuple[Schedule, dict]:
    """The schedule in ``path`` and the file's raw JSON object."""
    import json  # lazily, as hashlib in program_identity

    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScheduleError(f"{path}: no such schedule file") from None
    except IsADirectoryError:
        raise ScheduleError(f"{path}: is a directory, not a schedule file") from None
    except json.JSONDecodeError as exc:
        raise ScheduleError(f"{path}:{exc.lineno}:{exc.colno}: not a schedule file "
                            f"(invalid JSON: {exc.msg})") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise ScheduleError(f"{path}: not a schedule file: {reason}") from None
    try:
        return Schedule.from_json(data), data
    except ScheduleError as exc:
        raise ScheduleError(f"{path}: {exc}") from None


def load_for(path: str, program: Path) -> tuple[Schedule, str | None]:
    """``(schedule, note)``: refuse a schedule recorded for another program; the
    note (or None) says when it was recorded for an earlier version of this one."""
    schedule, data = read(path)
    recorded = data.get("program")
    if isinstance(recorded, str) and recorded != os.path.basename(program):
        raise ScheduleError(f"{path}: this schedule was recorded for {recorded}, "
                            f"not {program.name}")
    digest = data.get("program_sha256")
    note = None
    if isinstance(digest, str) and program_identity(program).get("program_sha256") != digest:
        note = (f"note: {program} has changed since {path} was recorded; "
                "the replay may diverge from the recorded run")
    return schedule, note
