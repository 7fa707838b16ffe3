"""The trace-format validator must catch what the viewers would silently mis-draw."""

from __future__ import annotations

import copy

import pytest

from simfutures.trace.chrome_format import validate

GOOD = {
    "traceEvents": [
        {"name": "process_name", "ph": "M", "pid": 1, "tid": 0, "args": {"name": "prog"}},
        {"name": "thread_name", "ph": "M", "pid": 1, "tid": 1, "args": {"name": "Main"}},
        {"name": "thread_name", "ph": "M", "pid": 1, "tid": 2, "args": {"name": "W"}},
        {"name": "submit", "cat": "submit", "ph": "X", "ts": 0, "dur": 5, "pid": 1, "tid": 1},
        {"name": "task", "cat": "task", "ph": "X", "ts": 10, "dur": 100, "pid": 1, "tid": 2},
        {"name": "inner", "cat": "x", "ph": "X", "ts": 20, "dur": 10, "pid": 1, "tid": 2},
        {"name": "cancel", "cat": "cancel", "ph": "i", "s": "t", "ts": 30, "pid": 1, "tid": 1},
        {"name": "f", "cat": "future", "ph": "s", "id": 1, "ts": 1, "pid": 1, "tid": 1},
        {"name": "f", "cat": "future", "ph": "t", "id": 1, "ts": 11, "pid": 1, "tid": 2},
        {"name": "f", "cat": "future", "ph": "f", "id": 1, "ts": 21, "pid": 1, "tid": 2,
         "bp": "e"},
    ],
    "displayTimeUnit": "ms",
}


def broken(change) -> dict:
    data = copy.deepcopy(GOOD)
    change(data["traceEvents"])
    return data


def test_the_reference_trace_is_valid() -> None:
    assert validate(GOOD) == []


@pytest.mark.parametrize("data, expected", [
    ([], "top level"),
    ({"events": []}, "top level"),
    ({"traceEvents": [], "colour": 1}, "unknown top-level key"),
    ({"traceEvents": [], "displayTimeUnit": "s"}, "displayTimeUnit"),
])
def test_top_level(data, expected) -> None:
    assert any(expected in p for p in validate(data))


@pytest.mark.parametrize("change, expected", [
    (lambda ev: ev[3].update(ph="B"), "phase 'B'"),
    (lambda ev: ev[3].pop("dur"), "needs 'dur'"),
    (lambda ev: ev[3].update(dur=-1), "needs 'dur'"),
    (lambda ev: ev[3].update(ts="0"), "'ts' must be a number"),
    (lambda ev: ev[3].update(pid="1"), "'pid' must be an integer"),
    (lambda ev: ev[3].update(tid=True), "'tid' must be an integer"),
    (lambda ev: ev[3].pop("cat"), "'cat' must be a string"),
    (lambda ev: ev[3].update(args=[1]), "'args' must be an object"),
    (lambda ev: ev[6].update(s="x"), "instant scope"),
    (lambda ev: ev[7].pop("id"), "needs an 'id'"),
    (lambda ev: ev[9].update(bp="n"), "binding point"),
    (lambda ev: ev[0].update(name="process_labels"), "metadata name"),
    (lambda ev: ev[1].update(args={}), "args.name"),
    (lambda ev: ev.append("not an event"), "not an object"),
])
def test_malformed_events(change, expected) -> None:
    problems = validate(broken(change))
    assert any(expected in p for p in problems), problems


def test_every_track_and_process_needs_a_name() -> None:
    problems = validate(broken(lambda ev: ev.pop(2)))
    assert any("track (1, 2) has no thread_name" in p for p in problems)
    problems = validate(broken(lambda ev: ev.pop(0)))
    assert any("pid 1 has no process_name" in p for p in problems)


def test_partially_overlapping_slices_on_one_track() -> None:
    problems = validate(broken(lambda ev: ev[5].update(dur=200)))
    assert any("overlaps 'task'" in p for p in problems), problems
    # Slices on different tracks may overlap freely.
    assert validate(broken(lambda ev: ev[3].update(dur=9))) == []


def test_flows_need_start_end_order_and_something_to_attach_to() -> None:
    problems = validate(broken(lambda ev: ev.pop(9)))
    assert any("expected one 's'" in p for p in problems)
    problems = validate(broken(lambda ev: ev[7].update(ts=500)))
    assert any("expected one 's'" in p for p in problems)  # start after the end
    problems = validate(broken(lambda ev: ev[8].update(ts=5)))
    assert any("no enclosing slice" in p for p in problems)  # 't' before the task begins
