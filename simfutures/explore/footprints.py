"""Step footprints of a simulated run, observed with an opcode tracer.

Exhaustive search prunes schedules that only reorder steps which commute,
and for that it must know what each step touched.  The simulator alone
cannot say: between two scheduling points a thread runs arbitrary Python,
and the racy read-modify-write of a global is exactly that.  So while a run
is explored, every frame of user code (and of the executor, which is plain
Python over the runtime) is traced instruction by instruction, and each
instruction's effect is recorded into the running thread's current step:

* globals, closure cells and attributes by (object, name), dict entries and
  list slots by (container, key), whole objects for anything coarser;
* calls into C through ``effects`` (known builtins, or "touches everything");
* calls into the simulator's primitives as a write of the primitive.

A step ends at each of the thread's scheduling points (``point``), where its
footprint goes into the happens-before history.  The tracer costs a lot per
instruction, which is why only exhaustive search uses it.
"""

from __future__ import annotations

import collections
import dis
import sys
import types
from collections.abc import Callable
from types import CodeType, FrameType
from typing import Any

from simfutures.explore import effects, stack_depth, stack_peek
from simfutures.explore.equivalence import ALL, Footprint, HappensBefore, Identities
from simfutures.sim.scheduler import PACKAGE_DIR, SIM_DIR, Scheduler, VThread

_SIM = SIM_DIR
_PACKAGE = PACKAGE_DIR + "/"
# Simulator code traced like the program's: where it calls the program's own
# callables (a C callable such as ``list.append`` runs no Python of its own, so
# only the calling instruction shows what it touches).  Thread.run and Timer.run
# call their target in place, so tracebacks keep the stdlib's shape; the rest goes
# through ``simfutures.usercall.invoke``, traced as all simfutures code outside the
# simulator is.
_TRACED_SIM_CODE = {(_SIM + "threads.py", "run")}
_IGNORED = (_PACKAGE + "explore/", _PACKAGE + "trace/", _PACKAGE + "events.py",
            _SIM + "chooser.py")

_TRACE, _SIM_CALL, _IGNORE = range(3)
# Per code object, for every run: how to treat its frames, and its decoded instructions.
_KINDS: dict[CodeType, int] = {}
# A decoded instruction: its handler, the argument the handler needs, and the stack
# depth before it (``stack_depth``).
Instruction = tuple[Callable[..., None], Any, int]
_TABLES: dict[CodeType, dict[int, Instruction]] = {}

# Code whose frames outlive a call: resuming one (``next(gen)``, a coroutine's
# ``send``) writes its frame, since CPython refuses a generator that is already
# running in another thread ("ValueError: generator already executing").
RESUMABLE = sum(flag for flag, name in dis.COMPILER_FLAG_NAMES.items()
                if name in ("GENERATOR", "COROUTINE", "ASYNC_GENERATOR"))
#: The location a resume writes: (the frame, RESUMED).
RESUMED = "resumed"

# The simulator's own state that orders steps.  Object id 0 is never a real object.
CLOCK = (0, "virtual clock")
THREAD_NUMBERS = (0, "thread numbers")
SERIALS = (0, "serial numbers")
_SCHEDULER_RULES = {"new_thread": THREAD_NUMBERS, "new_serial": SERIALS,
                    "_advance_clock": CLOCK, "_elapse": CLOCK}
# Module-level simulator functions that touch nothing but the clock, the
# running thread and what their callees record (``run`` starts a virtual
# thread, ``call`` dispatches a patched function to its virtual twin); any
# other module-level function of the simulator marks the step as touching
# everything.
_SIM_FUNCTIONS = {name: CLOCK for name in (
    "<lambda>", "<genexpr>", "<listcomp>", "<dictcomp>", "<setcomp>", "run", "call",
    "scheduler", "current", "active", "_active", "_remaining", "_deadline", "_now", "_sleep",
    "_getpid", "current_thread", "get_ident", "get_native_id", "main_thread",
    "simulating", "running", "_called_from_program", "is_program_file",
    # sim/wall_clock.py: the wall clock read in C, made the virtual one
    "localtime", "gmtime", "ctime", "asctime", "strftime", "clock_gettime", "clock_gettime_ns",
    "_now_if_omitted", "_datetime_now", "_datetime_utcnow",
    # a switch puts the next thread's asyncio loop in place (once asyncio is loaded)
    "_swap_running_loop",
    # sim/recursion.py: the recursion headroom measured as a thread enters the program
    "enter_program", "_depth", "exec_hops")}
