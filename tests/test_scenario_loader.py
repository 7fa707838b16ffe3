"""The scenario loader: what it builds from good files, and how it refuses bad ones."""

from __future__ import annotations

import os
import pickle
import textwrap
import time
import tracemalloc

import pytest

from simfutures.errors import SimfuturesError
from simfutures.scenario import ScenarioError, load_scenario, parse_scenario
from simfutures.scenario import model as m
from simfutures.scenario.source import MAX_FILE_BYTES
from simfutures.scenario.values import FrozenMap

GOOD = textwrap.dedent(
    """\
    name: as_completed race
    description: the slow task may still finish first
    executor:
      kind: thread
      max_workers: 2
    tasks:
      slow:
        duration: 0.5
        returns: {x: [1, 2]}
      fast:
        duration: {min: 0.1, max: 0.6}
        prints: hello
      boom:
        raises: {type: ValueError, message: bad}
      gate:
        wait_event: go
      nap:
        duration: arg
    steps:
      - submit: {task: slow, as: a}
      - submit: {task: fast, as: b, args: [7]}
      - submit: {task: gate, as: g}
      - as_completed: {handles: [a, b], timeout: 1, as: order}
      - set_event: go
      - result: {handle: a, timeout: 0.2, as: r}
      - exception: b
      - cancel: {handle: g, as: c}
      - sleep: 0.1
      - map: {task: nap, items: [0.3, 0.1], chunksize: 2, timeout: 5, as: m}
      - wait: {return_when: FIRST_COMPLETED, as: w}
      - shutdown: {wait: false, cancel_futures: true}
    expect:
      - always: {state: {a: finished, g: cancelled}}
      - sometimes: {order: {of: order, equals: [b, a]}}
      - never: {raises: {of: r, exception: TimeoutError}}
      - always: {time: {finish: a, equals: 0.5}}
      - always: {time: {step: m, at_least: 0.3, at_most: 1}}
      - always: {completed: [a, b], printed: {contains: hello}}
      - sometimes: {returns: {of: w, equals: {done: [a], not_done: [b, g]}}}
      - always: {returns: {of: m, equals: [0.3, 0.1]}}
    """
)

BASE = "name: x\nexecutor: {kind: thread, max_workers: 2}\n"
PROCESS = "name: x\nexecutor: {kind: process, max_workers: 2}\n"


def error_of(text: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, "s.yaml")
    return info.value


# --- what good files become -----------------------------------------------------


def test_good_scenario_builds_the_model():
    s = parse_scenario(GOOD, "good.yaml")
    assert s.name == "as_completed race"
    assert s.executor == m.ExecutorSpec("thread", 2)
    assert s.task("slow") == m.TaskSpec(
        "slow", m.FixedDuration(0.5), m.ReturnValue(FrozenMap.of({"x": [1, 2]}))
    )
    assert s.task("fast").duration == m.RangeDuration(0.1, 0.6)
    assert s.task("fast").returns == m.ReturnFirstArg()
    assert s.task("boom").raises == m.RaiseSpec("ValueError", "bad")
    assert s.task("nap").duration == m.ArgDuration()
    assert s.handles == ("a", "b", "g")
    assert s.steps[1] == m.SubmitStep("fast", "b", (7,))
    assert s.steps[3] == m.AsCompletedStep(("a", "b"), 1.0, "order")
    assert s.steps[6] == m.ExceptionStep("b")
    assert s.steps[9] == m.MapStep("nap", (0.3, 0.1), 5.0, 2, "m")
    # A wait without handles waits for everything submitted before it.
    assert s.steps[10] == m.WaitStep(("a", "b", "g"), None, "FIRST_COMPLETED", "w")
    assert s.steps[11] == m.ShutdownStep(wait=False, cancel_futures=True)
    assert s.expect[0] == m.Claim(
        "always", (m.StateIs("a", "finished"), m.StateIs("g", "cancelled"))
    )
    assert s.expect[3].predicates == (m.TimeIs("finish", "a", equals=0.5),)
    assert s.expect[5].predicates == (m.CompletedOrder(("a", "b")), m.Printed(contains="hello"))


def test_every_node_remembers_where_it_was_written():
    s = parse_scenario(GOOD, "good.yaml")
    assert str(s.expect[0].loc) == "good.yaml:33:5"
    assert s.expect[2].loc.line == 35
    assert s.steps[0].loc.line == 20
    assert s.task("boom").loc.line == 13
    assert s.expect[0].predicates[1].loc.line == 33  # 'g: cancelled' on the same line


