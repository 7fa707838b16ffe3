"""YAML text to a small tree of located plain values, with every hazard checked.

PyYAML's composer gives nodes with positions but no values; its constructors
give values but lose positions and will follow any tag. So we compose only,
then build our own tree: scalars are resolved to null/bool/int/float/str and
nothing else, aliases are expanded under a budget (billion laughs) and checked
for cycles, duplicate keys are errors, and nesting depth is bounded.
"""

from __future__ import annotations

import attrs
import yaml

from simfutures.scenario.errors import ScenarioError
from simfutures.scenario.model import Location

#: Most YAML nodes a scenario may expand to, counting every alias use as a
#: full copy. Realistic scenarios need a few hundred; an alias bomb needs
#: billions and is stopped here after a few milliseconds.
MAX_NODES = 20_000

#: Deepest nesting of mappings and sequences a scenario may use.
MAX_DEPTH = 50

_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_TAG}{name}" for name in ("null", "bool", "int", "float", "str")}


@attrs.frozen
class YScalar:
    value: None | bool | int | float | str
    loc: Location


@attrs.frozen
class YSeq:
    items: tuple[YNode, ...]
    loc: Location


@attrs.frozen
class YMap:
    # Keys keep their own positions so "unknown key" errors point at the key.
    entries: tuple[tuple[YScalar, YNode], ...]
    loc: Location


YNode = YScalar | YSeq | YMap


def parse_tree(text: str, path: str) -> YNode | None:
    """Compose ``text`` and build the checked tree; ``None`` for an empty document."""
    loader = None
    try:
        # The constructor already reads (and checks the characters of) the text.
        loader = _CountingLoader(text)
        root = loader.get_single_node()
    except _Refused as exc:
        raise ScenarioError(exc.message, path, exc.mark.line + 1, exc.mark.column + 1) from None
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, path) from None
    except yaml.reader.ReaderError as exc:
        line, column = _text_position(text, exc.position)
        raise ScenarioError(
            f"character {_char_name(exc.character)} is not allowed in YAML", path, line, column
        ) from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"invalid YAML: {exc}", path) from None
    except RecursionError:
        raise ScenarioError(
            f"nesting is too deep (a scenario may nest at most {MAX_DEPTH} levels)", path
        ) from None
    finally:
        if loader is not None:
            loader.dispose()
    if root is None:
        return None
    return _Builder(path).build(root, 0)


class _Refused(Exception):
    def __init__(self, message: str, mark: yaml.Mark) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark


