"""Make outputs of different runs comparable: the same behaviour, the same text.

A real run and a simulated run of one program print different addresses,
pids and clock readings even when they behave identically.  ``normalize``
rewrites exactly those:

* addresses (``0x7f3a...``) become ``0xADDR1``, ``0xADDR2``... and pids become
  ``PID1``, ``PID2``... numbered by first appearance, so "the same object" and
  "the same process" stay visible while the actual numbers do not matter;
* dates, clock times, epoch timestamps and durations with a unit (``0.502s``,
  ``12 ms``) become ``<DATE>``, ``<TIME>``, ``<EPOCH>``, ``<DURATION>``.

Anything else (a bare elapsed float, a random number) is left alone on
purpose: guessing more would hide real differences.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Six or more hex digits: shorter 0x literals are more likely data than addresses.
_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{6,}\b")
_DATETIME = re.compile(
    r"\b\d{4}-\d{2}-\d{2}(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?\b")
_CLOCK = re.compile(r"\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b")
# Seconds since 1970 between 2001 and 2033 (``time.time()``, the sim's EPOCH too).
_EPOCH = re.compile(r"(?<![\d.])1\d{9}(?:\.\d+)?(?:e[+-]?\d+)?(?![\d.])")
_DURATION = re.compile(
    r"(?<![\w.])\d+(?:\.\d+)?(?:e[+-]?\d+)?\s?"
    r"(?:ns|us|µs|ms|s|sec|secs|second|seconds|min|mins|minutes)\b")


def _number_by_appearance(text: str, pattern: re.Pattern[str], name: str) -> str:
    seen: dict[str, str] = {}

    def replace(match: re.Match[str]) -> str:
        token = match.group(0).lower()
        if token not in seen:
            seen[token] = f"{name}{len(seen) + 1}"
        return seen[token]

    return pattern.sub(replace, text)


def normalize_times(text: str) -> str:
    text = _DATETIME.sub(lambda m: "<DATE>" if len(m.group(0)) == 10 else "<TIME>", text)
    text = _CLOCK.sub("<TIME>", text)
    text = _EPOCH.sub("<EPOCH>", text)
    return _DURATION.sub("<DURATION>", text)


def normalize_pids(text: str, pids: Iterable[int]) -> str:
    """Known ``pids`` (whole numbers only) become PID1, PID2... in order of appearance."""
    known = sorted({str(p) for p in pids if p is not None and p > 0}, key=len, reverse=True)
    if not known:
        return text
    pattern = re.compile(r"(?<![\w.])(?:" + "|".join(known) + r")(?![\w.])")
    return _number_by_appearance(text, pattern, "PID")


def normalize(text: str, pids: Iterable[int] = ()) -> str:
    """``text`` with addresses, the given pids, and times replaced by placeholders."""
    # Addresses first: their digits must not be read as pids or timestamps.
    text = _number_by_appearance(text, _ADDRESS, "0xADDR")
    text = normalize_times(text)
    return normalize_pids(text, pids)
