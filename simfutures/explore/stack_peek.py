"""Read the value stack of a traced CPython frame (what an opcode is about to use).

Python code cannot see its own operand stack, yet the object a ``LOAD_ATTR``
reads or a ``CALL`` calls is what tells two threads' steps apart.  The stack
lives in the interpreter frame, right after the fast locals
(``localsplus[nlocalsplus + i]``), and the interpreter keeps it in memory
between instructions, so an opcode trace function can read it through
``ctypes``.  How deep the stack is at an instruction is not taken from the
frame (CPython 3.12 and 3.13 do not store their stack pointer before calling
the trace function) but computed from the bytecode (``stack_depth``): only
slots below that depth, which hold live values, are ever read.

The layout (CPython 3.11, 3.12, 3.13, 64-bit) is checked against a live frame
when this module loads, and a traced probe function must show the values it
must; on any other interpreter, or if a check fails, ``AVAILABLE`` is False and
the footprint tracer treats every heap access as touching everything (sound,
only less pruning) and race detection is off.
"""

from __future__ import annotations

import ctypes
import dis
import sys
from _ctypes import PyObj_FromPtr
from types import CodeType, FrameType
from typing import Any

import attrs

from simfutures.explore import stack_depth


@attrs.frozen
class _Layout:
    """Byte offsets in ``_PyInterpreterFrame``."""

    code: int  # f_code (3.11, 3.12) or f_executable (3.13)
    frame_obj: int
    stacktop: int  # an int: meaningful at an opcode event on 3.11 only
    localsplus: int


_LAYOUTS = {
    (3, 11): _Layout(code=32, frame_obj=40, stacktop=64, localsplus=72),
    # 3.12 and 3.13 moved the code object first (``previous`` after it, then
    # function, globals, builtins, locals, frame object, instruction pointer).
    (3, 12): _Layout(code=0, frame_obj=48, stacktop=64, localsplus=72),
    (3, 13): _Layout(code=0, frame_obj=48, stacktop=64, localsplus=72),
}
_WORD = 8
_LAYOUT = _LAYOUTS.get(sys.version_info[:2], _LAYOUTS[(3, 11)])
_LOCALSPLUS = _LAYOUT.localsplus
# PyFrameObject: the object header (larger on free-threaded builds), f_back, f_frame.
_F_FRAME = object.__basicsize__ + _WORD

_NULL = object()  # an empty stack slot (the NULL a method call pushes)


def _interpreter_frame(frame: FrameType) -> int:
    return ctypes.c_void_p.from_address(id(frame) + _F_FRAME).value or 0


_POINTERS = [ctypes.c_size_t * n for n in range(64)]


def _object(pointer: int) -> Any:
    return PyObj_FromPtr(pointer) if pointer else _NULL


def _word(iframe: int, index: int) -> int:
    return ctypes.c_size_t.from_address(iframe + _LOCALSPLUS + _WORD * index).value


_locals_count: dict[CodeType, int] = {}


def _fast_locals(code: CodeType) -> int:
    """Slots before the stack: locals, then cells that are not arguments, then free vars."""
    count = _locals_count.get(code)
    if count is None:
        names = set(code.co_varnames)
        count = len(names) + sum(1 for name in code.co_cellvars if name not in names) \
            + len(code.co_freevars)
        _locals_count[code] = count
    return count


