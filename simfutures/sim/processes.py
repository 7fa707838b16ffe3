"""Virtual processes: the multiprocessing subset the process pool uses, without forking.

A virtual process is a virtual thread (its "MainThread") tagged with the
process, with its own pid.  What crosses between processes is already
pickled by the executor code (``simfutures.executor.process``), so the
queues here carry the same bytes a real pipe would.  A process dies by
signal through ``kill()`` (what ``os.kill`` does to a virtual pid under
patch mode): its threads unwind at once, its sentinel becomes ready and
anything it tries to send afterwards is dropped.

Each process has its own copy of the program's module globals, made when it
starts (``process_memory``: as a fork copies them; a spawned child imports the main
script again first).  Not modelled: memory isolation
of objects reached other than through the program's module globals (a class
attribute, a closure), and signal handlers installed by the task.
"""

from __future__ import annotations

import multiprocessing.process
import signal
import sys
import traceback
from collections import deque
from collections.abc import Callable
from typing import Any

from simfutures.sim import context
from simfutures.sim.primitives import _deadline, _remaining, _Waiters
from simfutures.sim.process_memory import ProcessMemory
from simfutures.sim.scheduler import ProcessKilled, Scheduler, VThread
from simfutures.usercall import invoke

#: Signals whose default action does not end a process.
_IGNORED_BY_DEFAULT = {signal.SIGCHLD, signal.SIGURG, signal.SIGWINCH, signal.SIGCONT}

_PREFIXES = {"fork": "ForkProcess", "spawn": "SpawnProcess", "forkserver": "ForkServerProcess"}


def _registry(sched: Scheduler) -> dict[int, VirtualProcess]:
    processes = getattr(sched, "processes", None)
    if processes is None:
        processes = sched.processes = {}
    return processes


def _check_sender_alive() -> None:
    # A killed process's unwinding code must not be able to send anything.
    vt = context.current()
    if vt.killed is not None:
        raise vt.killed


class _Waitable:
    """Something ``wait_objects`` can wait on: ready-ness plus watchers to wake."""

    def __init__(self) -> None:
        self._watchers: list[VThread] = []

    def _ready(self) -> bool:
        raise NotImplementedError

    def _notify(self, sched: Scheduler) -> None:
        watchers, self._watchers = self._watchers, []
        for vt in watchers:
            sched.wake(vt)


def wait_objects(objects: list[Any], timeout: float | None = None) -> list[Any]:
    """``multiprocessing.connection.wait`` for virtual sentinels and connections."""
    sched = context.scheduler()
    sched.preempt()
    deadline = _deadline(sched, timeout)
    waitables = [getattr(o, "_waitable", o) for o in objects]
    while True:
        ready = [o for o, w in zip(objects, waitables) if w._ready()]
        remaining = _remaining(sched, deadline)
        if ready or (remaining is not None and remaining <= 0):
            return ready
        me = sched.current
        for w in waitables:
            w._watchers.append(me)
        sched.block("connection.wait() on %d objects" % len(objects), remaining)
        for w in waitables:
            if me in w._watchers:
                w._watchers.remove(me)


class _Sentinel(_Waitable):
    def __init__(self, process: VirtualProcess) -> None:
        super().__init__()
        self._process = process

    def _ready(self) -> bool:
        return self._process.exitcode is not None


