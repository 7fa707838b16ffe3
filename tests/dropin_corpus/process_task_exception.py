"""An exception in a process task: type, args, and the remote traceback as its cause."""
# sim: compare
from concurrent.futures import ProcessPoolExecutor


class Custom(Exception):
    pass


def fail(n):
    raise Custom("failed", n)


if __name__ == "__main__":
    with ProcessPoolExecutor(1) as ex:
        f = ex.submit(fail, 3)
        e = f.exception()
        print(type(e).__name__, e.args, repr(e))
        cause = e.__cause__
        print(type(cause).__module__, type(cause).__name__)
        print(cause)
        try:
            f.result()
        except Custom:
            import traceback
            traceback.print_exc()
