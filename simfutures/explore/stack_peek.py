"""Read the value stack of a traced CPython 3.11 frame (what an opcode is about to use).

Python code cannot see its own operand stack, yet the object a ``LOAD_ATTR``
reads or a ``CALL`` calls is what tells two threads' steps apart.  CPython
3.11 stores the stack pointer in the interpreter frame before it calls an
opcode trace function, so the stack can be read there through ``ctypes``.

The layout is checked against a live frame when this module loads; on any
other interpreter, or if the check fails, ``AVAILABLE`` is False and the
footprint tracer treats every heap access as touching everything (sound,
only less pruning).
"""

from __future__ import annotations

import ctypes
import sys
from _ctypes import PyObj_FromPtr
from types import CodeType, FrameType
from typing import Any

# Offsets in CPython 3.11 (64-bit): PyFrameObject.f_frame, and in
# _PyInterpreterFrame: f_code, frame_obj, stacktop, localsplus.
_F_FRAME = 24
_F_CODE = 32
_FRAME_OBJ = 40
_STACKTOP = 64
_LOCALSPLUS = 72
_WORD = 8

_NULL = object()  # an empty stack slot (the NULL a method call pushes)


def _interpreter_frame(frame: FrameType) -> int:
    return ctypes.c_void_p.from_address(id(frame) + _F_FRAME).value or 0


_POINTERS = [ctypes.c_size_t * n for n in range(64)]


def _object(pointer: int) -> Any:
    return PyObj_FromPtr(pointer) if pointer else _NULL


def _slot(iframe: int, index: int) -> Any:
    return _object(ctypes.c_size_t.from_address(iframe + _LOCALSPLUS + _WORD * index).value)


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


def stack(frame: FrameType, depth: int) -> list[Any]:
    """The top ``depth`` values of ``frame``'s stack, top first (``NULL`` for empty slots
    and for slots below the bottom of the stack).

    Only call this from an opcode trace event.
    """
    iframe = _interpreter_frame(frame)
    top = ctypes.c_int.from_address(iframe + _STACKTOP).value
    available = top - _fast_locals(frame.f_code)
    if available < depth:
        return stack(frame, available) + [_NULL] * (depth - available) if available > 0 \
            else [_NULL] * depth
    if depth >= len(_POINTERS):
        return [_slot(iframe, top - i) for i in range(1, depth + 1)]
    words = _POINTERS[depth].from_address(iframe + _LOCALSPLUS + _WORD * (top - depth))
    return [_object(pointer) for pointer in reversed(words)]


def fast_slot(frame: FrameType, index: int) -> Any:
    """Slot ``index`` of the frame's fast locals (cells live there too)."""
    return _slot(_interpreter_frame(frame), index)


def _layout_matches() -> bool:
    if sys.implementation.name != "cpython" or sys.version_info[:2] != (3, 11) \
            or ctypes.sizeof(ctypes.c_void_p) != _WORD:
        return False
    frame = sys._getframe()
    iframe = _interpreter_frame(frame)
    if not iframe:
        return False
    code = ctypes.c_void_p.from_address(iframe + _F_CODE).value
    owner = ctypes.c_void_p.from_address(iframe + _FRAME_OBJ).value
    return code == id(frame.f_code) and owner == id(frame)


def _probe() -> bool:
    """Trace a tiny function and check that the stack holds what it must."""
    import dis

    class Marker:
        value = 1

    marker = Marker()
    seen: list[Any] = []

    def target(obj: Any) -> Any:
        return obj.value

    def local(frame: FrameType, event: str, arg: Any) -> Any:
        if event == "opcode" and dis.opname[frame.f_code.co_code[frame.f_lasti]] == "LOAD_ATTR":
            seen.append(stack(frame, 1)[0])
        return local

    def global_trace(frame: FrameType, event: str, arg: Any) -> Any:
        if frame.f_code is target.__code__:
            frame.f_trace_opcodes = True
            frame.f_trace_lines = False
            return local
        return None

    previous = sys.gettrace()
    sys.settrace(global_trace)
    try:
        target(marker)
    finally:
        sys.settrace(previous)
    return len(seen) == 1 and seen[0] is marker


AVAILABLE = _layout_matches() and _probe()
NULL = _NULL
