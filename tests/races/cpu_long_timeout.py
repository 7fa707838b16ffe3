# real CPython 3.11: fails 56/100 with setswitchinterval(1e-6) (2 shared cores, load ~4.5)
"""A CPU-bound task against result(timeout=0.012), longer than one step's time
(Limits.step_time): the computation takes real time, so the timeout wins although
nothing in the task blocks (the clock may jump as far as the instructions counted in
race discovery may take, Limits.opcode_time)."""

from concurrent.futures import ThreadPoolExecutor


def checksum(n):
    total = 0
    for i in range(n):  # pure Python, no blocking call: about 20 ms for real
        total += i
    return total


with ThreadPoolExecutor(max_workers=1) as pool:
    print("checksum:", pool.submit(checksum, 300_000).result(timeout=0.012))  # TimeoutError
