"""What a bytecode instruction or a call into C touches, for step footprints.

The rule throughout: what is not known to be harmless touches everything.
Python code is traced instruction by instruction, so its effects are seen
directly; C code is not, so a C callable is only trusted when it is one of
the builtin functions and methods listed here, whose effects on their
receiver and arguments are known.  Everything else (an unknown C extension,
``os``, ``pickle``, ``vars()``) marks the step as touching everything, which
costs pruning but never soundness.

One assumption is made: an operator (``==``, ``+``, ``in``, truth) applied to
an object of a C type reads that object and does not change it.  It holds for
the builtin types and the standard library's; a C extension type whose
operators mutate would break it.
"""

from __future__ import annotations

import _bisect
import _heapq
import _operator
import _random
import array
import collections
import functools
import gc
import itertools
import math
import sys
import types
import weakref
from collections.abc import Iterable
from typing import Any

from simfutures.explore.equivalence import ALL, C_STATE, Footprint

_HEAPTYPE = 1 << 9

# Values whose contents never change: reading them needs no record.
VALUE_TYPES = frozenset({int, float, complex, str, bytes, bool, type(None), range, slice,
                         type(Ellipsis), type(NotImplemented), types.FunctionType,
                         types.BuiltinFunctionType, types.ModuleType, type, types.CodeType})
_PLAIN_KEY_TYPES = frozenset({int, float, complex, str, bytes, bool, type(None)})

# Builtin containers, and their methods that only read.
_READERS = {
    list: {"index", "count", "copy", "__len__", "__contains__", "__getitem__", "__iter__",
           "__reversed__", "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__",
           "__repr__", "__sizeof__", "__reduce_ex__"},
    dict: {"get", "keys", "values", "items", "copy", "__len__", "__contains__",
           "__getitem__", "__iter__", "__reversed__", "__eq__", "__ne__", "__repr__",
           "__or__", "fromkeys"},
    set: {"issubset", "issuperset", "isdisjoint", "union", "intersection", "difference",
          "symmetric_difference", "copy", "__contains__", "__len__", "__iter__", "__eq__",
          "__repr__"},
    collections.deque: {"index", "count", "copy", "__len__", "__getitem__", "__iter__",
                        "__reversed__", "__contains__", "__repr__"},
    bytearray: {"decode", "find", "rfind", "index", "rindex", "count", "startswith",
                "endswith", "hex", "split", "rsplit", "strip", "lstrip", "rstrip",
                "__len__", "__getitem__", "__contains__", "__repr__"},
}
_READERS[collections.OrderedDict] = _READERS[dict]
_READERS[collections.defaultdict] = _READERS[dict] - {"__getitem__"}
CONTAINER_TYPES = tuple(_READERS)
_IMMUTABLE_CONTAINERS = (tuple, frozenset, str, bytes)
READABLE_TYPES = CONTAINER_TYPES + _IMMUTABLE_CONTAINERS

# C objects whose methods touch only themselves.
_SELF_ONLY_TYPES = (_random.Random, types.GeneratorType, types.CoroutineType,
                    BaseException, functools.partial)

_ITERATOR_TYPES = tuple({type(iter(x)) for x in ([], (), "", b"", {}, {}.values(),
                                                   {}.items(), set(), range(1),
                                                   collections.deque(), bytearray())}
                        | {enumerate, zip, map, filter, reversed, itertools.count,
                           itertools.chain, itertools.islice, itertools.cycle,
                           itertools.repeat, itertools.product, itertools.permutations,
                           itertools.combinations, itertools.zip_longest,
                           itertools.starmap, itertools.accumulate, itertools.groupby,
                           itertools.takewhile, itertools.dropwhile, itertools.compress,
                           itertools.filterfalse, itertools.pairwise, itertools._grouper,
                           itertools.combinations_with_replacement, itertools._tee,
                           itertools._tee_dataobject})
_FRESH_ITERATOR_SOURCES = {type(iter(range(1))), itertools.count, itertools.repeat}

# A dict's views and the C iterators of mutable containers each walk one container,
# which ``gc.get_referents`` names (an exhausted iterator none): reading the view or
# advancing the iterator reads that container, wherever the view or iterator was made
# (``view = d.items()`` kept and iterated later; the item iterators ``copy`` gets from
# ``object.__reduce_ex__``).
_CONTAINERS = (dict, list, set, collections.deque, bytearray)
_WALKERS = frozenset({type(v) for v in ({}.keys(), {}.values(), {}.items())}
                     | {type(iter(x)) for x in ([], {}, {}.values(), {}.items(), set(),
                                                collections.deque(), bytearray(),
                                                reversed([]), reversed({}))})


