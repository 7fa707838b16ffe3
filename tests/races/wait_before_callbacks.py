"""wait() returns before the done-callbacks ran: set_result() wakes wait()'s waiter first
and runs the callbacks after, on the worker (the code assumes they already ran)."""

from concurrent.futures import ThreadPoolExecutor, wait

totals = []


def tally(future):
    for _ in range(2000):  # a little work before the callback records (widens the window)
        pass
    totals.append(future.result())


with ThreadPoolExecutor(max_workers=1) as pool:
    job = pool.submit(sum, [1, 2, 3])
    job.add_done_callback(tally)
    wait([job])
    seen = list(totals)  # assumed complete once wait() returned

print("totals:", seen)
assert seen == [6], f"wait() returned before the callback: {seen}"
