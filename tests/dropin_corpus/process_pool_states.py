"""Process pool futures: states, repr, exception() and a cancel that loses."""
# sim: compare
import time
from concurrent.futures import ProcessPoolExecutor, wait

if __name__ == "__main__":
    with ProcessPoolExecutor(1) as ex:
        f = ex.submit(time.sleep, 0.05)
        wait([f])
        print(f, f.cancel(), f.exception())
        g = ex.submit(int, "x")
        print(repr(g.exception()))
        print(g)