_SIM_FUNCTIONS["_names"] = THREAD_NUMBERS

_INPLACE_MIN = 13  # BINARY_OP opargs from here on are the augmented assignments
_OPERATOR_NAMES = ("add", "and", "floordiv", "lshift", "matmul", "mul", "mod", "or", "pow",
                   "rshift", "sub", "truediv", "xor")
_IMMUTABLE_OPERANDS = (int, float, complex, str, bytes, bool, tuple, frozenset, type(None))
# CPython 3.13 pushes a call's callable first and ``self`` (or NULL) over it; 3.11 and
# 3.12 push the method (or NULL) first and ``self`` (or the callable) over it.
_CALLABLE_FIRST = sys.version_info >= (3, 13)


class FootprintTracer:
    """Observes one run: per-thread steps and their footprints, into ``history``."""

    def __init__(self, sched: Scheduler) -> None:
        self._sched = sched
        self._inner: Any = None  # a race tracer running under this one
        self.history = HappensBefore()
        self._names = Identities()
        self._open: dict[int, Footprint] = {}
        self._step_count: dict[int, int] = {}
        self._pending_iter: dict[int, tuple[FrameType, Any]] = {}
        self._iter_sources: dict[int, tuple[Any, Any]] = {}
        self._previous: Any = None
        # The global trace function, one object held here for the tracer's life: a
        # fresh bound method per sys.settrace() was held by the interpreter alone, and
        # with threads switched inside trace calls it was freed while still installed
        # (CPython 3.11 under load: "'dict' object is not callable" at a function's
        # entry, or a segfault there with PYTHONMALLOC=debug; never with gc disabled).
        self._global_trace = self._on_call
        self._depth = 0  # the stack depth before the instruction being decoded
        self.paused = False  # the chooser is deciding: what it runs is not the program's

    def install(self) -> None:
        """Trace from now on; be told of every scheduling point of the run.

        The scheduler's three scheduling-point methods are wrapped on this one
        scheduler instance, so that runs which are not observed pay nothing.
        """
        stack_peek.pause_other_tools()
        sched = self._sched
        preempt, block, exit_current = sched.preempt, sched.block, sched._exit_current

        def observed_preempt() -> None:
            self.point(sched.current)
            preempt()

        def observed_block(*args: Any) -> bool:
            self.point(sched.current)
            return block(*args)

        def observed_exit() -> None:
            vt = sched.current
            if vt.facade is not None:
                self.sync(vt, vt.facade)  # in its last step: joins and is_alive() read it
            self.point(vt)
            exit_current()

        sched.preempt, sched.block, sched._exit_current = (observed_preempt, observed_block,
                                                          observed_exit)
        sched.sync_observers += (self,)
        sched.chooser = _Untraced(sched.chooser, self)
        self._previous = sys.gettrace()
        # A race tracer of the same run goes on under this one (one trace function
        # per thread): it is called first for each frame and instruction.
        self._inner = getattr(self._previous, "__self__", None)
        if self._inner is not None and hasattr(self._inner, "outer"):
            self._inner.outer = self._global_trace
        else:
            self._inner = None
        sys.settrace(self._global_trace)

    def remove(self) -> None:
        if self._inner is not None:
            self._inner.outer = None
        sys.settrace(self._previous)
        stack_peek.resume_other_tools()

    # -- steps -----------------------------------------------------------------

    def point(self, vt: VThread) -> None:
        """``vt`` reached a scheduling point: its step so far is complete."""
        ident = vt.ident
        footprint = self._open.pop(ident, None) or Footprint(self._names)
        step = self._step_count.get(ident, 0) + 1
        self._step_count[ident] = step
        sys.settrace(None)  # the bookkeeping is not the program's
        try:
            self.history.add(ident, step, footprint)
        finally:
            sys.settrace(self._global_trace)
        # The next step begins inside the primitive that called the scheduler
        # (the acquire it is about to complete): it touches that primitive.
        following = self._open[ident] = Footprint(self._names)
        frame = sys._getframe(2)
        while frame is not None and self._kind(frame.f_code) == _SIM_CALL:
            self._simulator_call(frame, following)
            frame = frame.f_back

    def sync(self, vt: VThread, obj: object) -> None:
        """A synchronising operation (the scheduler's one hook, also a thread's start
        and exit): it writes ``obj`` (a join or ``is_alive()`` reads the thread)."""
        footprint = self._open.get(vt.ident)
        if footprint is None:
            footprint = self._open[vt.ident] = Footprint(self._names)
        footprint.writes.add((footprint.name(obj), ALL))

    def _footprint(self) -> Footprint | None:
        vt = self._sched.current
        if vt is None or self._sched.over:
            return None
        footprint = self._open.get(vt.ident)
        if footprint is None:
            footprint = self._open[vt.ident] = Footprint(self._names)
        return footprint

    # -- tracing ---------------------------------------------------------------

    def _kind(self, code: CodeType) -> int:
        kind = _KINDS.get(code)
        if kind is None:
            filename = code.co_filename
            if filename.startswith(_IGNORED):
                kind = _IGNORE
            elif filename.startswith(_SIM) and (filename, code.co_name) not in _TRACED_SIM_CODE:
                kind = _SIM_CALL
            else:
                kind = _TRACE
            _KINDS[code] = kind
        return kind

    def _on_call(self, frame: FrameType, event: str, arg: Any) -> Any:
        inner = self._inner
        if inner is None:
            return self._traced_call(frame, event, arg)
        inner_local = inner._on_call(frame, event, arg)
        local = self._traced_call(frame, event, arg)
        if inner_local is None or local is None:
            return inner_local or local

        def both(frame: FrameType, event: str, arg: Any) -> Any:
            inner_local(frame, event, arg)  # may switch threads: before this step records
            local(frame, event, arg)
            return both

        stack_peek.trace_opcodes(frame, both)
        return both

    def _traced_call(self, frame: FrameType, event: str, arg: Any) -> Any:
        if self.paused or self._sched.current is None or self._sched.over:
            return None
        kind = self._kind(frame.f_code)
        if kind == _TRACE:
            if frame.f_code.co_flags & RESUMABLE:
                footprint = self._footprint()
                if footprint is not None:
                    footprint.writes.add((footprint.name(frame), RESUMED))
            stack_peek.trace_opcodes(frame, self._on_opcode)
            return self._on_opcode
        if kind == _SIM_CALL:
            footprint = self._footprint()
            if footprint is not None:
                self._simulator_call(frame, footprint)
        return None

    def _simulator_call(self, frame: FrameType, footprint: Footprint) -> None:
        code = frame.f_code
        if code.co_argcount and code.co_varnames[0] == "self":
            owner = _first_argument(frame)
            if type(owner) is Scheduler:
                location = _SCHEDULER_RULES.get(code.co_name)
                if location is not None:
                    footprint.writes.add(location)
                elif code.co_name == "call_at":
                    footprint.top = True
                else:
                    footprint.reads.add(CLOCK)
                return
            footprint.writes.add((footprint.name(owner), ALL))
            footprint.reads.add(CLOCK)
        else:
            location = _SIM_FUNCTIONS.get(code.co_name)
            if location is None:
                footprint.top = True
            elif location is CLOCK:
                footprint.reads.add(CLOCK)
            else:
                footprint.writes.add(location)

    def _on_opcode(self, frame: FrameType, event: str, arg: Any) -> Any:
        if event != "opcode":
            return self._on_opcode
        if self._pending_iter:
            pending = self._pending_iter.pop(id(frame), None)
            if pending is not None and pending[0] is frame:
                self._iterator_made(frame, pending[1], pending[2])
        code = frame.f_code
        table = _TABLES.get(code)
        if table is None:
            table = _TABLES[code] = _decode(code)
        instruction = table.get(frame.f_lasti)
        if instruction is None:
            return self._on_opcode
        handler, argument, self._depth = instruction
        footprint = self._footprint()
        if footprint is None or footprint.top and handler is not _T._get_iter:
            return self._on_opcode
        if not stack_peek.AVAILABLE and handler not in _NEEDS_NO_STACK:
            footprint.top = True
        else:
            handler(self, frame, argument, footprint)
        return self._on_opcode

    def _stack(self, frame: FrameType, count: int) -> list[Any]:
        """The top ``count`` values of the stack the current instruction sees, top first."""
        return stack_peek.stack(frame, count, self._depth)

    def _iterator_made(self, frame: FrameType, iterable: Any, slot: int) -> None:
        """The instruction after a ``GET_ITER``: the iterator it made is in stack slot
        ``slot`` (counted from the bottom), unless the frame went elsewhere (it raised)."""
        now = stack_peek.depth(frame)
        if now > slot:
            iterator = stack_peek.stack(frame, now - slot, now)[-1]
            self._iter_sources[id(iterator)] = (iterator, iterable)

    # -- instructions ----------------------------------------------------------

    def _global(self, frame: FrameType, name: str, footprint: Footprint, write: bool) -> None:
        location = (footprint.name(frame.f_globals), name)
        (footprint.writes if write else footprint.reads).add(location)

    def _load_global(self, frame, name, footprint):
        self._global(frame, name, footprint, write=False)

    def _store_global(self, frame, name, footprint):
        self._global(frame, name, footprint, write=True)

    def _store_name(self, frame, name, footprint):
        if frame.f_locals is frame.f_globals:  # module level; a class body is local
            self._global(frame, name, footprint, write=True)

    def _cell(self, frame, index, footprint, write=False):
        cell = stack_peek.fast_slot(frame, index)
        location = (footprint.name(cell), "cell")
        (footprint.writes if write else footprint.reads).add(location)

    def _store_cell(self, frame, index, footprint):
        self._cell(frame, index, footprint, write=True)

    def _load_attr(self, frame, name, footprint):
        effects.attribute(footprint, self._stack(frame, 1)[0], name, write=False)

    def _store_attr(self, frame, name, footprint):
        effects.attribute(footprint, self._stack(frame, 1)[0], name, write=True)

    def _subscript(self, frame, dunder, footprint):
        key, container = self._stack(frame, 2)
        effects.deep_read(footprint, key)
        self._item(container, key, dunder, footprint)

    def _item(self, container, key, dunder, footprint):
        if type(container) is memoryview:
            try:  # a view's items are its buffer's (``mv[0]`` is ``buf[0]``)
                container = container.obj
            except ValueError:  # released: the access raises
                return
        if effects.python_level(getattr(type(container), dunder, None)):
            return  # Python code, traced
        write = dunder != "__getitem__"
        # Deleting a list item shifts the ones after it: the whole list changes.
        location = None if dunder == "__delitem__" and isinstance(container, list) \
            else _entry(footprint, container, key, write)
        if location is not None:
            (footprint.writes if write else footprint.reads).add(location)
        elif write or isinstance(container, collections.defaultdict):
            # (a defaultdict read may insert)
            footprint.writes.add((footprint.name(container), ALL))
        elif isinstance(container, effects.READABLE_TYPES):
            footprint.reads.add((footprint.name(container), ALL))
        else:
            footprint.top = True

    def _slice(self, frame, dunder, footprint):
        """``container[start:stop]`` (3.12's ``BINARY_SLICE`` and ``STORE_SLICE``)."""
        stop, start, container, *value = self._stack(frame, 4 if dunder == "__setitem__" else 3)
        effects.deep_read(footprint, start)
        effects.deep_read(footprint, stop)
        if value:
            effects.consume(footprint, value[0])  # the new items are iterated in C
        self._item(container, slice(start, stop), dunder, footprint)

    def _load_slice(self, frame, _argument, footprint):
        self._slice(frame, "__getitem__", footprint)

    def _store_slice(self, frame, _argument, footprint):
        self._slice(frame, "__setitem__", footprint)

    def _load_subscript(self, frame, _argument, footprint):
        self._subscript(frame, "__getitem__", footprint)

    def _store_subscript(self, frame, _argument, footprint):
        self._subscript(frame, "__setitem__", footprint)

    def _delete_subscript(self, frame, _argument, footprint):
        self._subscript(frame, "__delitem__", footprint)

    def _operands(self, frame, count, footprint):
        for operand in self._stack(frame, count):
            effects.deep_read(footprint, operand)

    def _unary(self, frame, _argument, footprint):
        self._operands(frame, 1, footprint)

    def _binary(self, frame, _argument, footprint):
        self._operands(frame, 2, footprint)

    def _binary_op(self, frame, operation, footprint):
        right, left = self._stack(frame, 2)
        effects.deep_read(footprint, right)
        if operation < _INPLACE_MIN or isinstance(left, _IMMUTABLE_OPERANDS):
            effects.deep_read(footprint, left)
            return
        name = f"__i{_OPERATOR_NAMES[operation - _INPLACE_MIN]}__"
        if not effects.python_level(getattr(type(left), name, None)):
            # a list's += and friends work in place
            footprint.writes.add((footprint.name(left), ALL))

    def _truth(self, frame, _argument, footprint):
        effects.shallow_read(footprint, self._stack(frame, 1)[0])

    def _get_iter(self, frame, _argument, footprint):
        iterable = self._stack(frame, 1)[0]
        # The iterator takes the iterable's place on the stack.
        self._pending_iter[id(frame)] = (frame, iterable, self._depth - 1)

    def _for_iter(self, frame, _argument, footprint):
        iterator = self._stack(frame, 1)[0]
        source = self._iter_sources.get(id(iterator))
        if source is not None and source[0] is iterator and source[1] is not iterator:
            # A fresh iterator over ``source[1]`` (an iterator is its own source: it
            # may wrap others, see ``effects.consume``).
            footprint.writes.add((footprint.name(iterator), ALL))
            effects.shallow_read(footprint, source[1])
        elif effects.python_level(getattr(type(iterator), "__next__", None)):
            return  # a Python iterator: its __next__ is traced
        else:
            effects.consume(footprint, iterator)

    def _consume_top(self, frame, _argument, footprint):
        effects.consume(footprint, self._stack(frame, 1)[0])

    def _call(self, frame, count, footprint):
        self._called(self._stack(frame, count + 2), footprint)

    def _call_kw(self, frame, count, footprint):
        """3.13's ``CALL_KW``: the keyword names' tuple is on top of a ``CALL``'s stack."""
        self._called(self._stack(frame, count + 3)[1:], footprint)

    def _called(self, items, footprint):
        """A call whose stack is ``items`` (top first): the arguments, then the two
        slots under them (see ``_CALLABLE_FIRST``)."""
        bottom, second = items[-1], items[-2]
        args = list(reversed(items[:-2]))
        if _CALLABLE_FIRST:
            if second is not stack_peek.NULL:
                args.insert(0, second)
            self._function_call(footprint, bottom, args)
        elif bottom is stack_peek.NULL:
            self._function_call(footprint, second, args)
        else:
            self._function_call(footprint, bottom, [second, *args])

    def _function_call(self, footprint, fn, args):
        effects.function_call(footprint, fn, args)

    def _call_ex(self, frame, flags, footprint):
        # Top first: [keyword dict,] positional, the callable (3.13: NULL, the callable).
        items = self._stack(frame, (3 if flags & 1 else 2) + _CALLABLE_FIRST)
        kwargs = items[0] if flags & 1 else {}
        positional, fn = items[1 if flags & 1 else 0], items[-1]
        if type(positional) in (set, frozenset):  # iterated in C: no program code runs
            effects.shallow_read(footprint, positional)
            positional = list(positional)
        if type(positional) not in (tuple, list) or type(kwargs) is not dict:
            footprint.top = True  # unpacking it here would run the program's code
            return
        self._function_call(footprint, fn, [*positional, *kwargs.values()])

    def _with(self, frame, _argument, footprint):
        manager = self._stack(frame, 1)[0]
        kind = type(manager)
        if not (effects.python_level(getattr(kind, "__enter__", None))
                and effects.python_level(getattr(kind, "__exit__", None))):
            footprint.top = True

    def _with_exception(self, frame, _argument, footprint):
        if not effects.python_level(self._stack(frame, 4)[3]):
            footprint.top = True

    def _import_from(self, frame, name, footprint):
        effects.attribute(footprint, self._stack(frame, 1)[0], name, write=False)

    def _format(self, frame, flags, footprint):
        self._operands(frame, 2 if flags & 0x04 else 1, footprint)

    def _load_super_attr(self, frame, name, footprint):
        """``super().name`` (3.12): a lookup in the class dictionaries of ``self``'s MRO
        (a write to a class attribute touches everything, so reading each is enough)."""
        instance, _cls, function = self._stack(frame, 3)
        if function is not super:  # a global ``super`` of the program's: its own call
            footprint.top = True
            return
        owner = instance if isinstance(instance, type) else type(instance)
        for base in owner.__mro__:
            footprint.reads.add((footprint.name(base), name))

    def _send(self, frame, _argument, footprint):
        receiver = self._stack(frame, 2)[1]
        footprint.writes.add((footprint.name(receiver), ALL))

    def _match_class(self, frame, _count, footprint):
        """``case Point(x=.., y=..)``: reads the subject's attributes in one instruction
        (by C ``getattr``; Python-level properties are traced besides)."""
        footprint.top = True
        subject = self._stack(frame, 3)[2]  # under the class and the keyword names
        if type(subject) not in effects.VALUE_TYPES:
            footprint.reads.add((footprint.name(subject), ALL))

    def _everything(self, frame, _argument, footprint):
        footprint.top = True

    def _import_name(self, frame, name, footprint):
        footprint.top = True  # the import may run a module's body
        fromlist, level = self._stack(frame, 2)
        self._importing(frame, name, level, fromlist)

    def _importing(self, frame: FrameType, name: str, level: int, fromlist: Any) -> None:
        """An ``import`` about to run (see ``RaceTracer``)."""


