"""Data races: unsynchronised conflicting accesses, found with happens-before clocks.

Two accesses to the same location (an attribute, a dict entry or list slot,
a global, a closure cell) by two threads, at least one a write, form a data
race when neither happens before the other.  Happens-before comes from the
simulator's synchronising operations only: every one of them reports itself
to the scheduler (``Scheduler.sync``/``observe``: lock, condition, event,
semaphore, barrier, queue, a future's lock, thread start and exit), and each
is treated as an acquire *and* a release of its object, since CPython's
primitives all work under a lock.  This is the vector-clock algorithm of
Lamport/Mattern with FastTrack's epochs for the last write and the last read
per thread (Flanagan and Freund, PLDI 2009).

Accesses come from an opcode tracer on the program's own code only (not
simfutures, the stdlib or installed packages): ``footprints`` decodes each
instruction into the locations it reads and writes, and this module receives
them.  What C code does out of the tracer's sight is not seen and never
reported; objects that are per-thread (``threading.local``) are skipped.

Preemption where races are (CHESS's rule with a race detector, Musuvathi et
al., OSDI 2008): the lines of accesses found racy become scheduling points,
so the interleaving that splits a read-modify-write is explored, and replayed
exactly.  Two unordered accesses that are each one atomic C call
(``if len(xs) < n: xs.append(x)``, ``getattr`` then ``setattr``) are no data
race and are not reported, but their check-then-act still splits in CPython
(a switch may come between the two calls): their lines become scheduling
points too (an atomicity conflict, Lu et al., ASPLOS 2006).  Which lines
those are is learnt by ``discover``, a deterministic pass over a few runs of
the program, so a run stays a pure function of its program, seed and mode.
"""

from __future__ import annotations

import contextlib
import dis
import importlib.util
import io
import sys
import sysconfig
import threading
import types
from collections.abc import Callable
from types import CodeType, FrameType
from typing import Any

import attrs

from simfutures import events
from simfutures.errors import SimfuturesError
from simfutures.explore import effects, stack_peek
from simfutures.explore.equivalence import ALL, C_STATE, Identities
from simfutures.explore.footprints import (
    _IGNORE,
    _TABLES,
    _TRACE,
    RESUMABLE,
    RESUMED,
    FootprintTracer,
    _decode,
    _Untraced,
)
from simfutures.sim import import_locks
from simfutures.sim import threads as sim_threads
from simfutures.sim.instruments import instrumented
from simfutures.sim.process_memory import ProcessGlobals
from simfutures.sim.scheduler import PACKAGE_DIR, Limits, Scheduler, VThread

#: ``--preempt`` modes: no switches at shared accesses; at the lines of accesses
#: found racy (the default); at every shared access (free-threaded CPython).
PREEMPT_MODES = ("sync", "races", "every-access")
DEFAULT_PREEMPT = "races"

_LIBRARY_DIRS = tuple(sorted({sysconfig.get_paths()[key] + "/" for key in
                              ("stdlib", "platstdlib", "purelib", "platlib")}))
_NOT_PROGRAM = (PACKAGE_DIR + "/", *_LIBRARY_DIRS, "<")


def is_program_code(filename: str) -> bool:
    """Whether ``filename`` is the program's own (not simfutures, stdlib or packages)."""
    return not filename.startswith(_NOT_PROGRAM)


def is_library_code(filename: str) -> bool:
    """Whether ``filename`` is the stdlib's or an installed package's Python code."""
    return filename.startswith(_LIBRARY_DIRS) and not filename.startswith(PACKAGE_DIR + "/")


#: How many library functions deep below the program's own code the tracer follows
#: (``copy.deepcopy`` iterates the program's dict two functions down, ``json.dumps``
#: with an indent five), a recursive one counted once: ``deepcopy`` of a dict nested
#: ten deep is two functions, twenty frames.  Deeper, library code runs untraced: an
#: event loop's machinery, logging's handlers.
LIBRARY_DEPTH = 6
#: How many library frames the walk up to the program's code looks at, at most.
_LIBRARY_WALK = 64


@attrs.frozen(order=True)
class Access:
    """One side of a race: where (``file:line``), read or write, and which thread
    (shown, but not part of the race's identity: the same two lines racing in
    other threads are the same bug)."""

    site: str
    write: bool
    thread: str = attrs.field(eq=False, order=False)
    #: Made by library code the program called (see ``RaceTracer``), not its own.
    library: bool = attrs.field(default=False, eq=False, order=False)
    #: A write a C callable the tables do not know *may* have made to its argument
    #: (``effects.unknown_call``): a scheduling point when it conflicts, never reported.
    maybe: bool = attrs.field(default=False, eq=False, order=False)

    def render(self) -> str:
        return f"{'write' if self.write else 'read'} by {self.thread} at {self.site}"


@attrs.frozen(order=True)
class DataRace:
    """Two conflicting accesses not ordered by happens-before."""

    location: str  # e.g. "dict entry 'n' of a dict", "attribute 'hits' of a Counter"
    first: Access
    second: Access

    def render(self) -> str:
        return f"data race on {self.location}: {self.first.render()}, " \
               f"{self.second.render()}"

    def to_json(self) -> dict:
        return {"location": self.location,
                "accesses": [{"thread": a.thread, "site": a.site,
                              "access": "write" if a.write else "read"}
                             for a in (self.first, self.second)]}


