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
for _ in range(200):  # a moment of pure Python (widens the window for real runs)
    pass
order.append("main")  # assumed to come before the woken waiter
t.join()

print("order:", order)
assert order == ["main", "waiter"], f"the woken thread ran first: {order}"
