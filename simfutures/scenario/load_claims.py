"""Building the ``expect:`` list of claims.

Besides types, this checks that each claim can be evaluated at all: it names
handles and steps that exist, asks about an outcome that kind of step can
have, and compares against a value of a shape that step can produce. A claim
that could never be decided is an error now rather than a puzzle later.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from simfutures.scenario import checks, vocabulary
from simfutures.scenario.checks import Fields, fail
from simfutures.scenario.load_steps import Symbols
from simfutures.scenario.model import (
    AsCompletedStep,
    CancelStep,
    Claim,
    CompletedOrder,
    DataRaceSeen,
    ExceptionStep,
    MapStep,
    OrderIs,
    Predicate,
    Printed,
    Raises,
    Returns,
    StateIs,
    Step,
    TimeIs,
    WaitStep,
)
from simfutures.scenario.tree import YMap, YNode, YScalar
from simfutures.scenario.values import FrozenMap


def build_claims(node: YNode | None, symbols: Symbols) -> tuple[Claim, ...]:
    if node is None:
        return ()
    return tuple(_claim(item, symbols) for item in checks.sequence(node, "expect"))


def _claim(node: YNode, symbols: Symbols) -> Claim:
    if not isinstance(node, YMap) or not node.entries:
        raise fail(
            node,
            "a claim must be 'always: {...}', 'sometimes: {...}' or 'never: {...}', "
            f"got {checks.describe(node)}",
        )
    if len(node.entries) != 1:
        raise fail(node, "a claim has exactly one of always, sometimes, never; split it up")
    key, body = node.entries[0]
    if key.value in vocabulary.RESERVED_QUANTIFIERS:
        raise fail(
            key,
            f"{key.value!r} claims are reserved for comparing with real-world runs "
            "and are not supported yet",
        )
    if key.value not in vocabulary.QUANTIFIERS:
        raise fail(key, checks.unknown("claim", key.value, vocabulary.QUANTIFIERS))
    if isinstance(body, YScalar) and body.value == DATA_RACE:  # "never: data_race"
        return Claim(key.value, tuple(_data_race(None, symbols, body)), loc=key.loc)
    Fields(body, f"an '{key.value}' claim", list(_PREDICATES))
    assert isinstance(body, YMap)
    if not body.entries:
        raise fail(body, f"an '{key.value}' claim needs at least one thing to check")
    predicates: list[Predicate] = []
    for pred_key, pred_body in body.entries:
        predicates.extend(_PREDICATES[pred_key.value](pred_body, symbols, pred_key))
    return Claim(key.value, tuple(predicates), loc=key.loc)


# --- references ----------------------------------------------------------------


def _handle(node: YNode, symbols: Symbols) -> str:
    name = checks.name(node, "handle")
    if name not in symbols.handles:
        if name in symbols.named:
            raise fail(node, f"{name!r} names a step's outcome, not a submitted future")
        raise fail(node, checks.unknown("handle", name, list(symbols.handles)))
    return name


def _subject(node: YNode, symbols: Symbols) -> tuple[str, Step]:
    """A handle (its SubmitStep) or a named step."""
    name = checks.name(node, "'of'")
    step = symbols.handles.get(name) or symbols.named.get(name)
    if step is None:
        known = list(symbols.handles) + list(symbols.named)
        raise fail(node, checks.unknown("handle or step name", name, known))
    return name, step


def _kind(step: Step) -> str:
    return type(step).__name__.removesuffix("Step").lower()


# --- predicates ----------------------------------------------------------------


def _state(node: YNode, symbols: Symbols, key: YScalar) -> list[Predicate]:
    if not isinstance(node, YMap) or not node.entries:
        raise fail(
            node, f"state must map handles to states, e.g. 'state: {{a: finished}}'; "
            f"got {checks.describe(node)}"
        )
    return [
        StateIs(
            _handle(handle, symbols),
            checks.choice(state, "state", vocabulary.STATES),
            loc=handle.loc,
        )
        for handle, state in node.entries
    ]


def _returns(node: YNode, symbols: Symbols, key: YScalar) -> list[Predicate]:
    fields = Fields(node, "returns", ("of", "equals"), required=("of", "equals"))
    name, step = _subject(fields.require("of"), symbols)
    equals_node = fields.raw("equals")
    assert equals_node is not None
    value = checks.value(equals_node, "equals", comparable=True)
    problem = _shape_problem(step, value)
    if problem:
        raise fail(equals_node, f"{name!r} is a {_kind(step)} step, {problem}; "
                                "this claim can never hold")
    return [Returns(name, value, loc=key.loc)]


def _shape_problem(step: Step, value: object) -> str | None:
    """Why ``value`` can never be what ``step`` produces, or None if it might be."""
    if isinstance(step, CancelStep) and not isinstance(value, bool):
        return "which returns true or false"
    if isinstance(step, (AsCompletedStep, MapStep)) and not isinstance(value, tuple):
        return "which produces a list"
    if isinstance(step, WaitStep) and not (
        isinstance(value, FrozenMap) and set(value) == {"done", "not_done"}
    ):
        return "which produces {done: [...], not_done: [...]}"
    if isinstance(step, ExceptionStep) and not (
        value is None or (isinstance(value, FrozenMap) and set(value) == {"type", "message"})
    ):
        return "which returns null or {type: ..., message: ...}"
    return None


def _raises(node: YNode, symbols: Symbols, key: YScalar) -> list[Predicate]:
    fields = Fields(
        node, "raises", ("of", "exception", "message"), required=("of", "exception")
    )
    name, step = _subject(fields.require("of"), symbols)
    if isinstance(step, (CancelStep, WaitStep)):
        raise fail(
            fields.require("of"),
            f"{name!r} is a {_kind(step)} step, which never raises; this claim can never hold",
        )
    exception = checks.choice(
        fields.require("exception"), "exception", vocabulary.CLAIMABLE_EXCEPTIONS
    )
    message_node = fields.get("message")
    message = None if message_node is None else checks.text(message_node, "message")
    return [Raises(name, exception, message, loc=key.loc)]


def _order(node: YNode, symbols: Symbols, key: YScalar) -> list[Predicate]:
    fields = Fields(node, "order", ("of", "equals"), required=("of", "equals"))
    of_node = fields.require("of")
    name, step = _subject(of_node, symbols)
    if not isinstance(step, (AsCompletedStep, MapStep)):
        raise fail(
            of_node,
            f"'order' needs a named as_completed or map step; {name!r} is a "
            f"{_kind(step)} (for the order futures finished in, use 'completed')",
        )
    equals_node = fields.require("equals")
    if isinstance(step, AsCompletedStep):
        items = tuple(_handle(item, symbols) for item in checks.sequence(equals_node, "equals"))
        for item_node, item in zip(checks.sequence(equals_node, "equals"), items):
            if item not in step.handles:
                raise fail(item_node, f"{item!r} is not one of the handles {name!r} waits for")
    else:
        checks.sequence(equals_node, "equals")
        items = checks.value(equals_node, "equals", comparable=True)
    return [OrderIs(name, items, loc=key.loc)]


def _completed(node: YNode, symbols: Symbols, key: YScalar) -> list[Predicate]:
    items = checks.sequence(node, "completed")
    handles = tuple(_handle(item, symbols) for item in items)
    for item, handle in zip(items, handles):
        if handles.count(handle) > 1:
            raise fail(item, f"{handle!r} is listed twice, but a future completes once")
    return [CompletedOrder(handles, loc=key.loc)]


def _time(node: YNode, symbols: Symbols, key: YScalar) -> list[Predicate]:
    fields = Fields(node, "time", vocabulary.TIME_EVENTS + ("equals", "at_least", "at_most"))
    events = [e for e in vocabulary.TIME_EVENTS if e in fields]
    if len(events) != 1:
        raise fail(node, "time needs exactly one of: " + ", ".join(vocabulary.TIME_EVENTS))
    event = events[0]
    subject_node = fields.require(event)
    if event == "step":
        subject, _ = _subject(subject_node, symbols)
        if subject in symbols.handles:
            raise fail(subject_node, f"{subject!r} is a handle; use submit, start or finish")
    else:
        subject = _handle(subject_node, symbols)
        task = symbols.tasks[symbols.handles[subject].task]
        if event == "start" and task.kill_self is not None:
            raise fail(
                subject_node,
                f"task {task.name!r} kills its own worker, so its start time is never "
                "reported; this claim can never be evaluated",
            )
    bounds = {}
    for bound in ("equals", "at_least", "at_most"):
        bound_node = fields.get(bound)
        if bound_node is not None:
            bounds[bound] = checks.number(bound_node, bound)
    if not bounds:
        raise fail(node, "time needs 'equals', 'at_least' or 'at_most'")
    if "equals" in bounds and len(bounds) > 1:
        raise fail(node, "time takes 'equals' or a range ('at_least'/'at_most'), not both")
    if bounds.get("at_least", 0) > bounds.get("at_most", float("inf")):
        raise fail(node, "time: 'at_least' is larger than 'at_most'; this claim can never hold")
    return [TimeIs(event, subject, loc=key.loc, **bounds)]


def _printed(node: YNode, symbols: Symbols, key: YScalar) -> list[Predicate]:
    fields = Fields(node, "printed", ("equals", "contains"))
    equals_node, contains_node = fields.get("equals"), fields.get("contains")
    if (equals_node is None) == (contains_node is None):
        raise fail(node, "printed needs exactly one of 'equals' (a list of lines) or 'contains'")
    if equals_node is not None:
        items = checks.sequence(equals_node, "equals")
        lines = tuple(checks.text(n, "a printed line") for n in items)
        return [Printed(equals=lines, loc=key.loc)]
    assert contains_node is not None
    return [Printed(contains=checks.text(contains_node, "contains"), loc=key.loc)]


DATA_RACE = "data_race"


def _data_race(node: YNode | None, symbols: Symbols, key: YScalar) -> list[Predicate]:
    # The race detector traces the user's code only: without a task that calls
    # some, the claim would hold (or fail) whatever the code does.
    if not any(task.call is not None for task in symbols.tasks.values()):
        raise fail(key, "a data_race claim needs a task that calls your code ('call: "
                   "module:function'): other tasks run only simfutures' own code, which "
                   "the race detector does not look at")
    if symbols.kind != "thread":
        raise fail(key, "a data_race claim needs a thread executor: process workers share "
                   "no memory (the simulator runs them in one interpreter, so it would "
                   "report races real processes cannot have)")
    if node is None or (isinstance(node, YScalar) and node.value is None):
        return [DataRaceSeen(loc=key.loc)]
    fields = Fields(node, DATA_RACE, ("at",), required=("at",))
    at_node = fields.require("at")
    return [DataRaceSeen(_site(at_node), loc=key.loc)]


def _site(node: YNode) -> str:
    """``FILE:LINE`` (the file relative to the scenario's directory) as an absolute,
    symlink-free ``path:line``, the form the race detector's sites are compared in."""
    written = checks.text(node, "at")
    file, sep, line = written.rpartition(":")
    if not sep or not file or not line.isdigit() or int(line) < 1:
        raise fail(node, f"at must be 'FILE:LINE' (e.g. 'counter_app.py:12'), got {written!r}")
    path = os.path.join(os.path.dirname(os.path.abspath(node.loc.path)), file)
    if not os.path.isfile(path):
        raise fail(node, f"at: no file {file!r} next to the scenario file")
    with open(path, "rb") as source:
        lines = source.read().count(b"\n")
    if int(line) > lines:
        raise fail(node, f"at: {file} has {lines} lines, so no line {int(line)}")
    return f"{os.path.realpath(path)}:{int(line)}"


_PREDICATES: dict[str, Callable[[YNode, Symbols, YScalar], list[Predicate]]] = {
    "state": _state,
    "returns": _returns,
    "raises": _raises,
    "order": _order,
    "completed": _completed,
    "time": _time,
    "printed": _printed,
    DATA_RACE: _data_race,
}