@attrs.frozen
class RacePolicy:
    """What a run does at shared accesses: ``mode`` (one of ``PREEMPT_MODES``) and,
    for "races", the ``file:line`` sites that are scheduling points."""

    mode: str = DEFAULT_PREEMPT
    lines: frozenset[str] = frozenset()
    #: Virtual seconds the longest computation discovery saw between two moves of
    #: the clock may take (instructions x ``Limits.opcode_time``); 0: not measured.
    work_time: float = 0.0

    @property
    def traces(self) -> bool:
        return self.mode != "sync"

    def limits(self, limits: Limits | None) -> Limits | None:
        """``limits`` for a run under this policy: the clock may jump at a scheduling
        point as far as the longest computation seen may have taken, if that is
        longer than one step (``Limits.step_time``)."""
        base = limits or Limits()
        if self.work_time <= base.step_time:
            return limits
        return attrs.evolve(base, step_time=self.work_time)


class RaceLog:
    """The races every run of one exploration found, first run first."""

    def __init__(self) -> None:
        self.races: dict[DataRace, int] = {}  # race -> number of the first run showing it
        self.conflict_sites: set[str] = set()  # lines of unordered atomic-call conflicts
        self.last_run: list[DataRace] = []
        self.runs = 0
        self.shared = False  # some location was written by one thread, touched by another
        self.peak_work = 0  # the most instructions any run ran between two clock moves

    def record(self, found: list[DataRace], shared: bool = False,
               conflict_sites: frozenset[str] = frozenset()) -> None:
        self.last_run = found
        self.shared = self.shared or shared
        self.conflict_sites |= conflict_sites
        for race in found:
            self.races.setdefault(race, self.runs)
        self.runs += 1

    def lines(self) -> frozenset[str]:
        """The scheduling points: both sides of every race and atomicity conflict."""
        return frozenset(access.site for race in self.races
                         for access in (race.first, race.second)) | self.conflict_sites


# Per-thread storage: the same attribute name is a different location in each thread.
_PER_THREAD = (sim_threads.local, threading.local)


class _LocationState:
    __slots__ = ("write", "reads", "touched")

    def __init__(self) -> None:
        # (thread, epoch, access, atomic): the last write; per thread, the last read.
        self.write: tuple[int, int, Access, bool] | None = None
        self.reads: dict[int, tuple[int, Access, bool]] = {}
        # Per thread, its last access of either kind (kept across other threads'
        # writes): (epoch, whether its task had touched the location before it).
        self.touched: dict[int, tuple[int, bool]] = {}


