# real CPython 3.11: fails 0/60 with setswitchinterval(1e-6) (2 shared cores, load ~20)
"""Idle worker reuse, fixed: the code does not care which worker runs the next task (any
worker of this pool will do)."""

import threading
from concurrent.futures import ThreadPoolExecutor


def busy_tail(future):
    sum(range(100_000))


with ThreadPoolExecutor(max_workers=2) as pool:
    first = pool.submit(threading.current_thread)
    first.add_done_callback(busy_tail)
    first.result()
    second = pool.submit(threading.current_thread)
    names = [first.result().name, second.result().name]

ours = all(name.startswith("ThreadPoolExecutor-0_") for name in names)
print("ran on the pool's workers:", ours)
assert ours, f"ran elsewhere: {names}"
