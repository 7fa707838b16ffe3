"""The text timeline: compact, per thread, and a race reads at a glance."""

from __future__ import annotations

from pathlib import Path

from simfutures import events
from simfutures.program import load_program
from simfutures.sim.chooser import chooser_for_seed
from simfutures.trace.timeline import TimelineRecorder

ROOT = Path(__file__).resolve().parent.parent
RACE = ROOT / "examples" / "race_lost_update.py"


def recorded(*stream: events.Event) -> TimelineRecorder:
    recorder = TimelineRecorder()
    for event in stream:
        recorder(event)
    return recorder


def test_one_line_per_event_with_time_only_when_it_moves() -> None:
    timeline = recorded(
        events.Submit(0.0, "MainThread", 1, "work"),
        events.Start(0.0, "Worker-0", 1, "Worker-0"),
        events.Output(0.0, "Worker-0", "hello"),
        events.Finish(0.25, "Worker-0", 1, "result", "int"),
        events.Callback(0.25, "Worker-0", 1, "done"),
    ).render()
    lines = timeline.splitlines()
    assert len(lines) == 5
    assert lines[0].split() == ["0.0000s", "MainThread", "submit", "#1", "work"]
    assert lines[1].split() == ["Worker-0", "start", "#1", "work"]  # same instant: no time
    assert lines[2].split() == ["Worker-0", "print:", "hello"]
    assert lines[3].split() == ["0.2500s", "Worker-0", "finish", "#1", "work", "->", "int"]
    assert lines[4].split() == ["Worker-0", "callback", "done(#1)"]
    # Thread names line up in one column.
    assert len({line.index(thread) for line, thread in zip(
        lines, ["MainThread", "Worker-0", "Worker-0", "Worker-0", "Worker-0"])}) == 1


def test_decisions_are_left_out_and_cancelled_work_never_starts() -> None:
    timeline = recorded(
        events.Submit(0.0, "MainThread", 1, "work"),
        events.Decision(0.0, "MainThread", "thread", 1, 2),
        events.Cancel(0.0, "MainThread", 1),
        # A worker dequeues the cancelled item and reports a start it never makes.
        events.Start(0.0, "Worker-0", 1, "Worker-0"),
    ).render()
    assert "chose" not in timeline and "Decision" not in timeline
    assert "cancel #1 work" in timeline
    assert "start" not in timeline


def test_process_pool_starts_name_the_pool() -> None:
    timeline = recorded(
        events.WorkerStart(0.0, "MainThread", "Pool-0_0", "process", 4001),
        events.Start(0.0, "Pool-0_manager", 1, "Pool-0"),
        events.WorkerExit(0.1, "Pool-0_manager", "Pool-0_0", "process", 4001, -9),
    ).render()
    assert "process worker Pool-0_0 started (pid 4001)" in timeline
    assert "start #1 in Pool-0" in timeline
    assert "process worker Pool-0_0 exited (exit code -9)" in timeline


def test_long_timelines_keep_head_and_tail() -> None:
    recorder = recorded(*[events.Output(float(i), "T", f"line {i}") for i in range(100)])
    text = recorder.render(max_lines=10)
    lines = text.splitlines()
    assert len(lines) == 10
    assert "line 0" in lines[0] and "line 99" in lines[-1]
    assert f"{100 - (len(lines) - 1)} lines omitted" in text
    assert lines[-1].lstrip().startswith("99.0000s")  # the tail restates its time
    assert recorder.render().count("\n") == 100


def test_empty_timeline() -> None:
    assert TimelineRecorder().render() == "(no events)\n"


def _timeline_of(seed: int) -> tuple[int, list[str]]:
    recorder = TimelineRecorder()
    outcome = load_program(RACE).run(chooser_for_seed(seed), observers=[recorder])
    return outcome.exit_code, [text for _, _, text in recorder.rows()]


def test_a_lost_update_shows_as_two_reads_of_the_same_balance() -> None:
    outcomes = [_timeline_of(seed) for seed in range(60)]  # ~1 in 10 loses an update
    assert {code for code, _ in outcomes} == {0, 1}, "the race should go both ways"
    for code, rows in outcomes:
        reads = [r.rsplit(" ", 1)[-1] for r in rows if "read balance" in r]
        assert len(reads) == 2
        # At a glance: a lost update is two deposits reading the same balance.
        assert (reads[0] == reads[1]) == (code != 0)


def test_the_timeline_of_a_seed_is_the_same_every_time() -> None:
    assert len({tuple(_timeline_of(7)[1]) for _ in range(5)}) == 1
