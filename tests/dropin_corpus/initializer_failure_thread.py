"""A failing thread initializer: the CRITICAL log and BrokenThreadPool, then and later."""
# sim: compare
from concurrent.futures import BrokenExecutor, ThreadPoolExecutor
from concurrent.futures.thread import BrokenThreadPool


def init(tag):
    raise OSError("init failed: " + tag)


ex = ThreadPoolExecutor(1, initializer=init, initargs=("a",))
f = ex.submit(abs, -1)
try:
    f.result()
except BrokenThreadPool as e:
    print(type(e).__module__, type(e).__name__, e.args, isinstance(e, BrokenExecutor))
try:
    ex.submit(abs, 1)
except BrokenThreadPool as e:
    print("later:", e)
ex.shutdown()
