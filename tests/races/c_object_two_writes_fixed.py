"""Fixed twin of c_object_two_writes: each record is written by one call."""

import io
from concurrent.futures import ThreadPoolExecutor

log = io.StringIO()


def report(tag):
    for _ in range(12):
        sum(range(20_000))  # a little work in the window (C: no traced lines)
        log.write(tag + tag.upper() + "\n")


with ThreadPoolExecutor(max_workers=2) as pool:
    pool.submit(report, "a")
    pool.submit(report, "b")

torn = [line for line in log.getvalue().splitlines() if line not in ("aA", "bB")]
assert not torn, f"torn records: {torn[:3]}"
