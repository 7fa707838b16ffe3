"""The abstract ``Executor`` and its ``map``, written once over a runtime."""

from __future__ import annotations

import concurrent.futures._base as _stdlib_base
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from simfutures import events
from simfutures.runtime import Runtime


def _result_or_cancel(fut: Any, timeout: float | None = None) -> Any:
    try:
        try:
            return fut.result(timeout)
        finally:
            fut.cancel()
    finally:
        # Drop the reference so a yielded result does not keep its future alive.
        del fut


class Executor(_stdlib_base.Executor):
    """Abstract base class for concrete asynchronous executors."""

    # A subclass of the stdlib's Executor so that isinstance() checks written
    # against concurrent.futures pass; every method is defined here.

    _rt: Runtime  # bound per world

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        """Submits a callable to be executed with the given arguments.

        Schedules the callable to be executed as fn(*args, **kwargs) and returns
        a Future instance representing the execution of the callable.
        """
        raise NotImplementedError()

    def map(
        self, fn: Callable[..., Any], *iterables: Iterable[Any],
        timeout: float | None = None, chunksize: int = 1,
    ) -> Iterator[Any]:
        """Returns an iterator equivalent to map(fn, iter), results in input order.

        Every call is submitted before the first result is requested; the
        timeout counts from this call.  On timeout or error the remaining
        futures are cancelled.
        """
        rt = self._rt
        if timeout is not None:
            end_time = timeout + rt.monotonic()

        fs = [self.submit(fn, *args) for args in zip(*iterables)]

        # The generator's qualified name (Executor.map.<locals>.result_iterator)
        # shows in its repr, as in the stdlib.
        def result_iterator() -> Iterator[Any]:
            try:
                fs.reverse()
                while fs:
                    if timeout is None:
                        yield _result_or_cancel(fs.pop())
                    else:
                        yield _result_or_cancel(fs.pop(), end_time - rt.monotonic())
            finally:
                for future in fs:
                    future.cancel()

        return result_iterator()

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Clean-up the resources associated with the Executor."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> bool:
        self.shutdown(wait=True)
        return False

    def _emit_submit(self, future: Any, fn: Callable[..., Any]) -> None:
        from simfutures.executor.future import describe_callable

        rt = self._rt
        rt.bus.emit(events.Submit(rt.monotonic(), rt.current_thread_name(), rt.label(future),
                                  describe_callable(fn)))

    def _emit_shutdown(self, pool: str, wait: bool, cancel_futures: bool) -> None:
        rt = self._rt
        rt.bus.emit(events.Shutdown(rt.monotonic(), rt.current_thread_name(), pool, wait,
                                    cancel_futures))
