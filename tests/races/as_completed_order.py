"""as_completed order: the code assumes results come back in submission order."""

import time
from concurrent.futures import ThreadPoolExecutor, as_completed


def download(name):
    time.sleep(0.1)  # both downloads take the same time
    return name


with ThreadPoolExecutor(max_workers=2) as pool:
    jobs = [pool.submit(download, name) for name in ("header", "body")]
    parts = [job.result() for job in as_completed(jobs)]

print(parts)
assert parts == ["header", "body"], f"parts out of order: {parts}"
