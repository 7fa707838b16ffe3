"""``multiprocessing`` used directly, on virtual processes.

The stdlib's ``Process``, ``Queue``, ``JoinableQueue``, ``SimpleQueue`` and
``Pool`` classes run unchanged; the simulator replaces the layer under them:

- starting a process (``Popen``: what ``fork``/``spawn`` would do) makes a
  virtual process (``sim/processes.py``: its own pid, its own copy of the
  program's globals) that runs ``Process.run`` and exits as CPython's child
  does (exit code 0, 1 after printing "Process NAME:" and the traceback, or
  ``sys.exit``'s code);
- ``Pipe()`` ends are virtual channels that pickle what they carry with
  ``ForkingPickler``, so a queue's feeder thread, its locks and its pickling
  are the stdlib's own code;
- the context's ``Lock``, ``RLock``, ``Semaphore``, ``BoundedSemaphore``,
  ``Event``, ``Condition`` and ``Barrier`` are the simulator's (they park
  virtual threads), so ``Value``/``Array`` with their default lock work too;
- ``multiprocessing.connection.wait`` waits virtually on those pipes and on
  process sentinels; ``current_process()`` and ``active_children()`` answer
  for the virtual process asking;
- at the end of the run, as CPython's ``multiprocessing.util._exit_function``
  does: daemonic children are terminated, the others joined, and the run's
  finalizers (a pool's or a queue's) run; a finalizer never runs after its
  run is over.

Not modelled: the ``spawn`` start method's re-import of the main module (every
start method copies the parent's globals, like ``fork``), ``parent_process()``
in a child, EOF on a pipe whose writers all closed, shared memory
(``Value``/``Array`` are one object every process sees, which is what shared
memory is).
"""

from __future__ import annotations

import copy
import itertools
import multiprocessing
import multiprocessing.connection
import multiprocessing.context
import multiprocessing.pool
import multiprocessing.process
import multiprocessing.queues
import multiprocessing.util
import os
import pickle
import signal
import sys
import traceback
from multiprocessing.reduction import ForkingPickler
from typing import Any

from simfutures.sim import context, mp_synchronize, processes
from simfutures.sim.process_memory import fork_copy
from simfutures.sim.runtime import MAIN_PID


class PicklingConnection(processes.Connection):
    """A pipe end whose ``send``/``recv`` pickle, as ``multiprocessing.Connection``'s do."""

    def send(self, obj: Any) -> None:
        self.send_bytes(ForkingPickler.dumps(obj))

    def send_bytes(self, data: Any, offset: int = 0, size: int | None = None) -> None:
        if self._outgoing is not None and not context.running(self._outgoing._sched):
            return  # a queue collected after its run (Pool.__del__ wakes its handler)
        data = bytes(data)
        end = len(data) if size is None else offset + size
        super().send(data[offset:end])

    def recv(self) -> Any:
        return pickle.loads(self.recv_bytes())

    def recv_bytes(self, maxlength: int | None = None) -> bytes:
        return super().recv()


def Pipe(duplex: bool = True) -> tuple[PicklingConnection, PicklingConnection]:  # noqa: N802
    """``multiprocessing.Pipe``: two ends of virtual channels."""
    if duplex:
        a, b = processes._Channel(), processes._Channel()
        return PicklingConnection(a, b), PicklingConnection(b, a)
    channel = processes._Channel()
    return PicklingConnection(channel, None), PicklingConnection(None, channel)


class _Popen:
    """What ``Process.start()`` makes: a virtual process running ``Process.run``."""

    def __init__(self, process_obj: Any) -> None:
        # (multiprocessing.Process itself has none: the default context's at start())
        start_method = process_obj._start_method or \
            multiprocessing.context._default_context.get_start_method()
        self.method = start_method
        # The child runs its own copy of the Process object, as forked now: start()
        # deletes the parent's target and arguments as soon as this returns.
        memo: dict[int, Any] = {}
        own = copy.copy(process_obj)
        for name, value in vars(own).items():
            vars(own)[name] = fork_copy(value, memo)
        child = processes.VirtualProcess(processes.VirtualProcessContext(start_method),
                                         _child_main, (own,), name=process_obj.name)
        child.daemon = process_obj.daemon
        child.facade = own
        self._child = child
        child.start()
        self.pid = child.pid
        self.sentinel = child.sentinel

    def poll(self, flag: int = os.WNOHANG) -> int | None:
        if flag != os.WNOHANG:
            return self.wait()
        return self._child.exitcode

    def wait(self, timeout: float | None = None) -> int | None:
        self._child.join(timeout)
        return self._child.exitcode

    def terminate(self) -> None:
        self._child.kill_by_signal(signal.SIGTERM)

    def kill(self) -> None:
        self._child.kill_by_signal(signal.SIGKILL)

    def close(self) -> None:
        pass


def _child_main(process_obj: Any) -> None:
    # BaseProcess._bootstrap's observable part: the rest of it (closing stdin, clearing
    # the finalizer registry, threading._shutdown) would act on the one real process.
    # multiprocessing.process's globals are this process's own (process_memory).
    state = multiprocessing.process
    state._current_process = process_obj
    state._parent_process = state._ParentProcess(
        process_obj._parent_name, process_obj._parent_pid, _ParentSentinel())
    state._children = set()
    state._process_counter = itertools.count(1)
    try:
        process_obj.run()
    except SystemExit as exc:
        code = exc.code
        if code is None or isinstance(code, int):
            raise
        sys.stderr.write(str(code) + "\n")
        raise SystemExit(1) from None
    except Exception:
        sys.stderr.write(f"Process {process_obj.name}:\n")
        traceback.print_exc()
        raise SystemExit(1) from None


