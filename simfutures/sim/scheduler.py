"""The scheduler: virtual threads on greenlets, one running at a time, a virtual clock.

Every blocking or synchronising call of a virtual thread ends up here.  A
thread that can go on calls ``preempt()`` (a scheduling point where another
thread may be chosen); one that must wait calls ``block()``.  Control passes
directly from the thread that gives it up to the chosen one (one greenlet
switch, no hub).  When no thread can run, the clock jumps to the next timer;
when there is no timer either, the run is deadlocked and ends with a report.

Why greenlets rather than OS threads passing a baton: a switch costs about
a microsecond instead of tens, which is what lets exploration run thousands
of schedules a second.  Thread identity, ``threading.local`` and RLock
ownership are virtual (see ``primitives``), so user code does not notice.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import math
import sys
from collections import deque
from collections.abc import Callable
from typing import Any

import attrs
import greenlet

from simfutures import events
from simfutures.errors import SimfuturesError
from simfutures.sim.chooser import (
    CLOCK_ADVANCED,
    CLOCK_OFFERED,
    NO_CLOCK,
    RANDOM_SEED_RANGE,
    Choice,
    Chooser,
    RandomChooser,
    Schedule,
)

# Where simfutures and its simulator live (frames from there are not the program's).
PACKAGE_DIR = __file__.rsplit("/sim/", 1)[0]
SIM_DIR = PACKAGE_DIR + "/sim/"


# (index, options, kind) -> Choice without a Python-level call per decision.
_as_choice = functools.partial(tuple.__new__, Choice)


class SimulationAborted(BaseException):
    """Unwinds a virtual thread's stack when the run is over for it.

    A BaseException so that user code's ``except Exception`` cannot swallow it.
    """


class ProcessKilled(SimulationAborted):
    """The virtual process this thread belongs to was killed by a signal."""


@attrs.frozen
class ThreadReport:
    """One virtual thread at the moment a run stopped: what it waited on, where."""

    name: str
    waiting_on: str
    location: str
    stack: tuple[str, ...] = ()

    def render(self) -> str:
        return f"  {self.name}: {self.waiting_on} at {self.location}"


class SimulationStopped(SimfuturesError):
    """A run that could not finish: deadlock, watchdog, or a limit."""

    kind = "stopped"

    def __init__(self, summary: str, threads: tuple[ThreadReport, ...] = ()) -> None:
        self.summary = summary
        self.threads = threads
        super().__init__(self.report())

    def report(self) -> str:
        lines = [self.summary]
        lines += [t.render() for t in self.threads]
        return "\n".join(lines)


class DeadlockError(SimulationStopped):
    kind = "deadlock"


class WatchdogError(SimulationStopped):
    kind = "watchdog"


class LimitError(SimulationStopped):
    kind = "limit"


#: The natural order's stand-in for CPython's switch interval: after this many
#: consecutive scheduling points at which another thread was ready and the running
#: one went on, the natural choice (index 0) becomes the longest-waiting ready
#: thread.  Without it, seed 0 could livelock where CPython cannot: a task that
#: keeps resubmitting itself would starve a main thread that wants to shut down.
#: The handover waits for an eval-breaker check (``preempt_at_access``), as CPython's.
#: (1,000, nearer CPython's 5 ms at ``Limits.point_time``, made bounded exhaustive
#: search need a preemption for every interleaving the handover gave for free.)
SWITCH_INTERVAL = 100


class _ClockOption:
    """The last option of a "thread" decision that also offers to advance the
    clock (``Scheduler.thread_options``): a pseudo-thread with ident 0, which no
    virtual thread has, so strategies can give it a priority like a thread."""

    __slots__ = ()
    ident = 0
    name = display_name = "(clock)"
    waiting_on = "ready"

    def __repr__(self) -> str:
        return "<the clock option>"


CLOCK_OPTION = _ClockOption()


@attrs.define(eq=False)
class Limits:
    """Bounds that turn a run which never ends into a clear stop."""

    max_steps: int = 1_000_000
    max_virtual_time: float = 24 * 3600.0
    watchdog_seconds: float = 10.0
    #: The most virtual time (seconds) one step of computation may take: at a
    #: scheduling point the clock may jump to a timer due within this much, so a
    #: timeout can beat a busy thread.  Unbounded, every timeout could beat every
    #: task (a stalled machine can do that, but no claim with a margin would hold).
    step_time: float = 0.01
    #: The most virtual time (seconds) one instruction of the program's own code may
    #: take.  Race discovery counts instructions (``Scheduler.work``) and widens
    #: ``step_time`` of the exploration to the longest computation it saw between
    #: two moves of the clock at this rate (``explore.races.discover``), so a long
    #: computation can lose to a long timeout.  CPython 3.11 runs a simple
    #: instruction in about 4 ns (an ``s += i`` loop: 7 instructions in ~30 ns);
    #: 100 ns is 25 times slower: a loaded or slow machine, not a stalled one.
    opcode_time: float = 1e-7
    #: The virtual time (seconds) a scheduling point's worth of computation takes
    #: in the natural order, counted while threads run without the clock moving:
    #: once the points since it last moved add up to a live timer's due time, time
    #: has passed to it (a decision of kind "elapse": index 0, the natural one,
    #: fires the timer; 1, a machine ``FASTER_MACHINE`` times faster for the rest of
    #: the run, starts the count again at that rate).  So a thread
    #: spinning on a flag that a ``threading.Timer(0.5, ...)`` sets ends after
    #: 500,000 points rather than at the step limit.  1 us: CPython 3.11 runs a lock
    #: round trip in about 0.1 us, a loop iteration with a little Python around it in
    #: a few; much more would make a long busy loop lose to a timeout in the natural
    #: order where a real machine finishes it long before.
    point_time: float = 1e-6
    #: The most virtual time (seconds) a scheduling point's worth of computation may
    #: take on a slow machine: the clock may jump (``step_time``'s option, not the
    #: natural order) to a timer due within ``step_time`` plus this much per point
    #: since it last moved, so a busy thread's 200,000 points can outlast a 2 s
    #: timeout, while a task of a few thousand points still beats a 1 s one.
    max_point_time: float = 1e-5
    #: Lines of the program's own code a thread may run between two scheduling
    #: points before it is stopped as a busy loop (``sim.line_budget``); None: not
    #: counted, the watchdog alone catches busy loops.  Counting needs a trace
    #: function on every run, which costs 2-3x on CPython 3.11, hence opt-in.
    max_lines: int | None = None


#: How much faster than ``Limits.point_time`` the machine of a run runs once an
#: "elapse" decision said so (each such answer divides the rate again): a tight loop
#: of lock round trips takes about 0.06 us a point on CPython 3.11, 16 times less.
FASTER_MACHINE = 16

#: ``threading.get_ident()`` of a virtual thread is this plus its public ident.
IDENT_BASE = 139_900_000_000_000


class VThread:
    """The scheduler's record of one virtual thread."""

    __slots__ = ("name", "ident", "public_ident", "glet", "daemon", "alive", "started",
                 "waiting_on", "wake_token", "timed_out", "process", "facade", "joiners",
                 "killed", "running_loop", "recursion_limit", "recursion_entry",
                 "__weakref__")

    def __init__(self, name: str, ident: int, daemon: bool) -> None:
        self.name = name
        self.ident = ident  # unique in the run: the simulator's own key for the thread
        # What threading.get_ident() says (see Scheduler.new_thread): CPython's is the
        # OS thread's, which a thread started after another ended often reuses.
        self.public_ident = ident
        self.daemon = daemon
        self.glet: greenlet.greenlet | None = None
        self.alive = True
        self.started = False
        self.waiting_on = "running"
        self.wake_token = 0  # bumped on every wake: stale timers are ignored
        self.timed_out = False
        self.process: Any = None  # the VProcess this thread runs in (None: the main one)
        self.facade: Any = None  # the user-visible threading.Thread object
        self.joiners: list[VThread] = []
        self.killed: BaseException | None = None
        self.running_loop: Any = None  # the asyncio loop it runs, while it is not running
        # The recursion limit CPython's headroom needs here (sim/recursion.py; 0: none
        # measured yet), and the kind of entry into the program's code it was measured at.
        self.recursion_limit = 0
        self.recursion_entry: int | None = None

    def __hash__(self) -> int:
        return self.ident

    def __repr__(self) -> str:
        return f"<VThread {self.name}>"

    @property
    def threading_ident(self) -> int:
        """What ``threading.get_ident()`` returns in this thread: plausible, deterministic."""
        return IDENT_BASE + self.public_ident

    @property
    def display_name(self) -> str:
        if self.process is not None:
            return f"{self.process.name}/{self.name}"
        return self.name


