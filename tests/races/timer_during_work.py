# real CPython 3.11: fails 60/60 with setswitchinterval(1e-6) (2 shared cores, under load)
"""A timer fires while the main thread computes; the main thread then looks at state the
timer changed with a read that blocks nothing (``Queue.empty()``, ``Event.is_set()``,
``Lock.locked()``).  Such reads are scheduling points: time passes before them."""

import queue
import threading

inbox = queue.Queue()
ready = threading.Event()
busy = threading.Lock()


def fire():
    inbox.put("tick")
    ready.set()
    busy.acquire()


timer = threading.Timer(0.002, fire)
timer.start()
sum(range(300_000))  # ~5 ms of computation (in C: cheap to trace)
seen = (not inbox.empty(), ready.is_set(), busy.locked())
timer.join()
assert not any(seen), f"the timer fired during the computation: {seen}"
