"""A process-task error propagated out of the main program: traceback with remote cause."""
# sim: compare
from concurrent.futures import ProcessPoolExecutor


def fail():
    raise ArithmeticError("remote")


if __name__ == "__main__":
    with ProcessPoolExecutor(1) as ex:
        ex.submit(fail).result()
