"""Each virtual process's own copy of the program's module globals.

A worker forked by a ``ProcessPoolExecutor`` gets a copy of its parent's memory:
a task that appends to a module-level list, or rebinds a ``global counter``,
changes the worker's copy, and the parent still sees its own (CPython 3.11-3.13
fork on Linux by default).  Virtual processes run in one interpreter, so the
module dicts of the program's own modules (``program_files``) are swapped at
every switch between threads of different processes: while a process's thread
runs, its copy is what the module dicts hold.

What a fork copies is approximated by ``fork_copy``: the program's data (lists,
dicts, sets, deques, bytearrays, instances of the program's own classes, and
tuples holding any of them) is copied, aliasing kept; everything else is
shared: functions, classes and modules (read-only in practice), and library
objects such as files and executors (a copy of those would not work in the
child either).  A ``threading.Lock``/``RLock`` is copied in the state it has:
one held by another thread of the parent stays held in the child forever.
State reached only through a class attribute or a closure stays shared.

Under ``spawn`` and ``forkserver`` a child starts from a fresh interpreter that
imports the main script again as ``__mp_main__`` (its ``if __name__ ==
"__main__":`` block does not run): ``ProcessMemory.spawn`` gives the child an
empty main namespace, and the child runs the script's code into it before its
target (``VirtualProcess._bootstrap``), executing each of the program's other
modules afresh as it imports them (``spawn_import``).  So a global set under the
guard is not there in the worker, one the parent changed in another module has its
initial value, and a script without the guard starts a pool again in each worker,
which CPython refuses (``RuntimeError``, then ``BrokenProcessPool``).
"""

from __future__ import annotations

import collections
import copy
import sys
import types
import weakref
from typing import Any

from simfutures.sim import primitives
from simfutures.sim.program_files import is_program_file, is_program_module
from simfutures.sim.spawn_import import SpawnImport, fresh_namespace, main_code

# Containers whose shallow copy is then filled with copies of their values.
_MAPPINGS = (dict, collections.OrderedDict, collections.defaultdict, collections.Counter)
_SEQUENCES = (list, collections.deque)
_FLAT = (set, bytearray)  # their items are hashable or bytes: a shallow copy suffices


def fork_copy(value: Any, memo: dict[int, Any]) -> Any:
    """What a forked child sees of ``value``: a copy of the program's data, the
    object itself for anything else (see the module docstring).  ``memo`` maps
    ``id`` of each original to its copy, so shared structure stays shared."""
    kind = type(value)
    if kind in _SHARED_KINDS:
        return value
    known = memo.get(id(value))
    if known is not None:
        return known[1]
    if isinstance(value, _MAPPINGS):
        new = copy.copy(value)
        memo[id(value)] = (value, new)
        for key, item in value.items():
            new[key] = fork_copy(item, memo)
    elif isinstance(value, _SEQUENCES):
        new = copy.copy(value)
        memo[id(value)] = (value, new)
        for index, item in enumerate(value):
            new[index] = fork_copy(item, memo)
    elif isinstance(value, _FLAT):
        new = copy.copy(value)
        memo[id(value)] = (value, new)
    elif kind is primitives.Lock or kind is primitives.RLock:
        # The child's own lock, held as the parent's was at the fork: by a thread that
        # does not exist in the child, so nobody there will release it (the classic
        # deadlock of forking while another thread holds a lock).
        new = kind()
        new._owner = value._owner
        if kind is primitives.RLock:
            new._count = value._count
        memo[id(value)] = (value, new)
    elif kind is tuple:
        items = tuple(fork_copy(item, memo) for item in value)
        new = value if all(a is b for a, b in zip(items, value)) else items
        memo[id(value)] = (value, new)
    elif _is_program_instance(value):
        try:
            new = copy.copy(value)
        except Exception:
            return value  # not copyable: shared, as before the model existed
        memo[id(value)] = (value, new)
        attributes = getattr(new, "__dict__", None)
        if attributes is not None and attributes is not getattr(value, "__dict__", None):
            for name, item in list(attributes.items()):
                attributes[name] = fork_copy(item, memo)
    else:
        return value
    return new


def _is_program_instance(value: Any) -> bool:
    kind = type(value)
    known = _PROGRAM_CLASSES.get(kind)
    if known is None:
        module = sys.modules.get(kind.__module__)
        known = _PROGRAM_CLASSES[kind] = not issubclass(kind, type) and (
            module is not None and is_program_module(module))
    return known


# What a fork shares by construction: immutable values, code, classes, modules.
_SHARED_KINDS = frozenset({int, float, complex, str, bytes, bool, type(None), range,
                           types.FunctionType, types.BuiltinFunctionType, types.ModuleType,
                           type, types.MethodType})
