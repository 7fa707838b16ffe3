"""result(timeout=T) tied with a T-long task: whether the result or the timeout wins is luck."""

import time
from concurrent.futures import ThreadPoolExecutor


def render():
    time.sleep(0.5)  # takes exactly as long as the caller is willing to wait
    return "page"


with ThreadPoolExecutor(max_workers=1) as pool:
    page = pool.submit(render).result(timeout=0.5)

print(page)
