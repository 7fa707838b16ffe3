# real CPython 3.11: fails 21/60 with setswitchinterval(1e-6) (2 shared cores, load ~2)
"""An asyncio timeout tied with the thread it waits for: `wait_for(to_thread(fetch),
timeout=0.1)` where the fetch takes 0.1 s.  Either may win."""

import asyncio
import time


def fetch():
    time.sleep(0.1)
    return "page"


async def main():
    page = await asyncio.wait_for(asyncio.to_thread(fetch), timeout=0.1)
    print("got", page)


asyncio.run(main())
