"""Worker thread names: ThreadPoolExecutor-N_M, or the prefix."""
# sim: compare
import threading
from concurrent.futures import ThreadPoolExecutor


def name():
    return threading.current_thread().name


with ThreadPoolExecutor(1) as a:
    print(a.submit(name).result())
with ThreadPoolExecutor(1, thread_name_prefix="job") as b:
    print(b.submit(name).result())
with ThreadPoolExecutor(1) as c:
    print(c.submit(name).result())
print(b._thread_name_prefix, c._thread_name_prefix, c._max_workers)
