"""Fixed twin of match_class_torn: the point moves and is matched under one lock."""

import threading
from concurrent.futures import ThreadPoolExecutor


class Point:
    __match_args__ = ("x", "y")

    def __init__(self):
        self.x = self.y = 0


point = Point()
ROUNDS = 20
guard = threading.Lock()


def move():
    for step in range(1, ROUNDS + 1):
        with guard:
            point.x = step
            sum(range(20_000))  # a little work in the window (C: no traced lines)
            point.y = step


def watch():
    torn = []
    for _ in range(ROUNDS):
        with guard:
            match point:
                case Point(x=x, y=y) if x != y:
                    torn.append((x, y))
        sum(range(20_000))
    return torn


with ThreadPoolExecutor(max_workers=2) as pool:
    pool.submit(move)
    torn = pool.submit(watch).result()

assert not torn, f"torn point seen: {torn[0]}"
