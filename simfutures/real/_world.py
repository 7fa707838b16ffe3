"""The real world: the executor code bound to the OS runtime."""

from typing import Any

from simfutures.executor.world import bind
from simfutures.real.runtime import OS_RUNTIME

WORLD = bind(OS_RUNTIME)


def _make_thread_wakeup(executor: Any) -> Any:
    """The manager thread's wake-up pipe, made as the stdlib makes it: by
    calling ``concurrent.futures.process._ThreadWakeup()`` as it is when the
    pool starts, so code that patches it there (CPython's own tests) is heard.
    A pipe from ``multiprocessing`` is the same whatever the pool's context."""
    from simfutures.real import process

    return process._ThreadWakeup()


# This world's own class (bind made it): the simulator keeps the default.
WORLD.ProcessPoolExecutor._make_thread_wakeup = _make_thread_wakeup
