# real CPython 3.11: fails 0/100 with setswitchinterval(1e-6) (2 shared cores)
"""The fix: the reader reads the limits under the lock the writer updates them under."""

import threading
from concurrent.futures import ThreadPoolExecutor

limits = {"low": 0, "high": 0}
NAMES = ("low", "high")
lock = threading.Lock()
start = threading.Barrier(2)  # both tasks at work at once


def raise_limits():
    start.wait()
    for level in range(1, 300):
        with lock:
            limits.update(low=level, high=level)
        for _ in range(20):
            pass


def snapshots():
    start.wait()
    torn = []
    for _ in range(15):
        snapshot = []
        with lock:
            for value in map(limits.get, NAMES):
                snapshot.append(value)
                for _ in range(10):
                    pass
        if snapshot[0] != snapshot[1]:
            torn.append(snapshot)
    return torn


with ThreadPoolExecutor(max_workers=2) as pool:
    writer = pool.submit(raise_limits)
    torn = pool.submit(snapshots).result()
    writer.result()

assert not torn, f"torn snapshot: {torn[0]}"
