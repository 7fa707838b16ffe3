"""Returning a lock (or a lambda) from a process task: the pickling error and its cause."""
# sim: compare
import threading
from concurrent.futures import ProcessPoolExecutor


def make_lock():
    return threading.Lock()


def make_rlock():
    return [threading.RLock()]


def make_lambda():
    return lambda: 1


if __name__ == "__main__":
    with ProcessPoolExecutor(1) as ex:
        for task in (make_lock, make_rlock, make_lambda):
            e = ex.submit(task).exception()
            print(type(e).__name__, e)
            print(type(e.__cause__).__name__)
        print(ex.submit(abs, -9).result())
