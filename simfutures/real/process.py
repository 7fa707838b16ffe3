"""Mirror of ``concurrent.futures.process`` for the real world."""

from simfutures.executor.process import (  # noqa: F401  (the stdlib module's names)
    EXTRA_QUEUED_CALLS,
    BrokenProcessPool,
    _check_system_limits,
    _ExceptionWithTraceback,
    _RemoteTraceback,
    _ThreadWakeup,
)
from simfutures.executor.process import (
    _ExecutorManager as _ExecutorManagerThread,  # noqa: F401  (its run() is the thread's body)
)
from simfutures.real._world import WORLD

ProcessPoolExecutor = WORLD.ProcessPoolExecutor
