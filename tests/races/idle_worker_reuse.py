# real CPython 3.11: fails 2/60 with setswitchinterval(1e-6) (2 shared cores, load ~20)
"""Is the worker that just finished idle yet?  It marks itself idle only after setting the
result and running the callbacks, so the next submit() may start a second thread (the
code assumes one worker serves the whole sequence)."""

import threading
from concurrent.futures import ThreadPoolExecutor


def busy_tail(future):
    sum(range(100_000))  # ~1 ms of CPU, no blocking call (widens the window for real runs)


with ThreadPoolExecutor(max_workers=2) as pool:
    first = pool.submit(threading.current_thread)
    first.add_done_callback(busy_tail)
    first.result()
    second = pool.submit(threading.current_thread)  # reuses the idle worker, or starts one
    names = [first.result().name, second.result().name]

print("ran on", names)
assert names[0] == names[1], f"a second worker was started: {names}"
