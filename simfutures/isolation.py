"""Every run of a program starts from the same process state.

Exploration runs a script hundreds of times in one process.  What one run
changes in the interpreter must not leak into the next, or the outcomes
depend on the run's position rather than its schedule (a logging handler
added per run prints every line once more each time; a helper module's
counter keeps counting).  ``ProcessState.capture()`` before a run and
``restore()`` after it undo:

* the program's own modules imported during the run (re-imported fresh next
  time; the standard library and installed packages stay loaded, as they
  would in a fresh interpreter that imports them again);
* the logging configuration: every logger's level, handlers, filters,
  ``propagate`` and ``disabled``, loggers created by the run, level names,
  ``logging.disable``;
* ``sys.argv``, ``sys.path``, the working directory, the environment,
  ``warnings`` filters, ``sys.excepthook``/``threading.excepthook``, the
  recursion limit and ``multiprocessing``'s start method;
* the process-wide settings a program can change through the stdlib: whether
  ``gc`` is enabled, the ``os.umask``, ``threading.stack_size``, the locale, and
  the handlers of signals (``OSState``);
* globals of library modules the program rebinds (``LibraryGlobals``: a
  monkeypatched ``json.dumps`` stays in its run, and simfutures' own report
  does not use it); a library's module-level ``threading.local()`` is a fresh
  per-virtual-thread one during each run.

``__main__`` is fresh by construction (``ScriptProgram`` makes a new module
per run).  The checks are cheap when nothing changed: a run costs a few
microseconds of this.
"""

from __future__ import annotations

import _thread
import gc
import locale
import logging
import multiprocessing.context
import os
import signal
import socket
import sys
import threading
import warnings
from typing import Any

from simfutures.sim import threads
from simfutures.sim.patch import CHANGED_SIGNALS
from simfutures.sim.program_files import is_program_module

# ``logging`` is imported here, before any simulation: imported inside one, its
# module lock would be a virtual lock of that run.


def _last_key(mapping: dict) -> Any:
    return next(reversed(mapping), None)


class _LoggingState:
    """Enough of logging's global state to put it back as it was."""

    def __init__(self) -> None:
        manager = logging.Logger.manager
        self.logger_dict = dict(manager.loggerDict)
        self.loggers = [(logger, logger.level, list(logger.handlers), list(logger.filters),
                         logger.propagate, logger.disabled, logger.parent)
                        for logger in [logging.root, *self.logger_dict.values()]
                        if isinstance(logger, logging.Logger)]
        self.placeholders = [(p, dict(p.loggerMap)) for p in self.logger_dict.values()
                             if isinstance(p, logging.PlaceHolder)]
        self.disable = manager.disable
        self.level_names = (dict(logging._levelToName), dict(logging._nameToLevel))
        self.logger_class = manager.loggerClass, logging.getLoggerClass()
        self.record_factory = logging.getLogRecordFactory()
        self.fingerprint = self._fingerprint()

    @staticmethod
    def _fingerprint() -> tuple:
        # Cheap to compute; differs whenever a run touched the configuration.
        manager = logging.Logger.manager
        root = logging.root
        return (len(manager.loggerDict), manager.disable, root.level, tuple(root.handlers),
                len(logging._handlerList), len(logging._levelToName),
                tuple((name, getattr(lg, "level", None), len(getattr(lg, "handlers", ())))
                      for name, lg in manager.loggerDict.items()))

    def restore(self) -> None:
        if self._fingerprint() == self.fingerprint and \
                logging.getLogRecordFactory() is self.record_factory:
            return
        manager = logging.Logger.manager
        for logger, level, handlers, filters, propagate, disabled, parent in self.loggers:
            logger.level, logger.handlers, logger.filters = level, handlers, filters
            logger.propagate, logger.disabled, logger.parent = propagate, disabled, parent
        for placeholder, children in self.placeholders:
            placeholder.loggerMap = children
        manager.loggerDict.clear()
        manager.loggerDict.update(self.logger_dict)
        manager.disable = self.disable
        logging._levelToName.clear()
        logging._levelToName.update(self.level_names[0])
        logging._nameToLevel.clear()
        logging._nameToLevel.update(self.level_names[1])
        manager.loggerClass = self.logger_class[0]
        logging.setLoggerClass(self.logger_class[1])
        logging.setLogRecordFactory(self.record_factory)
        manager._clear_cache()