class _Untraced:
    """Wraps the scheduler's chooser: what the chooser runs is not the program's."""

    def __init__(self, inner: Any, tracer: FootprintTracer) -> None:
        self._inner = inner
        self._tracer = tracer

    def choose(self, n: int, kind: str) -> int:
        self._tracer.paused = True
        try:
            return self._inner.choose(n, kind)
        finally:
            self._tracer.paused = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


_NEEDS_NO_STACK = {FootprintTracer._load_global, FootprintTracer._store_global,
                   FootprintTracer._store_name,
                   FootprintTracer._everything}
# Handlers that read fast locals but not the operand stack.
_NEEDS_NO_DEPTH = _NEEDS_NO_STACK | {FootprintTracer._cell, FootprintTracer._store_cell}

# Instructions that touch nothing another thread can see (the frame's own locals and
# stack, fresh objects, control flow), on CPython 3.11, 3.12 and 3.13.  The names of
# ``CALL_INTRINSIC_1/2`` functions stand for those instructions.
_PURE = {
    "NOP", "RESUME", "CACHE", "EXTENDED_ARG", "POP_TOP", "PUSH_NULL", "COPY", "SWAP",
    "LOAD_CONST", "LOAD_FAST", "STORE_FAST", "DELETE_FAST", "LOAD_CLOSURE", "MAKE_CELL",
    "COPY_FREE_VARS", "RETURN_VALUE", "JUMP_FORWARD", "JUMP_BACKWARD",
    "JUMP_BACKWARD_NO_INTERRUPT", "POP_JUMP_FORWARD_IF_NONE", "POP_JUMP_FORWARD_IF_NOT_NONE",
    "POP_JUMP_BACKWARD_IF_NONE", "POP_JUMP_BACKWARD_IF_NOT_NONE", "IS_OP", "KW_NAMES",
    "PRECALL", "BUILD_TUPLE", "BUILD_LIST", "BUILD_SET", "BUILD_MAP", "BUILD_CONST_KEY_MAP",
    "BUILD_STRING", "BUILD_SLICE", "LIST_APPEND", "SET_ADD", "MAP_ADD", "LIST_TO_TUPLE",
    "MAKE_FUNCTION", "LOAD_BUILD_CLASS", "LOAD_ASSERTION_ERROR", "RAISE_VARARGS", "RERAISE",
    "PUSH_EXC_INFO", "POP_EXCEPT", "CHECK_EXC_MATCH", "CHECK_EG_MATCH", "PREP_RERAISE_STAR",
    "YIELD_VALUE", "RETURN_GENERATOR",
    # 3.12
    "RETURN_CONST", "POP_JUMP_IF_NONE", "POP_JUMP_IF_NOT_NONE", "END_FOR", "END_SEND",
    "LOAD_FAST_CHECK", "LOAD_FAST_AND_CLEAR", "STORE_FAST_MAYBE_NULL", "LOAD_LOCALS",
    "CLEANUP_THROW", "INTERPRETER_EXIT", "JUMP", "JUMP_NO_INTERRUPT",
    "INTRINSIC_STOPITERATION_ERROR", "INTRINSIC_ASYNC_GEN_WRAP", "INTRINSIC_PREP_RERAISE_STAR",
    # 3.13
    "LOAD_FAST_LOAD_FAST", "STORE_FAST_LOAD_FAST", "STORE_FAST_STORE_FAST",
    "SET_FUNCTION_ATTRIBUTE", "EXIT_INIT_CHECK",
}
_T = FootprintTracer
_HANDLERS: dict[str, Callable[..., None]] = {
    "LOAD_GLOBAL": _T._load_global, "STORE_GLOBAL": _T._store_global,
    "DELETE_GLOBAL": _T._store_global, "LOAD_NAME": _T._load_global,
    "STORE_NAME": _T._store_name, "DELETE_NAME": _T._store_name,
    "LOAD_DEREF": _T._cell, "LOAD_CLASSDEREF": _T._cell, "STORE_DEREF": _T._store_cell,
    "DELETE_DEREF": _T._store_cell, "LOAD_ATTR": _T._load_attr, "LOAD_METHOD": _T._load_attr,
    "STORE_ATTR": _T._store_attr, "DELETE_ATTR": _T._store_attr,
    "BINARY_SUBSCR": _T._load_subscript, "STORE_SUBSCR": _T._store_subscript,
    "DELETE_SUBSCR": _T._delete_subscript, "BINARY_OP": _T._binary_op,
    "COMPARE_OP": _T._binary, "CONTAINS_OP": _T._binary, "UNARY_NOT": _T._unary,
    "UNARY_NEGATIVE": _T._unary, "UNARY_POSITIVE": _T._unary, "UNARY_INVERT": _T._unary,
    "POP_JUMP_FORWARD_IF_TRUE": _T._truth, "POP_JUMP_FORWARD_IF_FALSE": _T._truth,
    "POP_JUMP_BACKWARD_IF_TRUE": _T._truth, "POP_JUMP_BACKWARD_IF_FALSE": _T._truth,
    "JUMP_IF_TRUE_OR_POP": _T._truth, "JUMP_IF_FALSE_OR_POP": _T._truth,
    "GET_LEN": _T._truth, "MATCH_MAPPING": _T._unary, "MATCH_SEQUENCE": _T._unary,
    "MATCH_KEYS": _T._binary, "MATCH_CLASS": _T._match_class,
    "GET_ITER": _T._get_iter, "GET_YIELD_FROM_ITER": _T._get_iter, "FOR_ITER": _T._for_iter,
    "UNPACK_SEQUENCE": _T._consume_top, "UNPACK_EX": _T._consume_top,
    "LIST_EXTEND": _T._consume_top, "SET_UPDATE": _T._consume_top,
    "DICT_UPDATE": _T._consume_top, "DICT_MERGE": _T._consume_top,
    "CALL": _T._call, "CALL_FUNCTION_EX": _T._call_ex, "BEFORE_WITH": _T._with,
    "WITH_EXCEPT_START": _T._with_exception, "IMPORT_FROM": _T._import_from,
    "IMPORT_NAME": _T._import_name,
    "FORMAT_VALUE": _T._format, "SEND": _T._send,
    # 3.12: a class body's closure variable (its namespace is the frame's own), the
    # name lookup of an annotation scope, super() in one instruction, slices, truth.
    "LOAD_FROM_DICT_OR_DEREF": _T._cell, "LOAD_FROM_DICT_OR_GLOBALS": _T._load_global,
    "LOAD_SUPER_ATTR": _T._load_super_attr, "BINARY_SLICE": _T._load_slice,
    "STORE_SLICE": _T._store_slice, "POP_JUMP_IF_TRUE": _T._truth,
    "POP_JUMP_IF_FALSE": _T._truth, "INTRINSIC_UNARY_POSITIVE": _T._unary,
    "INTRINSIC_LIST_TO_TUPLE": _T._consume_top,
    # 3.13
    "CALL_KW": _T._call_kw, "TO_BOOL": _T._truth, "CONVERT_VALUE": _T._unary,
    "FORMAT_SIMPLE": _T._unary, "FORMAT_WITH_SPEC": _T._binary,
}
# Handlers whose argument is the instruction's name operand (``argval``).
_NAMED = {"LOAD_GLOBAL", "STORE_GLOBAL", "DELETE_GLOBAL", "LOAD_NAME", "STORE_NAME",
          "DELETE_NAME", "LOAD_ATTR", "LOAD_METHOD", "STORE_ATTR", "DELETE_ATTR", "IMPORT_FROM",
          "IMPORT_NAME",
          "LOAD_FROM_DICT_OR_GLOBALS", "LOAD_SUPER_ATTR"}


