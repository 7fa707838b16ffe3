"""Building the ``steps:`` list, resolving every name it mentions.

Steps run in order, so a step may only use handles submitted by an earlier
step; tasks and events may be used anywhere. The symbol table built here is
handed on to the claims, which may mention any handle or named step.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import attrs

from simfutures.scenario import checks, vocabulary
from simfutures.scenario.checks import Fields, fail
from simfutures.scenario.model import (
    ArgDuration,
    AsCompletedStep,
    CancelStep,
    ExceptionStep,
    KillWorkerStep,
    MapStep,
    ResultStep,
    SetEventStep,
    ShutdownStep,
    SleepStep,
    Step,
    SubmitStep,
    TaskSpec,
    WaitStep,
)
from simfutures.scenario.tree import YMap, YNode, YScalar
from simfutures.scenario.values import show


@attrs.define
class Symbols:
    kind: str
    tasks: dict[str, TaskSpec]
    events: set[str]
    handles: dict[str, SubmitStep] = attrs.Factory(dict)
    named: dict[str, Step] = attrs.Factory(dict)

    def claim_name(self, node: YNode, name: str) -> None:
        """Handles and step names share one namespace; a name is given once."""
        earlier = self.handles.get(name) or self.named.get(name)
        if earlier is not None:
            raise fail(node, f"the name {name!r} is already used on line {earlier.loc.line}")

    def task(self, node: YNode) -> str:
        name = checks.name(node, "task")
        if name not in self.tasks:
            raise fail(node, checks.unknown("task", name, list(self.tasks)))
        return name

    def handle(self, node: YNode) -> str:
        name = checks.name(node, "handle")
        if name not in self.handles:
            if name in self.named:
                raise fail(node, f"{name!r} names a step's outcome, not a submitted future")
            best = checks.nearest(name, self.handles)
            hint = f" — did you mean {best!r}?" if best else ""
            raise fail(node, f"no future named {name!r} was submitted before this step{hint}")
        return name


def build_steps(node: YNode | None, symbols: Symbols) -> tuple[Step, ...]:
    if node is None:
        return ()
    return tuple(_step(item, symbols) for item in checks.sequence(node, "steps"))


def _step(node: YNode, symbols: Symbols) -> Step:
    # A bare word is allowed for steps whose settings all have defaults.
    if isinstance(node, YScalar) and node.value in _BARE:
        step = _BUILDERS[node.value](YScalar(None, node.loc), symbols, node)
        return attrs.evolve(step, loc=node.loc)
    if isinstance(node, YScalar) and isinstance(node.value, str):
        if node.value in _BUILDERS:
            raise fail(node, f"step {node.value!r} needs settings: write '{node.value}: ...'")
        raise fail(node, checks.unknown("step", node.value, list(_BUILDERS)))
    if not isinstance(node, YMap) or not node.entries:
        raise fail(
            node,
            "a step must be 'kind: settings', e.g. '- submit: {task: t, as: a}'; "
            f"got {checks.describe(node)}",
        )
    if len(node.entries) != 1:
        kinds = ", ".join(show(k.value, 20) for k, _ in node.entries)
        raise fail(node, f"each step does one thing, but this one has {kinds}; split it up")
    key, body = node.entries[0]
    if key.value not in _BUILDERS:
        raise fail(key, checks.unknown("step", key.value, list(_BUILDERS)))
    step = _BUILDERS[key.value](body, symbols, key)
    return attrs.evolve(step, loc=key.loc)


def _optional_name(fields: Fields, symbols: Symbols) -> str | None:
    node = fields.get("as")
    if node is None:
        return None
    name = checks.name(node, "'as'")
    symbols.claim_name(node, name)
    return name


def _timeout(fields: Fields) -> float | None:
    node = fields.get("timeout")
    return None if node is None else checks.number(node, "timeout")


def _handles(fields: Fields, symbols: Symbols, step: str, key: YScalar) -> tuple[str, ...]:
    node = fields.get("handles")
    if node is None:
        if not symbols.handles:
            raise fail(key, f"{step} has no futures to wait for: nothing was submitted before it")
        return tuple(symbols.handles)
    items = checks.sequence(node, "handles")
    if not items:
        raise fail(node, f"{step} needs at least one handle")
    return tuple(symbols.handle(item) for item in items)


def _submit(body: YNode, symbols: Symbols, key: YScalar) -> Step:
    fields = Fields(body, "submit", ("task", "as", "args"), required=("task", "as"))
    task = symbols.task(fields.require("task"))
    args_node = fields.get("args")
    args = () if args_node is None else checks.value(args_node, "args")
    if not isinstance(args, tuple):
        raise fail(args_node, f"args must be a list, got {show(args)}")
    _check_arg_duration(symbols.tasks[task], args, args_node or key)
    handle_node = fields.require("as")
    handle = checks.name(handle_node, "'as'")
    symbols.claim_name(handle_node, handle)
    step = SubmitStep(task, handle, args)
    symbols.handles[handle] = attrs.evolve(step, loc=key.loc)
    return step


def _check_arg_duration(task: TaskSpec, args: tuple, where: YNode) -> None:
    if not isinstance(task.duration, ArgDuration):
        return
    first = args[0] if args else None
    if (
        isinstance(first, bool)
        or not isinstance(first, (int, float))
        or not math.isfinite(first)
        or first < 0
    ):
        raise fail(
            where,
            f"task {task.name!r} sleeps for its first argument, so that must be "
            f"a number of seconds, got {show(first)}",
        )


def _map(body: YNode, symbols: Symbols, key: YScalar) -> Step:
    fields = Fields(
        body, "map", ("task", "items", "timeout", "chunksize", "as"), required=("task", "items")
    )
    task = symbols.task(fields.require("task"))
    items_node = fields.require("items")
    checks.sequence(items_node, "items")
    items = checks.value(items_node, "items")
    for item_node, item in zip(checks.sequence(items_node, "items"), items):
        _check_arg_duration(symbols.tasks[task], (item,), item_node)
    chunk_node = fields.get("chunksize")
    chunksize = 1 if chunk_node is None else checks.positive_int(chunk_node, "chunksize")
    name = _optional_name(fields, symbols)
    step = MapStep(task, items, _timeout(fields), chunksize, name)
    _remember(symbols, name, step, key)
    return step


def _as_completed(body: YNode, symbols: Symbols, key: YScalar) -> Step:
    if isinstance(body, YScalar) and body.value is None:
        body = _empty(key)
    fields = Fields(body, "as_completed", ("handles", "timeout", "as"))
    handles = _handles(fields, symbols, "as_completed", key)
    name = _optional_name(fields, symbols)
    step = AsCompletedStep(handles, _timeout(fields), name)
    _remember(symbols, name, step, key)
    return step


def _wait(body: YNode, symbols: Symbols, key: YScalar) -> Step:
    if isinstance(body, YScalar) and body.value is None:
        body = _empty(key)
    fields = Fields(body, "wait", ("handles", "timeout", "return_when", "as"))
    handles = _handles(fields, symbols, "wait", key)
    when_node = fields.get("return_when")
    when = (
        "ALL_COMPLETED"
        if when_node is None
        else checks.choice(when_node, "return_when", vocabulary.RETURN_WHEN)
    )
    name = _optional_name(fields, symbols)
    step = WaitStep(handles, _timeout(fields), when, name)
    _remember(symbols, name, step, key)
    return step


def _future_call(cls: type, what: str) -> Callable[[YNode, Symbols, YScalar], Step]:
    """result / exception: ``result: a`` or ``result: {handle: a, timeout: .., as: ..}``."""

    def build(body: YNode, symbols: Symbols, key: YScalar) -> Step:
        if isinstance(body, YScalar):
            return cls(symbols.handle(body))
        fields = Fields(body, what, ("handle", "timeout", "as"), required=("handle",))
        handle = symbols.handle(fields.require("handle"))
        name = _optional_name(fields, symbols)
        step = cls(handle, _timeout(fields), name)
        _remember(symbols, name, step, key)
        return step

    return build


def _cancel(body: YNode, symbols: Symbols, key: YScalar) -> Step:
    if isinstance(body, YScalar):
        return CancelStep(symbols.handle(body))
    fields = Fields(body, "cancel", ("handle", "as"), required=("handle",))
    handle = symbols.handle(fields.require("handle"))
    name = _optional_name(fields, symbols)
    step = CancelStep(handle, name)
    _remember(symbols, name, step, key)
    return step


def _sleep(body: YNode, symbols: Symbols, key: YScalar) -> Step:
    return SleepStep(checks.number(body, "sleep"))


def _kill_worker(body: YNode, symbols: Symbols, key: YScalar) -> Step:
    if symbols.kind != "process":
        raise fail(key, "kill_worker needs a process executor (this one is kind: thread)")
    if isinstance(body, YScalar):
        return KillWorkerStep(symbols.handle(body))
    fields = Fields(body, "kill_worker", ("of", "signal"), required=("of",))
    handle = symbols.handle(fields.require("of"))
    signal_node = fields.get("signal")
    signal = (
        "SIGKILL"
        if signal_node is None
        else checks.choice(signal_node, "signal", vocabulary.SIGNALS)
    )
    return KillWorkerStep(handle, signal)


def _shutdown(body: YNode, symbols: Symbols, key: YScalar) -> Step:
    if isinstance(body, YScalar) and body.value is None:
        return ShutdownStep()
    fields = Fields(body, "shutdown", ("wait", "cancel_futures"))
    wait = fields.get("wait")
    cancel = fields.get("cancel_futures")
    return ShutdownStep(
        True if wait is None else checks.boolean(wait, "wait"),
        False if cancel is None else checks.boolean(cancel, "cancel_futures"),
    )


def _set_event(body: YNode, symbols: Symbols, key: YScalar) -> Step:
    event = checks.name(body, "event")
    if event not in symbols.events:
        raise fail(
            body,
            checks.unknown("event", event, sorted(symbols.events))
            + " (an event exists when some task has 'wait_event' for it)",
        )
    return SetEventStep(event)


def _remember(symbols: Symbols, name: str | None, step: Step, key: YScalar) -> None:
    if name is not None:
        symbols.named[name] = attrs.evolve(step, loc=key.loc)


def _empty(key: YScalar) -> YMap:
    return YMap((), key.loc)


_BUILDERS: dict[str, Callable[[YNode, Symbols, YScalar], Step]] = {
    "submit": _submit,
    "map": _map,
    "as_completed": _as_completed,
    "wait": _wait,
    "result": _future_call(ResultStep, "result"),
    "exception": _future_call(ExceptionStep, "exception"),
    "cancel": _cancel,
    "sleep": _sleep,
    "kill_worker": _kill_worker,
    "shutdown": _shutdown,
    "set_event": _set_event,
}

_BARE = ("shutdown", "as_completed", "wait")
