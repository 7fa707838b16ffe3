# real CPython 3.11: fails 1/60 with setswitchinterval(1e-6) (2 shared cores, load ~20)
"""wait() returns before the done-callbacks ran: set_result() wakes wait()'s waiter first
and runs the callbacks after, on the worker (the code assumes they already ran)."""

from concurrent.futures import ThreadPoolExecutor, wait

totals = []


def tally(future):
    sum(range(100_000))  # ~1 ms of CPU, no blocking call (widens the window for real runs)
    totals.append(future.result())


with ThreadPoolExecutor(max_workers=1) as pool:
    job = pool.submit(sum, [1, 2, 3])
    job.add_done_callback(tally)
    wait([job])
    seen = list(totals)  # assumed complete once wait() returned

print("totals:", seen)
assert seen == [6], f"wait() returned before the callback: {seen}"