_PROGRAM_CLASSES: weakref.WeakKeyDictionary[type, bool] = weakref.WeakKeyDictionary()


class ProcessGlobals:
    """Names one process's copy of a module's globals for the race detector and the
    footprints (``equivalence.Identities``): the module's dict is one object shared
    by every process, so it cannot name them itself."""

    __slots__ = ("namespace", "process", "__weakref__")

    def __init__(self, namespace: dict[str, Any], process: Any) -> None:
        self.namespace = namespace
        self.process = process


#: Library modules whose globals are a process's own state: ``multiprocessing.process``
#: holds the current process, its children and the counter that numbers them.
PER_PROCESS_LIBRARY_MODULES = ("multiprocessing.process",)

#: id of a module's dict -> the ProcessGlobals it stands for now: the live child
#: process's copy.  Empty while the main process's globals are live, and so
#: between runs.
LIVE_NAMESPACES: dict[int, ProcessGlobals] = {}


class ProcessMemory:
    """The saved module globals of every virtual process that is not running.

    ``live`` is the process (``None``: the main one) whose globals the program's
    module dicts hold now.  A process forked after a module was imported has its
    own copy of it; modules imported later are shared with the parent."""

    def __init__(self) -> None:
        self.live: Any = None
        # process -> module -> that process's globals while it is not live.  The main
        # process owns every module; a child only those it was forked with.
        self._copies: dict[Any, dict[Any, dict[str, Any]]] = {None: {}}
        self._names: dict[Any, dict[int, ProcessGlobals]] = {None: {}}

    def fork(self, child: Any) -> None:
        """Give ``child`` a copy of the running process's globals (``Process.start``)."""
        memo: dict[int, Any] = {}
        modules = [m for m in list(sys.modules.values()) if _owns_globals(m)]
        modules += [sys.modules[name] for name in PER_PROCESS_LIBRARY_MODULES
                    if name in sys.modules]
        self._copies[child] = {
            module: {name: fork_copy(value, memo) for name, value in vars(module).items()}
            for module in modules}
        self._names[child] = {id(vars(m)): ProcessGlobals(vars(m), child) for m in modules}

    def spawn(self, child: Any) -> SpawnImport | None:
        """Give ``child`` the globals of a fresh interpreter that imports the main
        script (see the module docstring): its copies of the program's modules are
        fresh namespaces that ``SpawnImport.run`` fills in the child; None when the
        main module is not the program's (``simulate()`` called from a test: fork
        semantics)."""
        self.fork(child)
        main = sys.modules.get("__main__")
        path = getattr(main, "__file__", None)
        copies = self._copies[child]
        if main not in copies or not is_program_file(path):
            return None
        copies[main] = {
            "__name__": "__mp_main__", "__doc__": None, "__package__": None,
            "__loader__": None, "__spec__": None, "__file__": path,
            "__builtins__": vars(main)["__builtins__"]}
        pending = {}
        for module in copies:
            name = getattr(module, "__name__", None)
            namespace = None if module is main or name not in sys.modules or \
                name in PER_PROCESS_LIBRARY_MODULES else fresh_namespace(module)
            if namespace is not None:
                copies[module] = namespace
                pending[name] = module
        return SpawnImport(main_code(path), pending)

    def _owner(self, process: Any, module: Any) -> Any:
        if process is not None and module in self._copies[process]:
            return process
        return None  # the main process owns every module no child has a copy of

    def enter(self, process: Any) -> None:
        """Make ``process``'s globals the live ones (a switch to one of its threads)."""
        leaving = self.live
        if process is leaving:
            return
        modules = set(self._copies[leaving] if leaving is not None else ())
        modules.update(self._copies[process] if process is not None else ())
        for module in modules:
            out_owner = self._owner(leaving, module)
            in_owner = self._owner(process, module)
            if out_owner is in_owner:
                continue
            namespace = vars(module)
            self._copies[out_owner][module] = dict(namespace)
            namespace.clear()  # (the incoming copy stays stored: it marks ownership)
            namespace.update(self._copies[in_owner][module])
        self.live = process
        LIVE_NAMESPACES.clear()
        LIVE_NAMESPACES.update(self._names[process])


def _owns_globals(module: Any) -> bool:
    # The program's modules, and a module run as a script (its __file__ is the
    # program's even when it was exec'd into a fresh module object).  Remembered per
    # module object: a fork looks at every loaded module.
    if module is None:
        return False
    known = _OWNS_GLOBALS.get(module)
    if known is None:
        known = _OWNS_GLOBALS[module] = is_program_module(module) or is_program_file(
            getattr(module, "__file__", None))
    return known


_OWNS_GLOBALS: weakref.WeakKeyDictionary[Any, bool] = weakref.WeakKeyDictionary()