class RaceDetector:
    """Vector clocks over synchronising operations, checked at every access."""

    def __init__(self, sched: Scheduler) -> None:
        self._sched = sched
        self._clocks: dict[int, dict[int, int]] = {}
        self._sync_clocks: dict[int, tuple[Any, dict[int, int]]] = {}
        self._locations: dict[int, dict[Any, _LocationState]] = {}
        self._described: dict[int, str] = {}
        self.names = Identities()
        self.found: dict[DataRace, DataRace] = {}
        self._reported: set[tuple[Any, ...]] = set()  # see _report
        # Sites of unordered conflicting accesses that are both atomic C calls.
        self.conflict_sites: set[str] = set()
        self._per_thread: set[int] = set()
        # Objects the program's own code touched or handed to library code: library
        # code's accesses count on these only (not on a library's private state).
        self._program_objects: set[int] = set()
        # Whether two threads touched one location, one writing, the other's access
        # not known to this thread when it started (ordered or not by later
        # synchronisation): then other schedules may race on it.
        self.shared = False
        self._start_clocks: dict[int, dict[int, int]] = {}
        # Per worker thread, its own epoch when its current pool task began.
        self._task_starts: dict[int, int] = {}
        # The file system is the program's, whichever code (``os.path.exists``) calls it.
        self.program_object(effects.FILE_SYSTEM)
        # So are the process-wide settings C code reads (effects._READS_SETTINGS), whoever
        # rebinds them: contextlib.redirect_stdout's setattr(sys, "stdout", ...), and
        # warnings.catch_warnings' filters.
        for module in effects.settings_modules():
            self.program_object(vars(module))

    def _clock(self, vt: VThread) -> dict[int, int]:
        clock = self._clocks.get(vt.ident)
        if clock is None:
            clock = self._clocks[vt.ident] = {vt.ident: 1}
        return clock

    def sync(self, vt: VThread, obj: object) -> None:
        """``vt`` synchronised on ``obj``: it sees all ``obj`` has seen, and publishes."""
        clock = self._clock(vt)
        held = self._sync_clocks.get(id(obj))
        if held is not None and held[0] is obj:
            for ident, tick in held[1].items():
                if clock.get(ident, 0) < tick:
                    clock[ident] = tick
        self._sync_clocks[id(obj)] = (obj, dict(clock))  # keeps obj alive: ids stay unique
        if vt.ident not in self._start_clocks:  # its first synchronisation: its start
            self._start_clocks[vt.ident] = dict(clock)
        clock[vt.ident] += 1

    def task_started(self, vt: VThread) -> None:
        """``vt`` (a pool worker) began running a task.  Tasks move between workers
        from one schedule to another: what two tasks of one worker touched, two
        workers may touch at the same time in another schedule."""
        self._task_starts[vt.ident] = self._clock(vt)[vt.ident]

    def program_object(self, obj: Any) -> int:
        """``obj`` is the program's (its code touched it, or passed it to a library)."""
        serial = self.name(obj)
        self._program_objects.add(serial)
        return serial

    def name(self, obj: Any) -> int:
        serial = self.names(obj)
        if serial not in self._described:
            self._described[serial] = _describe_object(obj)
            if isinstance(obj, _PER_THREAD):
                self._per_thread.add(serial)
        return serial

    def access(self, serial: int, key: Any, write: bool, site: str, atomic: bool,
               library: bool = False, maybe: bool = False) -> None:
        """An access by the running thread.  ``atomic``: done by one call of a C
        method or builtin (``list.append``, ``dict.get``, ``random.random``), which
        CPython performs under the GIL or the object's lock: two atomic accesses
        never race, an atomic one and a bytecode-level one can (``d.get(k)``, then
        ``d[k] = ...``).  Two unordered atomic ones are an atomicity conflict:
        not reported, but scheduling points all the same."""
        vt = self._sched.current
        if vt is None or serial in self._per_thread or (
                library and serial not in self._program_objects):
            return
        clock = self._clock(vt)
        me = vt.ident
        access = Access(site, write, vt.display_name, library, maybe)
        states = self._locations.get(serial)
        if states is None:
            states = self._locations[serial] = {}
        if key is ALL:
            related = list(states.items())
        else:
            related = [(key, states[key])] if key in states else []
            if ALL in states:
                related.append((ALL, states[ALL]))
        task_start = self._task_starts.get(me, 0)
        for other_key, state in related:
            shown = key if key is not ALL else other_key
            last = state.write
            # Whether this thread's current task touched the location before, or the
            # other thread's did before its access: then two atomic calls of it make a
            # check-then-act another thread can split (two writes too: ``buf.write(a)``
            # then ``buf.write(b)`` against another task's).
            touched = state.touched
            mine = touched.get(me)
            local = mine is not None and mine[0] >= task_start
            if not self.shared:
                self.shared = self._after_start(me, last, write, state)
            if last is not None and last[0] != me and last[1] > clock.get(last[0], 0):
                self._conflict(serial, shown, last[2], access, atomic and last[3],
                               local or touched[last[0]][1])
            if write:
                for ident, (epoch, earlier, read_atomic) in state.reads.items():
                    if ident != me and epoch > clock.get(ident, 0):
                        self._conflict(serial, shown, earlier, access, atomic and read_atomic,
                                       local or touched[ident][1])
        state = states.get(key)
        if state is None:
            state = states[key] = _LocationState()
        if write:
            state.write = (me, clock[me], access, atomic)
            state.reads = {}
        else:
            state.reads[me] = (clock[me], access, atomic)
        previous = state.touched.get(me)
        state.touched[me] = (clock[me], previous is not None and previous[0] >= task_start)

    def _after_start(self, me: int, last: Any, write: bool, state: _LocationState) -> bool:
        """Whether this access and an earlier one may be unordered in some schedule:
        the earlier one came from another thread after this one started, or from an
        earlier task of this same worker (atomic calls too: in another schedule they may
        be the act of a check-then-act, see ``_conflict``)."""
        known = self._start_clocks.get(me, {})
        task_start = self._task_starts.get(me, 0)

        def unordered(ident: int, epoch: int) -> bool:
            return epoch > known.get(ident, 0) if ident != me else epoch < task_start

        if last is not None and unordered(last[0], last[1]):
            return True
        return write and any(unordered(ident, epoch) for ident, (epoch, _access, _atomic)
                             in state.reads.items())

    def _conflict(self, serial: int, key: Any, earlier: Access, later: Access,
                  both_atomic: bool, local: bool) -> None:
        """Two unordered conflicting accesses: a data race, unless both are atomic calls.
        Those matter as parts of a check-then-act: a read against a write (``len(xs)``
        against ``xs.append``), or a write where either task had touched the location
        before (``local``: ``buf.write(a); buf.write(b)`` against another task's
        write); their lines then become scheduling points.  Two lone atomic writes
        (one ``random.random()`` in each of two tasks) are already ordered every way by
        the switches before them.  Two accesses both made inside library code (a
        ``Counter.update`` in two tasks, or the stdlib's own caches) are scheduling
        points but not reported: which of them are the program's data the tracer
        cannot tell, and the stdlib's internals are not the program's races."""
        if earlier.maybe or later.maybe:
            self.conflict_sites.update((earlier.site, later.site))
        elif earlier.library and later.library:
            if not both_atomic or local or earlier.write != later.write:
                self.conflict_sites.update((earlier.site, later.site))
        elif not both_atomic:
            self._report(serial, key, earlier, later)
        elif local or earlier.write != later.write:
            self.conflict_sites.update((earlier.site, later.site))

    def _report(self, serial: int, key: Any, earlier: Access, later: Access) -> None:
        # (A loop racing on one location reports the same race at every iteration:
        # known ones are looked up by plain values, before a DataRace is made.)
        seen = (serial, key, earlier.site, earlier.write, later.site, later.write)
        if seen in self._reported:
            return
        self._reported.add(seen)
        race = DataRace(_describe_location(self._described[serial], key),
                        *sorted((earlier, later)))
        if race not in self.found:
            self.found[race] = race
            bus = self._sched.bus
            if bus.active:
                bus.emit(events.Race(self._sched.now, later.thread, race.render()))


def _runs_python(arg: Any) -> bool:
    """Whether a C function given ``arg`` may run Python code through it: a Python
    callable, or a generator or coroutine (resuming it runs its frame)."""
    return effects.python_level(arg) or type(arg) in _RESUMABLE_TYPES


_RESUMABLE_TYPES = (types.GeneratorType, types.CoroutineType, types.AsyncGeneratorType)
# Arguments that are no data a library could share between threads.
_PLAIN_VALUES = (int, float, complex, str, bytes, bool, type(None))


def _is_module_namespace(namespace: dict) -> bool:
    # A script's globals have __builtins__; a library module's (sys) need not.
    module = sys.modules.get(str(namespace["__name__"]))
    return "__builtins__" in namespace or (module is not None and vars(module) is namespace)


