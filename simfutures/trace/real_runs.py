"""Run a script for real: ``python SCRIPT`` in a child process, with a time limit."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import attrs

_CHILD = str(Path(__file__).with_name("real_child.py"))
_EXCEPTION_LINE = re.compile(r"^([A-Za-z_][\w.]*)(?::|$)")


@attrs.frozen
class RealRun:
    """What one real run did."""

    stdout: str
    stderr: str
    exit_code: int | None  # None: killed at the time limit
    pids: tuple[int, ...]  # the script's own pid, then those of processes it started
    seconds: float

    @property
    def timed_out(self) -> bool:
        return self.exit_code is None


def exception_name(stderr: str) -> str | None:
    """The class name of the uncaught exception a traceback in ``stderr`` ends with."""
    lines = stderr.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("Traceback (most recent")]
    if not starts:
        return None
    for line in lines[starts[-1] + 1:]:
        if line and not line[0].isspace():
            match = _EXCEPTION_LINE.match(line)
            # "concurrent.futures.process.BrokenProcessPool" -> "BrokenProcessPool"
            return match.group(1).rsplit(".", 1)[-1] if match else None
    return None


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    # Workers of a process pool hold the output pipes too: end the whole group.
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()


def run_script(path: str | os.PathLike, argv: Sequence[str] = (), *, timeout: float,
               trace_path: str | None = None) -> RealRun:
    """Run ``path`` as ``python path argv...``; stdout unbuffered, so prints of
    worker processes land in the order they happen, as on a terminal."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    with tempfile.TemporaryDirectory(prefix="simfutures-real-") as tmp:
        pidfile = os.path.join(tmp, "pids")
        command = [sys.executable, _CHILD, pidfile, trace_path or "-", str(path), *argv]
        started = time.monotonic()
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, env=env, start_new_session=True)
        try:
            out, err = proc.communicate(timeout=timeout)
            code: int | None = proc.returncode
        except subprocess.TimeoutExpired:
            # The script may have exited while something it started holds the pipes.
            code = proc.poll()
            _kill_group(proc)
            out, err = proc.communicate()
        seconds = time.monotonic() - started
        try:
            children = [int(line) for line in Path(pidfile).read_text().split()]
        except (FileNotFoundError, ValueError):
            children = []
    return RealRun(out.decode("utf-8", "replace"), err.decode("utf-8", "replace"), code,
                   (proc.pid, *children), seconds)
