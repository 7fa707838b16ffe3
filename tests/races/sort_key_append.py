# real CPython 3.11: fails 2/100 with setswitchinterval(1e-6) (2 shared cores, load ~4)
"""list.sort(key=...) calls a Python key function per item, and CPython may switch
threads inside it: another thread's append in the middle of the sort makes it raise
"ValueError: list modified during sort"."""

import threading

scores = [(i * 7919) % 101 for i in range(30)]
errors = []


def rank(x):
    return -x  # touches nothing shared: the sort itself is what races


def sorter():
    try:
        scores.sort(key=rank)
    except ValueError as e:
        errors.append(str(e))


def adder():
    for i in range(3):
        scores.append(i)


t1 = threading.Thread(target=sorter)
t2 = threading.Thread(target=adder)
t1.start()
t2.start()
t1.join()
t2.join()
assert not errors, f"sort failed: {errors}"
print("sorted", len(scores))