def _describe_object(obj: Any) -> str:
    if isinstance(obj, FrameType):  # a resumable frame (RaceTracer._resumed), or any
        flags = dis.COMPILER_FLAG_NAMES  # frame library code reads (logging's f_back)
        kind = next((flags[f].lower().replace("_", " ") for f in flags
                     if f & obj.f_code.co_flags and f & RESUMABLE), "a frame of")
        return f"{kind} {obj.f_code.co_qualname}()"
    if isinstance(obj, ProcessGlobals):
        obj = obj.namespace  # (the accesses name the process)
    kind = type(obj)
    if kind is dict and "__name__" in obj and _is_module_namespace(obj):
        return "module " + str(obj["__name__"])  # a module's globals
    article = "an" if kind.__name__[:1].lower() in "aeiou" else "a"
    return f"{article} {kind.__name__}"


def _describe_location(owner: str, key: Any) -> str:
    if owner.startswith("module "):
        return f"global {key!r} of {owner}"
    if key is ALL:
        return owner
    if isinstance(key, tuple) and len(key) == 2 and key[0] == "[]":
        return f"entry {key[1]!r} of {owner}"
    if key == "cell":
        return "a closure variable"
    if key == RESUMED:
        return f"{owner}, resumed by two threads"
    if key == C_STATE:
        return f"the inner state of {owner}"
    return f"attribute {key!r} of {owner}"


class _Sink:
    """Stands in for a step's ``Footprint``: what ``effects`` records goes to the
    detector, tagged with the instruction's ``file:line``."""

    __slots__ = ("_detector", "reads", "writes", "maybe_writes", "site", "atomic", "library",
                 "_named")

    def __init__(self, detector: RaceDetector) -> None:
        self._detector = detector
        self.reads = _Accesses(self, write=False)
        self.writes = _Accesses(self, write=True)
        self.maybe_writes = _Accesses(self, write=True, maybe=True)
        self.site = ""
        self.atomic = False  # the instruction is a call (into C: see RaceDetector.access)
        self.library = False  # the instruction is library code's (see RaceTracer)
        self._named: Any = None  # the object named last: the owner of the next access

    # "May have touched anything" (a C call the tables do not know): pruning must
    # assume a conflict, but a race report needs a seen access, so it is dropped.
    top = property(lambda self: False, lambda self, value: None)
    read_top = top

    def name(self, obj: Any) -> int:
        self._named = obj
        if self.library:
            return self._detector.name(obj)
        return self._detector.program_object(obj)

    def alias_namespace(self, namespace: dict, owner: Any) -> None:
        self._detector.names.alias_namespace(namespace, owner)

    def is_namespace(self, mapping: Any) -> bool:
        return self._detector.names.is_namespace(mapping)

    def adopt(self, serial: int, key: Any) -> None:
        """A read of ``key`` of the object named last: when that is the program's, so
        is the value (a global's ``UserDict``, its ``data``, a ``Counter``'s entries).
        Only a dict's entries (a module's globals too) and an instance's own
        attributes are looked up: reading them runs no code."""
        detector = self._detector
        if serial not in detector._program_objects:
            return
        owner = self._named
        if type(key) is tuple and key and key[0] == "[]":
            key = key[1]
        elif not isinstance(key, str):
            return
        if type(owner) is not dict:
            owner = getattr(owner, "__dict__", None)
            if type(owner) is not dict:
                return
        try:
            value = owner.get(key)
        except TypeError:  # an unhashable key: no entry
            return
        if value is not None and type(value) not in _PLAIN_VALUES:
            detector.program_object(value)


class _Accesses:
    __slots__ = ("_sink", "_write", "_maybe")

    def __init__(self, sink: _Sink, write: bool, maybe: bool = False) -> None:
        self._sink = sink
        self._write = write
        self._maybe = maybe

    def add(self, location: tuple[int, Any]) -> None:
        sink = self._sink
        if not self._write:
            sink.adopt(*location)
        sink._detector.access(location[0], location[1], self._write, sink.site, sink.atomic,
                              sink.library, self._maybe)


_LINES: dict[CodeType, dict[int, int]] = {}
_PROGRAM_KINDS: dict[CodeType, int] = {}
# _PROGRAM_KINDS values besides footprints' _TRACE and _IGNORE, traced where the
# program's own code calls them (see RaceTracer._called_by_program): library code,
# and code compiled from a string ("<string>", "<rules>", a notebook cell, generated
# methods), whose accesses are the program's own when the program calls it.
_LIBRARY = -1
_GENERATED = -2
# simfutures' calls of the program's callables (a task, a done-callback, a thread's
# target): traced always, their accesses counted as library code's (a C callable's
# own work, such as an ``lru_cache`` wrapper's, shows there: see _function_call).
_USER_CALL = -3
# Stdlib modules frozen into the interpreter whose functions work on the program's data
# or the file system (``os.path.exists`` calls ``os.stat``); not importlib's machinery.
_FROZEN_LIBRARY = frozenset(f"<frozen {name}>" for name in (
    "os", "posixpath", "ntpath", "genericpath", "_collections_abc"))
_THREAD_RUN = sim_threads.Thread.run.__code__
_USER_CALL_CODE = {(PACKAGE_DIR + "/usercall.py", "invoke"),
                   (PACKAGE_DIR + "/sim/threads.py", "run")}


def _line_table(code: CodeType) -> dict[int, int]:
    table = _LINES.get(code)
    if table is None:
        table = _LINES[code] = {}
        for start, end, line in code.co_lines():
            if line is not None:
                for offset in range(start, end, 2):
                    table[offset] = line
    return table


