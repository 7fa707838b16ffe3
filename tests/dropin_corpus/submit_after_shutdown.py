"""submit() after shutdown(), for both pools; shutdown twice is fine."""
# sim: compare
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

if __name__ == "__main__":
    for cls in (ThreadPoolExecutor, ProcessPoolExecutor):
        ex = cls(1)
        print(ex.submit(abs, -2).result())
        ex.shutdown()
        ex.shutdown(wait=False)
        try:
            ex.submit(abs, 1)
        except RuntimeError as e:
            print(cls.__name__, type(e).__name__, e)
        with cls(1) as ex2:
            pass
        try:
            ex2.submit(abs, 1)
        except RuntimeError as e:
            print(cls.__name__, "after with:", e)