def test_locations_do_not_affect_equality():
    spaced = "\n\n" + GOOD.replace("name: as", "name:    as")
    assert parse_scenario(spaced, "other.yaml") == parse_scenario(GOOD, "good.yaml")


def test_model_is_frozen_and_hashable():
    s = parse_scenario(GOOD)
    with pytest.raises(AttributeError):
        s.name = "changed"
    assert hash(s) == hash(parse_scenario(GOOD))


def test_load_scenario_reads_a_file(tmp_path):
    path = tmp_path / "race.yaml"
    path.write_text("simfutures: 1\n" + GOOD, encoding="utf-8")
    s = load_scenario(path)
    assert s.path == str(path)
    assert s.expect[0].loc.path == str(path)


def test_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfsimfutures: 1\n" + BASE.encode())
    assert load_scenario(path).name == "x"


def test_short_forms():
    s = parse_scenario(
        BASE
        + textwrap.dedent(
            """\
            tasks: {t: , u: {raises: RuntimeError}}
            steps:
              - submit: {task: t, as: a}
              - result: a
              - cancel: a
              - as_completed
              - wait
              - shutdown
            """
        )
    )
    assert s.task("t") == m.TaskSpec("t")
    assert s.task("u").raises == m.RaiseSpec("RuntimeError", "")
    assert s.steps[1:] == (
        m.ResultStep("a"),
        m.CancelStep("a"),
        m.AsCompletedStep(("a",)),
        m.WaitStep(("a",)),
        m.ShutdownStep(),
    )


def test_anchors_and_aliases_may_share_settings():
    s = parse_scenario(
        BASE + "tasks:\n  a: &slow {duration: 1}\n  b: *slow\n"
    )
    assert s.task("a").duration == s.task("b").duration == m.FixedDuration(1.0)


def test_process_only_features():
    s = parse_scenario(
        "name: x\nexecutor: {kind: process, max_workers: 1, max_tasks_per_child: 1,"
        " initializer: {raises: RuntimeError}}\n"
        "tasks: {die: {kill_self: SIGKILL}, ok: }\n"
        "steps:\n  - submit: {task: ok, as: a}\n  - kill_worker: {of: a, signal: SIGTERM}\n"
    )
    assert s.executor.max_tasks_per_child == 1
    assert s.executor.initializer == m.InitializerSpec(raises=m.RaiseSpec("RuntimeError"))
    assert s.task("die").kill_self == "SIGKILL"
    assert s.steps[1] == m.KillWorkerStep("a", "SIGTERM")


# --- the error type ----------------------------------------------------------------


def test_error_type_and_format():
    err = ScenarioError("boom", "f.yaml", 3, 7)
    assert isinstance(err, SimfuturesError) and isinstance(err, ValueError)
    assert str(err) == "f.yaml:3:7: boom"
    assert str(ScenarioError("boom", "f.yaml")) == "f.yaml: boom"
    copy = pickle.loads(pickle.dumps(err))
    assert (copy.path, copy.line, copy.column, copy.message) == ("f.yaml", 3, 7, "boom")


# --- files that cannot be read ----------------------------------------------------


def test_missing_file(tmp_path):
    with pytest.raises(ScenarioError, match="no such file") as info:
        load_scenario(tmp_path / "nope.yaml")
    assert info.value.path == str(tmp_path / "nope.yaml")
    assert info.value.line is None


def test_broken_symlink_and_bad_names(tmp_path):
    link = tmp_path / "link.yaml"
    link.symlink_to(tmp_path / "gone.yaml")
    with pytest.raises(ScenarioError, match="no such file"):
        load_scenario(link)
    with pytest.raises(ScenarioError, match="not a usable file name"):
        load_scenario("bad\0name.yaml")


