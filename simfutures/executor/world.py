"""Bind the executor code to one runtime: the public API of one world."""

from __future__ import annotations

import concurrent.futures.process as _stdlib_process
import concurrent.futures.thread as _stdlib_thread
import types
from typing import Any

from simfutures.executor import base, future, process, thread, waiting
from simfutures.runtime import Runtime


def bind(rt: Runtime, future_mixins: tuple[type, ...] = (),
         executor_mixins: tuple[type, ...] = ()) -> types.SimpleNamespace:
    """Subclass the executor classes with ``_rt = rt``; wrap the functions.

    The mixins let a world refine its Future and Executor (the simulator gives
    them reproducible hashes and reprs).
    """
    Future = type("Future", (*future_mixins, future.Future),
                  {"_rt": rt, "__module__": "concurrent.futures._base",
                   "__doc__": future.Future.__doc__})
    Executor = type("Executor", (*executor_mixins, base.Executor), {"_rt": rt,
                                                   "__module__": "concurrent.futures._base",
                                                   "__doc__": base.Executor.__doc__})
    # The pools also subclass the stdlib's, last in the MRO so that nothing of
    # theirs runs: asyncio's set_default_executor() insists on an instance of
    # concurrent.futures.ThreadPoolExecutor.
    ThreadPoolExecutor = type(
        "ThreadPoolExecutor", (thread.ThreadPoolExecutor, Executor,
                               _stdlib_thread.ThreadPoolExecutor),
        {"_rt": rt, "_future_class": Future, "__module__": "concurrent.futures.thread",
         "__doc__": thread.ThreadPoolExecutor.__doc__})
    ProcessPoolExecutor = type(
        "ProcessPoolExecutor", (process.ProcessPoolExecutor, Executor,
                                _stdlib_process.ProcessPoolExecutor),
        {"_rt": rt, "_future_class": Future, "__module__": "concurrent.futures.process",
         "__doc__": process.ProcessPoolExecutor.__doc__})

    def wait_(fs: Any, timeout: float | None = None, return_when: str = waiting.ALL_COMPLETED
              ) -> waiting.DoneAndNotDoneFutures:
        return waiting.wait(rt, fs, timeout, return_when)

    def as_completed_(fs: Any, timeout: float | None = None) -> Any:
        return waiting.as_completed(rt, fs, timeout)

    for fn, original in ((wait_, waiting.wait), (as_completed_, waiting.as_completed)):
        fn.__name__ = fn.__qualname__ = original.__name__
        fn.__doc__ = original.__doc__
        fn.__module__ = "concurrent.futures"

    return types.SimpleNamespace(
        runtime=rt, Future=Future, Executor=Executor, ThreadPoolExecutor=ThreadPoolExecutor,
        ProcessPoolExecutor=ProcessPoolExecutor, wait=wait_, as_completed=as_completed_,
    )
