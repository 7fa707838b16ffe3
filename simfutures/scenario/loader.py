"""Scenario files in, a checked Scenario model out.

This is a trust boundary: whatever the input, the result is a Scenario or a
ScenarioError naming the file and, where known, the line and column. The
stages, each in its own module:

  source.py       bytes -> text (size limit, not a directory, UTF-8, not binary)
  tree.py         text -> located plain tree (safe YAML, alias budget, no tags)
  loader.py       tree -> executor and tasks (this module)
  load_steps.py   steps, resolving task/handle/event names in order
  load_claims.py  claims, checking each can be evaluated at all
"""

from __future__ import annotations

import os

import attrs

from simfutures.scenario import calls, checks, marker, vocabulary
from simfutures.scenario.checks import Fields, fail
from simfutures.scenario.errors import ScenarioError
from simfutures.scenario.load_claims import build_claims
from simfutures.scenario.load_steps import Symbols, build_steps
from simfutures.scenario.model import (
    ArgDuration,
    Duration,
    ExecutorSpec,
    FixedDuration,
    InitializerSpec,
    RaiseSpec,
    RangeDuration,
    ReturnFirstArg,
    ReturnValue,
    Scenario,
    TaskSpec,
)
from simfutures.scenario.source import MAX_FILE_BYTES, read_scenario_text
from simfutures.scenario.tree import YMap, YNode, YScalar, YSeq, parse_tree

