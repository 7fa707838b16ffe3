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
for _ in range(200):  # a moment of pure Python (widens the window for real runs)
    pass
order.append("main")  # assumed to come before the woken waiter
t.join()

print("order:", order)
assert order == ["main", "waiter"], f"the woken thread ran first: {order}"