def _is_submodule(module: Any, name: str, value: Any) -> bool:
    return value is sys.modules.get(f"{module.__name__}.{name}", _MISSING)


_MISSING = object()


class LibraryGlobals:
    """The module globals of the standard library and installed packages, as before the
    first run: a program that rebinds one (``json.dumps = ...``, ``sys.stdout = buf``
    left by a thread a run abandoned, ``warnings.showwarning``) changes it for its own
    run only.  Objects mutated in place (a cache dict) are not undone.  Comparing is
    one C-level dict comparison per public module (identical values compare at once):
    about 0.12 ms per run with 120 such modules loaded.

    A library's module-level ``threading.local()`` (attrs' ``repr`` recursion guard,
    ``multiprocessing``'s spawning ``Popen``) was made before the simulation, per OS
    thread: every virtual thread would share it (attrs then printed ``...`` for an
    object another thread was printing, or raised ``KeyError``).  Each run gets a
    fresh per-virtual-thread one in its place (``begin``)."""

    def __init__(self) -> None:
        self._snapshots: list[tuple[Any, dict[str, Any]]] = []
        self._seen: set[str] = set()
        # (module namespace, name, the library's thread-local bound there)
        self._thread_locals: list[tuple[dict[str, Any], str, Any]] = []

    def begin(self) -> None:
        """Before a run: snapshot the modules loaded since the last run, and put a
        fresh virtual thread-local in place of each library thread-local."""
        self._capture_new()
        fresh: dict[int, Any] = {}
        for namespace, name, original in self._thread_locals:
            if namespace.get(name) is original:
                local = fresh.get(id(original))
                if local is None:
                    local = fresh[id(original)] = threads.local()
                namespace[name] = local

    def _capture_new(self) -> None:
        for name, module in list(sys.modules.items()):
            if name in self._seen or module is None:
                continue
            self._seen.add(name)
            # (A main module, the program's or simfutures' caller's, has no spec; it may
            # be in sys.modules under another name too, "__mp_main__".)
            if getattr(module, "__spec__", None) is None or name.startswith("simfutures") \
                    or is_program_module(module):
                continue
            namespace = vars(module)
            self._thread_locals += [(namespace, key, value) for key, value in namespace.items()
                                    if type(value) is _thread._local]
            # (Private modules, "_socket", "re._parser", are not what programs patch: a
            # quarter less to compare per run.)
            if not any(part.startswith("_") for part in name.split(".")):
                self._snapshots.append((module, dict(namespace)))

    def restore(self) -> None:
        for module, snapshot in self._snapshots:
            namespace = vars(module)
            if namespace != snapshot:
                for name in [n for n in namespace if n not in snapshot]:
                    if _is_submodule(module, name, namespace[name]):
                        # A run imported it (``import logging.handlers``): it stays in
                        # sys.modules, so it stays its package's attribute (a later
                        # import finds it there and does not set it again).
                        snapshot[name] = namespace[name]
                    else:
                        del namespace[name]
                namespace.update(snapshot)
        for namespace, name, original in self._thread_locals:
            namespace[name] = original