def walked_container(value: Any) -> Any:
    """The container a dict view or a mutable container's C iterator walks, else None."""
    if type(value) not in _WALKERS:
        return None
    for referent in gc.get_referents(value):
        if isinstance(referent, _CONTAINERS):
            return referent
    return None

_SAFE_C_TYPES = frozenset({object, *VALUE_TYPES, tuple, frozenset, list, dict, set, bytearray,
                           collections.deque, collections.defaultdict, collections.OrderedDict,
                           enumerate, zip, map, filter, reversed, property, staticmethod,
                           classmethod, super, memoryview, functools.partial, weakref.ref,
                           *[t for t in vars(itertools).values() if isinstance(t, type)]})

# Module-level C functions by (module, name): "read" reads its arguments,
# "first" also writes its first argument, "attr-read"/"attr-write" touch
# attribute args[1] of args[0], "next" advances an iterator, "namespace" reads
# args[0].__dict__.
_C_FUNCTIONS: dict[tuple[str, str], str] = {}
for _name in ("len", "isinstance", "issubclass", "callable", "id", "hash", "repr", "ascii",
              "format", "abs", "round", "divmod", "pow", "chr", "ord", "bin", "hex", "oct",
              "min", "max", "sum", "sorted", "any", "all", "print", "iter", "dir"):
    _C_FUNCTIONS[("builtins", _name)] = "read"
_C_FUNCTIONS.update({("builtins", "getattr"): "attr-read", ("builtins", "hasattr"): "attr-read",
                     ("builtins", "setattr"): "attr-write", ("builtins", "delattr"): "attr-write",
                     ("builtins", "next"): "next", ("builtins", "vars"): "namespace"})
for _name, _value in vars(math).items():
    if callable(_value):
        _C_FUNCTIONS[("math", _name)] = "read"
for _name in ("heappush", "heappop", "heapify", "heapreplace", "heappushpop"):
    _C_FUNCTIONS[("_heapq", _name)] = "first"
for _name in ("insort", "insort_left", "insort_right"):
    _C_FUNCTIONS[("_bisect", _name)] = "first"
for _name in ("bisect", "bisect_left", "bisect_right"):
    _C_FUNCTIONS[("_bisect", _name)] = "read"
for _name, _value in vars(_operator).items():
    if isinstance(_value, types.BuiltinFunctionType):
        mutates = _name.startswith("i") and _name not in ("is_", "is_not", "index", "inv",
                                                          "invert") \
            or _name in ("setitem", "delitem")
        _C_FUNCTIONS[("_operator", _name)] = "first" if mutates else "read"
_C_FUNCTIONS[("_functools", "reduce")] = "read"
_C_FUNCTIONS[("sys", "_getframe")] = "read"
del _heapq, _bisect  # only their module names are needed


def is_python_class(cls: type) -> bool:
    """A class written in Python (its own methods are traced), not a C type."""
    if not cls.__flags__ & _HEAPTYPE:
        return False
    return not any(isinstance(value, (types.MethodDescriptorType, types.WrapperDescriptorType,
                                      types.ClassMethodDescriptorType))
                   for value in vars(cls).values())


_type_safety: dict[type, bool] = {}
_pure_python: dict[type, bool] = {}


def _pure_python_type(cls: type) -> bool:
    """Every class in the MRO but ``object`` is written in Python."""
    known = _pure_python.get(cls)
    if known is None:
        known = _pure_python[cls] = all(is_python_class(base) for base in cls.__mro__[:-1])
    return known


def safe_type(cls: type) -> bool:
    """Every class in the MRO is Python code or a C type whose effects are known."""
    known = _type_safety.get(cls)
    if known is None:
        known = all(base in _SAFE_C_TYPES or is_python_class(base)
                    or issubclass(base, BaseException) or issubclass(base, _random.Random)
                    for base in cls.__mro__)
        _type_safety[cls] = known
    return known


