"""Which schedule prefixes reach the same state: happens-before fingerprints.

A run is a sequence of steps, each one thread's work between two of its own
scheduling points, with a footprint: what it read and wrote.  Two adjacent
steps of different threads whose footprints do not conflict commute:
swapping them reaches the same state.  Prefixes that differ only by such
swaps are equivalent (one Mazurkiewicz trace), and the search needs only one
of them.

Each step gets a vector clock: for every thread, the last of its steps this
one depends on (its own previous step, and every earlier step it conflicts
with).  Equivalent prefixes have the same set of (thread, step number, clock)
triples, so a commutative hash of that set identifies the trace whatever the
order the steps were taken in.
"""

from __future__ import annotations

import hashlib
import itertools
import weakref
from collections.abc import Callable, Hashable
from typing import Any

from simfutures.sim.process_memory import LIVE_NAMESPACES

Clock = dict[int, int]
Location = tuple[int, Hashable]  # (object id, key); key ALL: the whole object

ALL = None
#: The key of a C object's inner state, which its methods the tables do not know change
#: (see ``effects.method_call``); no attribute can be named so.
C_STATE = "<C state>"


class Identities:
    """Names for the objects a run touches, unique for the whole run.

    An address alone is not: a freed object's address is soon reused, and two
    unrelated objects would look like one, adding dependencies that vary with
    the allocator from run to run (pruning must be deterministic).  Objects
    that take weak references get a serial number, checked alive on every
    lookup; the others (lists, dicts, cells, iterators) are kept alive until
    the run ends.  Their own collection is unobservable (no weak references,
    no finalizers); what they hold lives longer too, which only a program
    that watches those objects being collected could notice.
    """

    def __init__(self) -> None:
        self._kept: dict[int, Any] = {}
        # id of an instance's ``__dict__`` -> (that dict, the instance's name)
        self._namespaces: dict[int, tuple[dict, int]] = {}
        self._watched: dict[int, tuple[weakref.ref, int]] = {}
        self._serials = itertools.count(1)

    def __call__(self, obj: Any) -> int:
        address = id(obj)
        if address in LIVE_NAMESPACES:  # a module's globals, a child process's copy
            obj = LIVE_NAMESPACES[address]
            address = id(obj)
        namespace = self._namespaces.get(address)
        if namespace is not None and namespace[0] is obj:
            return namespace[1]
        if address in self._kept:
            return address
        watched = self._watched.get(address)
        if watched is not None and watched[0]() is obj:
            return watched[1]
        try:
            ref = weakref.ref(obj)
        except TypeError:
            self._kept[address] = obj
            return address
        serial = -next(self._serials)  # negative: never an address
        self._watched[address] = (ref, serial)
        return serial


    def alias_namespace(self, namespace: dict, owner: Any) -> None:
        """Name ``owner.__dict__`` as ``owner`` itself, so that ``obj.__dict__["x"]`` and
        ``vars(obj)["x"]`` are the location of ``obj.x`` (see ``is_namespace``)."""
        self._namespaces[id(namespace)] = (namespace, self(owner))

    def is_namespace(self, mapping: Any) -> bool:
        """Whether ``mapping`` is an instance's ``__dict__`` named by ``alias_namespace``."""
        namespace = self._namespaces.get(id(mapping))
        return namespace is not None and namespace[0] is mapping


class Footprint:
    """What one step touched.  ``top``: may have written anything; ``read_top``:
    may have read anything.  ``name`` names objects (see ``Identities``)."""

    __slots__ = ("reads", "writes", "top", "read_top", "name")

    def __init__(self, names: Callable[[Any], int] = id) -> None:
        self.reads: set[Location] = set()
        self.writes: set[Location] = set()
        self.top = False
        self.read_top = False
        self.name = names

    @property
    def maybe_writes(self) -> set[Location]:
        """Writes a C callable may have made (``effects.unknown_call``): for pruning,
        writes like any other."""
        return self.writes

    def alias_namespace(self, namespace: dict, owner: Any) -> None:
        if isinstance(self.name, Identities):  # (named by bare id(), as in unit tests: no)
            self.name.alias_namespace(namespace, owner)

    def is_namespace(self, mapping: Any) -> bool:
        return isinstance(self.name, Identities) and self.name.is_namespace(mapping)


def _join(into: Clock, other: Clock | None) -> None:
    if other:
        for thread, step in other.items():
            if into.get(thread, 0) < step:
                into[thread] = step


class HappensBefore:
    """Vector clocks of a run's steps so far, and the fingerprint of their trace."""

    def __init__(self) -> None:
        self._thread_clock: dict[int, Clock] = {}
        self._last_write: dict[Location, Clock] = {}
        self._reads: dict[Location, Clock] = {}
        self._object_writes: dict[int, Clock] = {}
        self._object_reads: dict[int, Clock] = {}
        self._every_step: Clock = {}
        self._every_writer: Clock = {}
        self._top_steps: Clock = {}
        self._read_top_steps: Clock = {}
        self.fingerprint = 0
        self.steps = 0

    def add(self, thread: int, step: int, footprint: Footprint) -> None:
        clock = dict(self._thread_clock.get(thread, ()))
        _join(clock, self._top_steps)
        writes_something = footprint.top or bool(footprint.writes)
        if writes_something:
            _join(clock, self._read_top_steps)
        if footprint.top:
            _join(clock, self._every_step)
        elif footprint.read_top:
            _join(clock, self._every_writer)
        last_write, reads = self._last_write, self._reads
        for location in footprint.reads:
            _join(clock, last_write.get(location))
            _join(clock, last_write.get((location[0], ALL)))
            if location[1] is ALL:
                _join(clock, self._object_writes.get(location[0]))
        for location in footprint.writes:
            whole = (location[0], ALL)
            _join(clock, last_write.get(location))
            _join(clock, reads.get(location))
            _join(clock, last_write.get(whole))
            _join(clock, reads.get(whole))
            if location[1] is ALL:
                _join(clock, self._object_writes.get(location[0]))
                _join(clock, self._object_reads.get(location[0]))
        clock[thread] = step
        self._record(thread, clock, footprint, writes_something)
        key = repr((thread, step, sorted(clock.items()))).encode()
        digest = hashlib.blake2b(key, digest_size=16).digest()
        self.fingerprint = (self.fingerprint + int.from_bytes(digest, "big")) % (1 << 128)
        self.steps += 1

    def _record(self, thread: int, clock: Clock, footprint: Footprint,
                writes_something: bool) -> None:
        self._thread_clock[thread] = clock
        _join(self._every_step, clock)
        if writes_something:
            _join(self._every_writer, clock)
        if footprint.top:
            _join(self._top_steps, clock)
        if footprint.read_top:
            _join(self._read_top_steps, clock)
        for location in footprint.reads:
            _join(self._reads.setdefault(location, {}), clock)
            _join(self._object_reads.setdefault(location[0], {}), clock)
        for location in footprint.writes:
            self._last_write[location] = clock
            _join(self._object_writes.setdefault(location[0], {}), clock)
