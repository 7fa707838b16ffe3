"""Running scenarios (under the simulator: virtual time, no real sleeping) and judging claims."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from simfutures.scenario import load_scenario, parse_scenario
from simfutures.scenario.check import check_scenario
from simfutures.scenario.claims import evaluate
from simfutures.scenario.observation import Observation
from simfutures.scenario.runner import run_scenario
from simfutures.scenario.values import freeze
from simfutures.sim import simulate


def scenario(text: str):
    return parse_scenario(textwrap.dedent(text), "t.yaml")


def observe(text: str, runs: int = 1) -> list[Observation]:
    s = scenario(text)
    return [simulate(run_scenario, s, seed=seed) for seed in range(runs)]


def verdicts(text: str, runs: int = 20) -> list:
    s = scenario(text)
    observations = [simulate(run_scenario, s, seed=seed) for seed in range(runs)]
    return [evaluate(claim, observations) for claim in s.expect]


RACE = """\
    name: race
    executor: {kind: thread, max_workers: 2}
    tasks:
      a: {duration: {min: 0.1, max: 0.5}, returns: A}
      b: {duration: {min: 0.1, max: 0.5}, returns: B}
    steps:
      - submit: {task: a, as: x}
      - submit: {task: b, as: y}
      - as_completed: {timeout: 1, as: order}
    expect:
      - sometimes: {order: {of: order, equals: [x, y]}}
      - sometimes: {order: {of: order, equals: [y, x]}}
      - always: {state: {x: finished, y: finished}, returns: {of: x, equals: A}}
      - always: {time: {finish: x, at_least: 0.1, at_most: 0.5}}
      - never: {raises: {of: order, exception: TimeoutError}}
      - always: {completed: [x, y]}
