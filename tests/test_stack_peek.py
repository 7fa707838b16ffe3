"""Reading a traced frame's operand stack (``explore/stack_peek.py``) at the depth the
bytecode gives (``explore/stack_depth.py``), and decoding each instruction into what it
touches (``explore/footprints.py``), on the running interpreter (3.11, 3.12 or 3.13)."""

from __future__ import annotations

import collections
import difflib
import dis
import os
import struct
import sys
import textwrap
from types import CodeType, FrameType
from typing import Any

import pytest

from simfutures.explore import stack_depth, stack_peek
from simfutures.explore.effects import FILE_SYSTEM
from simfutures.explore.equivalence import ALL, Footprint
from simfutures.explore.footprints import _HANDLERS, _PURE, FootprintTracer, _decode

pytestmark = pytest.mark.skipif(not stack_peek.AVAILABLE,
                                reason="stack_peek's frame layout check failed here")


class Box:
    def __init__(self, value: Any = 0) -> None:
        self.value = value

    def __pos__(self) -> Box:
        return self

    def method(self) -> int:
        return 1


class Child(Box):
    def method(self) -> int:
        return super().method() + 1


def _calls_and_flow(box: Box, items: list, table: dict) -> Any:
    total = 0
    for index, item in enumerate(items):
        if item in table and not box.value:
            total += table[item] * index
    try:
        with open(__file__) as handle:
            handle.read(1)
            raise KeyError(total)
    except KeyError as error:
        total = error.args[0]
    finally:
        box.value = total
    squares = [n * n for n in items if n]
    pairs = {n: str(n) for n in squares}
    sorted(items, key=None, reverse=True)
    print(*items[:0], sep="", end="", **{})
    return f"{total!r:>4}{len(pairs)}", Child().method()


def _generator(items: list) -> Any:
    sent = yield from iter(items)
    for item in items:
        received = yield item
        if received is None:
            continue
    return sent


def _run_generator(items: list) -> list:
    generator = _generator(items)
    out = [next(generator)]
    for _ in items[1:]:
        out.append(generator.send(None))
    return out


def _closure(start: int) -> Any:
    count = start

    def bump() -> int:
        nonlocal count
        count += 1
        return count

    bump()
    return bump()


SAMPLES = (_calls_and_flow, _generator, _run_generator, _closure, Child.method)


def _trace(targets: set[CodeType], local: Any, call: Any) -> Any:
    """Run ``call()`` with ``local`` as the opcode trace function of ``targets``' frames."""
    def global_trace(frame: FrameType, event: str, arg: Any) -> Any:
        if frame.f_code in targets:
            stack_peek.trace_opcodes(frame, local)
            return local
        return None

    previous = sys.gettrace()
    sys.settrace(global_trace)
    try:
        return call()
    finally:
        sys.settrace(previous)


def _run_samples(local: Any) -> None:
    targets = {fn.__code__ for fn in SAMPLES} | {
        const for fn in SAMPLES for const in fn.__code__.co_consts if isinstance(const, CodeType)}
    _trace(targets, local, lambda: (_calls_and_flow(Box(), [1, 2, 3], {1: 5, 3: 7}),
                                    _run_generator([1, 2, 3]), _closure(3)))


@pytest.mark.skipif(sys.version_info[:2] != (3, 11),
                    reason="only CPython 3.11 stores its stack pointer before an opcode event")
def test_the_static_depth_is_the_one_cpython_311_stores_at_every_traced_instruction():
    seen: list[tuple[str, int, int, int | None]] = []

    def local(frame: FrameType, event: str, arg: Any) -> Any:
        if event == "opcode":
            seen.append((frame.f_code.co_name, frame.f_lasti, stack_peek.depth(frame),
                         stack_peek.stored_depth(frame)))
        return local

    _run_samples(local)
    assert len(seen) > 300
    assert [entry for entry in seen if entry[2] != entry[3]] == []


def test_a_loaded_value_is_on_top_of_the_stack_at_the_next_instruction():
    """On every version: after ``LOAD_FAST``/``LOAD_CONST``, the slot the static depth
    names as the top holds that very object (so depth and layout are both right)."""
    checked: list[bool] = []
    last: dict[int, tuple[FrameType, dis.Instruction]] = {}
    by_offset: dict[CodeType, dict[int, dis.Instruction]] = {}

    def local(frame: FrameType, event: str, arg: Any) -> Any:
        if event != "opcode":
            return local
        code = frame.f_code
        instructions = by_offset.get(code)
        if instructions is None:
            instructions = by_offset[code] = {i.offset: i for i in dis.get_instructions(code)}
        previous = last.get(id(frame))
        if previous is not None and previous[0] is frame:
            loaded = previous[1]
            following = min((o for o in instructions if o > loaded.offset), default=None)
            if following == frame.f_lasti and loaded.opname in ("LOAD_FAST", "LOAD_CONST") \
                    and loaded.argval not in code.co_cellvars:
                expected = code.co_consts[loaded.arg] if loaded.opname == "LOAD_CONST" \
                    else frame.f_locals[loaded.argval]
                depth = stack_peek.depth(frame)
                checked.append(depth >= 1 and stack_peek.stack(frame, 1, depth)[0] is expected)
        last[id(frame)] = (frame, instructions[frame.f_lasti])
        return local

    _run_samples(local)
    assert len(checked) > 40
    assert all(checked)


