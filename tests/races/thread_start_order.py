"""Thread.start() returns once the child is running, not once it has done anything: the
parent may go on before the child's first step (the code assumes the child registered
itself by then)."""

import threading

registry = {}


def service():
    for _ in range(200):  # a little set-up first (widens the window for real runs)
        pass
    registry["service"] = threading.current_thread().name


t = threading.Thread(target=service, name="svc")
t.start()
found = registry.get("service")  # assumed registered: start() has returned
t.join()

print("found:", found)
assert found == "svc", "the child had not registered yet"
