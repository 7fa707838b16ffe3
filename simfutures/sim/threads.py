"""The ``threading`` API for virtual threads: Thread, Timer, local, current_thread..."""

from __future__ import annotations

import sys
import threading as _real_threading
import traceback
from collections.abc import Callable, Iterable
from typing import Any

from simfutures.sim import context, recursion
from simfutures.sim.primitives import Event
from simfutures.sim.program_files import is_program_file
from simfutures.sim.scheduler import PACKAGE_DIR, VThread

# The real functions: while a run is patched in, the module's attributes are this
# module's, which fall back to these outside the run's virtual threads.
_REAL = {name: getattr(_real_threading, name) for name in (
    "current_thread", "main_thread", "get_ident", "get_native_id", "enumerate")}

# Plausible, deterministic identifiers for virtual threads (see VThread.threading_ident).
_NATIVE_ID_BASE = 100_000


def _names(sched: Any) -> Any:
    """Per-run counter behind ``Thread-N`` names (restarts with every run)."""
    names = getattr(sched, "thread_names", None)
    if names is None:
        import itertools

        names = sched.thread_names = itertools.count(1).__next__
    return names


def new_name() -> str:
    """The next ``Thread-N`` of this run, as an unnamed thread without a target gets."""
    return "Thread-%d" % _names(context.scheduler())()