class RaceTracer(FootprintTracer):
    """The footprint tracer's instruction decoding, feeding a ``RaceDetector`` and
    preempting at the policy's racy lines: on the program's own code, and on
    library code it calls, up to ``LIBRARY_DEPTH`` frames down (``random.shuffle``,
    ``copy.deepcopy``, ``Counter.update`` or a ``UserDict`` work on the program's
    data in Python, and CPython switches threads inside them)."""

    def __init__(self, sched: Scheduler, policy: RacePolicy, log: RaceLog) -> None:
        super().__init__(sched)
        self.detector = RaceDetector(sched)
        self._policy = policy
        self._log = log
        self._sink = _Sink(self.detector)
        self._every = policy.mode == "every-access"
        self._lines = policy.lines
        self.outer: Any = None  # the footprint tracer this one runs under, if any
        # By frame: (frame, module names) of an import instruction, until it went on
        # (a module body the import runs may import too).
        self._pending_imports: dict[int, tuple[FrameType, list[str]]] = {}
        # The thread that last passed an eval-breaker check (a function start, a
        # backward jump, a call) since the previous access point, if any (see
        # Scheduler.preempt_at_access).
        self._breaker_passed_by: VThread | None = None
        # Buffers the call being traced holds exported while it releases the GIL.
        self._exports: list[Any] = []

    def install(self) -> None:
        stack_peek.pause_other_tools()
        sched = self._sched
        sched.sync_observers += (self.detector,)
        self._unsubscribe = sched.bus.subscribe(self._on_event)
        self._inner_chooser = sched.chooser
        sched.chooser = _Untraced(sched.chooser, self)
        # Each greenlet carries its own "tracing on" flag (CPython keeps it per C
        # frame stack): every virtual thread turns tracing back on when it resumes.
        switch = sched._switch_to

        def traced_switch(nxt: VThread) -> None:
            try:
                switch(nxt)
            finally:
                sys.settrace(self.outer or self._global_trace)

        sched._switch_to = traced_switch
        self._previous = sys.gettrace()
        sys.settrace(self._global_trace)

    def remove(self) -> None:
        sys.settrace(self._previous)
        stack_peek.resume_other_tools()
        self._unsubscribe()
        sched = self._sched
        sched.sync_observers = tuple(o for o in sched.sync_observers if o is not self.detector)
        sched.chooser = self._inner_chooser
        del sched._switch_to
        detector = self.detector
        self._log.peak_work = max(self._log.peak_work, sched.peak_work, sched.work)
        self._log.record(sorted(detector.found.values()), detector.shared,
                         frozenset(detector.conflict_sites))

    def _on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Start) and self._sched.current is not None:
            self.detector.task_started(self._sched.current)

    def _kind(self, code: CodeType) -> int:
        kind = _PROGRAM_KINDS.get(code)
        if kind is None:
            filename = code.co_filename
            kind = _PROGRAM_KINDS[code] = (
                _USER_CALL if (filename, code.co_name) in _USER_CALL_CODE
                else _TRACE if is_program_code(filename)
                else _LIBRARY if is_library_code(filename) or filename in _FROZEN_LIBRARY
                else _GENERATED if filename.startswith("<") and not filename.startswith(
                    "<frozen ") else _IGNORE)
        return kind

    def _called_by_program(self, frame: FrameType) -> bool:
        """Whether library or generated ``frame`` runs at most ``LIBRARY_DEPTH`` such
        functions below the program's own code or a call simfutures makes for it (and
        not below simfutures' own work)."""
        functions = {frame.f_code}
        caller = frame.f_back
        for _ in range(_LIBRARY_WALK):
            if caller is None:
                return False
            kind = self._kind(caller.f_code)
            if kind not in (_LIBRARY, _GENERATED):
                if caller.f_code is _THREAD_RUN:  # a thread's target: the program's
                    return self._sched.current.facade.started_by_program  # if it started it
                return kind in (_TRACE, _USER_CALL)
            functions.add(caller.f_code)
            if len(functions) > LIBRARY_DEPTH:
                return False
            caller = caller.f_back
        return False

    def _footprint(self) -> Any:
        if self._sched.current is None or self._sched.over:
            return None
        return self._sink

    def _on_call(self, frame: FrameType, event: str, arg: Any) -> Any:
        if self.paused or self._sched.current is None or self._sched.over:
            return None
        kind = self._kind(frame.f_code)
        if kind == _TRACE:
            if frame.f_code.co_flags & RESUMABLE:
                self._resumed(frame)
        elif kind != _USER_CALL and (kind >= 0 or not self._called_by_program(frame)):
            return None
        self._breaker_passed_by = self._sched.current  # the function's start
        if self._lines and self._called_inside_racy_call(frame):
            self._switch()
        stack_peek.trace_opcodes(frame, self._on_opcode)
        return self._on_opcode

    def _function_call(self, footprint: Any, fn: Any, args: list[Any]) -> None:
        if footprint is self._sink:
            self._note_call(fn, args)
        super()._function_call(footprint, fn, args)

    def _note_call(self, fn: Any, args: list[Any]) -> None:
        """A call at a traced instruction.  What the program hands to library code is
        its data.  A C function that calls back into Python (``xs.sort(key=f)``,
        ``max(d, key=f)``, ``xs.extend(generator)``, an ``lru_cache`` wrapper) is not
        atomic: CPython may switch threads inside the callback, in the middle of the
        C function's work on its container."""
        sink = self._sink
        if self._every or sink.site in self._lines:
            # (switched to once this instruction's accesses are recorded: _on_opcode)
            self._exports = effects.exported_without_gil(fn, args)
        if effects.python_level(fn):
            if sink.library:
                return
            if args and getattr(type(args[0]), getattr(fn, "__name__", ""), None) is fn:
                # A method's self is the program's only if its code touched it: not
                # the hidden Random behind random.choice.
                args = args[1:]
            for arg in args:
                if type(arg) not in _PLAIN_VALUES:
                    self.detector.program_object(arg)
            return
        wrapped = getattr(fn, "__wrapped__", None)
        if wrapped is not None and effects.python_level(wrapped):
            # A caching wrapper of the program's function: its cache is internal state
            # (two threads may both miss and compute; not reported, see
            # RaceDetector._conflict).
            library = sink.library
            sink.atomic, sink.library = False, True
            sink.writes.add((self.detector.program_object(fn), ALL))
            sink.library = library
        elif any(_runs_python(arg) for arg in args):
            sink.atomic = False

    def _switch_holding(self) -> None:
        """A scheduling point inside a C call that releases the GIL while it holds its
        arguments' buffers exported (``effects.exported_without_gil``): they are exported
        for real meanwhile, so another thread that resizes one gets CPython's own
        ``BufferError``."""
        views = [memoryview(buffer) for buffer in self._exports]
        self._exports = []
        try:
            self._switch()
        finally:
            for view in views:
                view.release()

    def _called_inside_racy_call(self, frame: FrameType) -> bool:
        """Whether ``frame`` is called (or resumed) from a racy line: a callback the C
        function called there runs, and a switch at its entry splits that call."""
        caller = frame.f_back
        return (caller is not None and self._kind(caller.f_code) != _IGNORE
                and f"{caller.f_code.co_filename}:{caller.f_lineno}" in self._lines)

    def _resumed(self, frame: FrameType) -> None:
        """A generator or coroutine of the program's resumed: a write of its frame.  Its
        scheduling point comes after the resume, inside the body, where another thread's
        ``next()`` meets "generator already executing"."""
        site = f"{frame.f_code.co_filename}:{frame.f_lineno}"
        self.detector.access(self.detector.name(frame), RESUMED, True, site, False)
        if self._every or site in self._lines:
            self._switch()

    def _on_opcode(self, frame: FrameType, event: str, arg: Any) -> Any:
        if self._sched.over:
            return None
        if self._pending_imports:
            pending = self._pending_imports.pop(id(frame), None)
            if pending is not None and pending[0] is frame:
                self._imported(pending[1])
        if event == "opcode" and not self.paused:
            self._sched.work += 1  # computation takes virtual time: Limits.opcode_time
            code = frame.f_code
            table = _TABLES.get(code)
            if table is None:
                table = _TABLES[code] = _decode(code)
            lasti = frame.f_lasti
            breakers = _BREAKERS.get(code)
            if breakers is None:
                breakers = _BREAKERS[code] = _eval_breaker_checks(code)
            if lasti in breakers:
                self._breaker_passed_by = self._sched.current
            if lasti in table:
                kind = _PROGRAM_KINDS.get(code)
                if kind == _USER_CALL and table[lasti][0] not in _CALLS:
                    return self._on_opcode  # simfutures' own state: only its call counts
                site = f"{code.co_filename}:{_line_table(code).get(lasti, 0)}"
                library = kind in (_LIBRARY, _USER_CALL)
                # Every access of the program's own code; of library code, its racy lines.
                if (self._every and not library) or site in self._lines:
                    self._switch()
                sink = self._sink
                sink.site = site
                sink.atomic = table[lasti][0] in _CALLS
                sink.library = library
        tracer = super()._on_opcode(frame, event, arg)
        if self._exports:
            self._switch_holding()
        return tracer

    def _importing(self, frame: FrameType, name: str, level: int, fromlist: Any) -> None:
        """An ``import`` about to run: the modules it names, observed once it ran."""
        try:
            absolute = importlib.util.resolve_name("." * level + name,
                                                   frame.f_globals.get("__package__"))
        except (ImportError, ValueError, TypeError):
            return  # the import itself raises the same error
        parts = absolute.split(".")
        names = [".".join(parts[:end]) for end in range(1, len(parts) + 1)]
        if isinstance(fromlist, tuple):
            names += [f"{absolute}.{item}" for item in fromlist if isinstance(item, str)]
        self._pending_imports[id(frame)] = (frame, names)

    def _imported(self, names: list[str]) -> None:
        """An ``import`` that ran: each module it found complete in ``sys.modules`` was
        published there by the thread that ran its body, and the importer may have
        taken no lock for it (CPython's ``import_name`` tests ``_initializing`` only;
        ``from package import module`` finds a submodule as the package's attribute).
        That publication is the happens-before edge (``ModuleLock.release`` records
        the other end), so reading the module's globals after the import is no race."""
        for module_name in names:
            module = sys.modules.get(module_name)
            if module is not None and not import_locks.initializing(module):
                self._sched.observe(module)

    def _switch(self) -> None:
        """A scheduling point before this instruction, from inside the trace
        function: the switch must happen with tracing re-enabled, or the other
        virtual threads would run untraced (CPython suspends tracing while a trace
        function runs; ``sys.call_tracing`` lifts that)."""
        sched = self._sched
        tracer = self.outer or self._global_trace
        breaker_passed = self._breaker_passed_by is sched.current
        self._breaker_passed_by = None

        def point() -> None:
            sys.settrace(tracer)
            sched.preempt_at_access(breaker_passed)

        sys.call_tracing(point, ())


