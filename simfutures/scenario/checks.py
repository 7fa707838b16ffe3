"""Typed reading of tree nodes: each helper returns a Python value or raises a
ScenarioError pointing at the offending node.

The loader's schema code is written in terms of these, so every type error in
every part of a scenario is worded the same way.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

from simfutures.scenario.errors import ScenarioError
from simfutures.scenario.model import Location
from simfutures.scenario.tree import YMap, YNode, YScalar, YSeq
from simfutures.scenario.values import FrozenMap, show

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,63}\Z")


def fail(where: YNode | Location, message: str) -> ScenarioError:
    loc = where if isinstance(where, Location) else where.loc
    return ScenarioError(message, loc.path, loc.line, loc.column)


def describe(node: YNode) -> str:
    """How a node reads in an error message: 'a list', "the text 'abc'", ..."""
    if isinstance(node, YMap):
        return "a mapping"
    if isinstance(node, YSeq):
        return "a list"
    value = node.value
    if value is None:
        return "null (nothing)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {show(value)}"
    return f"the text {show(value)}"


def nearest(word: str, options: Iterable[str]) -> str | None:
    matches = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return matches[0] if matches else None


def unknown(what: str, word: Any, options: Sequence[str]) -> str:
    """``unknown key 'nmae' — did you mean 'name'?`` or a list of the options."""
    text = show(word, 40)
    best = nearest(word, options) if isinstance(word, str) else None
    if best is not None:
        return f"unknown {what} {text} — did you mean {best!r}?"
    if not options:
        return f"unknown {what} {text} (none are defined)"
    return f"unknown {what} {text} (expected one of: {', '.join(options)})"


class Fields:
    """The keys of one YAML mapping, checked against the keys allowed there."""

    def __init__(
        self,
        node: YNode,
        what: str,
        known: Sequence[str],
        required: Sequence[str] = (),
    ) -> None:
        if not isinstance(node, YMap):
            raise fail(node, f"{what} must be a mapping (key: value lines), got {describe(node)}")
        self.node = node
        self.what = what
        self._values: dict[str, YNode] = {}
        for key, value in node.entries:
            if not isinstance(key.value, str):
                raise fail(key, f"keys in {what} must be text, got {describe(key)}")
            if key.value not in known:
                raise fail(key, unknown("key", key.value, known))
            self._values[key.value] = value
        missing = [k for k in required if k not in self._values]
        if missing:
            raise fail(node, f"{what} is missing the required key {missing[0]!r}")

    def __contains__(self, key: str) -> bool:
        return key in self._values

    def get(self, key: str) -> YNode | None:
        """The node, or None when absent. An explicit null counts as absent."""
        node = self._values.get(key)
        if isinstance(node, YScalar) and node.value is None:
            return None
        return node

    def raw(self, key: str) -> YNode | None:
        """The node even when it is an explicit null (for values where null means None)."""
        return self._values.get(key)

    def require(self, key: str) -> YNode:
        node = self.get(key)
        if node is None:
            raise fail(self.node, f"{self.what} needs a value for {key!r}")
        return node


def text(node: YNode, what: str) -> str:
    if not isinstance(node, YScalar) or not isinstance(node.value, str):
        raise fail(node, f"{what} must be text, got {describe(node)} (quote it if needed)")
    return node.value


def name(node: YNode, what: str) -> str:
    """An identifier-like name: handles, tasks, events, step names."""
    if not isinstance(node, YScalar) or not isinstance(node.value, str):
        raise fail(node, f"{what} must be a name (text), got {describe(node)}")
    if not _NAME.match(node.value):
        raise fail(
            node,
            f"{what} {show(node.value, 40)} is not a valid name (use letters, digits, "
            "'_', '-', '.'; start with a letter or '_'; at most 64 characters)",
        )
    return node.value


#: Largest number of seconds accepted anywhere (durations, timeouts, sleeps):
#: about 11.5 days, far past any sensible scenario, well short of the values
#: where time.sleep() overflows.
MAX_SECONDS = 1_000_000

#: Largest max_workers / max_tasks_per_child / chunksize accepted.
MAX_COUNT = 1024


def number(node: YNode, what: str, *, positive: bool = False) -> float:
    """A finite, non-negative number of seconds (strictly positive if ``positive``)."""
    value = node.value if isinstance(node, YScalar) else None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise fail(node, f"{what} must be a number of seconds, got {describe(node)}")
    if not math.isfinite(value):
        raise fail(node, f"{what} must be a finite number, got {show(value)}")
    if value < 0 or (positive and value == 0):
        bound = "greater than 0" if positive else "0 or more"
        raise fail(node, f"{what} must be {bound}, got {show(value)}")
    if value > MAX_SECONDS:
        raise fail(node, f"{what} must be at most {MAX_SECONDS:,} seconds, got {show(value)}")
    return float(value)


def positive_int(node: YNode, what: str) -> int:
    value = node.value if isinstance(node, YScalar) else None
    if isinstance(value, bool) or not isinstance(value, int):
        raise fail(node, f"{what} must be a positive whole number, got {describe(node)}")
    if value < 1:
        raise fail(node, f"{what} must be a positive whole number (1 or more), got {value}")
    if value > MAX_COUNT:
        raise fail(node, f"{what} must be at most {MAX_COUNT}, got {show(value, 30)}")
    return value


def boolean(node: YNode, what: str) -> bool:
    if not isinstance(node, YScalar) or not isinstance(node.value, bool):
        raise fail(node, f"{what} must be true or false, got {describe(node)}")
    return node.value


def choice(node: YNode, what: str, options: Sequence[str]) -> str:
    if not isinstance(node, YScalar) or not isinstance(node.value, str):
        raise fail(node, f"{what} must be one of {', '.join(options)}; got {describe(node)}")
    if node.value not in options:
        raise fail(node, unknown(what, node.value, options))
    return node.value


def sequence(node: YNode, what: str) -> tuple[YNode, ...]:
    if not isinstance(node, YSeq):
        raise fail(node, f"{what} must be a list, got {describe(node)}")
    return node.items


def value(node: YNode, what: str, *, comparable: bool = False) -> Any:
    """Plain data, frozen (lists to tuples, mappings to FrozenMap).

    ``comparable``: the value is expected in a claim, where NaN could never
    equal anything and so would make the claim meaningless.
    """
    if isinstance(node, YSeq):
        return tuple(value(item, what, comparable=comparable) for item in node.items)
    if isinstance(node, YMap):
        out = {}
        for key, item in node.entries:
            if not isinstance(key.value, str):
                raise fail(key, f"keys of mappings in {what} must be text, got {describe(key)}")
            out[key.value] = value(item, what, comparable=comparable)
        return FrozenMap.of(out)
    if comparable and isinstance(node.value, float) and math.isnan(node.value):
        raise fail(node, f"{what} is NaN, which never equals anything; this claim can never hold")
    return node.value
