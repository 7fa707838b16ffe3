"""A checker for the subset of the Chrome trace-event format simfutures writes.

Perfetto and chrome://tracing are lenient: a malformed event is dropped or
drawn wrong without an error.  ``validate`` spells out what the viewers need
for the phases used here (``M``, ``X``, ``i``, ``s``/``t``/``f``), so tests
can hold the exporter to it.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

PHASES = {"M", "X", "i", "s", "t", "f"}
METADATA_NAMES = {"process_name", "thread_name"}
INSTANT_SCOPES = {"t", "p", "g"}
TOP_LEVEL_KEYS = {"traceEvents", "displayTimeUnit", "otherData"}


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_event(i: int, e: Any) -> list[str]:
    where = f"event {i}"
    if not isinstance(e, dict):
        return [f"{where}: not an object"]
    problems = []
    ph = e.get("ph")
    if ph not in PHASES:
        return [f"{where}: phase {ph!r} is not one of {sorted(PHASES)}"]
    if not isinstance(e.get("name"), str):
        problems.append(f"{where}: 'name' must be a string")
    for key in ("pid", "tid"):
        if not isinstance(e.get(key), int) or isinstance(e.get(key), bool):
            problems.append(f"{where}: '{key}' must be an integer")
    if "args" in e and not isinstance(e["args"], dict):
        problems.append(f"{where}: 'args' must be an object")
    if ph == "M":
        if e.get("name") not in METADATA_NAMES:
            problems.append(f"{where}: metadata name {e.get('name')!r} not supported")
        if not isinstance(e.get("args", {}).get("name"), str):
            problems.append(f"{where}: metadata needs args.name (a string)")
        return problems
    if not _is_number(e.get("ts")) or e["ts"] < 0:
        problems.append(f"{where}: 'ts' must be a number >= 0 (microseconds)")
    if not isinstance(e.get("cat"), str):
        problems.append(f"{where}: 'cat' must be a string")
    if ph == "X" and (not _is_number(e.get("dur")) or e["dur"] < 0):
        problems.append(f"{where}: complete event needs 'dur' >= 0")
    if ph == "i" and e.get("s", "t") not in INSTANT_SCOPES:
        problems.append(f"{where}: instant scope {e.get('s')!r} not in {sorted(INSTANT_SCOPES)}")
    if ph in "stf":
        if not isinstance(e.get("id"), int | str) or isinstance(e.get("id"), bool):
            problems.append(f"{where}: flow event needs an 'id'")
        if ph == "f" and e.get("bp", "e") != "e":
            problems.append(f"{where}: flow end binding point must be 'e'")
    return problems


def _check_nesting(slices: dict[tuple[int, int], list[tuple[float, float, str]]]) -> list[str]:
    """Slices on one track must nest: a partial overlap cannot be drawn."""
    problems = []
    for track, spans in slices.items():
        stack: list[tuple[float, float, str]] = []
        for start, end, name in sorted(spans, key=lambda s: (s[0], -s[1])):
            while stack and stack[-1][1] <= start:
                stack.pop()
            if stack and end > stack[-1][1]:
                outer_start, outer_end, outer = stack[-1]
                problems.append(f"track {track}: slice {name!r} [{start}, {end}] overlaps "
                                f"{outer!r} [{outer_start}, {outer_end}] without nesting")
            stack.append((start, end, name))
    return problems


def _encloses(spans: list[tuple[float, float, str]], ts: float) -> bool:
    return any(start <= ts < end for start, end, _ in spans)


def _check_flows(events: list[dict[str, Any]],
                 slices: dict[tuple[int, int], list[tuple[float, float, str]]]) -> list[str]:
    problems = []
    flows: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for e in events:
        if e.get("ph") in ("s", "t", "f"):
            flows[e["id"]].append(e)
    for flow_id, steps in flows.items():
        phases = [e["ph"] for e in sorted(steps, key=lambda e: e["ts"])]
        if phases.count("s") != 1 or phases.count("f") != 1 or phases[0] != "s" \
                or phases[-1] != "f":
            problems.append(f"flow {flow_id}: expected one 's', any 't', one 'f' in time "
                            f"order, got {phases}")
        for e in steps:
            # Every step binds to the slice enclosing it on its own track.
            if not _encloses(slices.get((e["pid"], e["tid"]), []), e["ts"]):
                problems.append(f"flow {flow_id}: '{e['ph']}' at {e['ts']} on track "
                                f"{(e['pid'], e['tid'])} has no enclosing slice to attach to")
    return problems


def validate(data: Any) -> list[str]:
    """Every way ``data`` departs from the format; an empty list means valid."""
    if not isinstance(data, dict) or not isinstance(data.get("traceEvents"), list):
        return ["top level must be an object with a 'traceEvents' list"]
    problems = [f"unknown top-level key {k!r}" for k in data if k not in TOP_LEVEL_KEYS]
    if data.get("displayTimeUnit", "ms") not in ("ms", "ns"):
        problems.append("displayTimeUnit must be 'ms' or 'ns'")
    events = data["traceEvents"]
    for i, e in enumerate(events):
        problems += _check_event(i, e)
    if problems:
        return problems
    named_processes = {e["pid"] for e in events if e["ph"] == "M" and e["name"] == "process_name"}
    named_threads = {(e["pid"], e["tid"]) for e in events
                     if e["ph"] == "M" and e["name"] == "thread_name"}
    slices: dict[tuple[int, int], list[tuple[float, float, str]]] = defaultdict(list)
    for e in events:
        if e["ph"] == "M":
            continue
        track = (e["pid"], e["tid"])
        if e["pid"] not in named_processes:
            problems.append(f"pid {e['pid']} has no process_name metadata")
            named_processes.add(e["pid"])
        if track not in named_threads:
            problems.append(f"track {track} has no thread_name metadata")
            named_threads.add(track)
        if e["ph"] == "X":
            slices[track].append((e["ts"], e["ts"] + e["dur"], e["name"]))
    return problems + _check_nesting(slices) + _check_flows(events, slices)
