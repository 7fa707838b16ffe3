"""How a YAML file says it is a simfutures scenario: a top-level ``simfutures: 1``.

Tools find scenario files by globbing (``simfutures check DIR``, the pytest
plugin's ``scenarios/**/*.yaml``), and other tools keep YAML files in the same
places. Only a file that declares itself is taken; the number is the format
version, so a later format can be told apart.

``looks_marked`` is the cheap test discovery uses (a line starting with
``simfutures:``, no YAML parsing, nothing raised); the loader then checks the
key properly, and a file whose ``simfutures:`` line was not the top-level key
raises NotAScenarioError, which discovery also reads as "not ours".
"""

from __future__ import annotations

import os
import re

from simfutures.scenario.errors import ScenarioError

KEY = "simfutures"
VERSION = 1
#: What to add to a file, as the error messages and docs say it.
LINE = f"{KEY}: {VERSION}"
SUFFIXES = (".yaml", ".yml")

_MARKER_LINE = re.compile(rb"^simfutures[ \t]*:", re.MULTILINE)
#: Discovery reads at most this much of a file (the loader's own limit).
_MAX_BYTES = 1024 * 1024


class NotAScenarioError(ScenarioError):
    """A YAML file without the top-level ``simfutures: 1`` key."""


def missing_marker(path: str, line: int | None = None, column: int | None = None
                   ) -> NotAScenarioError:
    return NotAScenarioError(
        f"not a simfutures scenario: a scenario file starts with the line "
        f"'{LINE}' (files without it are left to other tools)", path, line, column)


def looks_marked(path: str | os.PathLike[str]) -> bool:
    """Whether the file at ``path`` has a top-level ``simfutures:`` line (cheap;
    unreadable files are simply not ours)."""
    if not os.fspath(path).endswith(SUFFIXES):
        return False
    try:
        with open(path, "rb") as f:
            head = f.read(_MAX_BYTES)
    except OSError:
        return False
    return _MARKER_LINE.search(head.removeprefix(b"\xef\xbb\xbf")) is not None


def find_scenarios(directory: str | os.PathLike[str]) -> list[str]:
    """Every marked scenario file below ``directory``, recursively, in sorted order
    (hidden directories such as ``.git`` are skipped)."""
    found = []
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            path = os.path.join(root, name)
            if looks_marked(path):
                found.append(path)
    return found
