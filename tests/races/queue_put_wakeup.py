# real CPython 3.11: fails 10/60 with setswitchinterval(1e-6) (2 shared cores, load ~20)
"""Queue.put() wakes a waiting consumer, which may run before the producer's next step
(the code assumes the producer goes on first)."""

import queue
import threading
import time

order = []
jobs = queue.Queue()


def consumer():
    order.append(f"took {jobs.get()}")


t = threading.Thread(target=consumer)
t.start()
time.sleep(0.01)  # the other thread is now blocked waiting
jobs.put("job")
sum(range(100_000))  # ~1 ms of CPU, no blocking call (widens the window for real runs)
order.append("put job")  # assumed to come before the consumer takes it
t.join()

print("order:", order)
assert order == ["put job", "took job"], f"the woken consumer ran first: {order}"