"""


def test_race_explores_both_orders():
    results = verdicts(RACE)
    assert [r.passed for r in results] == [True, True, True, True, True, False]
    assert results[0].runs == 20 and results[0].index is not None
    # 'completed: [x, y]' is refuted by a run where y finished first.
    refuted = results[5]
    assert refuted.index is not None and "completion order was ['y', 'x']" in refuted.detail
    assert str(refuted).startswith("t.yaml:16:5: always claim FAILS: run ")


def test_runs_are_deterministic_per_seed():
    s = scenario(RACE)
    assert simulate(run_scenario, s, seed=7) == simulate(run_scenario, s, seed=7)


def test_map_yields_in_input_order_and_takes_the_longest_item():
    (obs,) = observe(
        """\
        name: map
        executor: {kind: thread, max_workers: 3}
        tasks:
          nap: {duration: arg}
        steps:
          - map: {task: nap, items: [0.3, 0.1, 0.2], as: m}
        """
    )
    step = obs.step("m")
    assert step.outcome.value == step.yielded == (0.3, 0.1, 0.2)
    assert step.ended_at == pytest.approx(0.3)


def test_map_timeout_keeps_what_was_yielded():
    (obs,) = observe(
        """\
        name: map timeout
        executor: {kind: thread, max_workers: 1}
        tasks:
          nap: {duration: arg}
        steps:
          - map: {task: nap, items: [0.1, 0.5], timeout: 0.3, as: m}
        """
    )
    step = obs.step("m")
    assert step.yielded == (0.1,)
    assert step.outcome.raised.is_a("TimeoutError")
    assert step.ended_at == pytest.approx(0.3)


def test_result_timeout_and_later_success():
    results = verdicts(
        """\
        name: timeout
        executor: {kind: thread, max_workers: 1}
        tasks:
          slow: {duration: 0.5, returns: 42}
        steps:
          - submit: {task: slow, as: a}
          - result: {handle: a, timeout: 0.2, as: early}
          - result: {handle: a, as: late}
        expect:
          - always: {raises: {of: early, exception: TimeoutError}}
          - always: {time: {step: early, equals: 0.2}}
          - always: {returns: {of: late, equals: 42}, time: {finish: a, equals: 0.5}}
          - always: {time: {start: a, equals: 0}}
        """,
        runs=3,
    )
    assert all(r.passed for r in results), [str(r) for r in results]


def test_cancel_pending_future():
    (obs,) = observe(
        """\
        name: cancel
        executor: {kind: thread, max_workers: 1}
        tasks:
          slow: {duration: 1}
        steps:
          - submit: {task: slow, as: a}
          - submit: {task: slow, as: b}
          - sleep: 0.1
          - cancel: {handle: a, as: ca}
          - cancel: {handle: b, as: cb}
        """
    )
    assert obs.step("ca").outcome.value is False  # already running
    assert obs.step("cb").outcome.value is True
    assert obs.handle("b").state == "cancelled"
    assert obs.handle("b").outcome.raised.type == "CancelledError"
    assert obs.handle("b").started_at is None
    assert obs.completed == ("a",)


def test_shutdown_cancel_futures_and_submit_after_shutdown():
    (obs,) = observe(
        """\
        name: shutdown
        executor: {kind: thread, max_workers: 1}
        tasks:
          slow: {duration: 1}
        steps:
          - submit: {task: slow, as: a}
          - submit: {task: slow, as: b}
          - sleep: 0.1
          - shutdown: {wait: false, cancel_futures: true}
          - submit: {task: slow, as: c}
          - result: c
        """
    )
    assert [h.state for h in obs.handles] == ["running", "cancelled", "rejected"]
    assert obs.handle("c").outcome.raised.type == "RuntimeError"
    assert obs.steps[-1].outcome.skipped.startswith("'c' was never submitted")
    assert obs.handle("a").outcome.value is None  # finished during the final shutdown
    assert obs.handle("a").finished_at == pytest.approx(1.0)


def test_wait_first_completed_and_events():
    (obs,) = observe(
        """\
        name: gate
        executor: {kind: thread, max_workers: 2}
        tasks:
          gate: {wait_event: go, returns: opened}
          quick: {duration: 0.1}
        steps:
          - submit: {task: gate, as: g}
          - submit: {task: quick, as: q}
          - wait: {return_when: FIRST_COMPLETED, as: w}
          - result: {handle: g, timeout: 0.5, as: blocked}
          - set_event: go
          - result: {handle: g, as: opened}
        """
    )
    assert dict(obs.step("w").outcome.value) == {"done": ("q",), "not_done": ("g",)}
    assert obs.step("blocked").outcome.raised.is_a("TimeoutError")
    assert obs.step("opened").outcome.value == "opened"
    assert obs.handle("g").finished_at == pytest.approx(0.6)


def test_exceptions_and_printing():
    (obs,) = observe(
        """\
        name: errors
        executor: {kind: thread, max_workers: 2}
        tasks:
          boom: {prints: starting, duration: 0.1, raises: {type: ValueError, message: bad}}
          fine: {prints: fine}
        steps:
          - submit: {task: fine, as: f}
          - submit: {task: boom, as: b}
          - exception: {handle: b, as: e}
          - exception: {handle: f, as: none}
        """
    )
    assert dict(obs.step("e").outcome.value) == {"type": "ValueError", "message": "bad"}
    assert obs.step("none").outcome.value is None
    assert obs.handle("b").outcome.raised.message == "bad"
    assert obs.handle("b").started_at == 0
    assert sorted(obs.printed) == ["fine", "starting"]


def test_initializer_failure_breaks_the_thread_pool():
    (obs,) = observe(
        """\
        name: init
        executor: {kind: thread, max_workers: 1, initializer: {raises: RuntimeError}}
        tasks:
          t: {}
        steps:
          - submit: {task: t, as: a}
          - wait
          - submit: {task: t, as: b}
        """
    )
    assert obs.handle("a").outcome.raised.is_a("BrokenExecutor")
    assert obs.handle("b").state == "rejected"
    assert obs.handle("b").outcome.raised.type == "BrokenThreadPool"


def test_process_worker_killing_itself_breaks_the_pool():
    results = verdicts(
        """\
        name: die
        executor: {kind: process, max_workers: 2}
        tasks:
          die: {duration: 0.2, kill_self: SIGKILL}
          ok: {duration: 0.1, returns: 1}
        steps:
          - submit: {task: ok, as: a}
          - submit: {task: die, as: d}
          - wait: {as: w}
        expect:
          - always: {raises: {of: d, exception: BrokenProcessPool}}
          - always: {returns: {of: a, equals: 1}}
          - always: {time: {finish: d, equals: 0.2}}
        """,
        runs=3,
    )
    assert all(r.passed for r in results), [str(r) for r in results]


def test_kill_worker_then_submit():
    (obs,) = observe(
        """\
        name: kill idle worker
        executor: {kind: process, max_workers: 1}
        tasks:
          ok: {duration: 0.1}
        steps:
          - submit: {task: ok, as: a, args: [5]}
          - kill_worker: {of: a}
          - sleep: 0.1
          - submit: {task: ok, as: b}
        """
    )
    assert obs.handle("a").outcome.value == 5
    assert obs.handle("a").pid is not None
    assert obs.handle("b").state == "rejected"
    assert obs.handle("b").outcome.raised.is_a("BrokenExecutor")


def test_evaluate_reports_runs_and_indexes():
    s = scenario(RACE)
    observations = [simulate(run_scenario, s, seed=seed) for seed in range(10)]
    never_y_first = parse_scenario(
        textwrap.dedent(RACE).replace(
            "  - always: {completed: [x, y]}", "  - never: {completed: [y, x]}"
        )
    ).expect[-1]
    result = evaluate(never_y_first, observations)
    assert not result.passed
    assert observations[result.index].completed == ("y", "x")
    impossible = s.expect[0].__class__("sometimes", s.expect[5].predicates)
    impossible_obs = [o for o in observations if o.completed == ("y", "x")]
    result = evaluate(impossible, impossible_obs)
    assert not result.passed and result.index is None
    assert result.detail == f"not seen in any of {len(impossible_obs)} runs"
    with pytest.raises(ValueError):
        evaluate(s.expect[0], [])


def test_real_stdlib_smoke():
    """The runner also drives the real concurrent.futures (tiny real durations)."""
    s = scenario(
        """\
        name: real
        executor: {kind: thread, max_workers: 2}
        tasks:
          t: {duration: 0.01, returns: [1, {k: v}]}
        steps:
          - submit: {task: t, as: a}
          - map: {task: t, items: [1, 2], as: m}
          - result: {handle: a, timeout: 5, as: r}
        expect:
          - always: {returns: {of: r, equals: [1, {k: v}]}, state: {a: finished}}
        """
    )
    obs = run_scenario(s)
    assert evaluate(s.expect[0], [obs]).passed
    assert obs.step("m").outcome.value == (freeze([1, {"k": "v"}]),) * 2


def test_real_process_pool_smoke():
    """Task callables pickle into real worker processes."""
    s = scenario(
        """\
        name: real process
        executor: {kind: process, max_workers: 1}
        tasks:
          t: {returns: 7}
        steps:
          - submit: {task: t, as: a}
          - result: {handle: a, timeout: 30, as: r}
        """
    )
    obs = run_scenario(s)
    assert obs.step("r").outcome.value == 7
    assert obs.handle("a").pid not in (None, 0)


# --- checking: many schedules, every claim, and the shipped example scenarios ---------

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"


def _needs_race_detection(path: Path) -> list:
    from simfutures.explore import stack_peek

    if "data_race" not in path.read_text() or stack_peek.AVAILABLE:
        return []
    return [pytest.mark.skip(reason="data race detection needs explore.stack_peek, "
                             "not available on this Python")]


@pytest.mark.parametrize(
    "path", [pytest.param(p, marks=_needs_race_detection(p))
             for p in sorted(SCENARIO_DIR.glob("*.yaml"))], ids=lambda p: p.name
)
def test_shipped_scenarios_hold(path):
    report = check_scenario(load_scenario(path), runs=100)  # check's default
    assert report.passed, report.render()


def test_check_reports_failing_claims_with_their_location():
    s = scenario(RACE)
    report = check_scenario(s, runs=20)
    assert not report.passed and not report.failures
    text = report.render()
    assert "t.yaml:16:5: always claim FAILS: seed " in text
    assert text.endswith("race: 5/6 claims hold over 20 runs")


def test_check_reports_runs_that_deadlock():
    # wait() never sees a future cancelled by shutdown(cancel_futures=True) as
    # done: a real CPython hang, which the simulator reports instead.
    s = scenario(
        """\
        name: hang
        executor: {kind: thread, max_workers: 1}
        tasks:
          slow: {duration: 1}
        steps:
          - submit: {task: slow, as: a}
          - submit: {task: slow, as: b}
          - shutdown: {wait: false, cancel_futures: true}
          - wait: {handles: [b]}
        """
    )
    report = check_scenario(s, runs=2)
    assert not report.passed
    assert [f.seed for f in report.failures] == [0, 1]
    assert "deadlock" in report.failures[0].error
    assert "replay: simfutures run t.yaml --strategy random --seed 0" in report.render()


def test_scenario_program_runs_one_schedule(tmp_path):
    from simfutures.scenario.program import ScenarioProgram
    from simfutures.sim.chooser import chooser_for_seed

    path = tmp_path / "race.yaml"
    path.write_text("simfutures: 1\n" + textwrap.dedent(RACE))
    program = ScenarioProgram(path)
    outcome = program.run(chooser_for_seed(3))
    assert outcome.exit_code == 0 and outcome.error is None
    assert outcome.detail == simulate(run_scenario, program.scenario, seed=3)
    assert program.replay_command("--seed 3") == f"simfutures run {path} --seed 3"


DOCS = Path(__file__).resolve().parent.parent / "docs" / "scenarios.md"


def _doc_examples() -> list[str]:
    return re.findall(r"^```yaml\n(.*?)^```", DOCS.read_text(encoding="utf-8"), re.S | re.M)


@pytest.mark.parametrize("example", _doc_examples(), ids=lambda t: t.splitlines()[0][6:40])
def test_documented_examples_load_and_hold(example):
    report = check_scenario(parse_scenario(example, "docs/scenarios.md"), runs=30)
    assert report.passed, report.render()
