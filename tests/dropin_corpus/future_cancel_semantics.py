"""cancel() in each state and what result()/exception() then raise."""
# sim: compare
from concurrent.futures import CancelledError, Future

p = Future()
print(p.cancel(), p.cancel(), p.cancelled())
for call in (p.result, p.exception):
    try:
        call(timeout=0)
    except CancelledError as e:
        print(type(e).__module__, type(e).__qualname__, repr(e), e.__cause__, e.__context__)
r = Future()
r.set_running_or_notify_cancel()
print(r.cancel(), r.cancelled(), r.running())
d = Future()
d.set_result(3)
print(d.cancel(), d.result(), d.exception())
print(issubclass(CancelledError, Exception), CancelledError.__mro__[1].__name__)
