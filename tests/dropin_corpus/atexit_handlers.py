"""atexit handlers run once, last registered first, after the pool's threads are joined;
one that raises is reported and the next still runs; the exit status stays 0."""
# sim: compare
import atexit
from concurrent.futures import ThreadPoolExecutor


def goodbye(who):
    print("goodbye", who)


def broken():
    raise ValueError("handler failed")


atexit.register(goodbye, "first")
atexit.register(broken)
atexit.register(goodbye, "last")
atexit.register(goodbye, "unregistered")
atexit.unregister(goodbye)
atexit.register(goodbye, "again")
pool = ThreadPoolExecutor(max_workers=1)
pool.submit(print, "task").result()
print("main done")
