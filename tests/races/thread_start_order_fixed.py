# real CPython 3.11: fails 0/60 with setswitchinterval(1e-6) (2 shared cores, load ~20)
"""Thread.start() order, fixed: the parent waits for the child's own signal."""

import threading

registry = {}
registered = threading.Event()


def service():
    sum(range(10_000))
    registry["service"] = threading.current_thread().name
    registered.set()


t = threading.Thread(target=service, name="svc")
t.start()
registered.wait()
found = registry.get("service")
t.join()

print("found:", found)
assert found == "svc", "the child had not registered yet"