_TOP_KEYS = ("name", "description", "executor", "tasks", "steps", "expect", marker.KEY)
_EXECUTOR_KEYS = ("kind", "max_workers", "initializer", "max_tasks_per_child")
_TASK_KEYS = ("duration", "returns", "raises", "prints", "kill_self", "wait_event", "call")
_INITIALIZER_KEYS = ("duration", "prints", "raises")


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read and check the scenario file at ``path``; raise ScenarioError if unusable.

    A file must declare itself with a top-level ``simfutures: 1`` (see marker.py);
    without it, NotAScenarioError (a ScenarioError).
    """
    shown, text = read_scenario_text(path)
    return parse_scenario(text, shown, require_marker=True)


def parse_scenario(text: str, path: str = "<string>", *, require_marker: bool = False
                   ) -> Scenario:
    """Check scenario ``text``; ``path`` is only used in error messages and locations.

    Text handed over directly needs no ``simfutures: 1`` line (the caller has
    said what it is); if it has one, its version is checked all the same.
    """
    if not isinstance(text, str):
        raise TypeError(f"parse_scenario() takes text (str), not {type(text).__name__}")
    # The char count is a lower bound on the UTF-8 size: cheap and sufficient.
    if len(text) > MAX_FILE_BYTES:
        raise ScenarioError(
            f"text is over the {MAX_FILE_BYTES // 1024} KiB limit for scenario files", path
        )
    root = parse_tree(text, path)
    if root is None:
        if require_marker:
            raise marker.missing_marker(path)
        raise ScenarioError(
            "the file is empty; a scenario needs at least 'name:' and 'executor:'", path, 1, 1
        )
    return _scenario(root, path, require_marker)


def _scenario(root: YNode, path: str, require_marker: bool) -> Scenario:
    if not isinstance(root, YMap):
        if require_marker:
            raise marker.missing_marker(path, root.loc.line, root.loc.column)
        shape = "a list" if isinstance(root, YSeq) else checks.describe(root)
        raise fail(
            root,
            f"the top level of a scenario must be a mapping with keys like 'name:' and "
            f"'executor:', but this file is {shape}",
        )
    _check_marker(root, path, require_marker)
    fields = Fields(root, "the scenario", _TOP_KEYS, required=("name", "executor"))
    name = checks.text(fields.require("name"), "name")
    if not name.strip():
        raise fail(fields.require("name"), "name must not be blank")
    description_node = fields.get("description")
    description = "" if description_node is None else checks.text(description_node, "description")
    executor = _executor(fields.require("executor"))
    tasks = _tasks(fields.get("tasks"), executor, path)
    symbols = Symbols(
        kind=executor.kind,
        tasks={t.name: t for t in tasks},
        events={t.wait_event for t in tasks if t.wait_event is not None},
    )
    steps = build_steps(fields.get("steps"), symbols)
    expect = build_claims(fields.get("expect"), symbols)
    return Scenario(
        name=name,
        description=description,
        executor=executor,
        tasks=tasks,
        steps=steps,
        expect=expect,
        path=path,
        loc=root.loc,
    )


def _check_marker(root: YMap, path: str, required: bool) -> None:
    # Before any other key is judged: a file of another tool gets one clear
    # message, not "unknown key" about its own keys.
    for key, value in root.entries:
        if key.value == marker.KEY:
            if not (isinstance(value, YScalar) and type(value.value) is int
                    and value.value == marker.VERSION):
                raise fail(value, f"'{marker.KEY}:' gives the scenario format version; this "
                           f"simfutures reads version {marker.VERSION} ('{marker.LINE}'), "
                           f"got {checks.describe(value)}")
            return
    if required:
        raise marker.missing_marker(path, root.loc.line, root.loc.column)


def _executor(node: YNode) -> ExecutorSpec:
    fields = Fields(node, "executor", _EXECUTOR_KEYS, required=("kind", "max_workers"))
    kind = checks.choice(fields.require("kind"), "kind", vocabulary.EXECUTOR_KINDS)
    max_workers = checks.positive_int(fields.require("max_workers"), "max_workers")
    init_node = fields.get("initializer")
    initializer = None if init_node is None else _initializer(init_node)
    per_child_node = fields.get("max_tasks_per_child")
    per_child = None
    if per_child_node is not None:
        if kind != "process":
            raise fail(per_child_node, "max_tasks_per_child needs kind: process")
        per_child = checks.positive_int(per_child_node, "max_tasks_per_child")
    return ExecutorSpec(kind, max_workers, initializer, per_child, loc=node.loc)


def _initializer(node: YNode) -> InitializerSpec:
    fields = Fields(node, "initializer", _INITIALIZER_KEYS)
    duration = _duration(fields.get("duration"), allow_arg=False)
    prints_node = fields.get("prints")
    raises_node = fields.get("raises")
    return InitializerSpec(
        duration=duration,
        prints=None if prints_node is None else checks.text(prints_node, "prints"),
        raises=None if raises_node is None else _raise_spec(raises_node),
        loc=node.loc,
    )


def _tasks(node: YNode | None, executor: ExecutorSpec, path: str) -> tuple[TaskSpec, ...]:
    if node is None:
        return ()
    if not isinstance(node, YMap):
        raise fail(
            node, f"tasks must map task names to what they do, got {checks.describe(node)}"
        )
    return tuple(
        _task(checks.name(key, "task name"), body, key, executor, path)
        for key, body in node.entries
    )


def _task(name: str, node: YNode, key: YScalar, executor: ExecutorSpec, path: str
          ) -> TaskSpec:
    if isinstance(node, YScalar) and node.value is None:
        return TaskSpec(name, loc=key.loc)  # "noop:" with nothing: returns its argument
    fields = Fields(node, f"task {name!r}", _TASK_KEYS)
    if "call" in fields:
        return _call_task(name, fields, key, executor, path)
    returns_node = fields.raw("returns")
    raises_node = fields.get("raises")
    kill_node = fields.get("kill_self")
    event_node = fields.get("wait_event")
    prints_node = fields.get("prints")
    if returns_node is not None and raises_node is not None:
        raise fail(raises_node, f"task {name!r} has both 'returns' and 'raises'; pick one")
    if kill_node is not None:
        if executor.kind != "process":
            raise fail(kill_node, "kill_self needs a process executor (this one is kind: thread)")
        if returns_node is not None or raises_node is not None:
            raise fail(kill_node, "a task that kills its worker never returns or raises")
    if event_node is not None and executor.kind != "thread":
        # A threading.Event cannot cross into a worker process.
        raise fail(event_node, "wait_event needs a thread executor (this one is kind: process)")
    return TaskSpec(
        name,
        duration=_duration(fields.get("duration"), allow_arg=True),
        returns=(
            ReturnFirstArg()
            if returns_node is None
            else ReturnValue(checks.value(returns_node, "returns"), loc=returns_node.loc)
        ),
        raises=None if raises_node is None else _raise_spec(raises_node),
        prints=None if prints_node is None else checks.text(prints_node, "prints"),
        kill_self=(
            None if kill_node is None else checks.choice(kill_node, "signal", vocabulary.SIGNALS)
        ),
        wait_event=None if event_node is None else checks.name(event_node, "event"),
        loc=key.loc,
    )


def _call_task(name: str, fields: Fields, key: YScalar, executor: ExecutorSpec, path: str
               ) -> TaskSpec:
    for other in _TASK_KEYS[:-1]:
        node = fields.raw(other)
        if node is not None:
            raise fail(node, f"task {name!r} has 'call', which cannot be combined with "
                       f"{other!r}: the called function alone decides what the task does")
    call_node = fields.require("call")
    directory = os.path.dirname(os.path.abspath(path))
    try:
        call = calls.parse(checks.text(call_node, "call"), directory)
        calls.check(call, executor.kind)
    except calls.CallError as exc:
        raise fail(call_node, f"task {name!r}: {exc}") from None
    return TaskSpec(name, call=attrs.evolve(call, loc=call_node.loc), loc=key.loc)


def _duration(node: YNode | None, *, allow_arg: bool) -> Duration | None:
    if node is None:
        return None
    if allow_arg and isinstance(node, YScalar) and node.value == "arg":
        return ArgDuration(loc=node.loc)
    if isinstance(node, YMap):
        fields = Fields(node, "duration", ("min", "max"), required=("min", "max"))
        low = checks.number(fields.require("min"), "min")
        high = checks.number(fields.require("max"), "max")
        if low > high:
            raise fail(node, f"duration: min ({low:g}) is larger than max ({high:g})")
        return RangeDuration(low, high, loc=node.loc)
    if isinstance(node, YScalar) and not isinstance(node.value, (int, float)):
        also = ", 'arg'" if allow_arg else ""
        raise fail(
            node,
            f"duration must be seconds (a number), {{min: .., max: ..}}{also}; "
            f"got {checks.describe(node)}",
        )
    return FixedDuration(checks.number(node, "duration"), loc=node.loc)


def _raise_spec(node: YNode) -> RaiseSpec:
    if isinstance(node, YScalar):
        return RaiseSpec(checks.choice(node, "exception", vocabulary.RAISABLE), loc=node.loc)
    fields = Fields(node, "raises", ("type", "message"), required=("type",))
    message_node = fields.get("message")
    return RaiseSpec(
        checks.choice(fields.require("type"), "exception", vocabulary.RAISABLE),
        "" if message_node is None else checks.text(message_node, "message"),
        loc=node.loc,
    )
