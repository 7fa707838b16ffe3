"""Fuzzing the loader: mutated scenario files give a Scenario or a ScenarioError, nothing else.

Mutations start from valid scenarios so they reach deep into the schema code,
not just the YAML scanner: byte flips, deletions, insertions of YAML syntax and
scenario vocabulary, and line swaps, duplications and deletions.
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simfutures.scenario import Scenario, ScenarioError, parse_scenario
from simfutures.scenario.source import decode_scenario_bytes

SEEDS = [
    b"""\
name: race
description: two tasks
executor: {kind: thread, max_workers: 2}
tasks:
  slow: {duration: 0.5, returns: 1}
  fast: {duration: {min: 0.1, max: 0.6}, prints: hi}
  boom: {raises: {type: ValueError, message: bad}}
  gate: {wait_event: go}
  nap: {duration: arg}
steps:
  - submit: {task: slow, as: a}
  - submit: {task: fast, as: b, args: [1, [2, 3]]}
  - submit: {task: gate, as: g}
  - as_completed: {handles: [a, b], timeout: 1, as: order}
  - set_event: go
  - result: {handle: a, timeout: 0.2, as: r}
  - exception: {handle: b, as: e}
  - cancel: {handle: g, as: c}
  - sleep: 0.1
  - map: {task: nap, items: [0.3, 0.1], timeout: 2, chunksize: 1, as: m}
  - wait: {handles: [a, g], return_when: FIRST_COMPLETED, as: w}
  - shutdown: {wait: true, cancel_futures: false}
expect:
  - always: {state: {a: finished, g: cancelled}}
  - sometimes: {order: {of: order, equals: [b, a]}}
  - never: {raises: {of: r, exception: TimeoutError, message: x}}
  - always: {time: {finish: a, equals: 0.5}}
  - always: {time: {step: m, at_least: 0.3, at_most: 1}}
  - sometimes: {completed: [b, a], printed: {equals: [hi]}}
  - always: {returns: {of: w, equals: {done: [a], not_done: [g]}}}
  - always: {returns: {of: e, equals: null}}
""",
    b"""\
name: broken pool
executor:
  kind: process
  max_workers: 1
  max_tasks_per_child: 3
  initializer:
    duration: 0.01
    prints: init
tasks:
  die:
    kill_self: SIGKILL
  ok: &ok
    duration: 0.1
    returns: {x: [1, 2]}
  ok2: *ok
steps:
  - submit:
      task: ok
      as: a
  - kill_worker: {of: a, signal: SIGTERM}
  - submit: {task: die, as: b}
  - result: a
  - shutdown
expect:
  - always:
      raises: {of: b, exception: BrokenProcessPool}
  - sometimes:
      state: {a: finished, b: finished}
      time: {finish: b, at_most: 2}
