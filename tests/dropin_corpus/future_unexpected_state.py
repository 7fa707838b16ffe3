"""set_running_or_notify_cancel on a running/finished future: CRITICAL log, plain RuntimeError."""
# sim: compare
from concurrent.futures import Future, InvalidStateError

running = Future()
print(running.set_running_or_notify_cancel())
finished = Future()
finished.set_exception(KeyError("k"))
for f in (running, finished):
    try:
        f.set_running_or_notify_cancel()
    except InvalidStateError:
        print("caught as InvalidStateError (CPython does not)")
    except RuntimeError as e:
        print(type(e).__name__, e.args, isinstance(e, InvalidStateError))
        print(e.__context__, e.__cause__, e.__suppress_context__)