class _CountingLoader(yaml.SafeLoader):
    """SafeLoader's composer, stopped early on too many nodes or too deep nesting.

    The pure-Python parser needs seconds for a megabyte of tiny nodes, and
    recurses once per nesting level; a scenario needs neither, so stop at the
    limits rather than compose everything only to refuse it afterwards.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.composed = 0
        self.depth = 0

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node:
        self.composed += 1
        if self.composed > MAX_NODES:
            raise _Refused(
                f"document has more than {MAX_NODES:,} nodes, too large for a scenario",
                self.peek_event().start_mark,
            )
        if self.depth >= MAX_DEPTH:
            raise _Refused(
                f"nesting is too deep (a scenario may nest at most {MAX_DEPTH} levels)",
                self.peek_event().start_mark,
            )
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


class _Builder:
    def __init__(self, path: str) -> None:
        self.path = path
        self.nodes = 0
        # ids of composer nodes currently being built: a repeat is a cycle.
        self.open: set[int] = set()
        self.scalars = yaml.constructor.SafeConstructor()

    def loc(self, node: yaml.Node) -> Location:
        mark = node.start_mark
        return Location(self.path, mark.line + 1, mark.column + 1)

    def fail(self, node: yaml.Node, message: str) -> ScenarioError:
        loc = self.loc(node)
        return ScenarioError(message, self.path, loc.line, loc.column)

    def build(self, node: yaml.Node, depth: int) -> YNode:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self.fail(
                node,
                f"document expands to more than {MAX_NODES:,} nodes "
                "(too many aliases or too large for a scenario)",
            )
        if depth > MAX_DEPTH:
            raise self.fail(node, f"nesting is too deep (at most {MAX_DEPTH} levels)")
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node)
        key = id(node)
        if key in self.open:
            raise self.fail(node, "recursive alias: this node contains itself")
        self.open.add(key)
        try:
            if isinstance(node, yaml.SequenceNode):
                self.check_tag(node, f"{_TAG}seq")
                items = tuple(self.build(item, depth + 1) for item in node.value)
                return YSeq(items, self.loc(node))
            self.check_tag(node, f"{_TAG}map")
            return self.mapping(node, depth)
        finally:
            self.open.discard(key)

    def mapping(self, node: yaml.MappingNode, depth: int) -> YMap:
        entries = []
        seen: dict[tuple[str, object], int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == f"{_TAG}merge":
                raise self.fail(key_node, "merge keys ('<<') are not supported; repeat the keys")
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.fail(key_node, "a mapping key must be plain text, not a collection")
            key = self.build(key_node, depth + 1)
            assert isinstance(key, YScalar)
            ident = (type(key.value).__name__, key.value)
            if ident in seen:
                raise self.fail(
                    key_node,
                    f"duplicate key {key.value!r} (first given on line {seen[ident]})",
                )
            seen[ident] = key.loc.line
            entries.append((key, self.build(value_node, depth + 1)))
        return YMap(tuple(entries), self.loc(node))

    def check_tag(self, node: yaml.Node, expected: str) -> None:
        if node.tag != expected:
            raise self.fail(node, f"YAML tag {_short(node.tag)} is not allowed in scenario files")

    def scalar(self, node: yaml.ScalarNode) -> YScalar:
        if node.tag not in _SCALAR_TAGS:
            hint = ""
            if node.tag in (f"{_TAG}timestamp", f"{_TAG}binary"):
                hint = " (quote the value to use it as text)"
            raise self.fail(
                node, f"YAML tag {_short(node.tag)} is not allowed in scenario files{hint}"
            )
        kind = node.tag[len(_TAG):]
        try:
            value = getattr(self.scalars, f"construct_yaml_{kind}")(node)
        except (ValueError, OverflowError):
            # e.g. "0b_" matches YAML 1.1's int pattern but int() rejects it,
            # and so does a 5000-digit number.
            raise self.fail(
                node, f"cannot read {node.value[:40]!r} as a number (quote it to use it as text)"
            ) from None
        return YScalar(value, self.loc(node))


def _syntax_error(exc: yaml.MarkedYAMLError, path: str) -> ScenarioError:
    mark = exc.problem_mark or exc.context_mark
    message = (exc.problem or "invalid YAML").strip()
    context = (exc.context or "").strip()
    if context.startswith("while"):
        # "... (while parsing a flow sequence started on line 3)"
        message = f"{message} ({context}"
        if exc.context_mark is not None and exc.context_mark is not mark:
            message += f" started on line {exc.context_mark.line + 1}"
        message += ")"
    elif context:
        # PyYAML phrases these as context + problem: "expected X, but found Y".
        message = f"{context}, {message}"
    line = column = None
    if mark is not None:
        line, column = mark.line + 1, mark.column + 1
    return ScenarioError(f"YAML syntax error: {message}", path, line, column)


def _text_position(text: str, offset: int) -> tuple[int, int]:
    start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - start + 1


def _char_name(code: int) -> str:
    return f"U+{code:04X}" if isinstance(code, int) else repr(code)


def _short(tag: str) -> str:
    """'tag:yaml.org,2002:python/object' -> '!!python/object', as the user wrote it."""
    shown = "!!" + tag[len(_TAG):] if tag.startswith(_TAG) else tag
    return repr(shown[:60])
