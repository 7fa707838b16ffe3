"""``multiprocessing.Manager()`` on virtual processes.

A real manager is a server process that owns the shared objects (a dict, a
list, a ``Namespace``, queues, locks); every method call on a proxy is one
request over a pipe, run by the server and answered with a pickled copy of
the result.  Under the simulator a manager owns its objects inside the run:
a proxy call is a scheduling point before the request, the method run at once
on the shared object, then a synchronising operation on it (the reply), with
the arguments and the result copied by pickling as they would cross a pipe.
So ``d["n"] = d["n"] + 1`` from two tasks of a process pool is two calls
that another task's calls can come between (a lost update, as in CPython),
while each call is atomic (the server runs it under the GIL).

The proxies are the stdlib's proxy classes (``DictProxy``, ``ListProxy``,
``NamespaceProxy``, ``ValueProxy``, ``AcquirerProxy``...) with the transport
replaced, so ``isinstance`` checks and their Python-level methods (a
``NamespaceProxy``'s attribute access, ``ListProxy.__iadd__``) are CPython's.
A proxy pickles to a reference to its shared object, so it can be handed to
a process pool's tasks.  Locks, events, queues and the like a manager makes
are the simulator's own (they park virtual threads).

Not modelled: a manager's ``Pool``, ``register()`` of custom types, the
manager's own process (no pid, no ``address``), and calls after ``shutdown()``
(they go on working, where CPython's fail on the closed connection).
"""

from __future__ import annotations

import io
import multiprocessing
import multiprocessing.context
import multiprocessing.managers as _stdlib
import pickle
import queue
import threading
from multiprocessing.reduction import ForkingPickler
from typing import Any

from simfutures.sim import context


def _made_in_run(module: Any, name: str) -> Any:
    """A factory of ``module.name`` as it is when called: inside a run ``threading``'s
    and ``queue``'s classes are the simulator's."""
    return lambda *args, **kwds: getattr(module, name)(*args, **kwds)


_SYNCHRONISING = {
    "Queue": _made_in_run(queue, "Queue"),
    "JoinableQueue": _made_in_run(queue, "Queue"),
    **{name: _made_in_run(threading, name)
       for name in ("Event", "Lock", "RLock", "Semaphore", "BoundedSemaphore", "Condition",
                    "Barrier")},
}
_NOT_SIMULATED = frozenset({"Pool", "AsyncResult"})


class _SharedObjects:
    """One run's shared objects, by key (kept on the scheduler: a run starts empty)."""

    def __init__(self) -> None:
        self.objects: dict[int, Any] = {}

    def add(self, referent: Any) -> int:
        key = len(self.objects) + 1
        self.objects[key] = referent
        return key


def _shared_objects() -> _SharedObjects:
    sched = context.scheduler()
    shared = getattr(sched, "manager_objects", None)
    if shared is None:
        shared = sched.manager_objects = _SharedObjects()
    return shared


class _ArgumentPickler(ForkingPickler):
    """Arguments sent to the manager: a proxy of it arrives as its shared object
    (as the stdlib's ``RebuildProxy`` gives the server the referent)."""

    def persistent_id(self, obj: Any) -> Any:
        if isinstance(obj, _VirtualProxy):
            return obj._key
        return None


class _ArgumentUnpickler(pickle.Unpickler):
    def persistent_load(self, key: Any) -> Any:
        return _shared_objects().objects[key]


def _to_manager(value: Any) -> Any:
    buffer = io.BytesIO()
    _ArgumentPickler(buffer).dump(value)
    buffer.seek(0)
    return _ArgumentUnpickler(buffer).load()


def _copy(value: Any) -> Any:
    """``value`` as it crosses the manager's connection (``ForkingPickler``: a dict's
    ``keys()`` arrives as a list)."""
    return pickle.loads(ForkingPickler.dumps(value))


