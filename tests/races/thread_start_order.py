# real CPython 3.11: fails 20/60 with setswitchinterval(1e-6) (2 shared cores, load ~20)
"""Thread.start() returns once the child is running, not once it has done anything: the
parent may go on before the child's first step (the code assumes the child registered
itself by then)."""

import threading

registry = {}


def service():
    sum(range(10_000))  # ~0.1 ms of CPU, no blocking call (widens the window for real runs)
    registry["service"] = threading.current_thread().name


t = threading.Thread(target=service, name="svc")
t.start()
found = registry.get("service")  # assumed registered: start() has returned
t.join()

print("found:", found)
assert found == "svc", "the child had not registered yet"
