"""Calls into the program's own callables from the simulator and its executors.

A pool's task and done-callbacks, a barrier's action, a condition's predicate,
a virtual process's target: simfutures calls them on the program's behalf.
They go through ``invoke`` so that the tracers, which do not trace simfutures
itself, see the call: a C callable such as ``list.append`` runs no traceable
Python code of its own, and a C wrapper such as an ``lru_cache`` runs the
program's function inside it (``explore.races.RaceTracer``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def invoke(fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    return fn(*args, **kwargs)