class Scheduler:
    """Runs virtual threads one at a time under one chooser and one clock."""

    def __init__(self, chooser: Chooser, limits: Limits | None = None,
                 bus: events.EventBus | None = None) -> None:
        self.chooser = chooser  # see the property: also sets _choose and _walk
        self.limits = limits or Limits()
        self.bus = bus or events.EventBus()
        self.now = 0.0
        self.steps = 0
        self.ready: deque[VThread] = deque()
        self.timers: list[tuple[float, int, VThread, int, Callable[[], None] | None]] = []
        self._timer_seq = itertools.count()
        self._ident_seq = itertools.count(1)
        self._ended_idents: list[int] = []  # public idents of ended threads, last on top
        self.threads: list[VThread] = []
        self.current: VThread | None = None
        self.over = False
        self.root: greenlet.greenlet | None = None
        self.main: VThread | None = None
        self.stop_error: SimulationStopped | None = None
        self.chooser_error: Exception | None = None
        # Every decision as index, options, kind, flat (three entries each): recorded
        # here rather than by a wrapping chooser, one call less per decision.  Flat,
        # because a run records hundreds of thousands, and a tuple kept per decision
        # is an object the garbage collector counts and traverses (it ran two full
        # collections per 5,000-task run for them); the tuple each extend() gets is
        # freed at once.
        self.recorded: list[int | str] = []
        self._serial_seq = itertools.count(1)
        # The pending "thread" decision: its options in index order, and whether the
        # running thread is among them (a preemption point).  Set before the chooser
        # is asked, so strategies and observers can read it.
        self.offered: list[VThread] | None = []
        self.preemptive = False
        # Whether the pending "thread" decision's last option advances the clock
        # (CLOCK_OFFERED), or follows an advance chosen that way (CLOCK_ADVANCED).
        self.clock_option = NO_CLOCK
        self._fair = False
        # Consecutive scheduling points at which the running thread went on although
        # another was ready (the fairness counter, see SWITCH_INTERVAL).
        self.run_length = 0
        # Told of every synchronising operation (happens-before clocks, footprints):
        # objects with ``sync(vt, obj)``.
        self.sync_observers: tuple[Any, ...] = ()
        # Instructions of the program's code run since the clock last moved, and the
        # most seen before a move: counted by an opcode tracer where one runs (race
        # discovery, see Limits.opcode_time); else 0.
        self.work = 0
        self.peak_work = 0
        # The step count from which the computation's own time is counted
        # (Limits.point_time): the clock last moved then, or an "elapse" decision
        # said the machine ran faster.
        self.time_mark = 0
        # Limits.point_time, divided by FASTER_MACHINE at each "elapse" decision that
        # said the machine runs faster.
        self.point_time = self.limits.point_time
        # True while the scheduler itself is between two threads (deciding, or handing
        # over from a thread that blocked or ended) until the next one runs.  Code the
        # garbage collector runs meanwhile (a collected executor's weakref callback
        # waking its workers) must not switch threads there: a scheduling point it
        # reaches does nothing.
        self.busy = False
        # Each virtual process's module globals (sim/process_memory): made by the
        # first Process.start(); the process whose globals are live is entered at
        # every switch to a thread of another process.
        self.memory: Any = None
        # The run's recursion limits (sim/recursion.py), made by patch.patched().
        self.recursion: Any = None
        # Per thread, its clock reads that offered the clock a step (elapse_computation),
        # and which of them (thread, n-th read) moved it: part of the state the
        # exhaustive search compares, since the happens-before fingerprint shows who
        # touched the clock, not how far it moved.
        self.clock_reads: dict[int, int] = {}
        self.elapsed_at: set[tuple[int, int]] = set()

    @property
    def chooser(self) -> Chooser:
        return self._chooser

    @chooser.setter
    def chooser(self, chooser: Chooser) -> None:
        # Observers wrap the chooser after the scheduler is built (footprints, race
        # discovery): the fast paths below follow whichever chooser is in place.
        self._chooser = chooser
        self._choose = chooser.choose
        # A plain random walk (not a subclass, nothing wrapping it): preempt() draws
        # its preemption decisions inline, one call and one lookup chain less each.
        self._walk = chooser if type(chooser) is RandomChooser else None

    def new_serial(self) -> int:
        """A per-run number for address-independent hashes (threads, futures)."""
        return next(self._serial_seq)

    def process_main(self, vt: VThread) -> VThread:
        """The main thread of the (virtual) process ``vt`` runs in."""
        return self.main if vt.process is None else vt.process.main_thread

    # -- decisions -----------------------------------------------------------

    def choose(self, n: int, kind: str) -> int:
        try:
            index = self._choose(n, kind)
        except Exception as exc:
            # A schedule that does not fit, say: it ends the whole run, whichever
            # thread asked (a worker's `except Exception` must not swallow it).
            self.chooser_error = exc
            if self.root is None or greenlet.getcurrent() is self.root:
                raise
            self.stop(SimulationStopped(f"the chooser failed: {exc}"))
            raise SimulationAborted() from None
        self.recorded.extend((index, n, kind))
        if self.bus.active:
            self.bus.emit(events.Decision(self.now, self.current_name(), kind, index, n))
        return index

    def schedule(self) -> Schedule:
        """The decisions made so far: replaying them reproduces the run exactly."""
        entries = iter(self.recorded)
        return Schedule(tuple(map(_as_choice, zip(entries, entries, entries))))

    def thread_options(self, n: int) -> tuple[list[VThread], bool]:
        """The threads a pending "thread" choice of ``n`` options picks between, in
        index order, and whether it is a preemption point (the running thread is
        among the options and could go on; any other option preempts it).

        For strategies that reason about threads rather than indices (PCT
        priorities, preemption bounds, timelines).  Only meaningful while that
        choice is being made: inside ``chooser.choose`` or a ``Decision`` observer.
        When ``clock_option`` is ``CLOCK_OFFERED`` the last option is
        ``CLOCK_OPTION`` (advance the clock, then choose again), not a thread.
        """
        offered = self.offered
        if offered is None:  # a preemption point: see preempt()
            ready = list(self.ready)
            if self._fair:
                offered = [ready[0], self.current, *ready[1:]]
            else:
                offered = [self.current, *ready]
            if self.clock_option == CLOCK_OFFERED:
                offered.append(CLOCK_OPTION)
            self.offered = offered
        return offered, self.preemptive

    def costs_preemption(self, kind: str) -> bool:
        """Whether a non-natural answer to the pending decision of ``kind`` departs
        from the natural run in the way a preemption bound counts: preempting a
        thread that could go on, advancing the clock past a running thread, or
        iterating a set of futures in another order than they were given."""
        return kind in ("clock", "elapse", "order") or (kind == "thread" and self.preemptive)

    def random_seed(self) -> int:
        return self.choose(RANDOM_SEED_RANGE, "random")

    def current_name(self) -> str:
        cur = self.current
        return cur.display_name if cur is not None else "?"

    # -- thread lifecycle ----------------------------------------------------

    def new_thread(self, name: str, daemon: bool = False) -> VThread:
        """A new virtual thread.  Its public ident (``threading.get_ident()``) is the
        one the thread that ended last had, if any thread ended since it was last
        given out, as glibc hands a new thread the cached stack, and so the
        ``pthread_t``, of the thread that exited last: CPython's idents of threads
        started one after another's join are equal (a registry keyed by ident merges
        them).  Otherwise, and for every other purpose, the thread's ident is new."""
        vt = VThread(name, next(self._ident_seq), daemon)
        if self._ended_idents:
            vt.public_ident = self._ended_idents.pop()
        self.threads.append(vt)
        return vt

    def start(self, vt: VThread, body: Callable[[], None]) -> None:
        """Make ``vt`` runnable with ``body``; it runs when the chooser picks it."""

        def run(*_returned: object) -> None:
            # A greenlet that finishes hands its return value to its parent; when the
            # parent (the next thread, see _exit_current) has not started yet, that value
            # arrives here as an argument.
            self.busy = False  # this thread runs now (see _switch_to)
            try:
                if vt.killed is not None:  # its process died before it first ran
                    raise vt.killed
                body()
            except SimulationAborted:
                pass  # killed, or the run is over; the scheduler knows which
            self._exit_current()

        vt.glet = greenlet.greenlet(run, parent=self.root)
        vt.started = True
        vt.waiting_on = "ready"
        self.ready.append(vt)

    def _exit_current(self) -> None:
        vt = self.current
        assert vt is not None
        self.busy = True  # until the next thread runs, even as this greenlet is freed
        vt.alive = False
        vt.waiting_on = "finished"
        self._ended_idents.append(vt.public_ident)
        if vt.facade is not None:
            for observer in self.sync_observers:
                observer.sync(vt, vt.facade)  # a join, or is_alive() seeing False, follows
        for joiner in vt.joiners:
            self.wake(joiner)
        vt.joiners.clear()
        if vt is self.main or self.over or self.stop_error is not None:
            # The run ends: returning from this greenlet continues in the root.
            self.over = True
            return
        nxt = self._next_to_run()
        if nxt is None:
            return
        self._make_current(nxt)
        # Returning from this greenlet continues in its parent: make that the next one.
        vt.glet.parent = nxt.glet

    # -- scheduling points -----------------------------------------------------

    def preempt(self) -> None:
        """A scheduling point where the running thread could go on.

        Two things may happen here: the clock advances to the next timer
        (computation takes time, so a timeout can beat a busy thread), and
        another thread runs.  With other threads ready they are one decision
        (kind "thread"): index 0 the natural choice, then the other threads,
        and last, when a timer is within the jump's reach (``Limits.step_time``,
        plus ``max_point_time`` per point since the clock moved), "advance the
        clock" (``CLOCK_OPTION``), after which the threads its timers woke join
        a second thread decision.  So a walk that leaves the clock alone records
        one choice per point, not two.  With no thread ready the clock is its
        own decision (kind "clock"); a lone thread with no timer due pays for
        none.  First, once the points since the clock last moved add up to a
        live timer's due time at ``Limits.point_time`` each, time has passed to
        it (``_time_passes``, kind "elapse").
        """
        if self.busy:
            return
        if self.over:
            raise SimulationAborted()
        cur = self.current
        killed = cur.killed
        if killed is not None:  # its process is dead: it must not go on
            raise killed
        self.steps += 1
        if self.steps > self.limits.max_steps:
            self._stop_at_step_limit()
        ready = self.ready
        timers = self.timers
        if timers:
            # _earliest_due() inline when the earliest timer is live (a callback's,
            # or a sleeper's that no wake-up made stale).
            when, _seq, vt, token, fn = timers[0]
            if fn is not None or (token == vt.wake_token and vt.waiting_on != "ready"
                                  and vt.alive):
                due = when - self.now
            else:
                due = self._earliest_due()
            limits = self.limits
            computed = self.steps - self.time_mark
            if due <= computed * self.point_time:
                self._time_passes()
                due = self._earliest_due()
                computed = 0
            clock = due <= limits.step_time + computed * limits.max_point_time
        else:
            clock = False
        if ready:
            self.busy = True
            threads = len(ready) + 1
            walk = self._walk
            if walk is not None and not self.bus.active:
                # RandomChooser.choose's preemption branch, inline (keep the two in
                # step): the clock option is drawn first, then the thread from a
                # fresh draw.  No observer listens, so nothing reads ``offered``.
                r = walk.draw()
                if clock and r >= walk.jump:
                    index = threads
                else:
                    if clock:
                        r = walk.draw()
                    stay = walk.stay
                    index = 0 if r < stay else 1 + int((r - stay) / (1.0 - stay) * (threads - 1))
                self.recorded.extend((index, threads + clock, "thread"))
            else:
                index = self._ask_preemption(threads, clock)
            if index == threads:  # the clock option
                self._advance_clock()
                index = self._ask_after_jump()
        elif not clock:  # the common lone-thread point: nothing to decide
            self.run_length = 0
            return
        else:
            index = self._lone_clock_point()
            if index is None:
                return
        # Index 0 is the natural choice: the running thread goes on, unless it has
        # had its switch interval, when the longest-waiting thread takes over (the
        # two swap places).
        fair = self.run_length >= SWITCH_INTERVAL
        if index > 1 or (index == 1) is not fair:
            position = index - 1 if index else 0
        else:
            self.run_length += 1
            self.busy = False
            return
        nxt = ready[position]
        del ready[position]
        self.run_length = 0
        cur.waiting_on = "ready"
        ready.append(cur)
        nxt.waiting_on = "running"
        self._switch_to(nxt)

    def preempt_at_access(self, breaker_passed: bool) -> None:
        """A scheduling point before a shared access (``--preempt races`` and
        ``every-access``): every option of ``preempt``, but the natural order hands
        the running thread's turn over (``SWITCH_INTERVAL``) only where CPython's
        GIL can change hands: at an eval-breaker check, which CPython 3.11-3.13 make
        at a function's start, a backward jump and after a call, so only when the
        thread ``breaker_passed`` one since its previous point.  Seed 0 then runs
        ``n += 1`` whole as 3.11 does, while other schedules still split it (as on
        3.9 or a free-threaded build)."""
        if not breaker_passed and self.run_length >= SWITCH_INTERVAL:
            self.run_length = SWITCH_INTERVAL - 1  # the handover waits for a check
        self.preempt()

    def _ask_preemption(self, threads: int, clock: bool) -> int:
        """Ask the chooser who runs at a preemption point with other threads ready
        (the clock option last when ``clock``), having set what strategies and
        observers read about the decision.  The options list is built only if one
        asks (``thread_options``)."""
        self.offered = None
        self._fair = self.run_length >= SWITCH_INTERVAL
        self.preemptive = True
        self.clock_option = CLOCK_OFFERED if clock else NO_CLOCK
        return self.choose(threads + clock, "thread")

    def _ask_after_jump(self) -> int:
        """Ask who runs once the clock jumped past the running thread and its timers
        fired: a free choice, as after a block (the jump was the preemption), so a
        timeout that beats a busy thread costs one preemption, not two."""
        return self._choose_free(len(self.ready) + 1, True)

    def _choose_free(self, n: int, jumped: bool) -> int:
        """A "thread" decision that preempts no one: who runs after a block (the
        ready threads, in order), or after a clock jump past the running thread
        (``jumped``: it comes first, then the ready threads)."""
        walk = self._walk
        if walk is not None and not self.bus.active:
            # RandomChooser.choose of a decision that is no preemption, inline.
            index = int(walk.draw() * n)
            self.recorded.extend((index, n, "thread"))
            return index
        self.preemptive = False
        if jumped:
            self.offered = None  # built from current and ready if a strategy asks
            self._fair = self.run_length >= SWITCH_INTERVAL
            self.clock_option = CLOCK_ADVANCED
        else:
            self.offered = list(self.ready)
            self.clock_option = NO_CLOCK
        return self.choose(n, "thread")

    def _lone_clock_point(self) -> int | None:
        """A preemption point with no other thread ready but a timer due within a
        step: the clock may jump (kind "clock"); if its timers woke threads, the
        index of who runs (``_ask_after_jump``), else None (the thread goes on)."""
        self.busy = True
        if self.choose(2, "clock"):
            self._advance_clock()
            if self.ready:
                return self._ask_after_jump()
        self.run_length = 0
        self.busy = False
        return None

    def _time_passes(self) -> None:
        """The computation since the clock last moved has taken as long as the
        earliest timer's due time at ``Limits.point_time`` a point: a decision of kind
        "elapse" whose natural answer (0) fires that timer (threads it wakes become
        ready; who runs is decided next, as at any point), and whose other (1), a
        machine ``FASTER_MACHINE`` times faster, starts counting again from here at
        that rate."""
        self.busy = True
        if self.choose(2, "elapse"):
            self.point_time /= FASTER_MACHINE
        else:
            self._advance_clock()
        self.time_mark = self.steps
        self.busy = False

    def elapse_computation(self) -> None:
        """The program reads the clock: the computation since the clock last moved may
        have taken one step's time (``Limits.step_time``), as on a slow or loaded
        machine, so a deadline loop can run out and a measured duration be long.  A
        decision of kind "clock" (index 0, the natural one: no time passed; 1: the
        clock advances one step), offered when no timer is due within that step
        (then the scheduling points' jump to the timer stands for it)."""
        if self.busy or self.over or self._earliest_due() <= self.limits.step_time:
            return
        vt = self.current
        reads = self.clock_reads[vt.ident] = self.clock_reads.get(vt.ident, 0) + 1
        if self.choose(2, "clock"):
            self._elapse(self.limits.step_time)
            self.elapsed_at.add((vt.ident, reads))

    def _elapse(self, seconds: float) -> None:
        # (Its own method: footprints see a write of the clock only when it moves.)
        self.now += seconds
        self.time_mark = self.steps
        if self.work > self.peak_work:
            self.peak_work = self.work
        self.work = 0

    def sync(self, obj: object) -> None:
        """The switch rule's one place, after a synchronising operation on ``obj``
        that made another thread runnable or changed state another thread can
        observe (a release, notify, set, put, get, a future's state change, a
        thread's start): record the happens-before edge, then offer a switch, so
        the woken or observing thread may act before the caller's next step.
        Every such operation also offers a switch *before* it (``preempt``)."""
        for observer in self.sync_observers:
            observer.sync(self.current, obj)
        self.preempt()

    def observe(self, obj: object) -> None:
        """A synchronising operation that only read ``obj``'s state (a successful
        wait, ``is_set()``, a join): the happens-before edge, no switch."""
        for observer in self.sync_observers:
            observer.sync(self.current, obj)

    def block(self, waiting_on: str, timeout: float | None = None) -> bool:
        """Park the running thread until ``wake()`` (True) or ``timeout`` (False)."""
        if self.over:
            raise SimulationAborted()
        cur = self.current
        assert cur is not None
        if cur.killed is not None:
            raise cur.killed
        self.steps += 1
        if self.steps > self.limits.max_steps:
            self._stop_at_step_limit()
        cur.waiting_on = waiting_on
        cur.timed_out = False
        if timeout is not None:
            self._add_timer(self.now + max(timeout, 0.0), cur, None)
        self.busy = True
        nxt = self._next_to_run()
        if nxt is None:  # the run stopped while we looked for someone to run
            raise SimulationAborted()
        self._switch_to(nxt)
        return not cur.timed_out

    def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            self.preempt()
            return
        self.block(f"sleep({seconds:g})", seconds)

    def wake(self, vt: VThread) -> None:
        """Make a blocked thread runnable (no switch happens here)."""
        if not vt.alive or vt.waiting_on == "ready":
            return
        vt.wake_token += 1
        vt.waiting_on = "ready"
        self.ready.append(vt)

    def call_at(self, when: float, fn: Callable[[], None]) -> None:
        """Run ``fn`` (in whichever thread advances the clock) at virtual time ``when``."""
        assert self.current is not None
        self._add_timer(when, self.current, fn)

    # -- internals -------------------------------------------------------------

    def _stop_at_step_limit(self) -> None:
        self.stop(LimitError(
            f"step limit reached: {self.limits.max_steps} scheduling points without the "
            "program finishing (raise it with --max-steps)", self.thread_reports()))

    def _add_timer(self, when: float, vt: VThread, fn: Callable[[], None] | None) -> None:
        heapq.heappush(self.timers, (when, next(self._timer_seq), vt, vt.wake_token, fn))

    def _switch_to(self, nxt: VThread) -> None:
        cur = self.current
        if nxt is cur:
            self.busy = False
            return
        self._make_current(nxt)
        nxt.glet.switch()
        # Back in ``cur``: it was woken, timed out, or its process was killed.
        self.busy = False
        if cur is not None:
            limit = cur.recursion_limit
            if limit and limit != _recursion_limit():
                _set_recursion_limit(limit)
        if self.over:
            raise SimulationAborted()
        if cur is not None and cur.killed is not None:
            raise cur.killed

    def _make_current(self, vt: VThread) -> None:
        leaving = self.current
        self.current = vt
        memory = self.memory
        if memory is not None and memory.live is not vt.process:
            memory.enter(vt.process)
        if "_asyncio" in _MODULES:  # (not imported here: importing it imports asyncio)
            before = _swap_running_loop(vt.running_loop)
            if leaving is not None:
                leaving.running_loop = before

    def _next_to_run(self) -> VThread | None:
        """Choose who runs now that the running thread cannot go on (advancing the
        clock if nobody is ready); None if the run just stopped."""
        ready = self.ready
        while not ready:
            if not self._advance_clock():
                return None
        index = self._choose_free(len(ready), False) if len(ready) > 1 else 0
        nxt = ready[index]
        del ready[index]
        nxt.waiting_on = "running"
        self.run_length = 0
        return nxt

    def _earliest_due(self) -> float:
        """Virtual seconds until the earliest live timer (infinity: none); stale
        timeouts of threads woken meanwhile are dropped on the way."""
        timers = self.timers
        while timers:
            when, _seq, vt, token, fn = timers[0]
            if fn is not None or (token == vt.wake_token and vt.alive
                                  and vt.waiting_on != "ready"):
                return when - self.now
            heapq.heappop(timers)
        return math.inf

    def _advance_clock(self) -> bool:
        """Fire the earliest timers; False when there are none (deadlock)."""
        timers = self.timers
        while timers:
            when, _seq, vt, token, fn = timers[0]
            if fn is None and (token != vt.wake_token or not vt.alive or vt.waiting_on == "ready"):
                heapq.heappop(timers)  # a stale timeout: the thread was woken meanwhile
                continue
            if when > self.limits.max_virtual_time:
                self.stop(LimitError(
                    f"virtual time limit reached: the program wants to run past "
                    f"{self.limits.max_virtual_time:g} s of virtual time (raise it with "
                    "--max-time)", self.thread_reports()))
                return False
            if when > self.now:
                self.now = when
                self.time_mark = self.steps
                if self.work > self.peak_work:
                    self.peak_work = self.work
                self.work = 0
            while timers and timers[0][0] <= self.now:
                _when, _seq, vt, token, fn = heapq.heappop(timers)
                if fn is not None:
                    fn()
                elif token == vt.wake_token and vt.alive and vt.waiting_on != "ready":
                    vt.timed_out = True
                    self.wake(vt)
            return True
        self.stop(DeadlockError("deadlock: every thread is waiting and no timer is pending",
                                self.thread_reports()))
        return False

    # -- ending a run ----------------------------------------------------------

    def stop(self, error: SimulationStopped) -> None:
        """End the whole run with ``error``; control returns to ``run()``'s caller."""
        if self.stop_error is None:
            self.stop_error = error
        self._finish()

    def _finish(self) -> None:
        self.over = True
        if greenlet.getcurrent() is not self.root:
            self.root.switch()
            raise SimulationAborted()  # only reached if the root resumes us by mistake

    def run(self, main: VThread) -> None:
        """Run until ``main`` finishes or the run stops; then discard every thread."""
        self.root = greenlet.getcurrent()
        self.main = main
        for vt in self.threads:
            if vt.glet is not None:
                vt.glet.parent = self.root
        self.ready.remove(main)
        self.current = main
        main.waiting_on = "running"
        # A program starts with no running event loop, whatever runs the simulation
        # (a test under pytest-asyncio).
        outer_loop = _swap_running_loop(None) if "_asyncio" in _MODULES else None
        try:
            main.glet.switch()
            self.over = True
            # Unwinding the abandoned threads runs their except/finally blocks:
            # nothing they do is part of the run, so observers hear none of it.
            self.bus.active = False
            self._discard_threads()
        finally:
            if "_asyncio" in _MODULES:
                _swap_running_loop(outer_loop)

    def _discard_threads(self) -> None:
        for vt in self.threads:
            glet = vt.glet
            if glet is not None and not glet.dead and glet.gr_frame is not None:
                self._make_current(vt)
                try:
                    glet.throw(SimulationAborted())
                except SimulationAborted:
                    pass
                except Exception:
                    pass  # a finally block of user code failed while unwinding
        if self.memory is not None:
            self.memory.enter(None)  # the program's modules end with the main process's
        self.current = None

    # -- reports ---------------------------------------------------------------

    def thread_reports(self) -> tuple[ThreadReport, ...]:
        reports = []
        running = greenlet.getcurrent()
        for vt in self.threads:
            if not vt.alive or not vt.started:
                continue
            frame = sys._getframe(1) if vt.glet is running else (
                vt.glet.gr_frame if vt.glet is not None else None)
            stack = user_stack(frame)
            location = stack[-1] if stack else "<not started>"
            reports.append(ThreadReport(vt.display_name, vt.waiting_on, location, tuple(stack)))
        return tuple(reports)


