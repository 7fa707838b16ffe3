# real CPython 3.11: fails 5/60 with setswitchinterval(1e-6) (2 shared cores, load ~2)
"""One generator handing out ticket numbers to two pool tasks: `next(tickets)` from two
threads at once raises "ValueError: generator already executing" in CPython."""

from concurrent.futures import ThreadPoolExecutor


def ticket_numbers():
    number = 0
    while True:
        number += 1
        sum(range(100_000))  # ~1 ms of CPU, no blocking call (widens the window for real runs)
        yield number


tickets = ticket_numbers()


def book(seat):
    return seat, next(tickets)


with ThreadPoolExecutor(max_workers=2) as pool:
    booked = [pool.submit(book, seat) for seat in ("1A", "1B")]
    print("tickets:", sorted(number for _, number in (f.result() for f in booked)))