def test_depths_stay_inside_the_frames_stack():
    for fn in SAMPLES:
        depths = stack_depth.depths(fn.__code__)
        reached = [d for d in depths if d != stack_depth.UNKNOWN]
        assert reached and max(reached) <= fn.__code__.co_stacksize and min(reached) >= 0
        for instruction in dis.get_instructions(fn.__code__):
            assert depths[instruction.offset // 2] != stack_depth.UNKNOWN, instruction


def test_reading_deeper_than_the_stack_gives_empty_slots():
    found: list[list[Any]] = []

    def target(obj: Any) -> Any:
        return obj.value

    def local(frame: FrameType, event: str, arg: Any) -> Any:
        if event == "opcode" and dis.opname[frame.f_code.co_code[frame.f_lasti]] == "LOAD_ATTR":
            found.append(stack_peek.stack(frame, 3, stack_peek.depth(frame)))
        return local

    box = Box()
    _trace({target.__code__}, local, lambda: target(box))
    assert found == [[box, stack_peek.NULL, stack_peek.NULL]]


# -- the decoder ---------------------------------------------------------------


class _Recorder(FootprintTracer):
    """The footprint tracer's decoding, into one footprint, outside any simulation."""

    def __init__(self) -> None:
        super().__init__(sched=None)  # type: ignore[arg-type]
        self.footprint = Footprint()

    def _footprint(self) -> Footprint:
        return self.footprint


def _footprint_of(source: str, **shared: Any) -> Footprint:
    """What running ``source`` (the body of a function of ``shared``'s names) touches."""
    namespace: dict[str, Any] = {"Box": Box, "Child": Child}
    exec(f"def sample({', '.join(shared)}):\n{textwrap.indent(source, '    ')}", namespace)
    sample = namespace["sample"]
    recorder = _Recorder()
    codes = {sample.__code__} | {c for c in sample.__code__.co_consts if isinstance(c, CodeType)}
    _trace(codes, recorder._on_opcode, lambda: sample(**shared))
    return recorder.footprint


def test_attribute_and_item_accesses_are_decoded_to_their_locations():
    box, table, items = Box(), {"k": 1}, [1, 2, 3]
    loaded = _footprint_of("return box.value, table['k'], items[1]",
                           box=box, table=table, items=items)
    assert {(id(box), "value"), (id(table), ("[]", "k")), (id(items), ("[]", 1))} \
        <= loaded.reads
    assert not loaded.writes and not loaded.top
    stored = _footprint_of("box.value = 1\ntable['k'] = 2\nitems[0] = 3\ndel box.value",
                           box=box, table=table, items=items)
    assert {(id(box), "value"), (id(table), ("[]", "k")), (id(items), ("[]", 0))} \
        <= stored.writes


def test_a_memoryview_item_is_its_buffers():
    buffer = bytearray(2)
    view = memoryview(buffer)
    assert (id(buffer), ALL) in _footprint_of("return view[0]", view=view).reads
    assert (id(buffer), ALL) in _footprint_of("view[1] = 7", view=view).writes


def test_a_c_function_without_a_table_reads_and_may_write_its_arguments():
    buffer = bytearray(4)
    packed = _footprint_of("struct.pack_into('<I', buffer, 0, 1)", struct=struct, buffer=buffer)
    assert packed.top
    assert (id(buffer), ALL) in packed.reads and (id(buffer), ALL) in packed.maybe_writes
    # An os function works on the file system, which every thread shares.
    stat = _footprint_of("os.stat(path)", os=os, path=".")
    assert (id(FILE_SYSTEM), ALL) in stat.maybe_writes


def test_a_class_pattern_reads_its_subject():
    box = Box(3)
    matched = _footprint_of("match box:\n    case Box(value=v):\n        return v", box=box)
    assert (id(box), ALL) in matched.reads


def test_slices_read_or_write_the_whole_list():
    items = [1, 2, 3]
    assert (id(items), ALL) in _footprint_of("return items[0:2]", items=items).reads
    assert (id(items), ALL) in _footprint_of("items[0:1] = [9]", items=items).writes
    assert (id(items), ALL) in _footprint_of("del items[0]", items=items).writes


@pytest.mark.parametrize("call", [
    "items.append(4)",                    # a method: CALL with self
    "list.append(items, 4)",              # a method descriptor, NULL/self-less CALL
    "items.append(*extra)",               # CALL_FUNCTION_EX
    "items.sort(*(), **options)",         # CALL_FUNCTION_EX with a keyword dict
    "items.sort(key=None, reverse=True)", # keyword names (CALL_KW on 3.13)
    "items += extra",                     # an in-place operator on a list
])
def test_calls_into_c_methods_write_their_receiver(call):
    items = [3, 1, 2]
    footprint = _footprint_of(call, items=items, extra=[4], options={"reverse": True})
    assert (id(items), ALL) in footprint.writes
    assert not footprint.top


@pytest.mark.parametrize("use", [
    "len(items)", "sorted(items, key=None)", "1 in items", "items == other",
    "not items", "bool(items) if items else 0", "f'{items}'", "f'{items!r:>5}'",
    "[x for x in items]", "a, b, c = items", "(*items,)", "dict(**table)",
    "+box",
])
def test_reads_of_a_shared_container_are_seen(use):
    items, table, box = [1, 2, 3], {"sep": " "}, Box()
    footprint = _footprint_of(use, items=items, other=[1], table=table, box=box)
    shared = {(id(items), ALL), (id(table), ALL), (id(box), ALL)}
    assert footprint.reads & shared, footprint.reads
    assert not footprint.writes & shared and not footprint.top


def test_globals_cells_and_super_are_decoded():
    global _COUNTER
    _COUNTER = 0
    recorder = _Recorder()

    def bump() -> int:
        global _COUNTER
        _COUNTER += 1
        return _COUNTER

    _trace({bump.__code__}, recorder._on_opcode, bump)
    assert (id(globals()), "_COUNTER") in recorder.footprint.writes

    recorder = _Recorder()
    inner = _closure.__code__.co_consts
    _trace({c for c in inner if isinstance(c, CodeType)}, recorder._on_opcode,
           lambda: _closure(1))
    cells = {location for location in recorder.footprint.writes if location[1] == "cell"}
    assert len(cells) == 1 and cells <= {loc for loc in recorder.footprint.reads}

    recorder = _Recorder()
    _trace({Child.method.__code__}, recorder._on_opcode, Child().method)
    assert not recorder.footprint.top
    if "LOAD_SUPER_ATTR" in dis.opmap:  # 3.12: one instruction (3.11 calls super())
        assert (id(Box), "method") in recorder.footprint.reads


# Instructions the decoder deliberately treats as touching everything.
_EVERYTHING = {"IMPORT_NAME", "MATCH_CLASS", "BEFORE_ASYNC_WITH", "SETUP_ANNOTATIONS",
               "INTRINSIC_PRINT", "INTRINSIC_IMPORT_STAR"}


def test_the_decoder_knows_every_instruction_of_real_code_and_runs_over_it():
    """Every instruction of a few stdlib modules is pure or has its handler on this
    version, and tracing real code through the decoder changes none of its results."""
    names: collections.Counter[str] = collections.Counter()
    for code in _codes_of(difflib, textwrap, collections):
        for instruction in dis.get_instructions(code):
            name = instruction.opname
            if name.startswith("CALL_INTRINSIC"):
                name = instruction.argrepr
            names[name] += 1
        for _handler, _argument, depth in _decode(code).values():
            assert depth != stack_depth.UNKNOWN
    unknown = {name for name in names if name not in _PURE and name not in _HANDLERS}
    assert unknown <= _EVERYTHING, unknown
    assert len(names) > 60

    text_a = difflib.__doc__.splitlines()
    text_b = [line.upper() if i % 7 == 0 else line for i, line in enumerate(text_a)]
    expected = list(difflib.unified_diff(text_a, text_b)), textwrap.fill(difflib.__doc__)
    recorder = _Recorder()
    got = _trace(_codes_of(difflib, textwrap), recorder._on_opcode,
                 lambda: (list(difflib.unified_diff(text_a, text_b)),
                          textwrap.fill(difflib.__doc__)))
    assert got == expected
    assert recorder.footprint.reads


def _codes_of(*modules: Any) -> set[CodeType]:
    found: set[CodeType] = set()
    pending = [obj.__code__ for module in modules for obj in vars(module).values()
               if hasattr(obj, "__code__")]
    pending += [fn.__code__ for module in modules for cls in vars(module).values()
                if isinstance(cls, type) for fn in vars(cls).values() if hasattr(fn, "__code__")]
    while pending:
        code = pending.pop()
        if code not in found:
            found.add(code)
            pending.extend(c for c in code.co_consts if isinstance(c, CodeType))
    return found