def python_level(fn: Any) -> bool:
    """Calling ``fn`` runs Python code that the tracer sees."""
    kind = type(fn)
    if kind is types.FunctionType:
        return True
    if kind is types.MethodType:
        return type(fn.__func__) is types.FunctionType
    if isinstance(fn, type):
        return False
    call = next((vars(base)["__call__"] for base in kind.__mro__ if "__call__" in vars(base)),
                None)
    return type(call) is types.FunctionType


def plain_key(key: Any) -> bool:
    kind = type(key)
    if kind in _PLAIN_KEY_TYPES:
        return True
    return kind is tuple and len(key) < 8 and all(plain_key(item) for item in key)


def deep_read(footprint: Footprint, value: Any, budget: int = 64) -> None:
    """Record reads of ``value`` and of the containers inside it (a C function
    comparing or printing it reads them all)."""
    pending = [value]
    seen: set[int] = set()
    while pending:
        item = pending.pop()
        kind = type(item)
        if kind in VALUE_TYPES or id(item) in seen:
            continue
        seen.add(id(item))
        budget -= 1
        if budget < 0:
            footprint.read_top = True
            return
        if kind is tuple or kind is frozenset:
            pending.extend(item)
        elif isinstance(item, CONTAINER_TYPES):
            footprint.reads.add((footprint.name(item), ALL))
            if isinstance(item, dict):
                pending.extend(item.keys())
                pending.extend(item.values())
            elif not isinstance(item, bytearray):
                pending.extend(item)
        else:
            # Any other object: its comparisons or repr may read any of it (those
            # written in Python are traced besides).
            footprint.reads.add((footprint.name(item), ALL))


def shallow_read(footprint: Footprint, value: Any) -> None:
    """Record a read of ``value`` itself (its length, its truth), not of what it holds."""
    if type(value) in VALUE_TYPES or isinstance(value, _IMMUTABLE_CONTAINERS):
        return
    container = walked_container(value)
    footprint.reads.add((footprint.name(value if container is None else container), ALL))


def consume(footprint: Footprint, value: Any, depth: int = 4) -> None:
    """``value`` is handed to C code that may iterate it."""
    if isinstance(value, _ITERATOR_TYPES) or isinstance(value, types.GeneratorType):
        footprint.writes.add((footprint.name(value), ALL))
        container = walked_container(value)
        if container is not None:
            footprint.reads.add((footprint.name(container), ALL))
        elif type(value) not in _FRESH_ITERATOR_SOURCES and not isinstance(value,
                                                                            types.GeneratorType):
            footprint.read_top = True  # the container behind it is unknown here
            if depth:
                _advance_inner(footprint, value, depth - 1)
    else:
        deep_read(footprint, value)


def _advance_inner(footprint: Footprint, iterator: Any, depth: int) -> None:
    """Advancing a C iterator that wraps others advances them and calls the C callables
    it holds: ``islice(shared_accumulate, n)`` advances the shared accumulator, the two
    copies of ``itertools.tee`` share one buffer (and the iterator behind it), and
    ``map(d.get, keys)`` reads ``d`` at each step.  ``gc.get_referents`` names what the
    iterator holds; the Python callables among them are traced where they run."""
    for referent in gc.get_referents(iterator):
        inner = referent if type(referent) is tuple else (referent,)  # zip's, map's iterators
        for item in inner:
            if isinstance(item, _ITERATOR_TYPES) or isinstance(item, types.GeneratorType):
                consume(footprint, item, depth)
            elif referent is item and callable(item) and not python_level(item) \
                    and not isinstance(item, type):
                function_call(footprint, item, [])


class _FileSystem:
    """The files and directories of the machine: what ``os`` and ``open`` calls read and
    change, shared by every thread (one location, as the tables cannot tell paths)."""

    def __repr__(self) -> str:
        return "the file system"


FILE_SYSTEM = _FileSystem()
# Modules whose C functions work on the file system (``os.stat``, ``os.mkdir``, ``open``).
_FILE_SYSTEM_MODULES = frozenset({"posix", "nt", "io", "_io"})


def unknown_call(footprint: Footprint, args: Iterable[Any]) -> None:
    """A C callable the tables do not know (``pickle.dumps``, ``struct.pack_into``,
    ``operator.attrgetter(...)``) called with ``args``.  It may touch anything (``top``:
    pruning assumes a conflict with every step), it reads what it is given (reported
    against an unordered bytecode-level write, as ``len()`` is), and it may change it:
    a possible write of each mutable argument, which makes the call a scheduling point
    when it conflicts with another thread's access (a check-then-act through it) but is
    never reported as a race, since it may be no write at all."""
    footprint.top = True
    for arg in args:
        deep_read(footprint, arg)
        if type(arg) not in VALUE_TYPES and not isinstance(arg, _IMMUTABLE_CONTAINERS):
            footprint.maybe_writes.add((footprint.name(arg), ALL))


