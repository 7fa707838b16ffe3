"""The child side of ``ProcessPoolExecutor`` and the wire format both sides share.

Everything that crosses between the pool and a worker process is ``bytes``
made by ``pickle.dumps`` here, in both worlds: the parent pickles call items,
the worker unpickles them, pickles its results and exceptions, and the parent's
manager thread unpickles those.  Doing it explicitly (instead of letting a
``multiprocessing`` queue pickle in its feeder thread) puts every pickling
failure at a known place with a known consequence, and lets the simulator's
virtual queues carry the bytes as they are.

This module is imported by every worker process (``spawn`` and
``forkserver`` children import it to find ``_process_worker``), so it stays
small and imports nothing heavy.
"""

from __future__ import annotations

import logging
import os
import pickle
import traceback
from collections.abc import Callable
from typing import Any

LOGGER = logging.getLogger("concurrent.futures")

# Put on the call queue once per worker when the pool winds down.  Not a
# pickle: ``pickle.dumps`` never returns empty bytes.
STOP = b""


class _RemoteTraceback(Exception):
    """The formatted traceback of an exception raised in another process.

    Set as ``__cause__`` of the re-raised exception, so the text shows up
    under "The above exception was the direct cause of ...".
    """

    # Tracebacks print the cause's class as module.name: show the stdlib's.
    __module__ = "concurrent.futures.process"

    def __init__(self, tb: str) -> None:
        self.tb = tb

    def __str__(self) -> str:
        return self.tb


def remote_traceback_text(exc: BaseException, tb: Any, quote: str = '"""') -> str:
    """``exc`` formatted with ``tb``, fenced by ``quote`` lines as the stdlib shows it."""
    text = "".join(traceback.format_exception(type(exc), exc, tb))
    return f"\n{quote}\n{text}{quote}"


def _rebuild_exc(exc: BaseException, tb: str) -> BaseException:
    # Runs in the parent while unpickling: reattach the child's traceback text.
    exc.__cause__ = _RemoteTraceback(tb)
    return exc


class _ExceptionWithTraceback:
    """Carries an exception and its traceback text through pickling.

    Traceback objects cannot be pickled, so the text is captured in the child
    and reattached in the parent as a ``_RemoteTraceback`` cause.
    """

    def __init__(self, exc: BaseException, tb: Any) -> None:
        self.tb = remote_traceback_text(exc, tb)
        # The frames hold every local of the failed call; let them go now.
        exc.__traceback__ = None
        self.exc = exc

    def __reduce__(self) -> tuple[Callable[..., BaseException], tuple[BaseException, str]]:
        return _rebuild_exc, (self.exc, self.tb)


def unwinding(exc: BaseException) -> bool:
    """True for a BaseException that is none of Python's own, such as the one
    a simulator uses to unwind a virtual thread: it must never be caught and
    turned into an outcome."""
    return not isinstance(exc, (Exception, SystemExit, KeyboardInterrupt, GeneratorExit))


# -- wire format -------------------------------------------------------------
# call item:   (work_id, fn, args, kwargs)
# result item: (work_id, exception, result, exit_pid); exit_pid is the worker's
#              pid when this was its last task (max_tasks_per_child reached).


def encode_call(work_id: int, fn: Callable[..., Any], args: tuple, kwargs: dict) -> bytes:
    return pickle.dumps((work_id, fn, args, kwargs))


def encode_result(work_id: int, exception: Any, result: Any, exit_pid: int | None) -> bytes:
    """Pickle a result; an unpicklable one becomes the pickling error, with
    the child's traceback, so the caller learns why."""
    try:
        return pickle.dumps((work_id, exception, result, exit_pid))
    except BaseException as exc:  # noqa: BLE001 - the caller gets the pickling error
        if unwinding(exc):
            raise
        wrapped = _ExceptionWithTraceback(exc, exc.__traceback__)
        return pickle.dumps((work_id, wrapped, None, exit_pid))


def decode(data: bytes) -> Any:
    return pickle.loads(data)


# -- the worker process ------------------------------------------------------


def _process_chunk(fn: Callable[..., Any], chunk: tuple) -> list:
    """Run ``fn`` over one chunk of ``map``'s zipped arguments (in the worker)."""
    return [fn(*args) for args in chunk]


def _process_single_chunk(fn: Callable[..., Any], chunk: tuple) -> list:
    """Run ``fn`` over one chunk of a one-iterable ``map``: one argument per item."""
    return [fn(arg) for arg in chunk]


def _process_worker(call_queue: Any, result_queue: Any, initializer: Callable[..., object] | None,
                    initargs: tuple, max_tasks: int | None = None) -> None:
    """Main function of a worker process: run call items until told to stop.

    A failing initializer or an unreadable call item ends the process: the
    parent notices the exit and breaks the pool, as the stdlib does.
    """
    if initializer is not None:
        try:
            initializer(*initargs)
        except BaseException:
            LOGGER.critical("Exception in initializer:", exc_info=True)
            return
    tasks_done = 0
    while True:
        data = call_queue.get()
        if data == STOP:
            return
        work_id, fn, args, kwargs = decode(data)
        del data
        tasks_done += 1
        # os.getpid looked up at call time: the simulator patches it.
        exit_pid = os.getpid() if max_tasks is not None and tasks_done >= max_tasks else None
        try:
            result = fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - every exception goes to the future
            if unwinding(exc):
                raise
            message = encode_result(work_id, _ExceptionWithTraceback(exc, exc.__traceback__),
                                    None, exit_pid)
        else:
            message = encode_result(work_id, None, result, exit_pid)
            del result
        # Release the call's arguments before blocking on the next one: they
        # may hold files, shared memory or objects whose finalizers matter.
        del fn, args, kwargs
        result_queue.put(message)
        del message
        if exit_pid is not None:
            return
