"""The fixed word lists of the scenario format, in one place.

The loader validates against these, the runner and claims interpret them, and
docs/scenarios.md lists them: change them together.
"""

from __future__ import annotations

EXECUTOR_KINDS = ("thread", "process")

#: Exceptions a task or initializer may raise: builtins whose str() is their
#: message and which pickle cleanly. KeyError is left out on purpose: its str()
#: adds quotes, so a claim's message would never match what the user wrote.
RAISABLE = (
    "Exception",
    "ValueError",
    "TypeError",
    "RuntimeError",
    "ArithmeticError",
    "ZeroDivisionError",
    "LookupError",
    "IndexError",
    "OSError",
    "ConnectionError",
    "PermissionError",
    "FileNotFoundError",
    "TimeoutError",
    "AssertionError",
    "NotImplementedError",
)

#: Exception names a claim may mention: what tasks raise plus what the
#: concurrent.futures machinery itself raises. Matching goes by the class and
#: its bases, so BrokenExecutor also matches BrokenProcessPool.
CLAIMABLE_EXCEPTIONS = RAISABLE + (
    "BaseException",
    "KeyError",
    "CancelledError",
    "InvalidStateError",
    "BrokenExecutor",
    "BrokenThreadPool",
    "BrokenProcessPool",
    "PicklingError",
)

#: Signals a task or step may send; all exist on every POSIX platform.
SIGNALS = ("SIGKILL", "SIGTERM", "SIGINT", "SIGABRT", "SIGSEGV", "SIGHUP", "SIGUSR1")

#: A handle's state right after the last step. "rejected": submit() raised.
STATES = ("pending", "running", "cancelled", "finished", "rejected")

RETURN_WHEN = ("FIRST_COMPLETED", "FIRST_EXCEPTION", "ALL_COMPLETED")

QUANTIFIERS = ("always", "sometimes", "never")

#: Quantifiers whose key is recognised but whose meaning is not settled yet.
RESERVED_QUANTIFIERS = ("real",)

#: Moments a ``time`` claim can measure: the first three belong to submitted
#: handles, ``step`` to a named step (when it returned or raised).
TIME_EVENTS = ("submit", "start", "finish", "step")

#: Tolerance for comparing virtual times, in seconds.
TIME_TOLERANCE = 1e-6