def depth(frame: FrameType) -> int:
    """The stack depth before ``frame``'s current instruction (``stack_depth.UNKNOWN``
    where the bytecode does not tell)."""
    return stack_depth.depths(frame.f_code)[frame.f_lasti // 2]


def stack(frame: FrameType, count: int, depth: int) -> list[Any]:
    """The top ``count`` values of ``frame``'s stack, which is ``depth`` deep, top first
    (``NULL`` for empty slots and for slots below the bottom of the stack).

    Only call this from an opcode trace event, with the depth ``stack_depth`` gives
    for the frame's current instruction: slots above it may hold freed objects.
    """
    if depth < count:
        return (stack(frame, depth, depth) if depth > 0 else []) + [_NULL] * (count - depth)
    iframe = _interpreter_frame(frame)
    top = _fast_locals(frame.f_code) + depth
    if count >= len(_POINTERS):
        return [_object(_word(iframe, top - i)) for i in range(1, count + 1)]
    words = _POINTERS[count].from_address(iframe + _LOCALSPLUS + _WORD * (top - count))
    return [_object(pointer) for pointer in reversed(words)]


def fast_slot(frame: FrameType, index: int) -> Any:
    """Slot ``index`` of the frame's fast locals (cells live there too)."""
    return _object(_word(_interpreter_frame(frame), index))


def stored_depth(frame: FrameType) -> int | None:
    """The stack depth CPython 3.11 stores in the frame before an opcode trace event
    (to check ``stack_depth`` against); None on other versions, which do not store it."""
    if sys.version_info[:2] != (3, 11) or not AVAILABLE:
        return None
    top = ctypes.c_int.from_address(_interpreter_frame(frame) + _LAYOUT.stacktop).value
    return top - _fast_locals(frame.f_code)


def trace_opcodes(frame: FrameType, local: Any) -> None:
    """Make ``local`` ``frame``'s trace function, with opcode events and without line
    events.  Call it from a global trace function's "call" event.

    CPython 3.13 turns on a frame's opcode events when ``f_trace_opcodes`` is set and
    the frame already has its trace function, so that is set first.  (CPython 3.12
    delivers opcode events only if some frame's ``f_trace_opcodes`` was set before
    ``sys.settrace`` was called: this module sets one when it loads.)
    """
    frame.f_trace = local
    frame.f_trace_lines = False
    frame.f_trace_opcodes = True


# What other ``sys.monitoring`` tools listened to, per pause (see pause_other_tools).
_paused: list[dict[int, int]] = []


def pause_other_tools() -> None:
    """Silence the other ``sys.monitoring`` tools (CPython 3.12+) until the matching
    ``resume_other_tools``; pauses nest, and only the outermost one acts.

    With another tool's LINE events on (Hypothesis's explain phase turns them on to
    explain a failure), CPython 3.12 and 3.13 deliver a traced frame's opcode events
    differently, so a replayed schedule made other decisions.  A traced run sees its
    instructions alone, as ``sys.settrace`` tools see nothing during it on 3.11.
    """
    saved: dict[int, int] = {}
    monitoring = getattr(sys, "monitoring", None)
    if monitoring is not None and not _paused:
        for tool in range(6):  # the ids tools may take; 6 and 7 are settrace's own
            if monitoring.get_tool(tool) is not None:
                saved[tool] = monitoring.get_events(tool)
                monitoring.set_events(tool, 0)
    _paused.append(saved)


def resume_other_tools() -> None:
    for tool, events in _paused.pop().items():
        sys.monitoring.set_events(tool, events)


def _layout_matches() -> bool:
    if sys.implementation.name != "cpython" or sys.version_info[:2] not in _LAYOUTS \
            or ctypes.sizeof(ctypes.c_void_p) != _WORD:
        return False
    marker = object()

    def first_local(value: object) -> bool:
        frame = sys._getframe()
        iframe = _interpreter_frame(frame)
        if not iframe:
            return False
        code = ctypes.c_void_p.from_address(iframe + _LAYOUT.code).value
        owner = ctypes.c_void_p.from_address(iframe + _LAYOUT.frame_obj).value
        return code == id(frame.f_code) and owner == id(frame) \
            and _word(iframe, 0) == id(value)

    return first_local(marker)


def _probe() -> bool:
    """Trace a tiny function and check that the stack holds what it must (compared as
    addresses first: nothing is dereferenced unless it is the expected object)."""
    class Marker:
        value = 1

    marker = Marker()
    seen: list[bool] = []

    def target(obj: Any) -> Any:
        return obj.value

    attribute_load = {ins.offset for ins in dis.get_instructions(target)
                      if ins.opname == "LOAD_ATTR"}

    def local(frame: FrameType, event: str, arg: Any) -> Any:
        if event == "opcode" and frame.f_lasti in attribute_load:
            at = depth(frame)
            iframe = _interpreter_frame(frame)
            seen.append(at >= 1 and _word(iframe, _fast_locals(frame.f_code) + at - 1)
                        == id(marker) and stack(frame, 1, at)[0] is marker)
        return local

    def global_trace(frame: FrameType, event: str, arg: Any) -> Any:
        if frame.f_code is target.__code__:
            trace_opcodes(frame, local)
            return local
        return None

    previous = sys.gettrace()
    sys.settrace(global_trace)
    try:
        target(marker)
    finally:
        sys.settrace(previous)
    return seen == [True]


def _enable_opcode_events() -> None:
    # See trace_opcodes: CPython 3.12 remembers, for good, that some frame asked for
    # opcode events, and only then includes them in what sys.settrace turns on.
    frame = sys._getframe()
    frame.f_trace_opcodes = True
    frame.f_trace_opcodes = False


_enable_opcode_events()
AVAILABLE = _layout_matches() and _probe()
NULL = _NULL
