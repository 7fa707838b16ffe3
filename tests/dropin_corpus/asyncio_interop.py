"""asyncio over both pools: run_in_executor, wrap_future, to_thread on a default executor."""
# sim: skip (asyncio is outside the simulator's patch mode)
import asyncio
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor


def where(x):
    return x * 2


async def main():
    loop = asyncio.get_running_loop()
    with ThreadPoolExecutor(2) as tp, ProcessPoolExecutor(1) as pp:
        print(await loop.run_in_executor(tp, where, 2), await loop.run_in_executor(pp, where, 3))
        print(await asyncio.wrap_future(pp.submit(pow, 2, 9)))
        try:
            await loop.run_in_executor(pp, divmod, 1, 0)
        except ZeroDivisionError as e:
            print(type(e).__name__, e)
        try:
            await asyncio.wait_for(loop.run_in_executor(tp, threading.Event().wait, 0.2), 0.01)
        except TimeoutError as e:
            print("wait_for:", type(e).__name__)
    loop.set_default_executor(ThreadPoolExecutor(1, thread_name_prefix="aio"))
    print(await asyncio.to_thread(lambda: threading.current_thread().name))
    try:
        loop.set_default_executor(ProcessPoolExecutor(1))
    except TypeError as e:
        print("TypeError", e)


if __name__ == "__main__":
    asyncio.run(main())
