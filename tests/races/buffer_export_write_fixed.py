# real CPython 3.11: fails 0/60 with setswitchinterval(1e-6)
"""The fix: the writer saves a snapshot taken under the lock every append takes."""

import os
import threading

log = bytearray(b"x" * 1_000_000)
lock = threading.Lock()


def save():
    with open(os.devnull, "wb", buffering=0) as out:
        for _ in range(20):
            with lock:
                snapshot = bytes(log)
            out.write(snapshot)


writer = threading.Thread(target=save)
writer.start()
try:
    for _ in range(20):
        with lock:
            log.extend(b"y")
        sum(range(2000))  # a little work between appends
except BufferError as exc:
    raise AssertionError(f"append failed: {exc}") from None
finally:
    writer.join()
