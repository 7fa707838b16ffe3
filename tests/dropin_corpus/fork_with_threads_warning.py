"""A 'fork' process pool started while another thread runs: 3.12+ warn from os.fork
(DeprecationWarning, multi-threaded fork); 3.11 is silent; a single-threaded start is
silent everywhere."""
# sim: skip (virtual processes do not fork: no 3.12+ fork warning, docs/versions.md)
import multiprocessing
import re
import threading
import warnings
from concurrent.futures import ProcessPoolExecutor


def forked_pool_warnings():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as ex:
            print(list(ex.map(abs, [-1, -2, -3])))
    return [f"{w.category.__name__}: {re.sub(r'pid=[0-9]+', 'pid=N', str(w.message))}"
            for w in caught]


if __name__ == "__main__":
    print("single-threaded:", forked_pool_warnings())
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        print("with a thread:", forked_pool_warnings())
    finally:
        stop.set()
        other.join()