def c_callable_arguments(footprint: Footprint, args: Iterable[Any]) -> None:
    """Arguments of a trusted C callable: read (or consumed); a C callable among
    them could be called from C, where the tracer cannot see it."""
    for arg in args:
        if callable(arg) and not python_level(arg) and not _harmless_callable(arg):
            footprint.top = True
            return
        consume(footprint, arg)


def _harmless_callable(fn: Any) -> bool:
    if isinstance(fn, type):
        return fn in VALUE_TYPES or fn in (tuple, frozenset, list, dict, set)
    if type(fn) is types.BuiltinFunctionType and not isinstance(fn.__self__, types.ModuleType):
        return False
    module = getattr(fn, "__module__", None) or "builtins"
    return _C_FUNCTIONS.get((module, getattr(fn, "__name__", ""))) == "read"


def _container_type(obj: Any) -> type | None:
    for base in type(obj).__mro__:
        if base in _READERS:
            return base
    return None


def method_call(footprint: Footprint, owner: Any, name: str, args: list[Any]) -> None:
    """A C method ``name`` of ``owner`` called with ``args``."""
    if type(owner) in VALUE_TYPES or isinstance(owner, _IMMUTABLE_CONTAINERS):
        deep_read(footprint, owner)
        c_callable_arguments(footprint, args)
        return
    container = _container_type(owner)
    if container is not None:
        if container is dict and type(owner) is dict and args and plain_key(args[0]) \
                and name in ("get", "__contains__", "__getitem__", "pop", "setdefault"):
            key = args[0]
            if name in ("get", "__contains__", "__getitem__") or (
                    name == "setdefault" and key in owner):
                footprint.reads.add((footprint.name(owner), entry_key(footprint, owner, key)))
            else:
                slot = entry_key(footprint, owner, key) if name == "pop" else ALL
                footprint.writes.add((footprint.name(owner), slot))
        elif name in _READERS[container]:
            footprint.reads.add((footprint.name(owner), ALL))
        else:
            footprint.writes.add((footprint.name(owner), ALL))
        c_callable_arguments(footprint, args)
        return
    if isinstance(owner, _SELF_ONLY_TYPES):
        footprint.writes.add((footprint.name(owner), ALL))
        c_callable_arguments(footprint, args)
        return
    if isinstance(owner, _ITERATOR_TYPES):
        consume(footprint, owner)
        return
    # A method of a C object the tables do not know (``array.append``, ``StringIO.write``,
    # a sqlite3 connection's ``execute``): one atomic call that may change the object's
    # inner state, which a later call (or ``len()``) reads.  Recorded as a write of that
    # state, so that a check-then-act across two such calls is a scheduling point; its
    # attributes are other locations (a C getter reads them atomically).
    footprint.writes.add((footprint.name(owner), C_STATE))
    unknown_call(footprint, args)  # and it reads what it is given (``out.write(buf)``)


def entry_key(footprint: Footprint, mapping: dict, key: Any) -> Any:
    """The location key of ``mapping[key]``: ``("[]", key)``, except that an entry of a
    namespace is the variable or attribute it holds: of a module's globals, the global
    as ``LOAD_GLOBAL`` names it (``globals()["n"]`` is ``global n``); of an instance's
    ``__dict__``, the attribute (``vars(obj)["x"]`` is ``obj.x``, the dict being named
    as the instance: see ``alias_namespace``)."""
    if type(key) is str and ("__builtins__" in mapping and "__name__" in mapping
                             or footprint.is_namespace(mapping)):
        return key
    return ("[]", key)


def alias_namespace(footprint: Footprint, owner: Any) -> None:
    """The program reads ``owner.__dict__`` (or calls ``vars(owner)``): from now on that
    dict's entries are ``owner``'s attributes.  Only an instance whose ``__dict__`` is
    the interpreter's own (a C getter, so reading it here runs no program code)."""
    if isinstance(owner, (type, types.ModuleType)):
        return  # a class's namespace is read-only; a module's is its globals already
    for base in type(owner).__mro__:
        descriptor = base.__dict__.get("__dict__")
        if descriptor is not None:
            if type(descriptor) is types.GetSetDescriptorType:
                namespace = descriptor.__get__(owner)
                if type(namespace) is dict:
                    footprint.alias_namespace(namespace, owner)
            return


