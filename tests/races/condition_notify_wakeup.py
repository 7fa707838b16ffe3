# real CPython 3.11: fails 27/200 with setswitchinterval(1e-6) (2 shared cores, load ~20)
"""Condition.notify() wakes a waiter, which may run before the notifier's next step once
the lock is free (the code assumes the notifier goes on first)."""

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
sum(range(100_000))  # ~1 ms of CPU, no blocking call (widens the window for real runs)
order.append("main")  # assumed to come before the woken waiter
t.join()

print("order:", order)
assert order == ["main", "waiter"], f"the woken thread ran first: {order}"
