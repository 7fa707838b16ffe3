# real CPython 3.11: fails 11/60 with setswitchinterval(1e-6) (2 shared cores, load ~20)
"""Submit then cancel at once: submit() wakes the idle worker, which may start the task
before the caller's cancel() (the code assumes cancel() always wins)."""

from concurrent.futures import ThreadPoolExecutor

sent = []

with ThreadPoolExecutor(max_workers=1) as pool:
    pool.submit(print, "worker up").result()  # the worker now waits, idle, for work
    job = pool.submit(sent.append, "draft")
    sum(range(100_000))  # ~1 ms of CPU, no blocking call (widens the window for real runs)
    job.cancel()  # "undo": assumed to come before the worker wakes

print("sent:", sent)
assert sent == [], "a cancelled message was sent"