def _attribute_location(footprint: Footprint, owner: Any, name: Any
                        ) -> tuple[int, Any] | None:
    """Where attribute ``name`` of ``owner`` lives; None when writing it could
    change what many objects see (a class attribute)."""
    if isinstance(owner, types.ModuleType):
        return (footprint.name(owner.__dict__), name)
    if isinstance(owner, type):
        return None
    return (footprint.name(owner), name)


def _container_method(owner: Any, name: str) -> bool:
    """Whether ``owner.name`` is a method of a builtin container's own (immutable) type,
    as ``xs.append``, or of a container subclass (``Counter.most_common``) that the
    instance does not shadow: looking it up reads nothing another thread changes by
    writing the container's entries."""
    kind = type(owner)
    if kind in _READERS:
        return isinstance(getattr(kind, name, None), _METHOD_TYPES)
    if not any(base in _READERS for base in kind.__mro__):
        return False
    namespace = getattr(owner, "__dict__", None)
    if type(namespace) is dict and name in namespace:
        return False
    return isinstance(getattr(kind, name, None), (types.FunctionType, *_METHOD_TYPES))


_METHOD_TYPES = (types.MethodDescriptorType, types.WrapperDescriptorType,
                 types.ClassMethodDescriptorType)


def attribute(footprint: Footprint, owner: Any, name: Any, write: bool) -> None:
    if not write and isinstance(name, str) and _container_method(owner, name):
        return  # (the call that follows records what the method touches)
    if not isinstance(name, str) or name == "__dict__" or write and name == "__class__":
        if name == "__dict__" and not write:
            alias_namespace(footprint, owner)
        footprint.top = True  # the namespace itself escapes, or every lookup changes
        return
    location = _attribute_location(footprint, owner, name)
    if write:
        if location is None:
            # What reads the class sees it (and maybe what its instances read too).
            footprint.writes.add((footprint.name(owner), name))
            footprint.top = True
        elif isinstance(owner, types.ModuleType) or _pure_python_type(type(owner)):
            footprint.writes.add(location)
        else:
            # A C type's attribute setter may change what other attributes show.
            footprint.writes.add((location[0], ALL))
    elif location is not None:
        footprint.reads.add(location)
    else:
        footprint.reads.add((footprint.name(owner), name))


def function_call(footprint: Footprint, fn: Any, args: list[Any]) -> None:
    """What calling ``fn(*args)`` touches, beyond the Python code it runs (traced)."""
    if python_level(fn):
        return
    kind = type(fn)
    if isinstance(fn, type):
        if safe_type(fn):
            c_callable_arguments(footprint, args)
        else:
            unknown_call(footprint, args)
        return
    if kind is types.BuiltinFunctionType:
        owner = fn.__self__
        if owner is None or isinstance(owner, types.ModuleType):
            _module_function(footprint, fn, args)
        elif isinstance(owner, type):
            if safe_type(owner):
                c_callable_arguments(footprint, args)
            else:
                unknown_call(footprint, args)
        else:
            method_call(footprint, owner, fn.__name__, args)
        return
    if kind in (types.MethodDescriptorType, types.WrapperDescriptorType,
                types.ClassMethodDescriptorType):
        if not args:
            footprint.top = True
        elif fn.__objclass__ is object and fn.__name__ in ("__setattr__", "__delattr__",
                                                           "__getattribute__"):
            attribute(footprint, args[0], args[1] if len(args) > 1 else None,
                      write=fn.__name__ != "__getattribute__")
        else:
            method_call(footprint, args[0], fn.__name__, list(args[1:]))
        return
    if kind is types.MethodWrapperType:
        method_call(footprint, fn.__self__, fn.__name__, args)
        return
    if kind is weakref.ref:
        footprint.reads.add((footprint.name(fn), ALL))  # whether the referent is still alive
        return
    if kind is functools.partial:
        function_call(footprint, fn.func, [*fn.args, *fn.keywords.values(), *args])
        return
    unknown_call(footprint, args)


