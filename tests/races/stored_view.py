# real CPython 3.11: fails 9/300 with setswitchinterval(1e-6) (2 shared cores)
"""A dict view kept and iterated later: ``LIMITS = limits.items()`` is made once, and a
reader copies the limits through it while a task updates them, both entries at once
(``update`` is one atomic call).  The reader can copy one entry before the update and
the other after it: a torn snapshot.  The view was made far from the loop, so the
simulator must see that iterating it reads the dict (``effects.walked_container``).
"""

import threading
from concurrent.futures import ThreadPoolExecutor

limits = {"low": 0, "high": 0}
LIMITS = limits.items()
lock = threading.Lock()
start = threading.Barrier(2)  # both tasks at work at once


def raise_limits():
    start.wait()
    for level in range(1, 300):
        limits.update(low=level, high=level)
        for _ in range(20):
            pass


def snapshots():
    start.wait()
    torn = []
    for _ in range(15):
        snapshot = {}
        for name, value in LIMITS:
            snapshot[name] = value
            for _ in range(10):
                pass
        if snapshot["low"] != snapshot["high"]:
            torn.append(snapshot)
    return torn


with ThreadPoolExecutor(max_workers=2) as pool:
    writer = pool.submit(raise_limits)
    torn = pool.submit(snapshots).result()
    writer.result()

assert not torn, f"torn snapshot: {torn[0]}"
