"""BaseExceptions raised in tasks are captured by the future, in both pools."""
# sim: compare
import sys
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor


def leave(code):
    sys.exit(code)


if __name__ == "__main__":
    for cls in (ThreadPoolExecutor, ProcessPoolExecutor):
        with cls(1) as ex:
            e = ex.submit(leave, 5).exception()
            print(cls.__name__, type(e).__name__, e.code)
            print(ex.submit(abs, -2).result())
