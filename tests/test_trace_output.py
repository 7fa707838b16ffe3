"""The stdout tap: printed text becomes Output events, placed when it is written."""

from __future__ import annotations

import io
import sys

from simfutures import events
from simfutures.trace.output import StdoutTap, tap_stdout


class FakeRuntime:
    """Just what the tap reads: a bus, a clock and the current thread's name."""

    def __init__(self) -> None:
        self.bus = events.EventBus()
        self.thread = "A"
        self.now = 0.0

    def current_thread_name(self) -> str:
        return self.thread

    def monotonic(self) -> float:
        return self.now


def test_writes_go_through_and_pieces_become_events_when_written() -> None:
    rt = FakeRuntime()
    seen: list[events.Event] = []
    rt.bus.subscribe(seen.append)
    target = io.StringIO()
    tap = StdoutTap(target, rt)
    tap.write("alice: read 0")  # print() writes the text first ...
    rt.thread, rt.now = "B", 1.0
    tap.write("bob: read 0")
    tap.write("\n")
    rt.thread = "A"
    tap.write("\n")  # ... and its newline later, maybe after another thread's line
    tap.write("two\nlines\n")
    assert target.getvalue() == "alice: read 0bob: read 0\n\ntwo\nlines\n"
    assert [(e.thread, e.time, e.text) for e in seen] == [
        ("A", 0.0, "alice: read 0"), ("B", 1.0, "bob: read 0"),
        ("A", 1.0, "two"), ("A", 1.0, "lines")]


def test_no_events_without_observers() -> None:
    rt = FakeRuntime()
    target = io.StringIO()
    tap = StdoutTap(target, rt)
    tap.write("quiet\n")
    assert target.getvalue() == "quiet\n"
    seen: list[events.Event] = []
    rt.bus.subscribe(seen.append)
    tap.write("loud\n")
    assert [e.text for e in seen] == ["loud"]


def test_tap_stdout_restores_sys_stdout() -> None:
    before = sys.stdout
    with tap_stdout(FakeRuntime()) as tap:
        assert sys.stdout is tap
        assert tap.encoding == before.encoding  # the real stream's attributes show through
    assert sys.stdout is before
