"""A done-callback that raises is logged (default handler, with traceback) and the rest run."""
# sim: compare
from concurrent.futures import Future


def bad(fut):
    raise ValueError("callback failed on %s" % fut.result())


f = Future()
f.add_done_callback(bad)
f.add_done_callback(lambda fut: print("second callback ran", fut.result()))
f.set_result(7)
f.add_done_callback(bad)
print("after")
