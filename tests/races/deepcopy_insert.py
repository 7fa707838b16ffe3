# real CPython 3.11: fails 4/100 with setswitchinterval(1e-6) (2 shared cores, load ~4)
"""copy.deepcopy of a shared dict while another thread inserts: deepcopy iterates the
dict in the stdlib's Python code, so the insert can land in the middle of it."""

import copy
import threading

config = {f"k{i}": i for i in range(12)}
errors = []


def snapshot():
    try:
        copy.deepcopy(config)
    except RuntimeError as e:  # dictionary changed size during iteration
        errors.append(str(e))


def writer():
    for i in range(12, 16):
        config[f"k{i}"] = i


t1 = threading.Thread(target=snapshot)
t2 = threading.Thread(target=writer)
t1.start()
t2.start()
t1.join()
t2.join()
assert not errors, f"snapshot failed: {errors}"
print("snapshot ok")