class Thread:
    """``threading.Thread`` for virtual threads (subclassable, like the real one)."""

    #: Whether the program's own code started it, not a library's helper thread (a
    #: Pool's result handler): race discovery follows library code below the
    #: program's only (see RaceTracer._called_by_program).
    started_by_program = True

    def __init__(self, group: None = None, target: Callable[..., object] | None = None,
                 name: str | None = None, args: Iterable[Any] = (),
                 kwargs: dict[str, Any] | None = None, *, daemon: bool | None = None) -> None:
        assert group is None, "group argument must be None for now"
        sched = context.scheduler()
        self._sched = sched
        if name is None:
            name = "Thread-%d" % _names(sched)()
            if target is not None:
                try:
                    name += f" ({target.__name__})"
                except AttributeError:
                    pass
        else:
            name = str(name)
        self._target = target
        # Where CPython would run the target, for the recursion headroom (sim/recursion.py).
        self._recursion_entry = recursion.THREAD_TARGET
        self._name = name
        self._args = args
        self._kwargs = kwargs or {}
        self._daemonic = daemon if daemon is not None else current_thread().daemon
        self._vt: VThread | None = None
        self._serial = sched.new_serial()
        self._started = Event()
        self._stderr = sys.stderr

    def __hash__(self) -> int:
        # Address-independent, so sets of threads iterate the same way every run.
        return self._serial

    def start(self) -> None:
        if self._vt is not None:
            raise RuntimeError("threads can only be started once")
        sched = self._sched
        starter = sched.current
        self.started_by_program = _called_from_program()
        vt = sched.new_thread(self._name, self._daemonic)
        vt.facade = self
        vt.process = starter.process  # a thread lives in its starter's process
        self._vt = vt
        sched.observe(self)  # what the parent did before start() happens before the child
        sched.start(vt, self._bootstrap)
        # Like the real start(), wait until the new thread is running: so the
        # natural order lets a fresh worker run first, as it mostly does for real.
        self._started.wait()

    def _bootstrap(self) -> None:
        self._sched.observe(self)
        # Once started, either thread may go first: set() offers the switch.
        self._started.set()
        try:
            self.run()
        except SystemExit:
            pass
        except Exception:
            self._report_exception()
        # Exiting releases the thread's state lock, which join() and is_alive() observe:
        # a synchronising operation, so a switch before it, while the thread is still
        # alive (time may pass here, and a join's timeout beat a last computation).
        self._sched.preempt()

    def _report_exception(self) -> None:
        exc_type, exc_value, exc_tb = sys.exc_info()
        hook = _real_threading.excepthook
        if hook is _real_threading.__excepthook__:
            print(f"Exception in thread {self._name}:", file=sys.stderr, flush=True)
            traceback.print_exception(exc_type, exc_value, exc_tb, file=sys.stderr)
        else:
            hook(_real_threading.ExceptHookArgs((exc_type, exc_value, exc_tb, self)))

    def run(self) -> None:
        try:
            if self._target is not None:
                recursion.enter_program(self._recursion_entry)
                self._target(*self._args, **self._kwargs)
        finally:
            del self._target, self._args, self._kwargs

    def join(self, timeout: float | None = None) -> None:
        vt = self._vt
        if vt is None:
            raise RuntimeError("cannot join thread before it is started")
        sched = self._sched
        if vt is sched.current:
            raise RuntimeError("cannot join current thread")
        sched.preempt()
        deadline = None if timeout is None else sched.now + timeout
        while vt.alive:
            remaining = None if deadline is None else deadline - sched.now
            if remaining is not None and remaining <= 0:
                return
            me = sched.current
            vt.joiners.append(me)
            if not sched.block(f"Thread.join() on {vt.display_name}", remaining):
                if me in vt.joiners:
                    vt.joiners.remove(me)
        if not vt.alive:
            sched.observe(self)

    def is_alive(self) -> bool:
        vt = self._vt
        if vt is None:
            return False
        sched = self._sched
        if context.active() and not sched.over:
            sched.preempt()  # CPython polls the thread's state lock
            if not vt.alive:
                sched.observe(self)
        return vt.alive

    @property
    def name(self) -> str:
        return self._name

    @name.setter
    def name(self, name: str) -> None:
        self._name = str(name)
        if self._vt is not None:
            self._vt.name = self._name

    @property
    def ident(self) -> int | None:
        return None if self._vt is None else self._vt.threading_ident

    @property
    def native_id(self) -> int | None:
        return None if self._vt is None else _NATIVE_ID_BASE + self._vt.ident

    @property
    def daemon(self) -> bool:
        return self._daemonic

    @daemon.setter
    def daemon(self, daemonic: bool) -> None:
        if self._vt is not None:
            raise RuntimeError("cannot set daemon status of active thread")
        self._daemonic = daemonic

    def isDaemon(self) -> bool:
        return self.daemon

    def setDaemon(self, daemonic: bool) -> None:
        self.daemon = daemonic

    def getName(self) -> str:
        return self.name

    def setName(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        status = "initial"
        if self._vt is not None:
            status = "started" if self._vt.alive else "stopped"
        if self._daemonic:
            status += " daemon"
        if self._vt is not None:
            status += " %s" % self.ident
        return "<%s(%s, %s)>" % (self.__class__.__name__, self._name, status)


class _MainThread(Thread):
    """The facade of a (virtual) process's main thread; every other virtual
    thread gets its facade from ``Thread.start``."""

    def __init__(self, vt: VThread) -> None:
        self._sched = context.scheduler()
        self._name = vt.name
        self._daemonic = False
        self._vt = vt
        self._serial = 0
        vt.facade = self


class Timer(Thread):
    """Call a function after a number of (virtual) seconds."""

    def __init__(self, interval: float, function: Callable[..., object],
                 args: Iterable[Any] | None = None, kwargs: dict | None = None) -> None:
        Thread.__init__(self)
        self.interval = interval
        self.function = function
        self.args = args if args is not None else []
        self.kwargs = kwargs if kwargs is not None else {}
        self.finished = Event()

    def cancel(self) -> None:
        self.finished.set()

    def run(self) -> None:
        self.finished.wait(self.interval)
        if not self.finished.is_set():
            self.function(*self.args, **self.kwargs)
        self.finished.set()


def _called_from_program() -> bool:
    """Whether the nearest caller outside simfutures is the program's own code."""
    frame = sys._getframe(2)
    while frame is not None and frame.f_code.co_filename.startswith(PACKAGE_DIR):
        frame = frame.f_back
    return frame is not None and is_program_file(frame.f_code.co_filename)


def main_facade_for(vt: VThread) -> Thread:
    return _MainThread(vt)


def current_thread() -> Thread:
    if not context.active():
        return _REAL["current_thread"]()
    vt = context.current()
    return vt.facade


def main_thread() -> Thread:
    if not context.active():
        return _REAL["main_thread"]()
    sched = context.scheduler()
    main = sched.process_main(context.current())
    return main.facade


def get_ident() -> int:
    if not context.active():
        return _REAL["get_ident"]()
    return context.current().threading_ident


def get_native_id() -> int:
    if not context.active():
        return _REAL["get_native_id"]()
    return _NATIVE_ID_BASE + context.current().ident


def enumerate() -> list[Thread]:  # noqa: A001 - the threading API's name
    if not context.active():
        return _REAL["enumerate"]()
    sched = context.scheduler()
    here = context.current().process
    return [vt.facade for vt in sched.threads
            if vt.alive and vt.started and vt.facade is not None and vt.process is here]


def active_count() -> int:
    return len(enumerate())


class local:
    """``threading.local`` keyed by virtual thread.

    The object's ``__dict__`` is swapped for the current thread's on every
    attribute access (only one virtual thread runs at a time, so no lock).
    """

    __slots__ = ("_local__dicts", "_local__args", "__dict__", "__weakref__")

    def __new__(cls, *args: Any, **kwargs: Any) -> local:
        if (args or kwargs) and cls.__init__ is object.__init__:
            raise TypeError("Initialization arguments are not supported")
        self = object.__new__(cls)
        object.__setattr__(self, "_local__dicts", {})
        object.__setattr__(self, "_local__args", (args, kwargs))
        # The creating thread's own dict: the constructor call runs ``__init__`` on it
        # (a second run here would run it twice there, as CPython does not).
        _select(self, initialise=False)
        return self

    def __getattribute__(self, name: str) -> Any:
        _select(self)
        return object.__getattribute__(self, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "__dict__":
            raise AttributeError("%r object attribute '__dict__' is read-only"
                                 % self.__class__.__name__)
        _select(self)
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        _select(self)
        object.__delattr__(self, name)


def _select(obj: local, initialise: bool = True) -> None:
    """Make the current thread's dict ``obj``'s ``__dict__``; a thread's first access
    makes it, and runs the subclass's ``__init__`` on it with the constructor's
    arguments (unless ``initialise`` is false)."""
    dicts = object.__getattribute__(obj, "_local__dicts")
    key = context.current().ident if context.active() else ("os", _REAL["get_ident"]())
    d = dicts.get(key)
    if d is not None:
        object.__setattr__(obj, "__dict__", d)
        return
    d = dicts[key] = {}
    object.__setattr__(obj, "__dict__", d)
    cls = type(obj)
    if initialise and cls.__init__ is not object.__init__:
        args, kwargs = object.__getattribute__(obj, "_local__args")
        cls.__init__(obj, *args, **kwargs)
