# real CPython 3.11: fails 0/60 with setswitchinterval(1e-6) (2 shared cores, load ~20)
"""Lock.release() wake-up, fixed: main records its step before it releases the lock."""

import threading
import time

order = []
lock = threading.Lock()
lock.acquire()


def waiter():
    with lock:
        order.append("waiter")


t = threading.Thread(target=waiter)
t.start()
time.sleep(0.01)
sum(range(100_000))
order.append("main")
lock.release()
t.join()

print("order:", order)
assert order == ["main", "waiter"], f"the woken thread ran first: {order}"
