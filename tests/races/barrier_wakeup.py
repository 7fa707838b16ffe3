# real CPython 3.11: fails 43/200 with setswitchinterval(1e-6) (2 shared cores, load ~20)
"""The last arrival at a Barrier wakes the others, which may run before the last
arrival's next step (the code assumes the last arrival goes on first)."""

import threading
import time

order = []
meet = threading.Barrier(2)


def waiter():
    meet.wait()
    order.append("waiter")


t = threading.Thread(target=waiter)
t.start()
time.sleep(0.01)  # the waiter is now blocked at the barrier
meet.wait()  # the last arrival
sum(range(100_000))  # ~1 ms of CPU, no blocking call (widens the window for real runs)
order.append("main")  # assumed to come before the woken waiter
t.join()

print("order:", order)
assert order == ["main", "waiter"], f"the woken thread ran first: {order}"
