# real CPython 3.11: fails 3/60 with setswitchinterval(1e-6) (2 shared cores, load ~20)
"""result() returns before the done-callbacks ran: set_result() wakes the waiter first and
runs the callbacks after, on the worker (the code assumes the callback already ran)."""

from concurrent.futures import ThreadPoolExecutor

log = []


def audit(future):
    sum(range(100_000))  # ~1 ms of CPU, no blocking call (widens the window for real runs)
    log.append(f"audited {future.result()}")


with ThreadPoolExecutor(max_workers=1) as pool:
    job = pool.submit(pow, 2, 10)
    job.add_done_callback(audit)
    value = job.result()
    audited = list(log)  # assumed complete once the result is in

print(value, audited)
assert audited == ["audited 1024"], f"result() returned before the callback: {audited}"