# C callables that release the GIL while they hold a buffer export of an argument (a
# write to a file, pipe or socket, hashing, compression): a thread that resizes that
# bytearray meanwhile gets CPython's BufferError ("Existing exports of data: object
# cannot be re-sized").  Functions by (module, name); methods by (module, class, name).
_EXPORTS_WITHOUT_GIL = frozenset({
    ("posix", "write"), ("zlib", "compress"), ("zlib", "decompress"), ("zlib", "crc32"),
    ("zlib", "adler32"), ("_hashlib", "new"),
    ("_io", "FileIO", "write"), ("_io", "BufferedWriter", "write"),
    ("_io", "BufferedRandom", "write"), ("_socket", "socket", "send"),
    ("_socket", "socket", "sendall"), ("_socket", "socket", "sendto"),
    ("_hashlib", "HASH", "update"), ("zlib", "Compress", "compress"),
    ("zlib", "Decompress", "decompress"),
})
#: Buffers a thread can resize while another holds them exported.
_RESIZABLE = (bytearray, array.array)


def exported_without_gil(fn: Any, args: list[Any]) -> list[Any]:
    """The resizable buffers among ``args`` that ``fn`` holds exported while it releases
    the GIL (``_EXPORTS_WITHOUT_GIL``; hashlib's constructors, ``openssl_*``, too)."""
    buffers = [arg for arg in args if isinstance(arg, _RESIZABLE)]
    if not buffers:
        return []
    kind = type(fn)
    if kind is types.BuiltinFunctionType:
        owner = fn.__self__
        if owner is None or isinstance(owner, types.ModuleType):
            module = getattr(owner, "__name__", None) or fn.__module__
            key: tuple = (module, fn.__name__)
            if module == "_hashlib" and fn.__name__.startswith("openssl_"):
                return buffers
        else:
            defining = next((base for base in type(owner).__mro__
                             if fn.__name__ in vars(base)), type(owner))
            key = (defining.__module__, defining.__qualname__, fn.__name__)
    elif kind is types.MethodDescriptorType:
        cls = fn.__objclass__
        key = (cls.__module__, cls.__qualname__, fn.__name__)
    else:
        return []
    return buffers if key in _EXPORTS_WITHOUT_GIL else []


# C functions that read process-wide settings another thread may have just changed
# (contextlib.redirect_stdout rebinds sys.stdout, warnings.catch_warnings rebinds
# warnings.filters): (module, attribute) they read, as the writer's setattr names it.
_READS_SETTINGS: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {
    ("builtins", "print"): (("sys", "stdout"),),
    ("builtins", "input"): (("sys", "stdin"), ("sys", "stdout")),
    **{("_warnings", name): (("warnings", "filters"), ("warnings", "showwarning"),
                             ("warnings", "_showwarnmsg_impl"), ("warnings", "defaultaction"))
       for name in ("warn", "warn_explicit")},
}


def settings_modules() -> list[types.ModuleType]:
    """The loaded modules whose attributes ``_READS_SETTINGS`` names."""
    names = {owner for reads in _READS_SETTINGS.values() for owner, _ in reads}
    return [sys.modules[name] for name in sorted(names) if name in sys.modules]


def _module_function(footprint: Footprint, fn: Any, args: list[Any]) -> None:
    module = fn.__module__ or "builtins"
    for owner, name in _READS_SETTINGS.get((module, fn.__name__), ()):
        if owner in sys.modules:
            attribute(footprint, sys.modules[owner], name, write=False)
    rule = _C_FUNCTIONS.get((module, fn.__name__))
    if rule == "read":
        if fn is print and any(hasattr(arg, "write") and not python_level(arg.write)
                               for arg in args):
            footprint.top = True  # print(..., file=f) writes f from C
            return
        c_callable_arguments(footprint, args)
    elif rule == "first" and args:
        footprint.writes.add((footprint.name(args[0]), ALL))
        c_callable_arguments(footprint, args[1:])
    elif rule in ("attr-read", "attr-write") and len(args) >= 2:
        attribute(footprint, args[0], args[1], write=rule == "attr-write")
    elif rule == "next" and args:
        consume(footprint, args[0])
    elif rule == "namespace" and args:  # vars(obj): obj.__dict__
        attribute(footprint, args[0], "__dict__", write=False)
    else:
        unknown_call(footprint, args)
        if module in _FILE_SYSTEM_MODULES:  # a check-then-act on files: exists(), mkdir()
            footprint.maybe_writes.add((footprint.name(FILE_SYSTEM), ALL))
