"""Callbacks run in registration order, on cancel too, and see the cancelled future."""
# sim: compare
from concurrent.futures import Future

f = Future()
for i in range(3):
    f.add_done_callback(lambda fut, i=i: print("cb", i, fut.cancelled(), fut.done()))
print("cancel ->", f.cancel())
print("cancel again ->", f.cancel())
f.add_done_callback(lambda fut: print("late cb", fut.cancelled()))
print(f.set_running_or_notify_cancel())
