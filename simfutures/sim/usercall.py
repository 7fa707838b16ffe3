"""Calls into the program's own callables from the simulator.

A barrier's action, a condition's predicate, a virtual process's target:
the simulator calls them on the program's behalf.  They go through
``invoke`` so that exhaustive search's footprint tracer, which does not
trace the simulator itself, sees the call (a C callable such as
``list.append`` runs no traceable Python code of its own).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def invoke(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return fn(*args, **kwargs)
