"""Plain data values in frozen form.

Scenario values (task arguments and return values, expected results in
claims) are YAML data: null, bools, numbers, strings, lists and string-keyed
mappings. The model is frozen and hashable, so lists become tuples and
mappings become FrozenMap; the runner thaws values before handing them to
user-visible code and freezes what it observes, so a claim compares like
with like.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import attrs


@attrs.frozen
class FrozenMap(Mapping[str, Any]):
    """An immutable, hashable mapping with string keys, sorted for a stable repr."""

    pairs: tuple[tuple[str, Any], ...]

    @classmethod
    def of(cls, mapping: Mapping[str, Any]) -> FrozenMap:
        return cls(tuple(sorted((k, freeze(v)) for k, v in mapping.items())))

    def __getitem__(self, key: str) -> Any:
        for k, v in self.pairs:
            if k == key:
                return v
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return (k for k, _ in self.pairs)

    def __len__(self) -> int:
        return len(self.pairs)


Value = None | bool | int | float | str | tuple | FrozenMap


def freeze(value: Any) -> Any:
    """Lists and tuples to tuples, mappings to FrozenMap, recursively.

    Anything that is not plain data (an object a user's task returned) is kept
    as is; claims compare it by equality like everything else.
    """
    if isinstance(value, (list, tuple)):
        return tuple(freeze(v) for v in value)
    if isinstance(value, FrozenMap):
        return value
    if isinstance(value, Mapping) and all(isinstance(k, str) for k in value):
        return FrozenMap.of(value)
    return value


def thaw(value: Any) -> Any:
    """The inverse of freeze: tuples to lists, FrozenMap to dict."""
    if isinstance(value, tuple):
        return [thaw(v) for v in value]
    if isinstance(value, FrozenMap):
        return {k: thaw(v) for k, v in value.pairs}
    return value


def show(value: Any, limit: int = 60) -> str:
    """A short YAML-ish rendering for messages (never more than ``limit`` chars)."""
    text = _render(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _render(value: Any) -> str:
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, tuple):
        return "[" + ", ".join(_render(v) for v in value) + "]"
    if isinstance(value, FrozenMap):
        return "{" + ", ".join(f"{k}: {_render(v)}" for k, v in value.pairs) + "}"
    return repr(value)
