"""repr() of a Future in every state."""
# sim: compare
from concurrent.futures import Future

f = Future()
print(f)
f.set_running_or_notify_cancel()
print(f)
f.set_result([1])
print(f)
g = Future()
g.set_exception(ZeroDivisionError())
print(repr(g))
h = Future()
h.cancel()
print(h)
h.set_running_or_notify_cancel()
print(h, h.cancelled(), h.done(), h.running())
n = Future()
n.set_result(None)
print(n)
e = Future()
e.set_exception(None)
print(e, e.result())
