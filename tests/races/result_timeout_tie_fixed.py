"""result(timeout=T) tied with a T-long task, fixed: a timeout is handled, not assumed away."""

import time
from concurrent.futures import ThreadPoolExecutor, TimeoutError


def render():
    time.sleep(0.5)
    return "page"


with ThreadPoolExecutor(max_workers=1) as pool:
    job = pool.submit(render)
    try:
        page = job.result(timeout=0.5)
    except TimeoutError:
        page = job.result()  # late, but still the page (a real fallback could go here)

print(page)
