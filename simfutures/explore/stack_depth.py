"""The operand stack's depth before each instruction of a code object, computed statically.

CPython 3.12 and 3.13 do not store the stack pointer in the frame before they
call an opcode trace function (the frame's ``stacktop`` is stale or -1 there),
so ``stack_peek`` cannot ask the frame how deep its stack is.  The compiler,
though, gives every reachable instruction one fixed depth (it checks that all
paths into an instruction agree), and the interpreter keeps to it: following
the compiler's model (``dis.stack_effect`` along fall-through and jump edges,
exception handlers at the depth their table entry records) gives the depth at
every instruction the trace function can be called for, on every version.

An instruction the walk does not reach, or a code object whose paths disagree
or leave ``0..co_stacksize``, gets ``UNKNOWN``: the stack is never read there.
"""

from __future__ import annotations

import dis
from types import CodeType

UNKNOWN = -1

# Instructions after which execution never continues with the next one.
_NO_FALL_THROUGH = frozenset({
    "RETURN_VALUE", "RETURN_CONST", "RAISE_VARARGS", "RERAISE", "INTERPRETER_EXIT",
    "JUMP_FORWARD", "JUMP_BACKWARD", "JUMP_BACKWARD_NO_INTERRUPT", "JUMP", "JUMP_NO_INTERRUPT",
})
_JUMPS = frozenset(getattr(dis, "hasjump", ())) | frozenset(dis.hasjrel) \
    | frozenset(dis.hasjabs)

# CPython 3.11's compiler books a call's stack effect on PRECALL, not where it happens.
_PRECALL_SPLIT = "PRECALL" in dis.opmap

_cache: dict[CodeType, tuple[int, ...]] = {}


def depths(code: CodeType) -> tuple[int, ...]:
    """The stack depth before the instruction at each code unit (``offset // 2``)
    of ``code``, ``UNKNOWN`` where it cannot be known; cached per code object."""
    known = _cache.get(code)
    if known is None:
        known = _cache[code] = _compute(code)
    return known


def _effect(ins: dis.Instruction, jump: bool) -> int:
    name = ins.opname
    if name == "RETURN_GENERATOR":
        # The generator's frame goes on after it with the first value sent pushed
        # (3.11 and 3.12 leave that push out of the compiler's model).
        return 1
    if _PRECALL_SPLIT and name == "PRECALL":
        return 0  # the compiler counts CALL's pops here; the interpreter pops in CALL
    if _PRECALL_SPLIT and name == "CALL":
        return -ins.arg - 1  # callable-or-method, self-or-NULL and the arguments, one result
    try:
        return dis.stack_effect(ins.opcode, ins.arg, jump=jump)
    except ValueError:  # an instruction that takes no argument (3.11 refuses one)
        return dis.stack_effect(ins.opcode, None, jump=jump)


def _compute(code: CodeType) -> tuple[int, ...]:
    units = len(code.co_code) // 2
    result = [UNKNOWN] * units
    instructions = {ins.offset: ins for ins in dis.get_instructions(code)}
    following: dict[int, int] = {}
    previous = None
    for offset in sorted(instructions):
        if previous is not None:
            following[previous] = offset
        previous = offset
    pending: list[tuple[int, int]] = [(0, 0)]
    for entry in dis.Bytecode(code).exception_entries:
        # The handler starts with the stack cut to the entry's depth, then the
        # offset of the raising instruction (``lasti``) and the exception pushed.
        pending.append((entry.target, entry.depth + (1 if entry.lasti else 0) + 1))
    limit = code.co_stacksize
    while pending:
        offset, depth = pending.pop()
        if not 0 <= depth <= limit or offset not in instructions:
            return (UNKNOWN,) * units
        seen = result[offset // 2]
        if seen != UNKNOWN:
            if seen != depth:  # two paths disagree: not the compiler's model after all
                return (UNKNOWN,) * units
            continue
        result[offset // 2] = depth
        ins = instructions[offset]
        if ins.opcode in _JUMPS:
            target = getattr(ins, "jump_target", None)
            pending.append((ins.argval if target is None else target,
                            depth + _effect(ins, jump=True)))
        if ins.opname not in _NO_FALL_THROUGH and offset in following:
            pending.append((following[offset], depth + _effect(ins, jump=False)))
    return tuple(result)
