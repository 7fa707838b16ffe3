# real CPython 3.11: fails 0/60 with setswitchinterval(1e-6) (2 shared cores, load ~20)
"""Event.set() wake-up, fixed: main records its step before it sets the event."""

import threading
import time

order = []
go = threading.Event()


def waiter():
    go.wait()
    order.append("waiter")


t = threading.Thread(target=waiter)
t.start()
time.sleep(0.01)
sum(range(100_000))
order.append("main")
go.set()
t.join()

print("order:", order)
assert order == ["main", "waiter"], f"the woken thread ran first: {order}"
