"""The program's ``atexit`` handlers, per simulated run.

A handler the program registers belongs to that run's interpreter: it runs at
the run's end, after non-daemon threads were joined (CPython's
``Py_FinalizeEx`` waits for threads, then calls the atexit handlers, last
registered first), while daemon threads may still print.  Registered in the
simfutures process instead, it would run once per explored run when
simfutures itself exits, after the report.  Handlers registered by library
code (``logging`` registers its ``shutdown`` when first imported) are the
process's and go to the real ``atexit``.
"""

from __future__ import annotations

import atexit
import sys
import traceback
from collections.abc import Callable
from typing import Any

from simfutures.sim import context
from simfutures.sim.program_files import is_program_file

Handler = tuple[Callable[..., Any], tuple, dict]

# The real functions: inside a simulation the module's attributes are these below.
_real_register = atexit.register
_real_unregister = atexit.unregister


def _handlers() -> list[Handler]:
    from simfutures.sim.runtime import SIM_RUNTIME

    return SIM_RUNTIME.state("atexit", list)


def register(func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Callable[..., Any]:
    """``atexit.register`` inside a simulation: returns ``func``, as the real one."""
    if not context.active() or not is_program_file(sys._getframe(1).f_code.co_filename):
        return _real_register(func, *args, **kwargs)
    if not callable(func):
        raise TypeError("the first argument must be callable")
    _handlers().append((func, args, kwargs))
    return func


def unregister(func: Callable[..., Any], /) -> None:
    """``atexit.unregister`` inside a simulation: drops every registration of ``func``
    (compared with ``==``, as CPython does), in this run and in the process."""
    if context.active():
        handlers = _handlers()
        handlers[:] = [handler for handler in handlers if handler[0] != func]
    _real_unregister(func)


def run_all() -> None:
    """Call the run's handlers, last registered first; an exception is reported as
    CPython reports it ("Exception ignored in atexit callback: ...") and the next
    handler runs."""
    handlers = _handlers()
    while handlers:
        func, args, kwargs = handlers.pop()
        try:
            func(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - CPython ignores every kind
            _report(func, exc)


def _report(func: Callable[..., Any], exc: BaseException) -> None:
    """What CPython's default ``sys.unraisablehook`` prints for a failed handler
    (3.13 moved the colon after the function's repr)."""
    if sys.version_info >= (3, 13):
        heading = f"Exception ignored in atexit callback {func!r}:"
    else:
        heading = f"Exception ignored in atexit callback: {func!r}"
    print(heading, file=sys.stderr)
    # Without this module's own frame, as CPython shows only the handler's.
    traceback.print_exception(type(exc), exc, exc.__traceback__.tb_next, file=sys.stderr)
