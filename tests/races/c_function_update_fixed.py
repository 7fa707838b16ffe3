"""Fixed twin of c_function_update: the read-modify-write holds a lock."""

import struct
import threading
from concurrent.futures import ThreadPoolExecutor

counter = bytearray(4)
ROUNDS = 8
guard = threading.Lock()


def count():
    for _ in range(ROUNDS):
        with guard:
            (seen,) = struct.unpack_from("<I", counter)
            sum(range(20_000))  # a little work in the window (C: no traced lines)
            struct.pack_into("<I", counter, 0, seen + 1)


with ThreadPoolExecutor(max_workers=2) as pool:
    pool.submit(count)
    pool.submit(count)

(total,) = struct.unpack_from("<I", counter)
assert total == 2 * ROUNDS, f"lost update: {total} of {2 * ROUNDS}"
