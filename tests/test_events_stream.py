"""One event stream: both worlds emit the same events, observing is opt-in and free."""

from __future__ import annotations

import concurrent.futures
import os
import signal
import threading
from collections import defaultdict

import attrs
import pytest

import simfutures.real
from simfutures import events
from simfutures.sim import simulate


class Recorder:
    def __init__(self) -> None:
        self.events: list[events.Event] = []

    def __call__(self, event: events.Event) -> None:
        self.events.append(event)


def thread_pool_workload(futures) -> list[str]:
    """Deterministic in both worlds: one worker held by a gate, so what is
    pending, cancelled, timed out and failed does not depend on timing."""
    gate = threading.Event()
    log: list[str] = []
    with futures.ThreadPoolExecutor(max_workers=1) as pool:
        blocker = pool.submit(gate.wait)
        pending = pool.submit(str, 1)
        failing = pool.submit(int, "not a number")
        failing.add_done_callback(lambda f: log.append("callback"))
        log.append(f"cancelled={pending.cancel()}")
        try:
            blocker.result(timeout=0.001)
        except futures.TimeoutError:
            log.append("timed out")
        gate.set()
    log.append(f"raised={type(failing.exception()).__name__}")
    return log


def per_future(stream: list[events.Event]) -> dict[int, list[str]]:
    """Event kinds per future, in order: the part of the stream both worlds share."""
    kinds: dict[int, list[str]] = defaultdict(list)
    for e in stream:
        if hasattr(e, "future"):
            kinds[e.future].append(type(e).__name__)
    return dict(kinds)


def run_real(workload) -> tuple[object, list[events.Event]]:
    recorder = Recorder()
    unsubscribe = simfutures.real.runtime.bus.subscribe(recorder)
    try:
        value = workload(simfutures.real)
    finally:
        unsubscribe()
    return value, recorder.events


def run_sim(workload) -> tuple[object, list[events.Event]]:
    recorder = Recorder()
    # Inside a simulation concurrent.futures (and threading) are the simulator's.
    value = simulate(workload, concurrent.futures, observers=[recorder])
    return value, recorder.events


def test_thread_pool_events_are_the_same_in_both_worlds() -> None:
    real_value, real_events = run_real(thread_pool_workload)
    sim_value, sim_events = run_sim(thread_pool_workload)
    assert real_value == sim_value == ["cancelled=True", "timed out", "callback",
                                       "raised=ValueError"]
    assert per_future(real_events) == per_future(sim_events)
    kinds = {type(e).__name__ for e in real_events}
    assert kinds == {type(e).__name__ for e in sim_events} - {"Decision"}
    for name in ("Submit", "Start", "Finish", "Cancel", "Callback", "Timeout", "Shutdown",
                 "WorkerStart", "WorkerExit"):
        assert name in kinds


def test_event_fields_describe_what_happened() -> None:
    for _, stream in (run_real(thread_pool_workload), run_sim(thread_pool_workload)):
        submits = [e for e in stream if isinstance(e, events.Submit)]
        assert [e.fn for e in submits] == ["Event.wait", "str", "int"]
        finish = next(e for e in stream if isinstance(e, events.Finish)
                      and e.future == submits[2].future)
        assert (finish.outcome, finish.detail.split(":")[0]) == ("exception", "ValueError")
        timeout = next(e for e in stream if isinstance(e, events.Timeout))
        assert (timeout.what, timeout.timeout, timeout.thread) == ("result", 0.001, "MainThread")
        start = next(e for e in stream if isinstance(e, events.Start))
        assert start.thread == start.worker and start.thread.startswith("ThreadPoolExecutor")
        times = [e.time for e in stream]
        assert times == sorted(times)  # the world's clock, read as events happen


def broken_pool_workload(futures) -> str:
    with futures.ProcessPoolExecutor(max_workers=1) as pool:
        pid = pool.submit(os.getpid).result()
        os.kill(pid, signal.SIGKILL)
        try:
            pool.submit(os.getpid).result()
        except futures.process.BrokenProcessPool:
            return "broken"
    return "not broken"


def test_process_pool_worker_and_broken_pool_events_in_both_worlds() -> None:
    for value, stream in (run_real(broken_pool_workload), run_sim(broken_pool_workload)):
        assert value == "broken"
        kinds = [type(e).__name__ for e in stream]
        assert "PoolBroken" in kinds
        started = [e for e in stream if isinstance(e, events.WorkerStart)]
        assert started and all(e.kind == "process" and e.pid > 0 for e in started)
        exits = {e.pid: e.exitcode for e in stream if isinstance(e, events.WorkerExit)}
        assert exits.get(started[0].pid) == -signal.SIGKILL


def test_simulated_runs_report_scheduler_decisions() -> None:
    _, stream = run_sim(thread_pool_workload)
    decisions = [e for e in stream if isinstance(e, events.Decision)]
    assert decisions
    assert all(0 <= d.chosen < d.options for d in decisions)


def test_events_are_frozen_values() -> None:
    event = events.Submit(0.0, "MainThread", 1, "f")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        event.fn = "g"  # type: ignore[misc]
    assert event == events.Submit(0.0, "MainThread", 1, "f")
    assert hash(event) == hash(events.Submit(0.0, "MainThread", 1, "f"))


def test_bus_subscribe_and_unsubscribe_toggle_the_fast_path_flag() -> None:
    bus = events.EventBus()
    seen: list[tuple[str, events.Event]] = []
    assert not bus.active
    first = bus.subscribe(lambda e: seen.append(("first", e)))
    second = bus.subscribe(lambda e: seen.append(("second", e)))
    assert bus.active
    event = events.Cancel(1.0, "T", 3)
    bus.emit(event)
    assert seen == [("first", event), ("second", event)]
    first()
    first()  # unsubscribing twice is harmless
    assert bus.active
    second()
    assert not bus.active


def test_no_event_object_is_built_when_nobody_observes(monkeypatch) -> None:
    built: list[str] = []

    for name in ("Submit", "Start", "Finish", "WorkerStart", "WorkerExit", "Shutdown"):
        original = getattr(events, name)

        def counting(*args, _original=original, _name=name, **kwargs):
            built.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(events, name, counting)
    assert not simfutures.real.runtime.bus.active
    thread_pool_workload(simfutures.real)
    assert built == []
    run_real(thread_pool_workload)  # the same counting now sees events being built
    assert {"Submit", "Start", "Finish", "Shutdown"} <= set(built)
