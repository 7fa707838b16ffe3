"""A process pool's manager thread is an unnamed Thread: "Thread-N", and the threads the
program starts later are numbered after it (a done-callback may run on it)."""
# sim: compare
import threading
from concurrent.futures import ProcessPoolExecutor

if __name__ == "__main__":
    with ProcessPoolExecutor(max_workers=1) as pool:
        pool.submit(abs, -1).result()
        print(sorted(t.name for t in threading.enumerate() if t.name.startswith("Thread-")))
    later = threading.Thread(target=print)
    print(later.name)