class VirtualProcess:
    """``multiprocessing.Process`` as a virtual thread with its own pid."""

    def __init__(self, ctx: VirtualProcessContext, target: Callable[..., Any],
                 args: tuple = (), kwargs: dict | None = None, name: str | None = None) -> None:
        self._ctx = ctx
        self._target = target
        self._args = tuple(args)
        self._kwargs = kwargs or {}
        if name is None:  # numbered as multiprocessing numbers the processes it makes
            number = next(multiprocessing.process._process_counter)
            name = f"{_PREFIXES.get(ctx.start_method, 'Process')}-{number}"
        self._name = name
        self.pid: int | None = None
        self.exitcode: int | None = None
        self.sentinel = _Sentinel(self)
        self.main_thread: VThread | None = None
        self.daemon = False
        self.facade: Any = None  # the multiprocessing.Process it runs, if any (mp_process)
        # A spawned child's import of the main script (process_memory.spawn), and
        # whether it is running it: starting a process then is CPython's RuntimeError.
        self._spawn_import: Any = None
        self.bootstrapping = False

    @property
    def name(self) -> str:
        return self._name

    @name.setter
    def name(self, name: str) -> None:
        self._name = name  # (a Pool names its workers "ForkPoolWorker-N")

    def start(self) -> None:
        from simfutures.sim.runtime import MAIN_PID
        from simfutures.sim.threads import main_facade_for

        if self.pid is not None:
            raise AssertionError("cannot start a process twice")
        sched = context.scheduler()
        starter = sched.current.process
        if starter is not None and starter.bootstrapping and self._ctx.start_method != "fork":
            raise _not_bootstrapped_error()
        processes = _registry(sched)
        number = len(processes) + 1
        self.pid = MAIN_PID + number
        processes[self.pid] = self
        vt = sched.new_thread("MainThread", daemon=True)
        vt.process = self
        self.main_thread = vt
        main_facade_for(vt)
        if sched.memory is None:
            sched.memory = ProcessMemory()
        if self._ctx.start_method == "fork":
            sched.memory.fork(self)
        else:
            self._spawn_import = sched.memory.spawn(self)
        sched.observe(self)  # what the parent did before start() happens before the child
        sched.start(vt, self._bootstrap)
        sched.sync(self)  # the child may run first, or the parent go on

    def _bootstrap(self) -> None:
        sched = context.scheduler()
        sched.observe(self)
        exitcode = 0
        if self._spawn_import is not None and not self._import_main():
            self._died(sched, 1)
            return
        try:
            invoke(self._target, *self._args, **self._kwargs)
        except ProcessKilled:
            exitcode = self.exitcode
        except SystemExit as exc:
            code = exc.code
            exitcode = code if isinstance(code, int) else (0 if code is None else 1)
        except Exception:
            print(f"Process {self.name}:", file=sys.stderr)
            traceback.print_exc()
            exitcode = 1
        self._died(sched, exitcode)

    def _import_main(self) -> bool:
        """A spawned child imports the main script as ``__mp_main__`` (and the program's
        modules afresh); False when that raised (its traceback printed, as the child's
        interpreter prints it)."""
        self.bootstrapping = True
        try:
            self._spawn_import.run(self)
        except ProcessKilled:
            raise
        except BaseException:
            traceback.print_exc()
            return False
        finally:
            self.bootstrapping = False
        return True

    def _died(self, sched: Scheduler, exitcode: int | None) -> None:
        if self.exitcode is None:
            self.exitcode = exitcode
        self.sentinel._notify(sched)

    def kill_by_signal(self, signum: int) -> None:
        """What the OS does when ``signum`` reaches this process."""
        if self.exitcode is not None or signum in _IGNORED_BY_DEFAULT or signum == 0:
            return
        self._end_abruptly(-signum, f"process {self.pid} killed by signal {signum}")

    def exit_now(self, status: int) -> None:
        """``os._exit(status)`` called by one of this process's threads."""
        if self.exitcode is None:
            self._end_abruptly(status, f"process {self.pid} called os._exit({status})")

    def _end_abruptly(self, exitcode: int, reason: str) -> None:
        # Every thread of the process stops where it is: no finally blocks of
        # its own reach anything outside (see _check_sender_alive).
        sched = context.scheduler()
        self.exitcode = exitcode
        me = sched.current
        victims = [vt for vt in sched.threads if vt.process is self and vt.alive]
        for vt in victims:
            vt.killed = ProcessKilled(reason)
            if vt is not me:
                sched.wake(vt)
        self.sentinel._notify(sched)
        if me.process is self:
            raise me.killed
        sched.preempt()

    def is_alive(self) -> bool:
        return self.pid is not None and self.exitcode is None

    def join(self, timeout: float | None = None) -> None:
        if self.pid is not None:
            wait_objects([self.sentinel], timeout)

    def terminate(self) -> None:
        self.kill_by_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.kill_by_signal(signal.SIGKILL)

    def close(self) -> None:
        pass

    def __repr__(self) -> str:
        state = "started" if self.is_alive() else ("initial" if self.pid is None else "stopped")
        return f"<{type(self).__name__} name={self.name!r} pid={self.pid} {state}>"


def _not_bootstrapped_error() -> RuntimeError:
    """CPython's error for a process started while a spawned child imports the main
    script (``multiprocessing.spawn._check_not_importing_main``, asked against a
    process that is inheriting: its text differs between versions)."""
    import multiprocessing.spawn

    class Inheriting:
        _inheriting = True

    state = multiprocessing.process
    saved = state.current_process
    state.current_process = Inheriting
    try:
        multiprocessing.spawn._check_not_importing_main()
    except RuntimeError as exc:
        return exc
    finally:
        state.current_process = saved
    raise AssertionError("multiprocessing.spawn no longer refuses the start")