class _ParentSentinel(processes._Waitable):
    """The parent's end of the pipe a forked child watches: the parent outlives it."""

    def _ready(self) -> bool:
        return False


def _virtual_popen(process_obj: Any) -> _Popen:
    return _Popen(process_obj)


def current_process() -> Any:
    """``multiprocessing.current_process()``: in a process a ``ProcessPoolExecutor``
    made, that virtual process; else the stdlib's answer (``MainProcess``, or in a
    ``Process``'s child that ``Process``)."""
    if context.active():
        process = context.current().process
        if process is not None and process.facade is None:
            return process
    return _real_current_process()  # (a Process's child set it in its own globals)


def parent_process() -> Any:
    """``multiprocessing.parent_process()``: for a ``ProcessPoolExecutor``'s worker, the
    main process; else the stdlib's answer."""
    if context.active():
        process = context.current().process
        if process is not None and process.facade is None:
            return multiprocessing.process._ParentProcess(
                "MainProcess", MAIN_PID, _ParentSentinel())
    return _real_parent_process()


def wait(object_list: Any, timeout: float | None = None) -> list[Any]:
    """``multiprocessing.connection.wait``: virtually, inside a run."""
    if context.active():
        return processes.wait_objects(list(object_list), timeout)
    return _real_wait(object_list, timeout)


class RunFinalize(multiprocessing.util.Finalize):
    """``multiprocessing.util.Finalize`` for an object made in a run: its callback runs
    only in that run (at the run's end or when the object dies in it), never later
    (a pool collected after its run would terminate threads that are gone)."""

    def __init__(self, obj: Any, callback: Any, args: tuple = (), kwargs: Any = None,
                 exitpriority: int | None = None) -> None:
        sched = context.scheduler()

        def in_run(*args: Any, **kwargs: Any) -> Any:
            if context.running(sched):
                return callback(*args, **kwargs)
            return None

        super().__init__(obj, in_run, args, kwargs, exitpriority)
        _run_finalizers_list().append(self)

    def __call__(self, wr: Any = None, **_defaults: Any) -> Any:
        # Finalize compares the pid it was made in (os.getpid(): the virtual one here)
        # with a getpid bound when multiprocessing.util was imported (the real one).
        return super().__call__(wr, getpid=os.getpid)


def _finalize_call(self: Any, wr: Any = None, **defaults: Any) -> Any:
    """``Finalize.__call__`` during a run: a real object's finalizer the garbage
    collector runs meanwhile (a pool made outside the run, collected now) waits until
    the run is over, when ``os.getpid`` and ``threading`` are the real ones again."""
    if not isinstance(self, RunFinalize) and context.simulating():
        _DEFERRED.append(self)
        return None
    return _REAL_FINALIZE_CALL(self, wr, **defaults)


def run_deferred_finalizers() -> None:
    """Run the real finalizers ``_finalize_call`` put off (after a run's patches)."""
    while _DEFERRED:
        _DEFERRED.pop(0)()


_DEFERRED: list[Any] = []
_REAL_FINALIZE_CALL = multiprocessing.util.Finalize.__call__


def _run_finalizers_list() -> list[RunFinalize]:
    from simfutures.sim.runtime import SIM_RUNTIME

    return SIM_RUNTIME.state("multiprocessing finalizers", list)


def exit_function() -> None:
    """The end of the run's main process, as ``multiprocessing.util._exit_function``:
    finalizers of priority >= 0, then daemonic children terminated and the others
    joined, then the remaining finalizers (highest priority first)."""
    _run_finalizers(0)
    children = multiprocessing.process.active_children()
    for child in children:
        if child.daemon:
            child._popen.terminate()
    for child in multiprocessing.process.active_children():
        child.join()
    _run_finalizers(None)


def _run_finalizers(minpriority: int | None) -> None:
    pending = [f for f in _run_finalizers_list() if f.still_active() and f._key[0] is not None
               and (minpriority is None or f._key[0] >= minpriority)]
    for finalizer in sorted(pending, key=lambda f: f._key, reverse=True):
        finalizer()


_real_current_process = multiprocessing.process.current_process
_real_parent_process = multiprocessing.process.parent_process
_real_wait = multiprocessing.connection.wait

def _context_method(make: Any) -> Any:
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        return make(*args, **kwargs)

    method.__name__ = make.__name__
    return method


def patches() -> list[tuple[Any, dict[str, Any]]]:
    """The attributes to replace for one run (fresh process numbering and children)."""
    popen = staticmethod(_virtual_popen)
    process_classes = [getattr(multiprocessing.context, name) for name in (
        "ForkProcess", "SpawnProcess", "ForkServerProcess") if hasattr(multiprocessing.context,
                                                                      name)]
    return [
        *[(cls, {"_Popen": popen}) for cls in process_classes],
        (multiprocessing.context.BaseContext,
         {name: _context_method(make) for name, make in mp_synchronize.PRIMITIVES.items()}),
        (multiprocessing, {**mp_synchronize.PRIMITIVES, "Pipe": Pipe,
                           "current_process": current_process,
                           "parent_process": parent_process}),
        (multiprocessing.connection, {"Pipe": Pipe, "wait": wait}),
        (multiprocessing.pool, {"wait": wait}),
        (multiprocessing.process, {"current_process": current_process,
                                   "parent_process": parent_process,
                                   "_children": set(), "_process_counter": itertools.count(1)}),
        (multiprocessing.util, {"Finalize": RunFinalize}),
        (multiprocessing.util.Finalize, {"__call__": _finalize_call}),
        (multiprocessing.queues, {"Finalize": RunFinalize}),
    ]
