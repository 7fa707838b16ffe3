# real CPython 3.11: fails 0/100 with setswitchinterval(1e-6) (2 shared cores, load ~4)
"""list.sort(key=...) while another thread appends, fixed: both hold the list's lock."""

import threading

scores = [(i * 7919) % 101 for i in range(30)]
lock = threading.Lock()
errors = []


def rank(x):
    return -x


def sorter():
    try:
        with lock:
            scores.sort(key=rank)
    except ValueError as e:
        errors.append(str(e))


def adder():
    for i in range(3):
        with lock:
            scores.append(i)


t1 = threading.Thread(target=sorter)
t2 = threading.Thread(target=adder)
t1.start()
t2.start()
t1.join()
t2.join()
assert not errors, f"sort failed: {errors}"
print("sorted", len(scores))
