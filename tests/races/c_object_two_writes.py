# real CPython 3.11: fails 37/60 with setswitchinterval(1e-6) (2 shared cores, under load)
"""A record written with two calls into a C object (``io.StringIO.write``): another
task's write can land between them, tearing the record."""

import io
from concurrent.futures import ThreadPoolExecutor

log = io.StringIO()


def report(tag):
    for _ in range(12):
        log.write(tag)
        sum(range(20_000))  # a little work in the window (C: no traced lines)
        log.write(tag.upper() + "\n")


with ThreadPoolExecutor(max_workers=2) as pool:
    pool.submit(report, "a")
    pool.submit(report, "b")

torn = [line for line in log.getvalue().splitlines() if line not in ("aA", "bB")]
assert not torn, f"torn records: {torn[:3]}"