#: Instructions after which CPython 3.11-3.13 check the eval breaker, where a thread
#: that has had its switch interval gives up the GIL (Python/bytecodes.c: RESUME,
#: JUMP_BACKWARD, the CALL family).
_EVAL_BREAKER_OPS = frozenset({"RESUME", "JUMP_BACKWARD", "CALL", "CALL_KW",
                               "CALL_FUNCTION_EX"})
_BREAKERS: dict[CodeType, frozenset[int]] = {}


def _eval_breaker_checks(code: CodeType) -> frozenset[int]:
    return frozenset(instruction.offset for instruction in dis.get_instructions(code)
                     if instruction.opname in _EVAL_BREAKER_OPS)


def instrument(policy: RacePolicy, log: RaceLog) -> Callable[[Scheduler], Any] | None:
    """The per-run instrument factory for ``policy`` (None: nothing to observe)."""
    if not policy.traces:
        return None
    return _Factory(policy, log)


@attrs.frozen
class _Factory:
    policy: RacePolicy
    log: RaceLog

    def __call__(self, sched: Scheduler) -> RaceTracer:
        return RaceTracer(sched, self.policy, self.log)


# The handlers of the instructions that call: what they record is one atomic access.
_CALLS = (FootprintTracer._call, FootprintTracer._call_kw, FootprintTracer._call_ex)


