"""run_coroutine_threadsafe hands a thread a concurrent Future: results, errors, cancel."""
# sim: skip (asyncio is outside the simulator's patch mode)
import asyncio
from concurrent.futures import CancelledError, ThreadPoolExecutor


async def double(x):
    await asyncio.sleep(0.001)
    return 2 * x


async def fail():
    raise LookupError("in the loop")


def from_thread(loop):
    print(asyncio.run_coroutine_threadsafe(double(21), loop).result(timeout=5))
    try:
        asyncio.run_coroutine_threadsafe(fail(), loop).result(timeout=5)
    except LookupError as e:
        print(type(e).__name__, e)
    slow = asyncio.run_coroutine_threadsafe(asyncio.sleep(10), loop)
    print(type(slow).__name__, slow.cancel())
    try:
        slow.result(timeout=5)
    except CancelledError as e:
        print("cancelled", repr(e))


async def main():
    loop = asyncio.get_running_loop()
    with ThreadPoolExecutor(1) as ex:
        await asyncio.wrap_future(ex.submit(from_thread, loop))
    await asyncio.sleep(0.01)
    print(sorted(t.get_coro().__name__ for t in asyncio.all_tasks()))


if __name__ == "__main__":
    asyncio.run(main())
