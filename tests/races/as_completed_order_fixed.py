"""as_completed order, fixed: results are put back in submission order."""

import time
from concurrent.futures import ThreadPoolExecutor, as_completed


def download(name):
    time.sleep(0.1)
    return name


with ThreadPoolExecutor(max_workers=2) as pool:
    jobs = [pool.submit(download, name) for name in ("header", "body")]
    index = {job: i for i, job in enumerate(jobs)}
    parts = [None] * len(jobs)
    for job in as_completed(jobs):
        parts[index[job]] = job.result()

print(parts)
assert parts == ["header", "body"], f"parts out of order: {parts}"