def _stopped_expensively(outcome: Any) -> bool:
    """Whether a run ended at the watchdog or a limit (slow runs; a deadlock is quick
    and a common outcome, so discovery goes on after one)."""
    stopped = getattr(outcome, "stopped", None)  # a RunResult
    if stopped is not None:
        return stopped.kind in ("watchdog", "limit")
    error = getattr(outcome, "error", None) or ""  # a program's Outcome
    return error.startswith(("watchdog", "step limit", "virtual time limit"))

#: Runs that switch at every access before discovery proper (the natural order and one
#: walk), and the most scheduling points each (a long one has shown its races by then);
#: discovery gives up after as many runs on a program whose threads share no memory.
PROBE_RUNS = 2
PROBE_STEPS = 20_000
#: Runs per discovery pass (seeds 0..N-1) and the most passes made.
DISCOVERY_RUNS = 32
DISCOVERY_PASSES = 3


def discover(program: Any, mode: str = DEFAULT_PREEMPT, limits: Any = None
             ) -> tuple[RacePolicy, RaceLog]:
    """The policy an exploration of ``program`` runs with, learnt deterministically.

    For "races": seeds ``0..PROBE_RUNS-1`` are run switching at every access, then
    seeds ``0..DISCOVERY_RUNS-1`` with the racy lines known so far as scheduling
    points; a pass that finds new racy lines is followed by another (new switches
    can expose new races), up to ``DISCOVERY_PASSES``.  The
    result depends on the program alone, so ``run --seed N`` rebuilds the very
    policy ``explore``'s run N had.  These runs (for "every-access", the first
    ``PROBE_RUNS`` seeds) also measure the longest computation between two moves
    of the clock (``RacePolicy.work_time``).
    """
    from simfutures.sim.chooser import chooser_for_seed as chooser_for

    log = RaceLog()
    policy = RacePolicy(mode)
    if mode == "sync" or not getattr(program, "runs_program_code", True):
        return policy, log

    def learnt(lines: frozenset[str]) -> RacePolicy:
        base = limits or Limits()
        return RacePolicy(mode, lines, log.peak_work * base.opcode_time)

    if mode == "races":
        # A race may show only once a switch inside a loop that has no scheduling point
        # yet lets time pass there (a Timer fires while the main thread polls a list):
        # the first runs switch at every access, as "every-access" does.
        probe_limits = attrs.evolve(limits or Limits(), max_steps=min(
            (limits or Limits()).max_steps, PROBE_STEPS))
        with instrumented(instrument(RacePolicy("every-access"), log)):
            for seed in range(PROBE_RUNS):
                if _stopped_expensively(program.run(chooser_for(seed), limits=probe_limits)):
                    break  # (what it saw until then is learnt)
        policy = RacePolicy(mode, log.lines())
    for _ in range(DISCOVERY_PASSES):
        with instrumented(instrument(policy, log)):
            for seed in range(DISCOVERY_RUNS):
                if _stopped_expensively(program.run(chooser_for(seed), limits=limits)):
                    # Runs that end at the watchdog or a limit are slow: one is enough.
                    return learnt(log.lines()), log
                if seed + 1 == PROBE_RUNS and (mode == "every-access" or not log.shared):
                    # No memory written by one thread and touched by another: nothing
                    # can race, whatever the schedule (most programs: results travel
                    # through futures).  Every access switches anyway: nothing to learn.
                    return learnt(policy.lines), log
        lines = log.lines()
        if lines == policy.lines:
            break
        policy = RacePolicy(mode, lines)
    return learnt(policy.lines), log


class RaceProgram:
    """``program`` with ``policy`` in effect for every run: the runs' outcomes
    carry the data races each one showed."""

    def __init__(self, program: Any, policy: RacePolicy) -> None:
        self.program = program
        self.policy = policy
        # Tracing costs several times a run: runs are traced only where switching at
        # accesses needs it.  (With no racy line, discovery found no race either.)
        traced = policy.mode == "every-access" or (policy.mode == "races" and policy.lines)
        self._factory = instrument(policy, RaceLog()) if traced else None

    def run(self, chooser: Any, **options: Any) -> Any:
        options["limits"] = self.policy.limits(options.get("limits"))
        with instrumented(self._factory):
            outcome = self.program.run(chooser, **options)
        if self._factory is None:
            return outcome
        log: RaceLog = self._factory.log
        return attrs.evolve(outcome, races=tuple(log.last_run))

    def replay_command(self, option: str) -> str:
        command = self.program.replay_command(option)
        if self.policy.mode != DEFAULT_PREEMPT:
            command += f" --preempt {self.policy.mode}"
        return command

    def __getattr__(self, name: str) -> Any:
        return getattr(self.program, name)


