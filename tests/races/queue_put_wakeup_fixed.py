# real CPython 3.11: fails 0/60 with setswitchinterval(1e-6) (2 shared cores, load ~20)
"""Queue.put() wake-up, fixed: the producer records the job before it puts it."""

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
sum(range(100_000))
order.append("put job")
jobs.put("job")
t.join()

print("order:", order)
assert order == ["put job", "took job"], f"the woken consumer ran first: {order}"