""",
]

# Fragments that are meaningful to YAML or to the scenario schema, so that
# insertions produce near-miss files rather than only random noise.
FRAGMENTS = [
    b":", b": ", b"- ", b"\n", b"\n  ", b"\t", b"[", b"]", b"{", b"}", b",", b"'", b'"',
    b"&a ", b"*a", b"&b [*b]", b"*zz", b"<<: *a", b"? ", b"---\n", b"...\n", b"#", b"|\n",
    b"!!python/object/apply:os.system [true]", b"!!binary ", b"!x ", b"%YAML 1.1\n",
    b"\x00", b"\xff", b"\xc3", b"\xe2\x80\x94", b"\xef\xbb\xbf", b"\r", b"\x07",
    b"name", b"nmae", b"executor", b"kind: process", b"kind: thread", b"max_workers: 0",
    b"max_workers: -1", b"tasks", b"steps", b"expect", b"submit", b"as: a", b"as: b",
    b"task: nope", b"handle: zz", b"timeout: -1", b"timeout: .inf", b"timeout: .nan",
    b"duration: arg", b"duration: {min: 2, max: 1}", b"args: [x]", b"items: []",
    b"kill_self: SIGKILL", b"wait_event: go", b"set_event: go", b"always", b"never",
    b"sometimes", b"real", b"state: {a: done}", b"equals: [a, a]", b"0b_", b"2024-01-01",
    b"99999999999999999999999999999", b"1e999", b"null", b"~", b"true", b"on",
]


# Words and values that replace a whole token, keeping the YAML well formed
# so the mutation exercises the schema checks rather than the YAML scanner.
WORDS = [
    b"a", b"b", b"g", b"r", b"m", b"w", b"zz", b"slow", b"die", b"go", b"order", b"0", b"-1",
    b"1.5", b"1e9", b".inf", b".nan", b"true", b"null", b"[]", b"{}", b"[a, b]", b"{x: 1}",
    b"thread", b"process", b"finished", b"cancelled", b"running", b"rejected", b"pending",
    b"FIRST_COMPLETED", b"ALL_COMPLETED", b"SIGKILL", b"ValueError", b"BrokenExecutor",
    b"submit", b"map", b"as_completed", b"wait", b"result", b"exception", b"cancel",
    b"sleep", b"kill_worker", b"shutdown", b"set_event", b"handles", b"handle", b"of",
    b"task", b"items", b"timeout", b"chunksize", b"return_when", b"cancel_futures",
    b"state", b"returns", b"raises", b"order", b"completed", b"time", b"printed",
    b"start", b"finish", b"step", b"at_least", b"at_most", b"equals", b"contains",
    b"duration", b"prints", b"kill_self", b"wait_event", b"initializer", b"min", b"max",
]
_TOKEN = re.compile(rb"[A-Za-z0-9_.-]+")


@st.composite
def mutated_scenarios(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    ops = ["flip", "delete", "insert", "fragment", "fragment", "lines", "lines"] + ["word"] * 6
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(ops))
        at = draw(st.integers(0, len(data)))
        if op == "word":
            tokens = list(_TOKEN.finditer(bytes(data)))
            token = tokens[draw(st.integers(0, len(tokens) - 1))] if tokens else None
            if token is not None:
                data[token.start() : token.end()] = draw(st.sampled_from(WORDS))
        elif op == "flip" and data:
            at = min(at, len(data) - 1)
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "delete":
            data[at : at + draw(st.integers(1, 40))] = b""
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif op == "fragment":
            data[at:at] = draw(st.sampled_from(FRAGMENTS))
        else:
            data = bytearray(_mutate_lines(draw, bytes(data)))
    return bytes(data)


def _mutate_lines(draw: st.DrawFn, data: bytes) -> bytes:
    lines = data.split(b"\n")
    i = draw(st.integers(0, len(lines) - 1))
    j = draw(st.integers(0, len(lines) - 1))
    how = draw(st.sampled_from(["swap", "duplicate", "drop", "reindent"]))
    if how == "swap":
        lines[i], lines[j] = lines[j], lines[i]
    elif how == "duplicate":
        lines.insert(j, lines[i])
    elif how == "drop":
        del lines[i]
    else:
        lines[i] = b" " * draw(st.integers(0, 6)) + lines[i].lstrip(b" ")
    return b"\n".join(lines)


def load_bytes(data: bytes) -> Scenario:
    """What load_scenario does after reading the file."""
    return parse_scenario(decode_scenario_bytes(data, "fuzz.yaml"), "fuzz.yaml")


def check_outcome(data: bytes) -> None:
    try:
        result = load_bytes(data)
    except ScenarioError as err:
        # A usable report: names the file, 1-based position, one line.
        assert err.path == "fuzz.yaml"
        assert err.line is None or err.line >= 1
        assert err.column is None or err.column >= 1
        assert str(err).startswith("fuzz.yaml") and "\n" not in str(err)
    else:
        assert isinstance(result, Scenario)


def test_seeds_are_valid():
    for seed in SEEDS:
        assert isinstance(load_bytes(seed), Scenario)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_scenarios())
def test_mutated_scenarios_load_or_raise_scenario_error(data):
    check_outcome(data)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_loads_or_raises_scenario_error(text):
    check_outcome(text.encode("utf-8", "surrogatepass"))
