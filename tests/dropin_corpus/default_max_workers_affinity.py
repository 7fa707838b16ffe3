"""Default pool sizes count the CPUs the running Python counts: 3.13 uses
os.process_cpu_count() (this process's affinity), 3.11 and 3.12 os.cpu_count()."""
# sim: compare
import os
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

if __name__ == "__main__":
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one usable CPU
    expected = os.process_cpu_count() if hasattr(os, "process_cpu_count") else os.cpu_count()
    gate = threading.Event()
    before = threading.active_count()
    pool = ThreadPoolExecutor()
    # Every call blocks, so each submit starts a thread until max_workers is reached.
    fs = [pool.submit(gate.wait) for _ in range(40)]
    started = threading.active_count() - before
    gate.set()
    pool.shutdown()
    print("threads started:", started, "expected:", min(32, expected + 4))
    with ProcessPoolExecutor() as procs:
        print("process workers:", procs._max_workers, "expected:", expected)
        print(sum(procs.map(abs, range(-4, 0))))