def prepare(program: Any, mode: str = DEFAULT_PREEMPT, limits: Any = None) -> RaceProgram:
    """``program`` under the race policy ``mode`` calls for (see ``discover``, whose runs
    have ``limits``: the watchdog of a command's ``--watchdog`` watches them too).

    Only where the tracer can read instruction operands (CPython 3.11 to 3.13, when
    ``stack_peek``'s layout check passes): elsewhere every mode runs as "sync".
    """
    if isinstance(program, RaceProgram):
        return program
    if not stack_peek.AVAILABLE:
        mode = "sync"
    policy, _log = discover(program, mode, limits)
    return RaceProgram(program, policy)


class DataRaceError(SimfuturesError, AssertionError):
    """A run showed data races (``simulate(..., fail_on_race=True)``)."""

    def __init__(self, races: list[DataRace]) -> None:
        self.races = tuple(races)
        super().__init__("\n".join(race.render() for race in self.races))


class _FunctionProgram:
    """``fn(*args, **kwargs)`` as a program ``discover`` can run."""

    def __init__(self, fn: Callable[..., Any], args: tuple, kwargs: dict, limits: Any) -> None:
        self._call = (fn, args, kwargs)
        self._limits = limits

    def run(self, chooser: Any, **_options: Any) -> Any:
        from simfutures.sim.simulate import run

        fn, args, kwargs = self._call
        return run(fn, args, kwargs, chooser=chooser, limits=self._limits)


# Policies learnt for functions: a property test runs one function many times.
_FUNCTION_POLICIES: dict[Any, tuple[RacePolicy, int]] = {}


def _frozen(value: Any) -> Any:
    """``value`` as part of a cache key: itself if hashable, else its repr (a repr that
    shows an address only costs a cache miss)."""
    try:
        hash(value)
    except TypeError:
        return ("repr", type(value).__qualname__, repr(value))
    return value


def _function_key(fn: Callable[..., Any], args: tuple, kwargs: dict, mode: str) -> Any:
    # What the run depends on: the code, what its closure holds and the arguments.
    # Not the function object: a lambda written in a test is a new one at every call.
    code = getattr(fn, "__code__", None)
    if code is None:
        return (_frozen(fn), _frozen(args), _frozen(sorted(kwargs.items())), mode)
    cells = tuple(_frozen(cell.cell_contents) for cell in fn.__closure__ or ()
                  if _has_contents(cell))
    return (code, cells, _frozen(getattr(fn, "__defaults__", None)), _frozen(args),
            _frozen(sorted(kwargs.items())), mode)


def _has_contents(cell: Any) -> bool:
    try:
        _ = cell.cell_contents
    except ValueError:  # an empty cell: a name assigned later
        return False
    return True


def function_policy(fn: Callable[..., Any], args: tuple, kwargs: dict, limits: Any,
                    mode: str) -> tuple[RacePolicy, int]:
    """The policy ``simulate(fn, *args, **kwargs, preempt=mode)`` runs with, and the
    number of decisions of its natural run under it.

    Learnt by ``discover`` on first use and kept, by code, closure contents and
    arguments: the policy is a function of the call, never of what ran before in
    the process, so a schedule printed in one process replays in another.
    """
    key = _function_key(fn, args, kwargs, mode)
    known = _FUNCTION_POLICIES.get(key)
    if known is None:
        from simfutures.sim.chooser import NaturalChooser
        from simfutures.sim.simulate import run

        # Learning runs, not the caller's: what they print is not the program's output.
        with contextlib.redirect_stdout(io.StringIO()), \
                contextlib.redirect_stderr(io.StringIO()):
            if stack_peek.AVAILABLE:
                policy, _log = discover(_FunctionProgram(fn, args, kwargs, limits), mode,
                                        limits)
            else:  # see prepare
                policy = RacePolicy("sync")
            with instrumented(_switching(policy)):
                natural = run(fn, args, kwargs, chooser=NaturalChooser(),
                              limits=policy.limits(limits))
        known = _FUNCTION_POLICIES[key] = (policy, len(natural.schedule.choices))
    return known


def _switching(policy: RacePolicy) -> Any:
    """The instrument a run under ``policy`` needs to switch where it says (None: none)."""
    if policy.mode == "every-access" or (policy.mode == "races" and policy.lines):
        return instrument(policy, RaceLog())
    return None


def run_function(fn: Callable[..., Any], args: tuple, kwargs: dict, chooser: Any, limits: Any,
                 observers: Any, mode: str, detect: bool = False
                 ) -> tuple[Any, list[DataRace]]:
    """``simulate``'s run under race policy ``mode`` (see ``function_policy``); also the
    run's races, which are looked for only where the run is traced anyway or when
    ``detect`` asks (tracing costs several times a run)."""
    from simfutures.sim.simulate import run

    policy, _natural = function_policy(fn, args, kwargs, limits, mode)
    limits = policy.limits(limits)
    if not stack_peek.AVAILABLE:
        return run(fn, args, kwargs, chooser=chooser, limits=limits, observers=observers), []
    log = RaceLog()
    factory = _switching(policy)
    if factory is not None:
        log = factory.log
    elif detect:
        factory = instrument(RacePolicy("races"), log)  # detect, without switching
    with instrumented(factory):
        result = run(fn, args, kwargs, chooser=chooser, limits=limits, observers=observers)
    return result, log.last_run
