# real CPython 3.11: fails 0/60 with setswitchinterval(1e-6) (2 shared cores, load ~20)
"""result() and done-callbacks, fixed: wait for the callback's own signal."""

import threading
from concurrent.futures import ThreadPoolExecutor

log = []
audit_done = threading.Event()


def audit(future):
    sum(range(100_000))
    log.append(f"audited {future.result()}")
    audit_done.set()


with ThreadPoolExecutor(max_workers=1) as pool:
    job = pool.submit(pow, 2, 10)
    job.add_done_callback(audit)
    value = job.result()
    audit_done.wait()
    audited = list(log)

print(value, audited)
assert audited == ["audited 1024"], f"result() returned before the callback: {audited}"
