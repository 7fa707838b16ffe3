"""A drop-in ``concurrent.futures`` on OS threads and processes.

``import simfutures.real as futures`` replaces ``from concurrent import futures``.
"""

from concurrent.futures import (
    ALL_COMPLETED,
    FIRST_COMPLETED,
    FIRST_EXCEPTION,
    BrokenExecutor,
    CancelledError,
    InvalidStateError,
    TimeoutError,
)
from concurrent.futures.process import BrokenProcessPool
from concurrent.futures.thread import BrokenThreadPool

from simfutures.real import _base, process, thread
from simfutures.real._base import Executor, Future, as_completed, wait
from simfutures.real.process import ProcessPoolExecutor
from simfutures.real.runtime import OS_RUNTIME
from simfutures.real.thread import ThreadPoolExecutor

runtime = OS_RUNTIME

__all__ = (
    "FIRST_COMPLETED", "FIRST_EXCEPTION", "ALL_COMPLETED", "CancelledError", "TimeoutError",
    "InvalidStateError", "BrokenExecutor", "BrokenThreadPool", "BrokenProcessPool", "Future",
    "Executor", "wait", "as_completed", "ProcessPoolExecutor", "ThreadPoolExecutor",
    "_base", "thread", "process", "runtime",
)
