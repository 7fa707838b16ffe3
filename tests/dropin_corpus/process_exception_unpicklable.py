"""A process task raises an exception that cannot itself be pickled."""
# sim: compare
import threading
from concurrent.futures import ProcessPoolExecutor


class Holding(Exception):
    def __init__(self):
        super().__init__("holding a lock")
        self.lock = threading.Lock()


def fail():
    raise Holding()


if __name__ == "__main__":
    with ProcessPoolExecutor(1) as ex:
        e = ex.submit(fail).exception()
        print(type(e).__name__, e)
        print(type(e.__cause__).__name__)
        print(ex.submit(abs, -1).result())
