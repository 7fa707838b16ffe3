"""``sqlite3`` under the simulator: the same-thread check per virtual thread, and the
database as shared state other threads' statements reach between any two of a
thread's.

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

A database is state every connection to it shares, whatever Python objects each
thread holds: CPython releases the GIL inside every statement, so another thread's
statement can run between any two of a thread's.  Each call that reads or changes
the database (``_DATABASE_CALLS``) is therefore a scheduling point: without them a
``SELECT`` then ``UPDATE`` read-modify-write in two pool tasks, each on its own
connection, never lost an update in 300 explored runs (real CPython 3.11: 9 of 40
runs).  A statement that finds the database locked by another connection waits as
SQLite's default busy handler does (``sqliteDefaultBusyCallback``: sleeps of 1, 2,
5, 10 ... 100 ms until ``connect(timeout=...)`` has passed, then ``database is
locked``), in virtual time: the C handler's real sleeps would hold the one OS thread
while the lock's holder, another virtual thread, never ran.

The connections a run opened are closed when it ends, as a process's are when it
exits: a shared-cache in-memory database must not outlive the run that made it.
"""

from __future__ import annotations

import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterator
from typing import Any

from simfutures.sim import context

_CONNECTION_CALLS = ("cursor", "execute", "executemany", "executescript", "commit", "rollback",
                     "close", "create_function", "create_aggregate", "create_collation",
                     "backup", "__call__", "__exit__")
_CURSOR_CALLS = ("execute", "executemany", "executescript", "fetchone", "fetchmany",
                 "fetchall", "close", "__next__")
#: The calls that read or change the database: a switch may come before each, and
#: each waits for a lock another connection holds.
_DATABASE_CALLS = frozenset({"execute", "executemany", "executescript", "commit", "rollback",
                             "backup", "__exit__", "fetchone", "fetchmany", "fetchall",
                             "__next__"})
#: SQLite's default busy handler's sleeps (seconds), the last repeated (sqlite3.c,
#: ``sqliteDefaultBusyCallback``).
_BUSY_SLEEPS = (0.001, 0.002, 0.005, 0.010, 0.015, 0.020, 0.025, 0.025, 0.025, 0.050, 0.050,
                0.100)
_TIMEOUT, _CHECK_SAME_THREAD, _FACTORY = 1, 4, 5  # connect()'s positional indices
_DEFAULT_TIMEOUT = 5.0
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


def _busy_sleeps(timeout: float) -> Iterator[float]:
    """The sleeps SQLite's default busy handler makes before giving up after
    ``timeout`` seconds."""
    slept = 0.0
    for count in range(1_000_000):
        sleep = _BUSY_SLEEPS[min(count, len(_BUSY_SLEEPS) - 1)]
        sleep = min(sleep, timeout - slept)
        if sleep <= 0:
            return
        slept += sleep
        yield sleep


def _is_busy(error: sqlite3.OperationalError) -> bool:
    return getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_BUSY


def _database_call(real: Callable[..., Any], self: Any, connection: Any, args: tuple,
                   kwargs: dict) -> Any:
    sched = context.scheduler()
    sched.preempt()
    for sleep in _busy_sleeps(connection._simfutures_timeout):
        try:
            return real(self, *args, **kwargs)
        except sqlite3.OperationalError as error:
            if not _is_busy(error):
                raise
        sched.sleep(sleep)
    return real(self, *args, **kwargs)


def _checked_method(base: type, name: str, connection_of: Callable[[Any], Any]) -> Any:
    real = getattr(base, name)
    touches_database = name in _DATABASE_CALLS

    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        connection = connection_of(self)
        _check(connection._simfutures_thread)
        if touches_database and context.active():
            return _database_call(real, self, connection, args, kwargs)
        return real(self, *args, **kwargs)

    call.__name__ = call.__qualname__ = name
    return call


_subclasses: dict[type, type] = {}


def _checked_subclass(base: type, calls: tuple[str, ...], connection_of: Callable[[Any], Any],
                      extra: dict[str, Any]) -> type:
    """``base`` with ``calls`` checked first; named as ``base`` (reprs unchanged)."""
    subclass = _subclasses.get(base)
    if subclass is None:
        namespace = {name: _checked_method(base, name, connection_of) for name in calls
                     if hasattr(base, name)}
        namespace.update(extra, __module__=base.__module__, __qualname__=base.__qualname__)
        subclass = _subclasses[base] = type(base.__name__, (base,), namespace)
    return subclass


def _itself(connection: Any) -> Any:
    return connection


def _cursor_connection(cursor: Any) -> Any:
    return cursor.connection


def _connection_init(self: Any, *args: Any, **kwargs: Any) -> None:
    super(type(self), self).__init__(*args, **kwargs)
    checks = args[_CHECK_SAME_THREAD] if len(args) > _CHECK_SAME_THREAD \
        else kwargs.get("check_same_thread", True)
    self._simfutures_thread = threading.get_ident() if checks else None
    self._simfutures_timeout = _DEFAULT_TIMEOUT
    _opened.append(weakref.ref(self))


def _connection_cursor(self: Any, factory: type = sqlite3.Cursor) -> Any:
    _check(self._simfutures_thread)
    checked = _checked_subclass(factory, _CURSOR_CALLS, _cursor_connection, {})
    return super(type(self), self).cursor(checked)


def connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
    """``sqlite3.connect`` (same arguments), whose connection checks the virtual thread
    and waits for a locked database in virtual time (a factory given by position is
    used as it is)."""
    if len(args) > _FACTORY:
        return _REAL_CONNECT(*args, **kwargs)
    factory = kwargs.pop("factory", sqlite3.Connection)
    checked = _checked_subclass(factory, _CONNECTION_CALLS, _itself,
                                {"__init__": _connection_init, "cursor": _connection_cursor})
    # SQLite itself must not wait (its sleeps are real): the statement calls do.
    if len(args) > _TIMEOUT:
        timeout, args = args[_TIMEOUT], (*args[:_TIMEOUT], 0.0, *args[_TIMEOUT + 1:])
    else:
        timeout, kwargs["timeout"] = kwargs.get("timeout", _DEFAULT_TIMEOUT), 0.0
    connection = _REAL_CONNECT(*args, factory=checked, **kwargs)
    connection._simfutures_timeout = float(timeout)
    return connection


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
