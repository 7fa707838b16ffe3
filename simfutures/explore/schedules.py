"""Schedule files written by ``explore``: a replayable schedule plus where it came from."""

from __future__ import annotations

import json
import os
from pathlib import Path

from simfutures.sim.chooser import Schedule, ScheduleError

#: Where failing schedules go unless ``--save-schedule`` says otherwise.
DEFAULT_DIR = Path(".simfutures") / "schedules"


def default_path(program: Path, strategy: str, run_id: int, suffix: str = "") -> str:
    return str(DEFAULT_DIR / f"{program.stem}-{strategy}-{run_id}{suffix}.json")


def save(path: str, schedule: Schedule, program: Path, strategy: str, run_id: int) -> None:
    """Write ``schedule`` as ``simfutures run --schedule`` reads it, naming its program.

    The extra keys are ignored by ``Schedule.from_json``; ``load_for`` uses
    ``program`` to refuse a schedule recorded for another program.
    """
    data = schedule.to_json()
    data.update(program=program.name, strategy=strategy, run=run_id)
    target = Path(path)
    try:
        if target.parent != Path(""):
            target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(data) + "\n", encoding="utf-8")
    except OSError as exc:
        raise ScheduleError(f"{path}: cannot write the schedule: "
                            f"{exc.strerror or exc}") from None


def load_for(path: str, program: Path) -> Schedule:
    """Read a schedule file; refuse one that says it belongs to another program."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScheduleError(f"{path}: no such schedule file") from None
    except IsADirectoryError:
        raise ScheduleError(f"{path}: is a directory, not a schedule file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise ScheduleError(f"{path}: not a schedule file: {reason}") from None
    try:
        schedule = Schedule.from_json(data)
    except ScheduleError as exc:
        raise ScheduleError(f"{path}: {exc}") from None
    recorded = data.get("program")
    if recorded is not None and recorded != os.path.basename(program):
        raise ScheduleError(f"{path}: this schedule was recorded for {recorded}, "
                            f"not {program.name}")
    return schedule
