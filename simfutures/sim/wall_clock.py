"""Wall-clock readings that CPython's C code takes without calling ``time.time()``.

``time.time()`` is virtual inside a simulation (``patch.py``), and so is what
reads it through Python (``datetime.date.today()``, a log record's timestamp).
But ``datetime.datetime.now()`` and ``utcnow()``, ``time.localtime()``,
``gmtime()``, ``ctime()``, ``asctime()`` and ``strftime()`` without a time
argument, and ``time.clock_gettime()`` read the system clock in C: a run
printing them was not a function of its seed, and a deadline taken with
``datetime.now()`` never passed in virtual time.  Each function here reads
``time.time()`` (the run's virtual epoch time) or ``time.monotonic()`` where
CPython's reads the clock, and otherwise is CPython's: same arguments,
same errors, same types (``datetime.now()`` returns the calling class).

The ``time`` functions are patched like the others; ``now``/``utcnow`` are
class methods of ``datetime.datetime``, a C type (``patch.py`` sets them in its
dict).
"""

from __future__ import annotations

import datetime
import sys
import time
import warnings
from typing import Any

from simfutures.sim import context

_REAL = {name: getattr(time, name) for name in ("localtime", "gmtime", "ctime", "asctime",
                                                  "strftime")}


def _now_if_omitted(args: tuple[Any, ...]) -> tuple[Any, ...]:
    """``(secs,)`` arguments of localtime/gmtime/ctime: omitted or None means now."""
    return (time.time(),) if args in ((), (None,)) else args


def localtime(*args: Any, **kwargs: Any) -> time.struct_time:
    return _REAL["localtime"](*_now_if_omitted(args), **kwargs)


def gmtime(*args: Any, **kwargs: Any) -> time.struct_time:
    return _REAL["gmtime"](*_now_if_omitted(args), **kwargs)


def ctime(*args: Any, **kwargs: Any) -> str:
    return _REAL["ctime"](*_now_if_omitted(args), **kwargs)


def asctime(*args: Any, **kwargs: Any) -> str:
    if not args and not kwargs:
        args = (_REAL["localtime"](time.time()),)
    return _REAL["asctime"](*args, **kwargs)


def strftime(format: Any, *args: Any, **kwargs: Any) -> str:  # noqa: A002 - CPython's name
    if not args and not kwargs:
        args = (_REAL["localtime"](time.time()),)
    return _REAL["strftime"](format, *args, **kwargs)


_REAL_CLOCK_GETTIME = getattr(time, "clock_gettime", None)
_WALL_CLOCKS = frozenset(getattr(time, name) for name in ("CLOCK_REALTIME", "CLOCK_TAI")
                         if hasattr(time, name))


def clock_gettime(clk_id: Any) -> float:
    """The real-time clocks read ``time.time()``; every other clock (monotonic, boot
    time, CPU time) ``time.monotonic()``; an unknown id raises CPython's error."""
    _REAL_CLOCK_GETTIME(clk_id)
    return time.time() if clk_id in _WALL_CLOCKS else time.monotonic()


def clock_gettime_ns(clk_id: Any) -> int:
    return int(clock_gettime(clk_id) * 1e9)


TIME_FUNCTIONS = {"localtime": localtime, "gmtime": gmtime, "ctime": ctime,
                  "asctime": asctime, "strftime": strftime}
if hasattr(time, "clock_gettime"):  # (POSIX only)
    TIME_FUNCTIONS.update(clock_gettime=clock_gettime, clock_gettime_ns=clock_gettime_ns)

_REAL_NOW = vars(datetime.datetime)["now"]
_REAL_UTCNOW = vars(datetime.datetime)["utcnow"]


def _deprecation_of_utcnow() -> str | None:
    """CPython's own warning text for ``utcnow()`` (deprecated since 3.12), if any."""
    if sys.version_info < (3, 12):
        return None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        datetime.datetime.utcnow()
    return str(caught[0].message) if caught else None


_UTCNOW_DEPRECATION = _deprecation_of_utcnow()


def _datetime_now(cls: type[datetime.datetime], tz: datetime.tzinfo | None = None
                  ) -> datetime.datetime:
    if not context.active():
        return _REAL_NOW.__get__(None, cls)(tz)
    return cls.fromtimestamp(time.time(), tz)


def _datetime_utcnow(cls: type[datetime.datetime]) -> datetime.datetime:
    if not context.active():
        return _REAL_UTCNOW.__get__(None, cls)()
    if _UTCNOW_DEPRECATION is not None:
        warnings.warn(_UTCNOW_DEPRECATION, DeprecationWarning, stacklevel=2)
    utc = datetime.datetime.fromtimestamp(time.time(), datetime.UTC)
    return cls(utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second,
               utc.microsecond)


DATETIME_METHODS = {"now": classmethod(_datetime_now), "utcnow": classmethod(_datetime_utcnow)}

