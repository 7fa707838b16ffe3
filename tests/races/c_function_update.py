# real CPython 3.11: fails 40/40 with setswitchinterval(1e-6) (2 shared cores, under load)
"""A lost update through C functions the simulator has no table for: a counter kept in
a bytearray, read with ``struct.unpack_from`` and written with ``struct.pack_into``
(each one atomic call, the read-modify-write is not)."""

import struct
from concurrent.futures import ThreadPoolExecutor

counter = bytearray(4)
ROUNDS = 8


def count():
    for _ in range(ROUNDS):
        (seen,) = struct.unpack_from("<I", counter)
        sum(range(20_000))  # a little work in the window (C: no traced lines)
        struct.pack_into("<I", counter, 0, seen + 1)


with ThreadPoolExecutor(max_workers=2) as pool:
    pool.submit(count)
    pool.submit(count)

(total,) = struct.unpack_from("<I", counter)
assert total == 2 * ROUNDS, f"lost update: {total} of {2 * ROUNDS}"
