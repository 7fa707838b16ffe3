# real CPython 3.11: fails 0/100 with setswitchinterval(1e-6) (2 shared cores, load ~4.5)
"""A CPU-bound task against a timeout longer than one step, fixed: a timeout means
"not yet", so the caller goes on waiting (here: prints the same answer once it is there)."""

from concurrent.futures import ThreadPoolExecutor, TimeoutError


def checksum(n):
    total = 0
    for i in range(n):
        total += i
    return total


with ThreadPoolExecutor(max_workers=1) as pool:
    job = pool.submit(checksum, 300_000)
    try:
        value = job.result(timeout=0.012)
    except TimeoutError:  # still computing: show a spinner, then wait for it
        value = job.result()
    print("checksum:", value)