def _decode(code: CodeType) -> dict[int, Instruction]:
    """The instructions of ``code`` that touch anything, by offset, with the
    argument each handler needs (a name, or the raw oparg) and the stack depth.

    An instruction this table does not know touches everything, and so does one
    that reads the stack where ``stack_depth`` cannot tell how deep it is.
    """
    table = {}
    depths = stack_depth.depths(code)
    for instruction in dis.get_instructions(code):
        name = instruction.opname
        if name in ("CALL_INTRINSIC_1", "CALL_INTRINSIC_2"):
            name = instruction.argrepr  # e.g. INTRINSIC_LIST_TO_TUPLE
        if name in _PURE:
            continue
        handler = _HANDLERS.get(name, FootprintTracer._everything)
        depth = depths[instruction.offset // 2]
        if depth == stack_depth.UNKNOWN and handler not in _NEEDS_NO_DEPTH:
            handler = FootprintTracer._everything
        table[instruction.offset] = (handler, instruction.argval if name in _NAMED
                                     else instruction.arg, depth)
    return table


def _first_argument(frame: FrameType) -> Any:
    if not stack_peek.AVAILABLE:
        return frame.f_locals.get("self")
    value = stack_peek.fast_slot(frame, 0)
    if type(value) is types.CellType:  # ``self`` captured by a closure
        value = value.cell_contents
    return value


def _entry(footprint: Footprint, container: Any, key: Any, write: bool) -> tuple[int, Any] | None:
    """The one slot of a list or dict that ``container[key]`` touches, or None
    when the access involves the whole container."""
    kind = type(container)
    if kind is list and type(key) is int:
        if -len(container) <= key < len(container):
            return (footprint.name(container), ("[]", key % len(container)))
        return None
    if kind is dict and effects.plain_key(key):
        if write and key not in container:
            return None  # inserting changes the iteration order and the length
        return (footprint.name(container), effects.entry_key(footprint, container, key))
    return None
