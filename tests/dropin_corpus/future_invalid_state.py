"""set_result/set_exception on a finished or cancelled future: the stdlib's InvalidStateError."""
# sim: compare
from concurrent.futures import Future, InvalidStateError

finished = Future()
finished.set_result(1)
cancelled = Future()
cancelled.cancel()
notified = Future()
notified.cancel()
notified.set_running_or_notify_cancel()
for f in (finished, cancelled, notified):
    for call in (f.set_result, f.set_exception):
        try:
            call(ValueError("x") if call is f.set_exception else 2)
        except InvalidStateError as e:
            print(type(e).__module__, type(e).__qualname__, repr(e))
            print(str(e), e.__context__, e.__cause__, e.__suppress_context__)