class OSState:
    """Process-wide settings outside the interpreter's objects (a run that disabled
    ``gc``, set a ``umask``, a default socket timeout or an int-to-str digit limit left
    it so for every later run: a later run's blocking ``recv`` timed out).  Signal handlers are
    the ones the run set (``patch.CHANGED_SIGNALS``: only the main thread can, in
    the simulation's OS thread)."""

    def __init__(self) -> None:
        self.gc_enabled = gc.isenabled()
        self.umask = os.umask(0)
        os.umask(self.umask)
        self.stack_size = threading.stack_size()
        self.locale = locale.setlocale(locale.LC_ALL)
        self.socket_timeout = socket.getdefaulttimeout()
        self.int_max_str_digits = sys.get_int_max_str_digits()

    def restore(self) -> None:
        (gc.enable if self.gc_enabled else gc.disable)()
        os.umask(self.umask)
        if threading.stack_size() != self.stack_size:
            threading.stack_size(self.stack_size)
        if locale.setlocale(locale.LC_ALL) != self.locale:
            locale.setlocale(locale.LC_ALL, self.locale)
        socket.setdefaulttimeout(self.socket_timeout)
        sys.set_int_max_str_digits(self.int_max_str_digits)
        for number, handler in CHANGED_SIGNALS.items():
            # (None: a handler installed from C, which Python cannot put back)
            if handler is not None:
                signal.signal(number, handler)
        CHANGED_SIGNALS.clear()


class ProcessState:
    """A snapshot of the interpreter-wide state a script can change."""

    def __init__(self) -> None:
        self.argv = sys.argv
        self.argv_items = list(sys.argv)
        self.path = list(sys.path)
        self.cwd = os.getcwd()
        self.environ = dict(os.environ._data)  # type: ignore[attr-defined]  # bytes, no decoding
        self.modules_count = len(sys.modules)
        self.last_module = _last_key(sys.modules)
        self.modules: set[str] | None = None  # computed only if the marker is lost
        self.logging = _LoggingState()
        self.warnings = list(warnings.filters)
        self.hooks = sys.excepthook, threading.excepthook
        self.recursion_limit = sys.getrecursionlimit()
        # multiprocessing.set_start_method(): set once per interpreter ("context has
        # already been set" the second time), so once per run here.
        self.start_method = multiprocessing.context._default_context._actual_context
        self.os = OSState()

    @classmethod
    def capture(cls) -> ProcessState:
        return cls()

    def restore(self) -> None:
        self._restore_modules()
        self.logging.restore()
        sys.argv = self.argv
        sys.argv[:] = self.argv_items
        sys.path[:] = self.path
        if os.getcwd() != self.cwd:
            os.chdir(self.cwd)
        self._restore_environ()
        if warnings.filters != self.warnings:
            warnings.filters[:] = self.warnings
            warnings._filters_mutated()  # type: ignore[attr-defined]
        sys.excepthook, threading.excepthook = self.hooks
        if sys.getrecursionlimit() != self.recursion_limit:
            sys.setrecursionlimit(self.recursion_limit)
        multiprocessing.context._default_context._actual_context = self.start_method
        self.os.restore()

    def _new_module_names(self) -> list[str]:
        modules = sys.modules
        marker = self.last_module
        if marker is None or marker not in modules:
            before = set(modules) if self.modules is None else self.modules
            return [name for name in list(modules) if name not in before]
        # Modules are kept in import order: the new ones follow the marker.
        new = []
        for name in reversed(modules):
            if name == marker:
                break
            new.append(name)
        return new

    def _restore_modules(self) -> None:
        if len(sys.modules) == self.modules_count and _last_key(sys.modules) == self.last_module:
            return
        for name in self._new_module_names():
            module = sys.modules.get(name)
            if module is not None and is_program_module(module):
                del sys.modules[name]

    def _restore_environ(self) -> None:
        data = os.environ._data  # type: ignore[attr-defined]
        if data == self.environ:
            return
        for key in [k for k in data if k not in self.environ]:
            os.unsetenv(key)
        for key, value in self.environ.items():
            if data.get(key) != value:
                os.putenv(key, value)
        data.clear()
        data.update(self.environ)