_MODULES = sys.modules
_recursion_limit, _set_recursion_limit = sys.getrecursionlimit, sys.setrecursionlimit


def _swap_running_loop(loop: Any) -> Any:
    """Make ``loop`` (or None) the OS thread's asyncio running loop; return the one
    it replaces.  Only once ``_asyncio`` is imported.

    CPython keeps the running loop per OS thread, in C (``_asyncio``), and every
    virtual thread runs on the one OS thread: so each virtual thread's loop is put in
    place whenever it runs (``Scheduler._make_current``).  Before, a loop running in
    one virtual thread was running in all of them: ``asyncio.run()`` in a pool thread
    raised "cannot be called from a running event loop", and ``get_running_loop()``
    in an executor task returned the caller's loop where CPython raises.
    """
    asyncio_c = _MODULES["_asyncio"]
    before = asyncio_c._get_running_loop()
    if loop is not before:
        asyncio_c._set_running_loop(loop)
    return before


def user_stack(frame: Any) -> list[str]:
    """The ``file:line in function`` entries of a stack outside simfutures itself
    (or, for simfutures' own threads, just the innermost entry)."""
    entries = []
    innermost = None
    while frame is not None:
        filename = frame.f_code.co_filename
        if innermost is None and not filename.startswith(_OBSERVER_DIRS):
            innermost = frame
        if not filename.startswith(PACKAGE_DIR) and "greenlet" not in filename and \
                not filename.startswith(_STDLIB_THREADING):
            entries.append(f"{filename}:{frame.f_lineno} in {frame.f_code.co_name}")
        frame = frame.f_back
    entries.reverse()
    if not entries and innermost is not None:
        code = innermost.f_code
        entries.append(f"{code.co_filename}:{innermost.f_lineno} in {code.co_name}")
    return entries


# The simulator's and its observers' frames (a tracer's switch wrapper, say) are not
# where a thread is in the program or the executor.
_OBSERVER_DIRS = (SIM_DIR, PACKAGE_DIR + "/explore/")

_STDLIB_THREADING = sys.modules["threading"].__file__.rsplit("/", 1)[0] + "/threading.py"
