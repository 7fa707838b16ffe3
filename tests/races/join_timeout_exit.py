# real CPython 3.11: fails 52/60 with setswitchinterval(1e-6) (2 shared cores, under load)
"""A thread computing while the main thread joins it with a timeout: the timeout can
beat the thread's last computation, so ``join(timeout)`` returns with it still alive.
The window is the thread's exit itself (no call between the loop and the exit)."""

import threading


def work():
    total = 0
    for n in range(150_000):  # ~5 ms of computation, no blocking call
        total += n


worker = threading.Thread(target=work)
worker.start()
worker.join(0.002)
alive = worker.is_alive()
worker.join()
assert not alive, "join() timed out with the worker still computing"