class _Channel(_Waitable):
    """An unbounded one-way channel between virtual processes."""

    def __init__(self) -> None:
        super().__init__()
        self._sched = context.scheduler()
        self._items: deque = deque()
        self._getters = _Waiters()

    def _ready(self) -> bool:
        return bool(self._items)

    def send(self, obj: Any) -> None:
        _check_sender_alive()
        self._sched.preempt()
        self.deliver(obj)

    def deliver(self, obj: Any) -> None:
        """``send`` after its scheduling point (the caller offered it)."""
        _check_sender_alive()
        sched = self._sched
        self._items.append(obj)
        self._getters.wake_one(sched)
        self._notify(sched)
        sched.sync(self)

    def recv(self, timeout: float | None = None) -> Any:
        sched = self._sched
        sched.preempt()
        if not self._getters.wait_until(sched, lambda: self._items, "recv()",
                                        _deadline(sched, timeout)):
            raise TimeoutError
        item = self._items.popleft()
        sched.sync(self)
        return item

    def poll(self, timeout: float | None = 0.0) -> bool:
        if self._items or timeout == 0:
            return bool(self._items)
        return bool(wait_objects([self], timeout))


class Connection:
    """One end of a virtual ``Pipe``."""

    def __init__(self, incoming: _Channel | None, outgoing: _Channel | None) -> None:
        self._incoming = incoming
        self._outgoing = outgoing
        self._waitable = incoming
        self.closed = False

    def send(self, obj: Any) -> None:
        if self._outgoing is None:
            raise OSError("connection is read-only")
        self._outgoing.send(obj)

    send_bytes = send

    def recv(self) -> Any:
        if self._incoming is None:
            raise OSError("connection is write-only")
        return self._incoming.recv()

    recv_bytes = recv

    def poll(self, timeout: float | None = 0.0) -> bool:
        return self._incoming is not None and self._incoming.poll(timeout)

    def close(self) -> None:
        self.closed = True

    def fileno(self) -> int:
        return -1


class SimpleQueue:
    """``multiprocessing.SimpleQueue``: unbounded, with a waitable ``_reader``."""

    def __init__(self) -> None:
        self._channel = _Channel()
        self._reader = Connection(self._channel, None)
        self._writer = Connection(None, self._channel)

    def put(self, obj: Any) -> None:
        self._channel.send(obj)

    def get(self) -> Any:
        return self._channel.recv()

    def empty(self) -> bool:
        return not self._channel._items

    def close(self) -> None:
        pass


class Queue:
    """``multiprocessing.Queue`` with a bound: ``put`` waits while it is full."""

    def __init__(self, maxsize: int = 0) -> None:
        self._channel = _Channel()
        self._maxsize = maxsize
        self._putters = _Waiters()
        self._reader = Connection(self._channel, None)

    def full(self) -> bool:
        return 0 < self._maxsize <= len(self._channel._items)

    def empty(self) -> bool:
        return not self._channel._items

    def qsize(self) -> int:
        return len(self._channel._items)

    def put(self, obj: Any, block: bool = True, timeout: float | None = None) -> None:
        from queue import Full

        sched = self._channel._sched
        sched.preempt()
        if self.full() and not (block and self._putters.wait_until(
                sched, lambda: not self.full(), "Queue.put() (queue full)",
                _deadline(sched, timeout))):
            raise Full
        self._channel.deliver(obj)

    def put_nowait(self, obj: Any) -> None:
        self.put(obj, False)

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        from queue import Empty

        if not block and not self._channel._items:
            raise Empty
        try:
            item = self._channel.recv(timeout)
        except TimeoutError:
            raise Empty from None
        self._putters.wake_one(self._channel._sched)
        return item

    def get_nowait(self) -> Any:
        return self.get(False)

    def close(self) -> None:
        pass

    def join_thread(self) -> None:
        pass

    def cancel_join_thread(self) -> None:
        pass


class VirtualProcessContext:
    """The multiprocessing-context subset ``simfutures.executor.process`` uses."""

    def __init__(self, start_method: str) -> None:
        self.start_method = start_method

    @classmethod
    def for_mp_context(cls, mp_context: Any | None) -> VirtualProcessContext:
        if mp_context is None:
            return cls("fork")  # CPython 3.11's default on Linux
        if isinstance(mp_context, VirtualProcessContext):
            return mp_context
        return cls(mp_context.get_start_method())

    def get_start_method(self, allow_none: bool = False) -> str:
        return self.start_method

    def Process(self, target: Callable[..., Any], args: tuple = (), kwargs: dict | None = None,
                name: str | None = None) -> VirtualProcess:
        return VirtualProcess(self, target, args, kwargs, name)

    def Queue(self, maxsize: int = 0) -> Queue:
        return Queue(maxsize)

    def SimpleQueue(self) -> SimpleQueue:
        return SimpleQueue()

    def Pipe(self, duplex: bool = True) -> tuple[Connection, Connection]:
        if duplex:
            a, b = _Channel(), _Channel()
            return Connection(a, b), Connection(b, a)
        channel = _Channel()
        return Connection(channel, None), Connection(None, channel)


def find_process(pid: int) -> VirtualProcess | None:
    return _registry(context.scheduler()).get(pid)