class _VirtualProxy:
    """The transport of a stdlib proxy class, replaced (see the module docstring)."""

    _key: int
    _typeid: str

    def __init__(self, key: int, typeid: str) -> None:
        object.__setattr__(self, "_key", key)
        object.__setattr__(self, "_typeid", typeid)

    def _callmethod(self, methodname: str, args: tuple = (), kwds: dict | None = None) -> Any:
        """Call ``methodname`` on the shared object: a scheduling point before the
        request, the call, the reply (a copy of the result, or a new proxy for the
        methods the stdlib answers with one: a dict's ``__iter__``)."""
        sched = context.scheduler()
        referent = _shared_objects().objects[self._key]
        args, kwds = _to_manager((args, kwds or {}))
        sched.preempt()
        try:
            result = getattr(referent, methodname)(*args, **kwds)
        except Exception as error:
            sched.sync(referent)
            raise _copy(error) from None
        typeid = (getattr(self, "_method_to_typeid_", None) or {}).get(methodname)
        reply = make_proxy(typeid, result) if typeid else _copy(result)
        sched.sync(referent)
        return reply

    def _getvalue(self) -> Any:
        return _copy(_shared_objects().objects[self._key])

    def __reduce__(self) -> Any:
        return (_rebuild, (self._key, self._typeid))

    def __deepcopy__(self, memo: dict) -> Any:
        return self._getvalue()

    def __repr__(self) -> str:
        return "<%s object, typeid %r at %#x>" % (type(self).__name__, self._typeid, id(self))

    def __str__(self) -> str:
        return self._callmethod("__repr__")


_proxy_classes: dict[str, type] = {}


def _proxy_class(typeid: str) -> type:
    cls = _proxy_classes.get(typeid)
    if cls is None:
        _factory, exposed, _method_to_typeid, proxytype = _stdlib.SyncManager._registry[typeid]
        if proxytype is _stdlib.AutoProxy:
            referent_type = {"Queue": queue.Queue, "JoinableQueue": queue.Queue}[typeid]
            exposed = exposed or _stdlib.public_methods(referent_type)
            proxytype = _stdlib.MakeProxyType(f"AutoProxy[{typeid}]", exposed)
        cls = _proxy_classes[typeid] = type(proxytype.__name__, (_VirtualProxy, proxytype),
                                            {"__module__": proxytype.__module__})
    return cls


def make_proxy(typeid: str, referent: Any) -> Any:
    """A new shared object of the running run, and a proxy of it."""
    return _proxy_class(typeid)(_shared_objects().add(referent), typeid)


def _rebuild(key: int, typeid: str) -> Any:
    return _proxy_class(typeid)(key, typeid)


def _maker(typeid: str) -> Any:
    factory = _SYNCHRONISING.get(typeid) or _stdlib.SyncManager._registry[typeid][0]

    def make(self: VirtualManager, /, *args: Any, **kwds: Any) -> Any:
        sched = context.scheduler()
        sched.preempt()  # a request to the manager
        referent = factory(*_to_manager(args), **_to_manager(kwds))
        return make_proxy(typeid, referent)

    make.__name__ = make.__qualname__ = typeid
    return make


def _not_simulated(typeid: str) -> Any:
    def make(self: VirtualManager, /, *args: Any, **kwds: Any) -> Any:
        raise NotImplementedError(f"simfutures: a manager's {typeid}() is not simulated")

    make.__name__ = typeid
    return make


class VirtualManager:
    """``multiprocessing.Manager()`` in a run: ``start``/``shutdown``/``with`` as the
    stdlib's ``SyncManager`` (its states and ``ProcessError`` messages), and one
    method per typeid the stdlib registers (``dict``, ``list``, ``Lock``...)."""

    def __init__(self) -> None:
        self._state = _stdlib.State.INITIAL

    def start(self, initializer: Any = None, initargs: tuple = ()) -> None:
        if self._state == _stdlib.State.STARTED:
            raise _stdlib.ProcessError("Already started server")
        if self._state == _stdlib.State.SHUTDOWN:
            raise _stdlib.ProcessError("Manager has shut down")
        if initializer is not None and not callable(initializer):
            raise TypeError("initializer must be a callable")
        self._state = _stdlib.State.STARTED
        if initializer is not None:
            initializer(*initargs)

    def __enter__(self) -> VirtualManager:
        if self._state == _stdlib.State.INITIAL:
            self.start()
        if self._state != _stdlib.State.STARTED:
            raise _stdlib.ProcessError("Unable to start server")
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()

    def shutdown(self) -> None:
        if self._state == _stdlib.State.STARTED:
            self._state = _stdlib.State.SHUTDOWN

    def join(self, timeout: float | None = None) -> None:
        pass


for _typeid in _stdlib.SyncManager._registry:
    setattr(VirtualManager, _typeid,
            (_not_simulated if _typeid in _NOT_SIMULATED else _maker)(_typeid))


def manager(*_args: Any, **_kwds: Any) -> VirtualManager:
    """``multiprocessing.Manager()`` and ``ctx.Manager()`` during a run."""
    return VirtualManager()


PATCHES = [(multiprocessing, {"Manager": manager}),
           (multiprocessing.context.BaseContext, {"Manager": manager})]
