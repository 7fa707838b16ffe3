"""``sqlite3``'s same-thread check, per virtual thread.

A connection opened with ``check_same_thread=True`` (the default) may only be used
by the thread that opened it: CPython compares the OS thread's ident with the one
stored at creation, in C, and raises ``sqlite3.ProgrammingError`` (Modules/_sqlite/
connection.c, ``pysqlite_check_thread``).  Every virtual thread is the one OS thread,
so that check never failed in a simulation: a pool task using the main thread's
connection worked in every schedule and failed in every real run.  Inside a run,
``sqlite3.connect`` makes its connection (and that connection's cursors) of a
subclass that makes the same check against the virtual thread, with CPython's
message, before each call CPython checks in: executing, fetching, committing,
rolling back, closing, and making cursors, functions and backups.

The connections a run opened are closed when it ends, as a process's are when it
exits: a shared-cache in-memory database must not outlive the run that made it.
"""

from __future__ import annotations

import sqlite3
import threading
import weakref
from typing import Any

from simfutures.sim import context

_CONNECTION_CALLS = ("cursor", "execute", "executemany", "executescript", "commit", "rollback",
                     "close", "create_function", "create_aggregate", "create_collation",
                     "backup", "__call__")
_CURSOR_CALLS = ("execute", "executemany", "executescript", "fetchone", "fetchmany",
                 "fetchall", "close", "__next__")
_CHECK_SAME_THREAD = 4  # connect()'s positional indices
_FACTORY = 5
_opened: list[weakref.ref[Any]] = []  # the run's connections


def _check(owner_thread: int | None) -> None:
    if owner_thread is None or not context.active():
        return  # (a connection a run returned, used by the thread that ran it)
    here = threading.get_ident()
    if here != owner_thread:
        raise sqlite3.ProgrammingError(
            "SQLite objects created in a thread can only be used in that same thread. "
            f"The object was created in thread id {owner_thread} and this is thread id "
            f"{here}.")


def _checked_method(base: type, name: str, owner: Any) -> Any:
    real = getattr(base, name)

    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        _check(owner(self))
        return real(self, *args, **kwargs)

    call.__name__ = call.__qualname__ = name
    return call


_subclasses: dict[type, type] = {}


def _checked_subclass(base: type, calls: tuple[str, ...], owner: Any,
                      extra: dict[str, Any]) -> type:
    """``base`` with ``calls`` checked first; named as ``base`` (reprs unchanged)."""
    subclass = _subclasses.get(base)
    if subclass is None:
        namespace = {name: _checked_method(base, name, owner) for name in calls
                     if hasattr(base, name)}
        namespace.update(extra, __module__=base.__module__, __qualname__=base.__qualname__)
        subclass = _subclasses[base] = type(base.__name__, (base,), namespace)
    return subclass


def _connection_thread(connection: Any) -> int | None:
    return connection._simfutures_thread


def _cursor_thread(cursor: Any) -> int | None:
    return cursor.connection._simfutures_thread


def _connection_init(self: Any, *args: Any, **kwargs: Any) -> None:
    super(type(self), self).__init__(*args, **kwargs)
    checks = args[_CHECK_SAME_THREAD] if len(args) > _CHECK_SAME_THREAD \
        else kwargs.get("check_same_thread", True)
    self._simfutures_thread = threading.get_ident() if checks else None
    _opened.append(weakref.ref(self))


def _connection_cursor(self: Any, factory: type = sqlite3.Cursor) -> Any:
    _check(self._simfutures_thread)
    checked = _checked_subclass(factory, _CURSOR_CALLS, _cursor_thread, {})
    return super(type(self), self).cursor(checked)


def connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
    """``sqlite3.connect`` (same arguments), whose connection checks the virtual thread
    (a factory given by position is used as it is)."""
    if len(args) > _FACTORY:
        return _REAL_CONNECT(*args, **kwargs)
    factory = kwargs.pop("factory", sqlite3.Connection)
    checked = _checked_subclass(factory, _CONNECTION_CALLS, _connection_thread,
                                {"__init__": _connection_init, "cursor": _connection_cursor})
    return _REAL_CONNECT(*args, factory=checked, **kwargs)


def close_opened() -> None:
    """At the end of a run: close the connections it opened."""
    for ref in _opened:
        connection = ref()
        if connection is not None:
            sqlite3.Connection.close(connection)
    _opened.clear()


_REAL_CONNECT = sqlite3.connect

PATCHES: list[tuple[Any, dict[str, Any]]] = [
    (sqlite3, {"connect": connect}),
    (sqlite3.dbapi2, {"connect": connect}),
]