def test_empty_file(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_bytes(b"")
    with pytest.raises(ScenarioError, match="empty"):
        load_scenario(path)


def test_comment_only_file_is_empty():
    assert "empty" in error_of("# just a comment\n\n").message


def test_directory(tmp_path):
    with pytest.raises(ScenarioError, match="directory"):
        load_scenario(tmp_path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    with pytest.raises(ScenarioError, match="not a regular file"):
        load_scenario(fifo)


def test_binary_file(tmp_path):
    path = tmp_path / "image.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(ScenarioError, match="binary") as info:
        load_scenario(path)
    assert info.value.line == 3  # after "\r\n" and "\x1a\n"


def test_invalid_utf8_points_at_the_bad_byte(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(BASE.encode() + "description: caf\xe9\n".encode("latin-1"))
    with pytest.raises(ScenarioError, match="UTF-8") as info:
        load_scenario(path)
    assert (info.value.line, info.value.column) == (3, 17)


def test_huge_file_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "huge.yaml"
    with open(path, "wb") as f:
        f.truncate(300 * 1024 * 1024)  # sparse: costs no disk
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(ScenarioError, match="limit") as info:
            load_scenario(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started < 1
    assert peak < 1024 * 1024
    assert "314,572,800 bytes" in info.value.message


def test_file_just_over_the_limit(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    with pytest.raises(ScenarioError, match="limit"):
        load_scenario(path)


def test_oversized_text():
    assert "limit" in error_of("#" * (MAX_FILE_BYTES + 1)).message


# --- YAML-level problems -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "column", "fragment"),
    [
        ("name: [x\nexecutor: 1\n", 2, 9, "YAML syntax error"),
        ("name: x\n  bad: indent\n", 2, 6, "mapping values are not allowed"),
        ("name: x\n\texecutor: 1\n", 2, 1, "'\\t'"),
        ("name: *nowhere\n", 1, 7, "undefined alias"),
        ("a: 1\n---\nb: 2\n", 2, 1, "single document"),
        ("name: \x07\n", 1, 7, "U+0007"),
        ("name: x\nname: y\n", 2, 1, "duplicate key 'name' (first given on line 1)"),
        ("a: &a {k: 1}\nb: {<<: *a}\n", 2, 5, "merge keys"),
        ("? [a, b]\n: 1\n", 1, 3, "plain text"),
        ("name: 2024-01-31\n", 1, 7, "quote the value"),
        ("name: 0b_\n", 1, 7, "cannot read '0b_' as a number"),
        ("name: x\nexecutor: {kind: thread, max_workers: " + "9" * 5000 + "}\n", 2, 39, "number"),
    ],
)
def test_yaml_problems(text, line, column, fragment):
    err = error_of(text)
    assert fragment in err.message
    assert (err.path, err.line, err.column) == ("s.yaml", line, column)


@pytest.mark.parametrize("kind", ["list", "scalar", "number"])
def test_top_level_must_be_a_mapping(kind):
    text = {"list": "- name: x\n- b\n", "scalar": "just text\n", "number": "42\n"}[kind]
    err = error_of(text)
    assert "top level" in err.message and err.line == 1


@pytest.mark.parametrize(
    "text",
    [
        "name: &a [*a]\n",
        "a: &a {b: [1, {c: *a}]}\n",
        "executor: &e\n  kind: *e\n",
    ],
)
def test_recursive_alias(text):
    err = error_of(text)
    assert "recursive alias" in err.message
    assert err.line is not None


def error_and_peak_memory(text: str):
    tracemalloc.start()
    try:
        err = error_of(text)
        return err, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_billion_laughs_is_rejected_fast_and_small():
    lines = ["l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, 10):
        refs = ", ".join([f"*l{i - 1}"] * 10)
        lines.append(f"l{i}: &l{i} [{refs}]")
    bomb = "\n".join(lines) + "\n"  # 10**10 strings if expanded
    # Refused before expanding: memory, not wall time (a loaded machine is slow at
    # anything), shows it.
    err, peak = error_and_peak_memory(bomb)
    assert "expands to more than" in err.message
    assert peak < 50 * 1024 * 1024


def test_deep_nesting_is_an_error_not_a_crash():
    err = error_of("[" * 3000 + "]" * 3000)
    assert "too deep" in err.message and (err.line, err.column) == (1, 51)
    assert "too deep" in error_of("a: " + "[" * 80 + "]" * 80).message
    # Through aliases, a shallow-looking document can still nest deeply.
    chain = "".join(f"l{i}: &l{i} [*l{i - 1}]\n" for i in range(1, 60))
    assert "too deep" in error_of("l0: &l0 [x]\n" + chain).message


@pytest.mark.parametrize(
    "text",
    [
        "a:\n" + "- 1\n" * 260_000,
        "a: [" + "1," * 500_000 + "]",
        "".join(f"k{i}: 1\n" for i in range(90_000)),
    ],
    ids=["block-list", "flow-list", "keys"],
)
def test_megabyte_of_tiny_nodes_is_refused_quickly(text):
    assert len(text) <= MAX_FILE_BYTES
    err, peak = error_and_peak_memory(text)
    assert "more than 20,000 nodes" in err.message and err.line is not None
    # Stopped at the node limit: the document's 90,000-500,000 nodes never all exist
    # (about 12 MB at the limit, well over 50 MB when all are built).
    assert peak < 30 * 1024 * 1024


@pytest.mark.parametrize(
    "payload",
    [
        "!!python/object/apply:os.mkdir [{marker}]",
        "!!python/object/new:os.mkdir [{marker}]",
        "!!python/name:os.mkdir",
        "!!python/object:builtins.dict {{}}",
        "!!binary aGVsbG8=",
        "!!set {{a, b}}",
        "!custom thing",
    ],
)
def test_no_tag_ever_constructs_anything(tmp_path, payload):
    marker = tmp_path / "created"
    text = f"name: {payload.format(marker=str(marker))}\n"
    err = error_of(text)
    assert "tag" in err.message and err.line == 1
    assert not marker.exists()


# --- schema problems: types, unknown keys, values ----------------------------------------


def test_unknown_key_suggests_the_nearest():
    err = error_of("nmae: x\nexecutor: {kind: thread, max_workers: 2}\n")
    assert err.message == "unknown key 'nmae' — did you mean 'name'?"
    assert (err.line, err.column) == (1, 1)


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (
            "name: x\nexecutor: {kind: thread, max_wokers: 2}\n",
            2,
            "unknown key 'max_wokers' — did you mean 'max_workers'?",
        ),
        (
            BASE + "tasks: {t: {duraton: 1}}\n",
            3,
            "unknown key 'duraton' — did you mean 'duration'?",
        ),
        (
            BASE + "tasks: {t: }\nsteps:\n  - submit: {task: t, as: a, arg: [1]}\n",
            5,
            "unknown key 'arg' — did you mean 'args'?",
        ),
        (BASE + "steps:\n  - sumbit: {}\n", 4, "unknown step 'sumbit' — did you mean 'submit'?"),
        (BASE + "expect:\n  - alway: {}\n", 4, "unknown claim 'alway' — did you mean 'always'?"),
        (
            BASE + "tasks: {t: }\nsteps: [{submit: {task: t, as: a}}]\n"
            "expect:\n  - always: {stat: {a: finished}}\n",
            6,
            "unknown key 'stat' — did you mean 'state'?",
        ),
        (BASE + "zzz: 1\n", 3, "unknown key 'zzz' (expected one of: name, description"),
    ],
)
def test_unknown_keys_everywhere(text, line, message):
    err = error_of(text)
    assert err.message.startswith(message)
    assert err.line == line


@pytest.mark.parametrize(
    ("executor", "fragment"),
    [
        ("{kind: thred, max_workers: 2}", "unknown kind 'thred' — did you mean 'thread'?"),
        ("{kind: fiber, max_workers: 2}", "unknown kind 'fiber' (expected one of: thread, "),
        ("{kind: thread, max_workers: 0}", "positive whole number (1 or more), got 0"),
        ("{kind: thread, max_workers: -4}", "positive whole number (1 or more), got -4"),
        ("{kind: thread, max_workers: 2.5}", "got the number 2.5"),
        ("{kind: thread, max_workers: true}", "got the boolean true"),
        ("{kind: thread, max_workers: '2'}", "got the text '2'"),
        ("{kind: thread, max_workers: 100000}", "at most 1024"),
        ("{kind: thread}", "missing the required key 'max_workers'"),
        ("{max_workers: 2}", "missing the required key 'kind'"),
        ("[thread, 2]", "executor must be a mapping"),
        ("{kind: thread, max_workers: 1, max_tasks_per_child: 2}", "needs kind: process"),
    ],
)
def test_bad_executor(executor, fragment):
    err = error_of(f"name: x\nexecutor: {executor}\n")
    assert fragment in err.message
    assert err.line == 2


def test_missing_required_top_level_keys():
    assert "required key 'name'" in error_of("executor: {kind: thread, max_workers: 1}\n").message
    assert "required key 'executor'" in error_of("name: x\n").message
    err = error_of("name: 5\nexecutor: {kind: thread, max_workers: 1}\n")
    assert "name must be text" in err.message


@pytest.mark.parametrize(
    ("tasks", "fragment"),
    [
        ("[a, b]", "tasks must map task names"),
        ("{t: {duration: -1}}", "duration must be 0 or more"),
        ("{t: {duration: .inf}}", "finite"),
        ("{t: {duration: soon}}", "duration must be seconds"),
        ("{t: {duration: {min: 2, max: 1}}}", "min (2) is larger than max (1)"),
        ("{t: {duration: {min: 1}}}", "missing the required key 'max'"),
        ("{t: {duration: 2000000}}", "at most 1,000,000 seconds"),
        ("{t: {raises: KeyboardInterrupt}}", "unknown exception 'KeyboardInterrupt'"),
        ("{t: {raises: ValueErorr}}", "did you mean 'ValueError'?"),
        ("{t: {raises: {type: ValueError, message: [1]}}}", "message must be text"),
        ("{t: {returns: 1, raises: ValueError}}", "both 'returns' and 'raises'"),
        ("{t: {prints: {a: 1}}}", "prints must be text"),
        ("{t: {kill_self: SIGKILL}}", "kill_self needs a process executor"),
        ("{'bad name': {}}", "not a valid name"),
        ("{1: {}}", "task name must be a name"),
        ("{t: 5}", "task 't' must be a mapping"),
    ],
)
def test_bad_tasks(tasks, fragment):
    err = error_of(BASE + f"tasks: {tasks}\n")
    assert fragment in err.message
    assert err.line == 3


def test_process_executor_rejects_thread_only_features():
    err = error_of(PROCESS + "tasks: {t: {wait_event: go}}\n")
    assert "wait_event needs a thread executor" in err.message
    err = error_of(PROCESS + "tasks: {t: {kill_self: SIGKILL, returns: 1}}\n")
    assert "never returns" in err.message
    err = error_of(PROCESS + "tasks: {t: {kill_self: SIGSTOPP}}\n")
    assert "unknown signal" in err.message


def test_thread_executor_cannot_kill_workers():
    err = error_of(steps("- submit: {task: t, as: a}\n- kill_worker: a\n"))
    assert "kill_worker needs a process executor" in err.message and err.line == 6


def steps(body: str, tasks: str = "{t: , e: {wait_event: go}}") -> str:
    return BASE + f"tasks: {tasks}\nsteps:\n" + textwrap.indent(textwrap.dedent(body), "  ")


@pytest.mark.parametrize(
    ("body", "line", "fragment"),
    [
        ("- submit: {task: slo, as: a}\n", 5, "unknown task 'slo' (expected one of: t, e)"),
        ("- submit: {task: t}\n", 5, "missing the required key 'as'"),
        ("- submit: {task: t, as: a}\n- result: b\n", 6, "no future named 'b' was submitted"),
        ("- submit: {task: t, as: alpha}\n- result: alpah\n", 6, "did you mean 'alpha'?"),
        ("- result: a\n- submit: {task: t, as: a}\n", 5, "no future named 'a'"),
        ("- submit: {task: t, as: a}\n- submit: {task: t, as: a}\n", 6, "already used on line 5"),
        (
            "- submit: {task: t, as: a}\n- result: {handle: a, as: a}\n",
            6,
            "'a' is already used",
        ),
        ("- set_event: og\n", 5, "unknown event 'og' (expected one of: go)"),
        ("- set_event: {go: 1}\n", 5, "event must be a name"),
        ("- submit: {task: t, as: a, args: 5}\n", 5, "args must be a list"),
        ("- map: {task: t}\n", 5, "missing the required key 'items'"),
        ("- map: {task: t, items: [1], chunksize: 0}\n", 5, "chunksize must be a positive"),
        ("- map: {task: t, items: 3}\n", 5, "items must be a list"),
        ("- as_completed\n", 5, "nothing was submitted before it"),
        ("- submit: {task: t, as: a}\n- wait: {handles: []}\n", 6, "at least one handle"),
        (
            "- submit: {task: t, as: a}\n- wait: {return_when: FIRST_COMPLETE}\n",
            6,
            "did you mean 'FIRST_COMPLETED'?",
        ),
        ("- submit: {task: t, as: a}\n- result: {handle: a, timeout: -1}\n", 6, "must be 0"),
        ("- submit: {task: t, as: a}\n- result: {handle: a, timeout: x}\n", 6, "number of seconds"),
        ("- sleep: soon\n", 5, "sleep must be a number"),
        ("- shutdown: {wait: maybe}\n", 5, "wait must be true or false"),
        ("- shutdown: {wait: true, cancel: true}\n", 5, "did you mean 'cancel_futures'?"),
        ("- submit: {task: t, as: a}\n  result: a\n", 5, "each step does one thing"),
        ("- submit\n", 5, "needs settings"),
        ("- 42\n", 5, "a step must be 'kind: settings'"),
        ("- [submit, t]\n", 5, "a step must be 'kind: settings'"),
    ],
)
def test_bad_steps(body, line, fragment):
    err = error_of(steps(body))
    assert fragment in err.message
    assert err.line == line


def test_steps_must_be_a_list():
    assert "steps must be a list" in error_of(BASE + "steps: {submit: x}\n").message


def test_arg_duration_needs_numeric_arguments():
    tasks = "{nap: {duration: arg}}"
    err = error_of(steps("- submit: {task: nap, as: a}\n", tasks))
    assert "sleeps for its first argument" in err.message
    err = error_of(steps("- map: {task: nap, items: [0.1, fast]}\n", tasks))
    assert "got 'fast'" in err.message and (err.line, err.column) == (5, 35)


CLAIM_SETUP = """\
- submit: {task: t, as: a}
- submit: {task: t, as: b}
- result: {handle: a, as: r}
- cancel: {handle: b, as: c}
- as_completed: {handles: [a], as: ac}
- map: {task: t, items: [1, 2], as: mp}
- wait: {as: w}
"""


def claims(body: str) -> str:
    return steps(CLAIM_SETUP) + "expect:\n" + textwrap.indent(textwrap.dedent(body), "  ")


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("- always: {state: {z: finished}}\n", "unknown handle 'z'"),
        ("- always: {state: {r: finished}}\n", "names a step's outcome, not a submitted future"),
        ("- always: {state: {a: done}}\n", "unknown state 'done'"),
        ("- always: {returns: {of: nope, equals: 1}}\n", "unknown handle or step name 'nope'"),
        ("- always: {returns: {of: a}}\n", "missing the required key 'equals'"),
        ("- always: {returns: {of: c, equals: 1}}\n", "returns true or false"),
        ("- always: {returns: {of: ac, equals: a}}\n", "produces a list"),
        ("- always: {returns: {of: w, equals: [a]}}\n", "{done: [...], not_done: [...]}"),
        ("- always: {returns: {of: a, equals: .nan}}\n", "NaN"),
        ("- never: {raises: {of: c, exception: ValueError}}\n", "never raises"),
        ("- never: {raises: {of: w, exception: ValueError}}\n", "never raises"),
        ("- never: {raises: {of: r, exception: Oops}}\n", "unknown exception 'Oops'"),
        ("- always: {order: {of: r, equals: [a]}}\n", "'order' needs a named as_completed or map"),
        ("- always: {order: {of: ac, equals: [b]}}\n", "not one of the handles 'ac' waits for"),
        ("- always: {completed: [a, a]}\n", "listed twice"),
        ("- always: {time: {finish: a}}\n", "'equals', 'at_least' or 'at_most'"),
        ("- always: {time: {equals: 1}}\n", "exactly one of: submit, start, finish, step"),
        ("- always: {time: {finish: a, start: a, equals: 1}}\n", "exactly one of"),
        ("- always: {time: {finish: r, equals: 1}}\n", "names a step's outcome"),
        ("- always: {time: {step: a, equals: 1}}\n", "is a handle"),
        ("- always: {time: {finish: a, equals: 1, at_most: 2}}\n", "not both"),
        ("- always: {time: {finish: a, at_least: 3, at_most: 2}}\n", "can never hold"),
        ("- always: {printed: {}}\n", "exactly one of 'equals'"),
        ("- always: {printed: {equals: [1]}}\n", "a printed line must be text"),
        ("- always: {}\n", "needs at least one thing to check"),
        ("- always: {state: {a: finished}}\n  never: {state: {a: finished}}\n", "exactly one of"),
        ("- real: {state: {a: finished}}\n", "reserved"),
        ("- 'always'\n", "a claim must be"),
    ],
)
def test_claims_that_can_never_be_evaluated(body, fragment):
    text = claims(body)
    err = error_of(text)
    assert fragment in err.message
    claim_line = text.count("\n", 0, text.index("expect:")) + 2
    assert err.line == claim_line


def test_start_time_of_a_self_killing_task_is_never_known():
    text = (
        PROCESS
        + "tasks: {die: {kill_self: SIGKILL}}\nsteps: [{submit: {task: die, as: a}}]\n"
        + "expect:\n  - always: {time: {start: a, equals: 0}}\n"
    )
    assert "never reported" in error_of(text).message
    # Its finish time is known: the future fails with BrokenProcessPool.
    parse_scenario(text.replace("start: a", "finish: a"))


def test_error_messages_fit_on_one_screen():
    long_name = "x" * 10_000
    err = error_of(f"{long_name}: 1\n")
    assert len(str(err)) < 300 and "\n" not in str(err)
