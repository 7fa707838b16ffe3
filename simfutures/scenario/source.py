"""Reading a scenario file's bytes into text, refusing anything unusable.

Everything here happens before YAML sees the text, so a hostile or accidental
input (a directory, a device, a 300 MB log, a PNG, Latin-1 text) is turned into
a ScenarioError without being read in full.
"""

from __future__ import annotations

import os
import stat

from simfutures.scenario.errors import ScenarioError

#: Largest scenario file accepted, in bytes. Real scenarios are a few KiB;
#: the limit keeps the pure-Python YAML parser under a second or so.
MAX_FILE_BYTES = 1024 * 1024


def read_scenario_text(path: str | os.PathLike[str]) -> tuple[str, str]:
    """Return ``(display_path, text)`` for the scenario file at ``path``."""
    shown = os.fspath(path)
    try:
        info = os.stat(shown)
    except FileNotFoundError:
        raise ScenarioError("no such file", shown) from None
    except ValueError:  # e.g. an embedded NUL in the path
        raise ScenarioError("not a usable file name", repr(shown)) from None
    except OSError as exc:
        raise ScenarioError(f"cannot access file: {exc.strerror or exc}", shown) from None
    if stat.S_ISDIR(info.st_mode):
        raise ScenarioError("is a directory, not a scenario file", shown)
    if not stat.S_ISREG(info.st_mode):
        # FIFOs and devices could block forever or never end.
        raise ScenarioError("not a regular file", shown)
    if info.st_size > MAX_FILE_BYTES:
        raise ScenarioError(_too_large(info.st_size), shown)
    try:
        with open(shown, "rb") as f:
            # Read one byte past the limit: the file may have grown since stat().
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ScenarioError(f"cannot read file: {exc.strerror or exc}", shown) from None
    if len(data) > MAX_FILE_BYTES:
        raise ScenarioError(_too_large(None), shown)
    return shown, decode_scenario_bytes(data, shown)


def source_line(path: str, line: int) -> str | None:
    """Line ``line`` (1-based) of the file, to show a step or claim as it was written."""
    try:
        with open(path, encoding="utf-8-sig") as f:
            lines = f.read(MAX_FILE_BYTES).splitlines()
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    return lines[line - 1].rstrip() if 0 < line <= len(lines) else None


def decode_scenario_bytes(data: bytes, path: str) -> str:
    """Decode UTF-8 (an optional BOM is dropped); reject binary data."""
    nul = data.find(b"\x00")
    if nul >= 0:
        line, column = _byte_position(data, nul)
        raise ScenarioError(
            "this looks like a binary file (it contains a NUL byte); "
            "scenario files are UTF-8 YAML text",
            path,
            line,
            column,
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, column = _byte_position(data, exc.start)
        raise ScenarioError(
            f"invalid UTF-8 (byte 0x{data[exc.start]:02x}); scenario files must be UTF-8",
            path,
            line,
            column,
        ) from None


def _too_large(size: int | None) -> str:
    limit = f"{MAX_FILE_BYTES // 1024} KiB"
    if size is None:
        return f"file is larger than the {limit} limit for scenario files"
    return f"file is {size:,} bytes, over the {limit} limit for scenario files"


def _byte_position(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column (in characters) of byte ``offset``."""
    start = data.rfind(b"\n", 0, offset) + 1
    line = data.count(b"\n", 0, offset) + 1
    # The bytes before the offset on this line may themselves be undecodable
    # (the NUL case); fall back to counting bytes then.
    try:
        column = len(data[start:offset].decode("utf-8-sig" if start == 0 else "utf-8")) + 1
    except UnicodeDecodeError:
        column = offset - start + 1
    return line, column
