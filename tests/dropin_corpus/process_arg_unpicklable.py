"""Submitting an argument that cannot be pickled to a process pool."""
# sim: compare
import threading
from concurrent.futures import Future, ProcessPoolExecutor

if __name__ == "__main__":
    with ProcessPoolExecutor(1) as ex:
        for arg in (threading.Lock(), Future(), threading.Event()):
            f = ex.submit(repr, arg)
            e = f.exception()
            print(type(e).__name__, e)
        print(ex.submit(abs, -4).result())
